// The exchange's trades through the chaincode, each test named after the MISSION.md rule it
// checks. Every call also checks the exchange, mlk, lzm and alliance invariants (ExchangeChain).
#include "chaincode/exchange/exchange.h"

#include "chaincode/exchange/tests/exchange_test_util.h"

namespace milk::chaincode::exchange_test {
namespace {

const crypto::IdentityInfo kDave = Wallet('d');
const std::string kDaveAddress = crypto::WalletAddress(kDave.public_key);

// The worked example of docs/exchange.md, MLK smallest units.
const Amount kBuyTotal = *ParseAmount("1710794888080000000000");
const Amount kBuyFee = *ParseAmount("25282683080000000000");
const Amount kBuyLiquidity = *ParseAmount("1685512205000000000000");
const Amount kSellTotal = *ParseAmount("1655581100060000000000");
const Amount kSellFee = *ParseAmount("25211894940000000000");
const Amount kSellLiquidity = *ParseAmount("1680792995000000000000");

TEST_CASE("A buy through the chaincode matches the worked example", "[exchange][trade]") {
  ExchangeChain chain;
  const Amount alice = chain.MlkUnlocked(kAliceAddress);
  const Amount liquidity = chain.MlkUnlocked(kLiquidityAddress);
  SimulationResult bought = chain.Exchange("buy", {"beans", "10000", Mlk(2000)}, kAlice);
  INFO(bought.response.message());
  REQUIRE(bought.response.status() == 200);
  Json trade = Json::parse(bought.response.payload());
  CHECK(Parse(trade["mlk_total"]) == kBuyTotal);
  CHECK(Parse(trade["mlk_fee"]) == kBuyFee);
  CHECK(trade["krw_value"] == "84275610250");
  CHECK(trade["krw_fee"] == "1264134154");
  CHECK(trade["price_after"] == "8439359");
  CHECK(chain.MlkUnlocked(kAliceAddress) == alice - kBuyTotal);
  CHECK(chain.MlkUnlocked(kLiquidityAddress) == liquidity + kBuyLiquidity);
  CHECK(chain.MlkUnlocked(kFeeAddress) == kBuyFee);
  Json market = chain.Market();
  CHECK(market["inventory"] == "390000");
  CHECK(market["bought"] == "10000");
  CHECK(market["price_micro_krw"] == "8439359");
  Json purchase = chain.Query("purchase", {trade["tx"].get<std::string>()});
  CHECK(purchase["state"] == "pending");
  CHECK(purchase["buyer"] == kAliceAddress);
  CHECK(purchase["bt_amount"] == "10000");
  CHECK(Parse(chain.Query("partner_volume", {"CoffeeCo"})["volume"]) == kBuyLiquidity);
  CHECK(chain.Lzm(kAliceAddress) == kBuyLiquidity);  // trade_mlk rate 1/1 on the volume
}

TEST_CASE("A sell through the chaincode matches the worked example", "[exchange][trade]") {
  ExchangeChain chain;
  const Amount bob = chain.MlkUnlocked(kBobAddress);
  const Amount liquidity = chain.MlkUnlocked(kLiquidityAddress);
  const SwapSpec spec = chain.Locked(kBobAddress, 10000, "d-1");
  SimulationResult sold = chain.SettleSwap(spec);
  INFO(sold.response.message());
  REQUIRE(sold.response.status() == 200);
  Json trade = LastEvent(sold, "trade");
  CHECK(trade["swap"] == spec.Id());
  CHECK(trade["side"] == "sell");
  CHECK(trade["owner"] == kBobAddress);
  CHECK(Parse(trade["mlk_total"]) == kSellTotal);
  CHECK(Parse(trade["mlk_fee"]) == kSellFee);
  CHECK(trade["krw_value"] == "84039649750");
  CHECK(chain.MlkUnlocked(kBobAddress) == bob + kSellTotal);
  CHECK(chain.MlkUnlocked(kLiquidityAddress) == liquidity - kSellLiquidity);
  CHECK(chain.MlkUnlocked(kFeeAddress) == kSellFee);
  Json market = chain.Market();
  CHECK(market["inventory"] == "410000");
  CHECK(market["sold"] == "10000");
  CHECK(market["price_micro_krw"] == "8392166");
  Json decision = chain.Query("swap", {kBeansChain, spec.Id()});
  CHECK(decision == Json::parse(sold.response.payload()));
  CHECK(decision["state"] == "settled");
  CHECK(decision["reason"] == "");
  CHECK(Parse(decision["mlk_total"]) == kSellTotal);
  CHECK(Parse(decision["mlk_fee"]) == kSellFee);
  CHECK(LastEvent(sold, "swap_decided") == decision);
  CheckRefused(chain.SettleSwap(spec), 409, "already decided \"settled\"");
}

TEST_CASE("buying stops at the maximum price", "[exchange][trade]") {
  ExchangeChain chain;
  CheckRefused(chain.Exchange("buy", {"beans", "400001", Mlk(100'000)}, kAlice), 412,
               "at most 400000 units can be bought now");
  chain.Ok("exchange", "buy", {"beans", "400000", Mlk(100'000)}, kAlice);
  Json market = chain.Market();
  CHECK(market["inventory"] == "0");
  CHECK(market["price_micro_krw"] == market["max_price_micro_krw"]);
  CheckRefused(chain.Exchange("buy", {"beans", "1", Mlk(100'000)}, kBob), 412,
               "buying is halted");
  CheckRefused(chain.Exchange("quote", {"beans", "buy", "1"}, kBob), 412, "buying is halted");
  chain.Sell(kBobAddress, 10, "d-1");  // only sells are accepted
  CHECK(chain.Market()["inventory"] == "10");
}

TEST_CASE("selling stops at the minimum price", "[exchange][trade]") {
  ExchangeChain chain;
  chain.ExpectAborted(chain.Locked(kBobAddress, 600'001, "d-big"),
                      "at most 600000 units can be sold now");
  chain.Stock(600'000, "seed-2");
  Json market = chain.Market();
  CHECK(market["inventory"] == "1000000");
  CHECK(market["price_micro_krw"] == "7000000");  // the partner's minimum, 70% of 10 KRW
  CHECK(market["price_micro_krw"] == market["min_price_micro_krw"]);
  chain.ExpectAborted(chain.Locked(kBobAddress, 1, "d-1"), "selling is halted");
  CheckRefused(chain.Exchange("quote", {"beans", "sell", "1"}, kBob), 412, "selling is halted");
  chain.Ok("exchange", "buy", {"beans", "10", Mlk(1000)}, kAlice);  // only buys are accepted
  CHECK(chain.Market()["inventory"] == "999990");
}

TEST_CASE("a buyer's all-in price never exceeds 95 percent of redemption value",
          "[exchange][trade]") {
  ExchangeChain chain;
  // From the worked example's inventory down to empty, in sizes from one point upwards.
  for (uint64_t size : {1, 2, 7, 100, 1000, 50'000, 300'000, 48'000, 890}) {
    SimulationResult bought =
        chain.Exchange("buy", {"beans", std::to_string(size), Mlk(100'000)}, kAlice);
    INFO(size << ": " << bought.response.message());
    REQUIRE(bought.response.status() == 200);
    Json trade = Json::parse(bought.response.payload());
    const Amount all_in = Parse(trade["krw_value"]) + Parse(trade["krw_fee"]);
    CHECK(all_in * 10000 <= Amount{9500} * kRedemptionMicroKrw * size);
    // The MLK paid is the all-in KRW rounded up to the next MLK unit, no more.
    const Amount mlk = Parse(trade["mlk_total"]);
    CHECK(mlk * kFeedMicroKrw >= all_in * kMlkUnit);
    CHECK((mlk - 1) * kFeedMicroKrw < all_in * kMlkUnit);
  }
  CHECK(chain.Market()["inventory"] == "0");
}

TEST_CASE("trading is refused while the price feed is stale", "[exchange][trade]") {
  ExchangeChain chain;
  const int64_t fed_ms = chain.now_ms;
  chain.now_ms = fed_ms + kFeedMaxAgeMs + 1;
  CheckRefused(chain.Exchange("buy", {"beans", "10", Mlk(1000)}, kAlice), 412,
               "the MLK/KRW price is stale");
  CheckRefused(chain.Exchange("quote", {"beans", "buy", "10"}, kBob), 412, "stale");
  CHECK(chain.Query("feed")["stale"] == true);
  chain.now_ms = fed_ms + kFeedMaxAgeMs;  // exactly the maximum age is still fresh
  chain.Ok("exchange", "buy", {"beans", "10", Mlk(1000)}, kAlice);
  chain.now_ms = fed_ms + 10 * kFeedMaxAgeMs;
  // A sell swap meeting a stale feed is decided aborted (the relay cannot wait for the oracle).
  chain.ExpectAborted(chain.Locked(kBobAddress, 100, "d-0"), "the MLK/KRW price is stale");
  chain.SetFeed(kFeedMicroKrw);
  chain.Sell(kBobAddress, 100, "d-1");
  // A feed stamped after the trade's time (clock skew) counts as fresh.
  chain.now_ms += 60'000;
  chain.SetFeed(kFeedMicroKrw);
  chain.now_ms -= 30'000;
  chain.Ok("exchange", "buy", {"beans", "10", Mlk(1000)}, kAlice);
}

TEST_CASE("trading is refused before the first price feed", "[exchange][trade]") {
  ChainOptions options;
  options.open_market = false;
  ExchangeChain chain(options);
  chain.Ok("exchange", "open_market",
           {"beans", "CoffeeCo", "10000000", "1", "1000000", kBeansChain}, kTicaAdmin);
  chain.Stock(1000, "seed-1");
  CheckRefused(chain.Exchange("buy", {"beans", "10", Mlk(1000)}, kAlice), 412,
               "no MLK/KRW price yet");
  CheckRefused(chain.Exchange("feed", {}, kAlice), 404, "no MLK/KRW price yet");
  chain.ExpectAborted(chain.Locked(kBobAddress, 10, "d-1"), "no MLK/KRW price yet");
}

TEST_CASE("the fee goes to TICA", "[exchange][trade]") {
  ExchangeChain chain;
  Amount fees = 0;
  for (int i = 0; i < 3; ++i) {
    Json bought = chain.Ok("exchange", "buy", {"beans", "1234", Mlk(1000)}, kAlice);
    fees += Parse(bought["mlk_fee"]);
    Json sold = chain.Sell(kBobAddress, 777, "d-" + std::to_string(i));
    fees += Parse(sold["mlk_fee"]);
  }
  CHECK(fees > 0);
  CHECK(chain.MlkUnlocked(kFeeAddress) == fees);
  CHECK(Parse(chain.Market()["fees_mlk"]) == fees);
}

TEST_CASE("LZM can never pay for a trade", "[exchange][trade]") {
  ExchangeChain chain;
  chain.Ok("exchange", "buy", {"beans", "1000", Mlk(1000)}, kAlice);
  const Amount earned = chain.Lzm(kAliceAddress);
  REQUIRE(earned > 0);
  chain.Ok("lzm", "transfer", {kDaveAddress, FormatAmount(earned)}, kAlice);
  REQUIRE(chain.Lzm(kDaveAddress) == earned);
  // Dave holds LZM and no MLK: the purchase is refused and his LZM stays where it is.
  CheckRefused(chain.Exchange("buy", {"beans", "1", Mlk(1000)}, kDave), 412,
               "insufficient unlocked balance");
  CHECK(chain.Lzm(kDaveAddress) == earned);
  // No function of the exchange takes a currency: buy has no way to name LZM.
  CheckRefused(chain.Exchange("buy", {"beans", "1", Mlk(1000), "LZM"}, kDave), 400, "usage");
  CheckRefused(chain.Exchange("buy", {"beans", "1", "LZM"}, kDave), 400, "max_mlk");
  CheckRefused(chain.Exchange("pay_lzm", {"beans", "1"}, kDave), 404, "unknown function");
  // Nor can anyone but the exchange move MLK through exchange_collect / exchange_pay.
  CheckRefused(chain.Run("mlk", "exchange_collect", {kDaveAddress, "1", kFeeAddress, "0"}, kDave),
               403, "only by the exchange chaincode");
}

TEST_CASE("a customer's limit price is honoured", "[exchange][trade]") {
  ExchangeChain chain;
  const Amount cost = Parse(chain.Query("quote", {"beans", "buy", "1000"})["mlk_total"]);
  CheckRefused(chain.Exchange("buy", {"beans", "1000", FormatAmount(cost - 1)}, kAlice), 412,
               "above your maximum");
  CHECK(Parse(chain.Ok("exchange", "buy", {"beans", "1000", FormatAmount(cost)},
                       kAlice)["mlk_total"]) == cost);
  const Amount proceeds = Parse(chain.Query("quote", {"beans", "sell", "1000"})["mlk_total"]);
  SwapSpec greedy = chain.Locked(kBobAddress, 1000, "d-1");
  greedy.min_mlk = FormatAmount(proceeds + 1);
  chain.ExpectAborted(greedy, "are below the minimum of " + FormatAmount(proceeds + 1));
  CHECK(Parse(chain.Sell(kBobAddress, 1000, "d-2", FormatAmount(proceeds))["mlk_total"]) ==
        proceeds);
}

TEST_CASE("the exchange never pays beyond its reserve", "[exchange][trade]") {
  ChainOptions options;
  options.liquidity_mlk = 1000;
  ExchangeChain chain(options);
  // 10000 BT needs 1680.79 MLK of liquidity.
  chain.ExpectAborted(chain.Locked(kBobAddress, 10000, "d-1"), "sell less");
  chain.Sell(kBobAddress, 5000, "d-2");
  CHECK(chain.MlkUnlocked(kLiquidityAddress) < Amount{1000} * kMlkUnit);
}

TEST_CASE("partner trade volume accrues and settle_contribution pays it once",
          "[exchange][trade]") {
  ExchangeChain chain;
  Json bought = chain.Ok("exchange", "buy", {"beans", "10000", Mlk(2000)}, kAlice);
  Json sold = chain.Sell(kBobAddress, 10000, "d-1");
  CHECK(Parse(bought["mlk_total"]) - Parse(bought["mlk_fee"]) == kBuyLiquidity);
  // The sell came after the buy, at inventory 390000: TICA paid the seller and the fee.
  const Amount volume =
      kBuyLiquidity + Parse(sold["mlk_total"]) + Parse(sold["mlk_fee"]);
  CHECK(Parse(chain.Query("partner_volume", {"CoffeeCo"})["volume"]) == volume);
  CHECK(chain.Query("partner_volume", {"AirCo"})["volume"] == "0");
  CheckRefused(chain.Exchange("settle_contribution", {"AirCo", kCoffeeWallet, "s-0"},
                              kTicaAdmin),
               412, "no trade volume");
  SimulationResult settled =
      chain.Exchange("settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-1"}, kTicaAdmin);
  INFO(settled.response.message());
  REQUIRE(settled.response.status() == 200);
  // Year one of the schedule: 300 bps of the volume, rounded down.
  CHECK(chain.MlkUnlocked(kCoffeeWallet) == volume * 300 / 10000);
  Json partner = chain.Query("partner_volume", {"CoffeeCo"});
  CHECK(partner["settled"] == partner["volume"]);
  CHECK(chain.Ok("exchange", "settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-1"},
                 kTicaAdmin) == Json::parse(settled.response.payload()));
  CHECK(chain.MlkUnlocked(kCoffeeWallet) == volume * 300 / 10000);
  CheckRefused(chain.Exchange("settle_contribution", {"AirCo", kCoffeeWallet, "s-1"},
                              kTicaAdmin),
               409, "different request");
  CheckRefused(chain.Exchange("settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-2"},
                              kTicaAdmin),
               412, "nothing unsettled");
}

TEST_CASE("the price announcement is the last trade event of the block", "[exchange][trade]") {
  ExchangeChain chain;
  SimulationResult first = chain.Exchange("buy", {"beans", "100", Mlk(1000)}, kAlice);
  SimulationResult second = chain.Exchange("buy", {"beans", "300", Mlk(1000)}, kBob);
  Json one = LastEvent(first, "trade");
  Json two = LastEvent(second, "trade");
  CHECK(one["price_after"] == two["price_before"]);
  CHECK(two["price_after"] == chain.Market()["price_micro_krw"]);
  CHECK(two["inventory_after"] == chain.Market()["inventory"]);
  CHECK(two["side"] == "buy");
  CHECK(two["brand"] == "beans");
  CHECK(two["owner"] == kBobAddress);
}

TEST_CASE("a trade stands when the LZM rewards pool is exhausted", "[exchange][trade]") {
  ChainOptions options;
  options.lzm_trade_mlk_num = "1000000000";  // the first trade's reward empties the pool
  ExchangeChain chain(options);
  Json first = chain.Ok("exchange", "buy", {"beans", "10000", Mlk(2000)}, kAlice);
  CHECK(first["lzm_reward"] != "0");
  Json second = chain.Ok("exchange", "buy", {"beans", "10000", Mlk(2000)}, kBob);
  CHECK(second["lzm_reward"] == "0");
  CHECK(chain.Lzm(kBobAddress) == 0);
  CHECK(chain.Market()["inventory"] == "380000");
}

TEST_CASE("an exchange configured without lzm pays no trade reward", "[exchange][trade]") {
  ChainOptions options;
  options.lzm_chaincode = "";
  ExchangeChain chain(options);
  Json bought = chain.Ok("exchange", "buy", {"beans", "10000", Mlk(2000)}, kAlice);
  CHECK(Parse(bought["mlk_total"]) == kBuyTotal);
  CHECK(bought["lzm_reward"] == "0");
  CHECK(chain.Lzm(kAliceAddress) == 0);
}

TEST_CASE("a buy of a fraction of a BT too small to keep the 5 percent discount is refused",
          "[exchange][trade]") {
  ExchangeChain chain;
  // 100 units a BT, 20 KRW redemption value: one unit near the maximum price rounds up past
  // 95% of its redemption value.
  chain.Ok("exchange", "open_market",
           {"miles", "AirCo", "20000000", "100", "5000000", kMilesChain}, kTicaAdmin);
  chain.Stock(5, "seed-m", "miles");
  CheckRefused(chain.Exchange("buy", {"miles", "1", Mlk(1000)}, kAlice), 412,
               "too small to price");
  chain.Stock(100000, "seed-m2", "miles");
  Json bought = chain.Ok("exchange", "buy", {"miles", "1000", Mlk(1000)}, kAlice);
  const Amount all_in = Parse(bought["krw_value"]) + Parse(bought["krw_fee"]);
  CHECK(all_in * 100 * 10000 <= Amount{9500} * 20'000'000 * 1000);
}

TEST_CASE("the fee and minimum price come from governance at each trade", "[exchange][trade]") {
  ExchangeChain chain;
  CHECK(chain.Market()["fee_bps"] == 150);
  chain.Ok("alliance", "propose_fee", {"100"}, kTicaAdmin);
  chain.Ok("alliance", "approve_fee", {}, kCoffeeAdmin);
  chain.Ok("alliance", "approve_fee", {}, kAirAdmin);
  chain.Ok("alliance", "set_partner_params", {"8000", std::to_string(365 * kDayMs)},
           kCoffeeAdmin);
  Json quote = chain.Query("quote", {"beans", "buy", "10000"});
  Json bought = chain.Ok("exchange", "buy", {"beans", "10000", Mlk(2000)}, kAlice);
  CHECK(bought["mlk_total"] == quote["mlk_total"]);
  CHECK(Parse(bought["mlk_total"]) != kBuyTotal);
  Json market = chain.Market();
  CHECK(market["fee_bps"] == 100);
  CHECK(market["min_price_bps"] == 8000);
  CHECK(market["min_price_micro_krw"] == "8000000");
}

TEST_CASE("a fee rise that leaves a market no price between its bounds halts it with 412",
          "[exchange][trade]") {
  ExchangeChain chain;
  chain.Ok("alliance", "set_partner_params", {"9300", std::to_string(365 * kDayMs)},
           kCoffeeAdmin);  // below 9500 / 1.015: allowed at the 1.5% fee
  chain.Ok("alliance", "propose_fee", {"300"}, kTicaAdmin);  // 9500 / 1.03 = 9223 < 9300
  chain.Ok("alliance", "approve_fee", {}, kCoffeeAdmin);
  chain.Ok("alliance", "approve_fee", {}, kAirAdmin);
  CheckRefused(chain.Exchange("buy", {"beans", "1000", Mlk(1000)}, kAlice), 412,
               "cannot trade under the alliance's current fee and minimum price");
}

TEST_CASE("invariants hold over a sequence of trades", "[exchange][trade]") {
  ExchangeChain chain;
  Amount sold = 0;
  Amount bought = 0;
  for (int i = 0; i < 24; ++i) {
    chain.now_ms += 1000;
    const uint64_t size = 100 + static_cast<uint64_t>(i) * 997 % 5000;
    if (i % 5 == 4) chain.SetFeed(kFeedMicroKrw + static_cast<uint64_t>(i) * 100'000);
    if (i % 2 == 0) {
      chain.Ok("exchange", "buy", {"beans", std::to_string(size), Mlk(10'000)},
               i % 4 == 0 ? kAlice : kBob);
      bought += size;
    } else {
      SwapSpec spec = chain.Locked(kBobAddress, size, "d-" + std::to_string(i));
      if (i % 3 == 0) {
        spec.deadline_ms = chain.now_ms - 1;  // the relay came too late
        chain.Decide(spec, "aborted");
      } else {
        chain.Sell(kBobAddress, size, spec.ref);
        sold += size;
      }
    }
  }
  Json market = chain.Market();
  CHECK(Parse(market["inventory"]) == Amount{kSeedUnits} + sold - bought);
  CHECK(Parse(market["sold"]) == sold);
  CHECK(Parse(market["bought"]) == bought);
  CHECK(CheckExchangeInvariants(chain.state(), chain.now_ms).ok());
}

}  // namespace
}  // namespace milk::chaincode::exchange_test
