// Tests of the exchange pricing rule (chaincode/exchange/pricing.h), named after the rules of
// MISSION.md "The exchange" and ARCHITECTURE.md section 6 "Pricing" they check.
#include "chaincode/exchange/pricing.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "chaincode/exchange/tests/pricing_test_util.h"
#include "chaincode/exchange/wide.h"

namespace milk::chaincode::exchange {
namespace {

using test::ExampleFeed;
using test::ExampleParams;
using test::kBigReserve;
using test::kMlkUnit;
using test::MustQuote;
using test::RequireRefused;
using test::Rng;

TEST_CASE("Wide arithmetic multiplies and divides exactly", "[pricing]") {
  Wide square = Multiply(kAmountMax, kAmountMax);  // 2^256 - 2^129 + 1
  CHECK(square.high == kAmountMax - 1);
  CHECK(square.low == 1);
  WideDivision d = Divide(square, kAmountMax);
  CHECK(d.quotient.high == 0);
  CHECK(d.quotient.low == kAmountMax);
  CHECK(d.remainder == 0);
  CHECK(*MulDiv(kAmountMax, kAmountMax, kAmountMax, true) == kAmountMax);
  CHECK_FALSE(MulDiv(kAmountMax, 2, 1, false).has_value());
  CHECK(*MulDiv(7, 3, 2, false) == 10);
  CHECK(*MulDiv(7, 3, 2, true) == 11);
  CHECK(*MulDiv(Amount{1} << 100, Amount{1} << 100, Amount{1} << 90, false) == Amount{1} << 110);
  CHECK_FALSE(CheckedAdd(Wide{kAmountMax, kAmountMax}, Wide{0, 1}).has_value());
  CHECK(*CheckedAdd(Wide{0, kAmountMax}, Wide{0, 1}) == (Wide{1, 0}));
}

TEST_CASE("Bounds max price keeps the buyer all-in price within 95 percent of redemption value",
          "[pricing]") {
  for (uint32_t fee : {0u, 1u, 150u, 333u, 1000u}) {
    for (Amount r : {Amount{1}, Amount{999'999}, Amount{10'000'000}, Amount{123'456'789'012}}) {
      MarketParams p = ExampleParams();
      p.fee_bps = fee;
      p.redemption_value_micro_krw = r;
      p.min_price_bps = 6000;
      Result<PriceBounds> b = Bounds(p);
      if (!b.ok()) {  // tiny redemption values leave no room between the bounds
        CHECK(b.status().message().find("not below the maximum") != std::string::npos);
        continue;
      }
      // The largest price whose all-in price (price + fee) is <= 95% of R.
      CHECK(b->max_price_micro_krw * (10000 + fee) <= 9500 * r);
      CHECK((b->max_price_micro_krw + 1) * (10000 + fee) > 9500 * r);
    }
  }
  CHECK(Bounds(ExampleParams())->max_price_micro_krw == 9'359'605);
}

TEST_CASE("Bounds min price is the partner basis points of redemption value rounded up",
          "[pricing]") {
  MarketParams p = ExampleParams();
  p.redemption_value_micro_krw = 10'000'001;
  p.min_price_bps = 6000;
  CHECK(Bounds(p)->min_price_micro_krw == 6'000'001);  // 6000000.6 rounded up: never under 60%
  p.min_price_bps = 7000;
  CHECK(Bounds(p)->min_price_micro_krw == 7'000'001);  // 7000000.7 rounded up
}

TEST_CASE("Bounds minimum below 60 percent or above 95 percent is refused", "[pricing]") {
  MarketParams p = ExampleParams();
  p.min_price_bps = 5999;
  CHECK(ValidateMarketParams(p).message().find("discounts range from 5% to 40%") !=
        std::string::npos);
  p.min_price_bps = 9501;
  CHECK(ValidateMarketParams(p).code() == Code::kInvalidArgument);
  p.min_price_bps = 9500;  // 95% is above the maximum once the fee is counted
  CHECK(ValidateMarketParams(p).message().find("not below the maximum") != std::string::npos);
  p.fee_bps = 0;
  p.min_price_bps = 9499;
  CHECK(ValidateMarketParams(p).ok());
}

TEST_CASE("Invalid market parameters are refused with the rule broken", "[pricing]") {
  auto message = [](MarketParams p) { return ValidateMarketParams(p).message(); };
  MarketParams p = ExampleParams();
  CHECK(ValidateMarketParams(p).ok());
  p.redemption_value_micro_krw = 0;
  CHECK(message(p).find("redemption value must be positive") != std::string::npos);
  p = ExampleParams();
  p.bt_unit = 0;
  CHECK(message(p).find("bt_unit must be positive") != std::string::npos);
  p = ExampleParams();
  p.fee_bps = 1001;
  CHECK(message(p).find("fee_bps 1001 exceeds the maximum 1000") != std::string::npos);
  p = ExampleParams();
  p.depth_units = 0;
  CHECK(message(p).find("depth_units must be positive") != std::string::npos);
  CHECK(ValidateMlkFeed(MlkFeed{0, kMlkUnit}).code() == Code::kInvalidArgument);
  CHECK(ValidateMlkFeed(MlkFeed{1, 0}).code() == Code::kInvalidArgument);
  CHECK(Quote(ExampleParams(), MlkFeed{0, kMlkUnit}, 10, kBigReserve, Side::kBuy, 1)
            .status()
            .code() == Code::kInvalidArgument);
  RequireRefused(Quote(ExampleParams(), ExampleFeed(), 10, kBigReserve, Side::kBuy, 0),
                 Code::kInvalidArgument, "must be positive");
}

TEST_CASE("Overflow is refused", "[pricing]") {
  MarketParams p = ExampleParams();
  p.depth_units = kAmountMax / 2;  // 2 * depth * max price overflows
  CHECK(ValidateMarketParams(p).code() == Code::kOutOfRange);
  p.depth_units = kAmountMax;
  CHECK(ValidateMarketParams(p).code() == Code::kOutOfRange);
  p = ExampleParams();
  p.redemption_value_micro_krw = kAmountMax / 1000;
  CHECK(ValidateMarketParams(p).code() == Code::kOutOfRange);
  p = ExampleParams();
  p.bt_unit = kAmountMax / 1000;
  CHECK(ValidateMarketParams(p).code() == Code::kOutOfRange);
  // Far past the depth the price is flat at the minimum; an area of ~2^128 units overflows.
  p = ExampleParams();
  CHECK(AreaMicroKrw(p, 0, kAmountMax, false).status().code() == Code::kOutOfRange);
  RequireRefused(Quote(p, ExampleFeed(), kAmountMax, kBigReserve, Side::kBuy, kAmountMax - 1),
                 Code::kOutOfRange, "exceeds 128 bits");
  CHECK(KrwToMlk(MlkFeed{1, kMlkUnit}, kAmountMax, true).status().code() == Code::kOutOfRange);
}

TEST_CASE("Spot price falls as inventory grows and stays within its bounds", "[pricing]") {
  MarketParams p = ExampleParams();
  PriceBounds b = *Bounds(p);
  CHECK(*SpotPrice(p, 0) == b.max_price_micro_krw);
  CHECK(*SpotPrice(p, p.depth_units) == b.min_price_micro_krw);
  CHECK(*SpotPrice(p, p.depth_units * 5) == b.min_price_micro_krw);
  CHECK(*SpotPrice(p, 500'000) == 8'179'802);  // 9359605 - 2359605 / 2, rounded down
  Amount previous = b.max_price_micro_krw;
  for (Amount x = 0; x <= p.depth_units + 10; x += 997) {
    Amount price = *SpotPrice(p, x);
    CHECK(price <= previous);
    CHECK(price >= b.min_price_micro_krw);
    CHECK(CheckMarketInvariants(p, x).ok());
    previous = price;
  }
  CHECK(CheckMarketInvariants(p, kAmountMax).ok());
  p.min_price_bps = 1;
  CHECK(CheckMarketInvariants(p, 0).code() == Code::kInvalidArgument);
}

TEST_CASE("Inventory for a price opens a market at that spot price", "[pricing]") {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Rng rng(seed);
    MarketParams p = ExampleParams();
    p.depth_units = rng.Between(1, 5000);
    p.redemption_value_micro_krw = rng.Between(2000, 20'000'000);
    PriceBounds b = *Bounds(p);
    const Amount price = rng.Between(b.min_price_micro_krw, b.max_price_micro_krw);
    const Amount x = *InventoryForPrice(p, price);
    INFO("seed " << seed);
    CHECK(*SpotPrice(p, x) <= price);
    if (x > 0) CHECK(*SpotPrice(p, x - 1) > price);
    CHECK(x <= p.depth_units);
  }
  MarketParams p = ExampleParams();
  CHECK(*InventoryForPrice(p, 9'359'605) == 0);
  CHECK(*InventoryForPrice(p, 7'000'000) == 1'000'000);
  CHECK(*InventoryForPrice(p, 8'415'763) == 400'000);
  CHECK(InventoryForPrice(p, 6'999'999).status().code() == Code::kInvalidArgument);
  CHECK(InventoryForPrice(p, 9'359'606).status().code() == Code::kInvalidArgument);
}

TEST_CASE("Buying halts at the maximum price and only sells are accepted", "[pricing]") {
  MarketParams p = ExampleParams();
  RequireRefused(Quote(p, ExampleFeed(), 0, kBigReserve, Side::kBuy, 1), Code::kFailedPrecondition,
                 "buying is halted: the price is at its maximum 9359605");
  CHECK(Quote(p, ExampleFeed(), 0, kBigReserve, Side::kSell, 1).ok());
  // Buying everything TICA holds is allowed and lands exactly on the maximum.
  TradeQuote all = MustQuote(p, 1000, Side::kBuy, 1000);
  CHECK(all.inventory_after == 0);
  CHECK(all.price_after_micro_krw == 9'359'605);
}

TEST_CASE("Selling halts at the minimum price and only buys are accepted", "[pricing]") {
  MarketParams p = ExampleParams();
  RequireRefused(Quote(p, ExampleFeed(), p.depth_units, kBigReserve, Side::kSell, 1),
                 Code::kFailedPrecondition, "selling is halted: the price is at its minimum");
  RequireRefused(Quote(p, ExampleFeed(), p.depth_units + 7, kBigReserve, Side::kSell, 1),
                 Code::kFailedPrecondition, "selling is halted");
  CHECK(Quote(p, ExampleFeed(), p.depth_units, kBigReserve, Side::kBuy, 1).ok());
  TradeQuote fill = MustQuote(p, p.depth_units - 10, Side::kSell, 10);
  CHECK(fill.price_after_micro_krw == 7'000'000);
}

TEST_CASE("A trade beyond the bounds or TICA's reserve is refused with what is possible",
          "[pricing]") {
  MarketParams p = ExampleParams();
  RequireRefused(Quote(p, ExampleFeed(), 500, kBigReserve, Side::kBuy, 501),
                 Code::kFailedPrecondition, "at most 500 units can be bought now");
  RequireRefused(Quote(p, ExampleFeed(), 999'000, kBigReserve, Side::kSell, 1001),
                 Code::kFailedPrecondition, "at most 1000 units can be sold now");
  // 10 points at about 7 KRW pay out about 1.4 MLK; a reserve of 1 MLK cannot.
  RequireRefused(Quote(p, ExampleFeed(), 999'000, kMlkUnit, Side::kSell, 10),
                 Code::kFailedPrecondition, "from TICA's liquidity");
  CHECK(Quote(p, ExampleFeed(), 999'000, 2 * kMlkUnit, Side::kSell, 10).ok());
}

TEST_CASE("Worked example matches docs/exchange.md exactly", "[pricing]") {
  const MarketParams p = ExampleParams();
  const PriceBounds b = *Bounds(p);
  CHECK(b.max_price_micro_krw == 9'359'605);
  CHECK(b.min_price_micro_krw == 7'000'000);
  CHECK(*SpotPrice(p, 400'000) == 8'415'763);

  TradeQuote buy = MustQuote(p, 400'000, Side::kBuy, 10'000);
  CHECK(buy.krw_value == 84'275'610'250);
  CHECK(buy.krw_fee == 1'264'134'154);
  CHECK(buy.krw_total == 85'539'744'404);
  CHECK(FormatAmount(buy.mlk_total) == "1710794888080000000000");
  CHECK(FormatAmount(buy.mlk_fee) == "25282683080000000000");
  CHECK(FormatAmount(buy.MlkLiquidityLeg()) == "1685512205000000000000");
  CHECK(buy.inventory_after == 390'000);
  CHECK(buy.price_before_micro_krw == 8'415'763);
  CHECK(buy.price_after_micro_krw == 8'439'359);

  TradeQuote sell = MustQuote(p, 400'000, Side::kSell, 10'000);
  CHECK(sell.krw_value == 84'039'649'750);
  CHECK(sell.krw_fee == 1'260'594'747);
  CHECK(sell.krw_total == 82'779'055'003);
  CHECK(FormatAmount(sell.mlk_total) == "1655581100060000000000");
  CHECK(FormatAmount(sell.mlk_fee) == "25211894940000000000");
  CHECK(FormatAmount(sell.MlkLiquidityLeg()) == "1680792995000000000000");
  CHECK(sell.inventory_after == 410'000);
  CHECK(sell.price_after_micro_krw == 8'392'166);

  // The same buy in two halves costs 1 micro-KRW more: the halves' areas end in .5 and round up.
  TradeQuote first = MustQuote(p, 400'000, Side::kBuy, 5'000);
  TradeQuote second = MustQuote(p, 395'000, Side::kBuy, 5'000);
  CHECK(first.krw_value == 42'108'310'063);
  CHECK(second.krw_value == 42'167'300'188);
  CHECK(first.krw_total == 42'739'934'714);
  CHECK(second.krw_total == 42'799'809'691);
  CHECK(first.krw_total + second.krw_total == buy.krw_total + 1);
}

}  // namespace
}  // namespace milk::chaincode::exchange
