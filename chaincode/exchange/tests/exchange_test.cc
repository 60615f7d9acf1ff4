// The exchange's set-up, roles, idempotency and invariants (exchange_trade_test.cc: the trades).
#include "chaincode/exchange/exchange.h"

#include "chaincode/exchange/tests/exchange_test_util.h"

namespace milk::chaincode::exchange_test {
namespace {

SimulationResult InitWith(const Json& config) {
  Registry registry;
  registry.Register(kExchangeChaincodeName, std::make_shared<ExchangeChaincode>());
  MemoryState state;
  return Simulate(registry, state, testing::Context("exchange", "", {config.dump()}), true);
}

TEST_CASE("Init is strict: every key required and no other accepted", "[exchange]") {
  CHECK(InitWith(ExchangeConfig()).response.status() == 200);
  for (const char* key : {"operator_org", "mlk_chaincode", "lzm_chaincode", "alliance_chaincode",
                          "fee_account", "feed_max_age_ms", "swap_chaincode",
                          "proof_max_age_ms"}) {
    Json config = ExchangeConfig();
    config.erase(key);
    SimulationResult result = InitWith(config);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(key));
  }
  Json extra = ExchangeConfig();
  extra["fee_bps"] = 150;
  CHECK_THAT(InitWith(extra).response.message(), Catch::Contains("unknown key"));
  Json bad_age = ExchangeConfig();
  bad_age["feed_max_age_ms"] = kFeedMaxAgeMsMax + 1;
  CHECK(InitWith(bad_age).response.status() == 400);
  Json bad_proof_age = ExchangeConfig();
  bad_proof_age["proof_max_age_ms"] = kProofMaxAgeMsMin - 1;
  CHECK_THAT(InitWith(bad_proof_age).response.message(), Catch::Contains("proof_max_age_ms"));
  bad_proof_age["proof_max_age_ms"] = kProofMaxAgeMsMax + 1;
  CHECK(InitWith(bad_proof_age).response.status() == 400);
  Json bad_swap = ExchangeConfig();
  bad_swap["swap_chaincode"] = "";
  CHECK_THAT(InitWith(bad_swap).response.message(), Catch::Contains("swap_chaincode"));
  Json bad_fee_account = ExchangeConfig();
  bad_fee_account["fee_account"] = "TICA";
  CHECK_THAT(InitWith(bad_fee_account).response.message(), Catch::Contains("invalid address"));
  Json no_lzm = ExchangeConfig();
  no_lzm["lzm_chaincode"] = "";
  CHECK(InitWith(no_lzm).response.status() == 200);
  CHECK(InitWith(Json::array()).response.status() == 400);
}

TEST_CASE("One market per brand opened by TICA for an active partner", "[exchange]") {
  ChainOptions options;
  options.open_market = false;
  ExchangeChain chain(options);
  const std::vector<std::string> beans = {"beans", "CoffeeCo", "10000000", "1", "1000000",
                                          kBeansChain};
  CheckRefused(chain.Exchange("open_market", beans, kTicaClient), 403, "needs an admin of TICA");
  CheckRefused(chain.Exchange("open_market", beans, kAlice), 403, "needs an admin of TICA");
  CheckRefused(chain.Exchange("open_market", beans, kCoffeeAdmin), 403, "needs an admin");
  CheckRefused(chain.Exchange("open_market",
                              {"beans", "TeaCo", "10000000", "1", "1000000", kBeansChain},
                              kTicaAdmin),
               412, "is not an active alliance partner");
  CheckRefused(chain.Exchange("open_market",
                              {"miles", "CoffeeCo", "10000000", "1", "1000000", kBeansChain},
                              kTicaAdmin),
               412, "not 'miles'");
  CheckRefused(chain.Exchange("open_market",
                              {"beans", "CoffeeCo", "0", "1", "1000000", kBeansChain},
                              kTicaAdmin),
               400, "must be positive");
  // The market's brand chain: registered in the alliance, to the market's partner.
  CheckRefused(chain.Exchange("open_market",
                              {"beans", "CoffeeCo", "10000000", "1", "1000000", "brand.nuts"},
                              kTicaAdmin),
               412, "is not registered in the alliance");
  CheckRefused(chain.Exchange("open_market",
                              {"beans", "CoffeeCo", "10000000", "1", "1000000", kMilesChain},
                              kTicaAdmin),
               412, "is registered to \"AirCo\"");
  CheckRefused(chain.Exchange("open_market",
                              {"beans", "CoffeeCo", "10000000", "1", "1000000", "Brand_Beans"},
                              kTicaAdmin),
               400, "brand chain id");
  CheckRefused(chain.Exchange("open_market",
                              {"beans", "CoffeeCo", "10000000", "1", "1000000"}, kTicaAdmin),
               400, "usage");
  CheckRefused(chain.Exchange("open_market", {"beans", "CoffeeCo"}, kTicaAdmin), 400, "usage");
  SimulationResult opened = chain.Exchange("open_market", beans, kTicaAdmin);
  REQUIRE(opened.response.status() == 200);
  CHECK(LastEvent(opened, "market_opened")["inventory"] == "0");
  CHECK(LastEvent(opened, "market_opened")["chain_id"] == kBeansChain);
  Json market = chain.Market();
  CHECK(market["fee_bps"] == 150);          // from the alliance's params
  CHECK(market["min_price_bps"] == 6000);   // the partner's default minimum
  CHECK(market["price_micro_krw"] == "9359605");  // an empty inventory: the maximum
  CHECK(market["max_price_micro_krw"] == "9359605");
  CheckRefused(chain.Exchange("open_market", beans, kTicaAdmin), 409, "is open");
  CheckRefused(chain.Exchange("open_market",
                              {"miles", "AirCo", "20000000", "100", "5000000", kBeansChain},
                              kTicaAdmin),
               409, "already has the market beans");
  chain.Ok("exchange", "open_market",
           {"miles", "AirCo", "20000000", "100", "5000000", kMilesChain}, kTicaAdmin);
  CHECK(chain.Query("markets").size() == 2);
}

TEST_CASE("Only the oracle sets the feed", "[exchange]") {
  ExchangeChain chain;
  CheckRefused(chain.Exchange("set_feed", {"60000000"}, kTicaAdmin), 403, "only the oracle");
  CheckRefused(chain.Exchange("set_feed", {"60000000"}, kAlice), 403, "only the oracle");
  CheckRefused(chain.Exchange("set_feed", {"60000000"}, Member("AirCo", milkpb::ORACLE, 'z')),
               403, "only the oracle");
  CheckRefused(chain.Exchange("set_feed", {"0"}, kOracle), 400, "must be positive");
  CheckRefused(chain.Exchange("set_feed", {"-5"}, kOracle), 400, "micro_krw_per_mlk");
  chain.now_ms += 1000;
  SimulationResult set = chain.Exchange("set_feed", {"60000000"}, kOracle);
  REQUIRE(set.response.status() == 200);
  CHECK(LastEvent(set, "feed")["micro_krw_per_mlk"] == "60000000");
  Json feed = chain.Query("feed");
  CHECK(feed["micro_krw_per_mlk"] == "60000000");
  CHECK(feed["time_ms"] == chain.now_ms);
  CHECK(feed["stale"] == false);
}

TEST_CASE("An unknown market is 404", "[exchange]") {
  ExchangeChain chain;
  CheckRefused(chain.Exchange("buy", {"nuts", "10", Mlk(1000)}, kAlice), 404, "no market");
  CheckRefused(chain.Exchange("quote", {"nuts", "buy", "10"}, kAlice), 404, "no market");
  CheckRefused(chain.Exchange("market", {"nuts"}, kAlice), 404, "no market");
  CheckRefused(chain.Exchange("purchase", {"tx1"}, kAlice), 404, "no purchase");
  CheckRefused(chain.Exchange("swap", {kBeansChain, std::string(64, 'a')}, kAlice), 404,
               "is undecided");
  CheckRefused(chain.Exchange("swap", {kBeansChain, "abc"}, kAlice), 400, "64 lower-case hex");
  for (const char* removed : {"deposit", "return_deposit", "sell", "seed"}) {
    CheckRefused(chain.Exchange(removed, {"beans", "1", "r-1"}, kTicaAdmin), 404,
                 "unknown function");
  }
  CheckRefused(chain.Exchange("exchange_lzm", {}, kAlice), 404, "unknown function");
}

TEST_CASE("Wrong roles are 403", "[exchange]") {
  ExchangeChain chain;
  CheckRefused(chain.Exchange("buy", {"beans", "10", Mlk(1000)}, kTicaAdmin), 403,
               "signed by the customer's wallet");
  CheckRefused(chain.Exchange("abort_swap", {kBeansChain, "r-1", "1"}, kRelay), 403,
               "signed by the customer's wallet");
  CheckRefused(chain.Exchange("settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-1"},
                              kTicaClient),
               403, "needs an admin");
  CheckRefused(chain.Exchange("settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-1"},
                              kCoffeeAdmin),
               403, "needs an admin");
}

TEST_CASE("Sequenced functions are exactly buy settle_swap abort_swap and settle_contribution",
          "[exchange]") {
  ExchangeChaincode exchange;
  for (const char* function : {"buy", "settle_swap", "abort_swap", "settle_contribution"}) {
    CHECK(exchange.IsSequenced(function));
  }
  for (const char* function : {"open_market", "set_feed", "quote", "market", "markets", "feed",
                               "swap", "purchase", "partner_volume", "sell", "seed", ""}) {
    CHECK_FALSE(exchange.IsSequenced(function));
  }
}

// Overwrites one stored record of the exchange, as a corrupted disk would.
void Corrupt(ExchangeChain& chain, const std::string& type, const std::vector<std::string>& attrs,
             const Json& value) {
  chain.state().Put("exchange", *CreateCompositeKey(type, attrs), value.dump(), Version{999, 0});
}

// A chain with a settled sell (d-1, Alice), a buy (Bob) and an aborted sell (d-2, Alice).
void Trade(ExchangeChain& chain) {
  chain.Sell(kAliceAddress, 1000, "d-1");
  chain.Ok("exchange", "buy", {"beans", "500", Mlk(100'000)}, kBob);
  SwapSpec late = chain.Locked(kAliceAddress, 10, "d-2");
  late.deadline_ms = chain.now_ms - 1;
  chain.Decide(late, "aborted");
}

TEST_CASE("CheckExchangeInvariants catches a corrupted state", "[exchange]") {
  ExchangeChain chain;
  Trade(chain);
  REQUIRE(CheckExchangeInvariants(chain.state(), chain.now_ms).ok());
  const Json market = chain.Market();
  Json stored = market;
  stored.erase("max_price_micro_krw");
  stored.erase("min_price_micro_krw");
  const std::string sold_id = TestSwapId(kBeansChain, kAliceAddress, "d-1");
  const std::string aborted_id = TestSwapId(kBeansChain, kAliceAddress, "d-2");
  const std::string stock_id = TestSwapId(kBeansChain, kCoffeeWallet, "seed-1");
  const Json sold = chain.Query("swap", {kBeansChain, sold_id});
  const Json aborted = chain.Query("swap", {kBeansChain, aborted_id});
  const Json stocked = chain.Query("swap", {kBeansChain, stock_id});
  auto broken = [&](const std::string& type, const std::vector<std::string>& attrs,
                    const Json& value, const std::string& text) {
    ExchangeChain copy;
    Trade(copy);
    Corrupt(copy, type, attrs, value);
    Status status = CheckExchangeInvariants(copy.state(), copy.now_ms);
    INFO(status.ToString());
    CHECK(status.code() == Code::kDataLoss);
    CHECK_THAT(status.message(), Catch::Contains(text));
  };
  const std::vector<std::string> sold_key = {kBeansChain, sold_id};
  const std::vector<std::string> aborted_key = {kBeansChain, aborted_id};
  Json inventory = stored;
  inventory["inventory"] = "400501";
  broken("market", {"beans"}, inventory, "inventory != seeded + sold - bought");
  Json price = stored;
  price["price_micro_krw"] = "9999999";
  broken("market", {"beans"}, price, "stored price");
  Json bad_fee = stored;
  bad_fee["fee_bps"] = 5000;
  broken("market", {"beans"}, bad_fee, "market beans");
  Json more = sold;
  more["amount"] = "1001";
  broken("swap", sold_key, more, "sum of its settled sell swaps");
  Json stock_more = stocked;
  stock_more["amount"] = "400001";
  broken("swap", {kBeansChain, stock_id}, stock_more, "sum of its settled stock swaps");
  Json stock_paid = stocked;
  stock_paid["mlk_total"] = "5";
  broken("swap", {kBeansChain, stock_id}, stock_paid, "a stock swap paid MLK");
  Json reason = sold;
  reason["reason"] = "why";
  broken("swap", sold_key, reason, "settled with a reason");
  Json paid = aborted;
  paid["mlk_total"] = "1";
  broken("swap", aborted_key, paid, "an aborted swap paid MLK");
  Json no_reason = aborted;
  no_reason["reason"] = "";
  broken("swap", aborted_key, no_reason, "aborted without a reason");
  Json future = sold;
  future["time_ms"] = chain.now_ms + 1;
  broken("swap", sold_key, future, "decided in the future");
  Json moved = sold;
  moved["id"] = aborted_id;
  broken("swap", sold_key, moved, "stored under another key");
  Json elsewhere = sold;
  elsewhere["chain_id"] = kMilesChain;
  broken("swap", {kMilesChain, sold_id}, elsewhere, "names another chain");
  Json nuts = sold;
  nuts["brand"] = "nuts";
  broken("swap", sold_key, nuts, "names no known market");
  Json limbo = sold;
  limbo["state"] = "locked";
  broken("swap", sold_key, limbo, "unknown state");
  broken("partner", {"CoffeeCo"}, Json{{"volume", "1"}, {"settled", "2"}}, "settled beyond");
  broken("purchase", {"tx-x"},
         Json{{"brand", "beans"}, {"chain_id", kBeansChain}, {"bt_amount", "1"},
              {"mlk_total", "1"}},
         "sum of its purchases");
  broken("purchase", {"tx-x"},
         Json{{"brand", "beans"}, {"chain_id", kMilesChain}, {"bt_amount", "1"},
              {"mlk_total", "1"}},
         "names another chain");
  broken("market", {"beans"}, Json{{"brand", 1}}, "corrupt market");
}

}  // namespace
}  // namespace milk::chaincode::exchange_test
