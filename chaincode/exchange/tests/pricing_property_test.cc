// Property tests of the exchange pricing rule: rounding in TICA's favour, exact fees, path
// independence over seeded random splits, the 95% all-in cap (MISSION.md "The exchange",
// ARCHITECTURE.md section 6 "Pricing"). Each seed replays exactly (splitmix64).
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "chaincode/exchange/pricing.h"
#include "chaincode/exchange/tests/pricing_test_util.h"
#include "chaincode/exchange/wide.h"

namespace milk::chaincode::exchange {
namespace {

using test::ExampleFeed;
using test::ExampleParams;
using test::kBigReserve;
using test::kMlkUnit;
using test::MustQuote;
using test::RandomSplit;
using test::RequireRefused;
using test::Rng;

// The exact area numerator over [low, high] for the denominator 2 * D * bt_unit, summed unit by
// unit with the midpoint rule (exact for a linear piece): an independent check of the closed form.
// REQUIRES small values (fits 128 bits).
Amount AreaNumeratorByUnits(const MarketParams& p, Amount low, Amount high) {
  PriceBounds b = *Bounds(p);
  const Amount d = p.depth_units, delta = b.max_price_micro_krw - b.min_price_micro_krw;
  Amount sum = 0;
  for (Amount x = low; x < high; ++x) {
    // 2 * D * p(x + 1/2) = 2 * D * p_max - delta * (2x + 1), or 2 * D * p_min past the depth.
    sum += x >= d ? 2 * d * b.min_price_micro_krw
                  : 2 * d * b.max_price_micro_krw - delta * (2 * x + 1);
  }
  return sum;
}

TEST_CASE("Rounding favours TICA buyers pay the area rounded up sellers get it rounded down",
          "[pricing]") {
  int quoted = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Rng rng(seed);
    MarketParams p = ExampleParams();
    p.redemption_value_micro_krw = rng.Between(1'000'000, 50'000'000);
    p.bt_unit = rng.Between(1, 1000);
    p.fee_bps = static_cast<uint32_t>(rng.Between(0, 1000));
    p.min_price_bps = static_cast<uint32_t>(rng.Between(6000, 8000));
    p.depth_units = rng.Between(1, 3000);
    const Amount low = rng.Between(0, p.depth_units + 50);
    const Amount high = rng.Between(low, p.depth_units + 100);
    const Amount numerator = AreaNumeratorByUnits(p, low, high);
    const Amount denominator = 2 * p.depth_units * p.bt_unit;
    CHECK(*AreaMicroKrw(p, low, high, false) == numerator / denominator);
    CHECK(*AreaMicroKrw(p, low, high, true) == (numerator + denominator - 1) / denominator);
    if (low == high) continue;
    // Quotes use the same area: a buy from high down to low, a sell from low up to high.
    Result<TradeQuote> buy = Quote(p, ExampleFeed(), high, kBigReserve, Side::kBuy, high - low);
    if (buy.ok()) CHECK(buy->krw_value == (numerator + denominator - 1) / denominator);
    if (high > p.depth_units) continue;
    Result<TradeQuote> sell = Quote(p, ExampleFeed(), low, kBigReserve, Side::kSell, high - low);
    if (sell.ok()) CHECK(sell->krw_value == numerator / denominator);
    quoted += (buy.ok() ? 1 : 0) + (sell.ok() ? 1 : 0);
  }
  CHECK(quoted >= 40);
  CHECK(AreaMicroKrw(ExampleParams(), 5, 4, false).status().code() == Code::kInvalidArgument);
}

TEST_CASE("Fee is exact to the unit added for buyers and deducted for sellers", "[pricing]") {
  MarketParams p = ExampleParams();
  int priced = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    p.fee_bps = static_cast<uint32_t>(rng.Between(0, 1000));
    const Amount inventory = rng.Between(1, p.depth_units - 1);
    const Side side = seed % 2 == 0 ? Side::kBuy : Side::kSell;
    const Amount amount =
        side == Side::kBuy ? rng.Between(1, inventory) : rng.Between(1, p.depth_units - inventory);
    Result<TradeQuote> q = Quote(p, ExampleFeed(), inventory, kBigReserve, side, amount);
    if (!q.ok()) continue;  // a too-small trade; refusals are tested elsewhere
    ++priced;
    CHECK(q->krw_fee == (q->krw_value * p.fee_bps + 9999) / 10000);
    if (side == Side::kBuy) {
      CHECK(q->krw_total == q->krw_value + q->krw_fee);
      CHECK(q->mlk_total - q->mlk_fee == *KrwToMlk(ExampleFeed(), q->krw_value, true));
      CHECK(q->MlkLiquidityLeg() + q->mlk_fee == q->mlk_total);
    } else {
      CHECK(q->krw_total == q->krw_value - q->krw_fee);
      CHECK(q->mlk_total + q->mlk_fee == *KrwToMlk(ExampleFeed(), q->krw_value, false));
      CHECK(q->MlkLiquidityLeg() == q->mlk_total + q->mlk_fee);
    }
  }
  CHECK(priced >= 190);
  p.fee_bps = 0;
  TradeQuote free = MustQuote(p, 1000, Side::kBuy, 10);
  CHECK(free.krw_fee == 0);
  CHECK(free.mlk_fee == 0);
}

TEST_CASE("MLK conversion rounds in TICA's favour both ways", "[pricing]") {
  MlkFeed feed = ExampleFeed();  // 50 KRW per MLK
  CHECK(*KrwToMlk(feed, 50'000'000, false) == kMlkUnit);
  CHECK(*KrwToMlk(feed, 50'000'000, true) == kMlkUnit);
  // 1 micro-KRW is 2 * 10^-8 MLK = 2 * 10^10 units exactly; 1/3 of a unit rounds both ways.
  CHECK(*KrwToMlk(feed, 1, false) == 20'000'000'000);
  MlkFeed odd{3, 1};
  CHECK(*KrwToMlk(odd, 1, false) == 0);
  CHECK(*KrwToMlk(odd, 1, true) == 1);
  CHECK(*KrwToMlk(odd, 7, true) == 3);
  // Through quotes: a feed that does not divide evenly (1 MLK = 49.999997 KRW, 10^18 units).
  MlkFeed uneven{49'999'997, kMlkUnit};
  int inexact = 0;
  for (Amount amount = 1; amount <= 50; ++amount) {
    TradeQuote buy = *Quote(ExampleParams(), uneven, 400'000, kBigReserve, Side::kBuy, amount);
    TradeQuote sell = *Quote(ExampleParams(), uneven, 400'000, kBigReserve, Side::kSell, amount);
    const Amount buy_product = buy.krw_total * kMlkUnit, sell_product = sell.krw_total * kMlkUnit;
    CHECK(buy.mlk_total == (buy_product + uneven.micro_krw_per_mlk - 1) / uneven.micro_krw_per_mlk);
    CHECK(sell.mlk_total == sell_product / uneven.micro_krw_per_mlk);
    inexact += sell_product % uneven.micro_krw_per_mlk != 0 ? 1 : 0;
  }
  CHECK(inexact >= 40);
}

TEST_CASE("Path independence splitting a buy never costs less", "[pricing]") {
  MarketParams p = ExampleParams();
  int priced = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    p.bt_unit = seed % 3 == 0 ? 100 : 1;
    p.fee_bps = static_cast<uint32_t>(rng.Between(0, 1000));
    const Amount start = rng.Between(1, p.depth_units + 5000);
    const Amount total = rng.Between(1, start);
    Result<TradeQuote> whole = Quote(p, ExampleFeed(), start, kBigReserve, Side::kBuy, total);
    if (!whole.ok()) continue;  // too small to price: refusals are tested elsewhere
    std::vector<Amount> parts = RandomSplit(rng, total, 8);
    Amount inventory = start, krw = 0, mlk = 0;
    bool all_priced = true;
    for (Amount part : parts) {
      Result<TradeQuote> q = Quote(p, ExampleFeed(), inventory, kBigReserve, Side::kBuy, part);
      if (!q.ok()) {
        all_priced = false;
        break;
      }
      inventory = q->inventory_after;
      krw += q->krw_total;
      mlk += q->mlk_total;
    }
    if (!all_priced) continue;
    INFO("seed " << seed);
    CHECK(inventory == whole->inventory_after);
    CHECK(krw >= whole->krw_total);
    CHECK(mlk >= whole->mlk_total);
    // Only rounding: at most one unit of value and one of fee per part.
    CHECK(krw - whole->krw_total <= 2 * parts.size());
    ++priced;
  }
  CHECK(priced >= 250);
}

TEST_CASE("Path independence splitting a sell never yields more", "[pricing]") {
  MarketParams p = ExampleParams();
  int priced = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    p.bt_unit = seed % 3 == 0 ? 100 : 1;
    p.fee_bps = static_cast<uint32_t>(rng.Between(0, 1000));
    const Amount start = rng.Between(0, p.depth_units - 1);
    const Amount total = rng.Between(1, p.depth_units - start);
    Result<TradeQuote> whole = Quote(p, ExampleFeed(), start, kBigReserve, Side::kSell, total);
    if (!whole.ok()) continue;
    std::vector<Amount> parts = RandomSplit(rng, total, 8);
    Amount inventory = start, krw = 0, mlk = 0;
    for (Amount part : parts) {
      Result<TradeQuote> q = Quote(p, ExampleFeed(), inventory, kBigReserve, Side::kSell, part);
      INFO(q.status().ToString());
      REQUIRE(q.ok());  // a unit is worth far more than 1 micro-KRW here: every part prices
      inventory = q->inventory_after;
      krw += q->krw_total;
      mlk += q->mlk_total;
    }
    INFO("seed " << seed);
    CHECK(inventory == whole->inventory_after);
    CHECK(krw <= whole->krw_total);
    CHECK(mlk <= whole->mlk_total);
    // Only rounding: at most one unit of value and one of fee per part.
    CHECK(whole->krw_total - krw <= 2 * parts.size());
    ++priced;
  }
  CHECK(priced >= 290);
}

TEST_CASE("A round trip never creates value buying then selling back returns at most the cost",
          "[pricing]") {
  MarketParams p = ExampleParams();
  int priced = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    const Amount start = rng.Between(1, p.depth_units);
    const Amount amount = rng.Between(1, start);
    Result<TradeQuote> buy = Quote(p, ExampleFeed(), start, kBigReserve, Side::kBuy, amount);
    if (!buy.ok()) continue;
    Result<TradeQuote> sell =
        Quote(p, ExampleFeed(), buy->inventory_after, kBigReserve, Side::kSell, amount);
    if (!sell.ok()) continue;
    CHECK(sell->inventory_after == start);
    CHECK(sell->krw_total <= buy->krw_total);
    CHECK(sell->mlk_total <= buy->mlk_total);
    ++priced;
  }
  CHECK(priced >= 190);
}

TEST_CASE("All-in buyer price is never above 95 percent of redemption value", "[pricing]") {
  int priced = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    MarketParams p = ExampleParams();
    p.redemption_value_micro_krw = rng.Between(1'000'000, 100'000'000);
    p.bt_unit = seed % 2 == 0 ? 1 : 1'000'000;
    p.fee_bps = static_cast<uint32_t>(rng.Between(0, 1000));
    p.depth_units = rng.Between(1, 10'000'000);
    const Amount inventory = rng.Between(1, p.depth_units);
    const Amount amount = rng.Between(1, inventory);
    Result<TradeQuote> q = Quote(p, ExampleFeed(), inventory, kBigReserve, Side::kBuy, amount);
    if (!q.ok()) {
      CHECK(q.status().message().find("too small to price") != std::string::npos);
      continue;
    }
    // total / (amount / bt_unit) <= 95% of R, in exact integers.
    CHECK(Multiply(q->krw_total, p.bt_unit * 10000) <=
          Multiply(p.redemption_value_micro_krw * 9500, amount));
    ++priced;
  }
  CHECK(priced >= 200);
  // One millionth of a point at an empty-ish book: rounding up would break the cap, so refused.
  MarketParams p = ExampleParams();
  p.bt_unit = 1'000'000;
  RequireRefused(Quote(p, ExampleFeed(), 5, kBigReserve, Side::kBuy, 1), Code::kFailedPrecondition,
                 "too small to price");
}

}  // namespace
}  // namespace milk::chaincode::exchange
