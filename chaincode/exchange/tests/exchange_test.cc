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
                          "fee_account", "feed_max_age_ms"}) {
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
  const std::vector<std::string> beans = {"beans", "CoffeeCo", "10000000", "1", "1000000"};
  CheckRefused(chain.Exchange("open_market", beans, kTicaClient), 403, "needs an admin of TICA");
  CheckRefused(chain.Exchange("open_market", beans, kAlice), 403, "needs an admin of TICA");
  CheckRefused(chain.Exchange("open_market", beans, kCoffeeAdmin), 403, "needs an admin");
  CheckRefused(chain.Exchange("open_market", {"beans", "TeaCo", "10000000", "1", "1000000"},
                              kTicaAdmin),
               412, "is not an active alliance partner");
  CheckRefused(chain.Exchange("open_market", {"miles", "CoffeeCo", "10000000", "1", "1000000"},
                              kTicaAdmin),
               412, "not 'miles'");
  CheckRefused(chain.Exchange("open_market", {"beans", "CoffeeCo", "0", "1", "1000000"},
                              kTicaAdmin),
               400, "must be positive");
  CheckRefused(chain.Exchange("open_market", {"beans", "CoffeeCo"}, kTicaAdmin), 400, "usage");
  SimulationResult opened = chain.Exchange("open_market", beans, kTicaAdmin);
  REQUIRE(opened.response.status() == 200);
  CHECK(LastEvent(opened, "market_opened")["inventory"] == "0");
  Json market = chain.Market();
  CHECK(market["fee_bps"] == 150);          // from the alliance's params
  CHECK(market["min_price_bps"] == 6000);   // the partner's default minimum
  CHECK(market["price_micro_krw"] == "9359605");  // an empty inventory: the maximum
  CHECK(market["max_price_micro_krw"] == "9359605");
  CheckRefused(chain.Exchange("open_market", beans, kTicaAdmin), 409, "is open");
  chain.Ok("exchange", "open_market", {"miles", "AirCo", "20000000", "100", "5000000"},
           kTicaAdmin);
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

TEST_CASE("Seed is idempotent on its reference and 409 on a different request", "[exchange]") {
  ExchangeChain chain;
  Json first = chain.Ok("exchange", "seed", {"beans", "1000", "seed-2"}, kTicaAdmin);
  CHECK(first["inventory"] == "401000");
  Json again = chain.Ok("exchange", "seed", {"beans", "1000", "seed-2"}, kTicaAdmin);
  CHECK(again == first);
  CHECK(chain.Market()["inventory"] == "401000");
  CheckRefused(chain.Exchange("seed", {"beans", "999", "seed-2"}, kTicaAdmin), 409,
               "different request");
  CheckRefused(chain.Exchange("seed", {"beans", "1", "seed-3"}, kRelay), 403, "needs an admin");
  CheckRefused(chain.Exchange("seed", {"beans", "0", "seed-3"}, kTicaAdmin), 400, "positive");
  CheckRefused(chain.Exchange("seed", {"nuts", "1", "seed-3"}, kTicaAdmin), 404, "no market");
  CHECK(chain.Market()["seeded"] == "401000");
}

TEST_CASE("Deposit is idempotent on its reference and 409 on a different request",
          "[exchange]") {
  ExchangeChain chain;
  const std::string expiry = std::to_string(chain.now_ms + kDayMs);
  Json first = chain.Ok("exchange", "deposit", {"beans", kAliceAddress, "500", expiry, "d-1"},
                        kRelay);
  CHECK(first["state"] == "open");
  Json again = chain.Ok("exchange", "deposit", {"beans", kAliceAddress, "500", expiry, "d-1"},
                        kTicaAdmin);
  CHECK(again == first);
  CheckRefused(
      chain.Exchange("deposit", {"beans", kAliceAddress, "501", expiry, "d-1"}, kRelay), 409,
      "different request");
  CheckRefused(chain.Exchange("deposit", {"beans", kBobAddress, "500", expiry, "d-1"}, kRelay),
               409, "different request");
  CheckRefused(chain.Exchange("deposit", {"beans", kAliceAddress, "5", expiry, "d-2"}, kAlice),
               403, "admin or the relay");
  CheckRefused(
      chain.Exchange("deposit", {"beans", kAliceAddress, "5", expiry, "d-2"}, kTicaClient), 403,
      "admin or the relay");
  CheckRefused(chain.Exchange("deposit", {"nuts", kAliceAddress, "5", expiry, "d-2"}, kRelay),
               404, "no market");
  CheckRefused(chain.Exchange("deposit", {"beans", "alice", "5", expiry, "d-2"}, kRelay), 400,
               "invalid address");
  CheckRefused(chain.Exchange("deposit", {"beans", kAliceAddress, "5",
                                          std::to_string(chain.now_ms), "d-2"},
                              kRelay),
               412, "arrives expired");
  CHECK(chain.Query("deposit", {"d-1"})["amount"] == "500");
  CheckRefused(chain.Exchange("deposit", {"d-2"}, kBob), 404, "no deposit");
}

TEST_CASE("An unknown market is 404", "[exchange]") {
  ExchangeChain chain;
  CheckRefused(chain.Exchange("buy", {"nuts", "10", Mlk(1000)}, kAlice), 404, "no market");
  CheckRefused(chain.Exchange("quote", {"nuts", "buy", "10"}, kAlice), 404, "no market");
  CheckRefused(chain.Exchange("market", {"nuts"}, kAlice), 404, "no market");
  CheckRefused(chain.Exchange("purchase", {"tx1"}, kAlice), 404, "no purchase");
  CheckRefused(chain.Exchange("sell", {"nothing", "0"}, kAlice), 404, "no deposit");
  CheckRefused(chain.Exchange("exchange_lzm", {}, kAlice), 404, "unknown function");
}

TEST_CASE("Wrong roles are 403", "[exchange]") {
  ExchangeChain chain;
  const std::string ref = chain.DepositFor(kAliceAddress, 100, "d-1");
  CheckRefused(chain.Exchange("buy", {"beans", "10", Mlk(1000)}, kTicaAdmin), 403,
               "signed by the customer's wallet");
  CheckRefused(chain.Exchange("sell", {ref, "0"}, kTicaAdmin), 403, "customer's wallet");
  CheckRefused(chain.Exchange("sell", {ref, "0"}, kBob), 403, "not to the signer");
  CheckRefused(chain.Exchange("return_deposit", {ref}, kBob), 403, "returned by its owner");
  CheckRefused(chain.Exchange("settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-1"},
                              kTicaClient),
               403, "needs an admin");
  CheckRefused(chain.Exchange("settle_contribution", {"CoffeeCo", kCoffeeWallet, "s-1"},
                              kCoffeeAdmin),
               403, "needs an admin");
}

TEST_CASE("Sequenced functions are exactly buy sell seed and settle_contribution",
          "[exchange]") {
  ExchangeChaincode exchange;
  for (const char* function : {"buy", "sell", "seed", "settle_contribution"}) {
    CHECK(exchange.IsSequenced(function));
  }
  for (const char* function : {"open_market", "deposit", "return_deposit", "set_feed", "quote",
                               "market", "markets", "feed", "deposit", "purchase",
                               "partner_volume", ""}) {
    CHECK_FALSE(exchange.IsSequenced(function));
  }
}

TEST_CASE("An open deposit can be returned once and a sold one never", "[exchange]") {
  ExchangeChain chain;
  chain.DepositFor(kAliceAddress, 100, "d-1");
  chain.DepositFor(kAliceAddress, 100, "d-2");
  Json returned = chain.Ok("exchange", "return_deposit", {"d-1"}, kAlice);
  CHECK(returned["state"] == "returned");
  CHECK(chain.Ok("exchange", "return_deposit", {"d-1"}, kRelay)["state"] == "returned");
  CheckRefused(chain.Exchange("sell", {"d-1", "0"}, kAlice), 412, "only an open deposit");
  chain.Ok("exchange", "sell", {"d-2", "0"}, kAlice);
  CheckRefused(chain.Exchange("return_deposit", {"d-2"}, kTicaAdmin), 412,
               "only an open deposit can be returned");
}

// Overwrites one stored record of the exchange, as a corrupted disk would.
void Corrupt(ExchangeChain& chain, const std::string& type, const std::vector<std::string>& attrs,
             const Json& value) {
  chain.state().Put("exchange", *CreateCompositeKey(type, attrs), value.dump(), Version{999, 0});
}

TEST_CASE("CheckExchangeInvariants catches a corrupted state", "[exchange]") {
  ExchangeChain chain;
  chain.DepositFor(kAliceAddress, 1000, "d-1");
  chain.Ok("exchange", "sell", {"d-1", "0"}, kAlice);
  chain.Ok("exchange", "buy", {"beans", "500", Mlk(100'000)}, kBob);
  REQUIRE(CheckExchangeInvariants(chain.state(), chain.now_ms).ok());
  const Json market = chain.Market();
  Json stored = market;
  stored.erase("max_price_micro_krw");
  stored.erase("min_price_micro_krw");
  auto broken = [&](const std::string& type, const std::vector<std::string>& attrs,
                    const Json& value, const std::string& text) {
    ExchangeChain copy;
    copy.DepositFor(kAliceAddress, 1000, "d-1");
    copy.Ok("exchange", "sell", {"d-1", "0"}, kAlice);
    copy.Ok("exchange", "buy", {"beans", "500", Mlk(100'000)}, kBob);
    Corrupt(copy, type, attrs, value);
    Status status = CheckExchangeInvariants(copy.state(), copy.now_ms);
    INFO(status.ToString());
    CHECK(status.code() == Code::kDataLoss);
    CHECK_THAT(status.message(), Catch::Contains(text));
  };
  Json inventory = stored;
  inventory["inventory"] = "400501";
  broken("market", {"beans"}, inventory, "inventory != seeded + sold - bought");
  Json price = stored;
  price["price_micro_krw"] = "9999999";
  broken("market", {"beans"}, price, "stored price");
  Json sold = chain.Query("deposit", {"d-1"});
  sold["amount"] = "1001";
  broken("deposit", {"d-1"}, sold, "sum of its sold deposits");
  Json bad_fee = stored;
  bad_fee["fee_bps"] = 5000;
  broken("market", {"beans"}, bad_fee, "market beans");
  Json deposit = chain.Query("deposit", {"d-1"});
  deposit["sold_ms"] = deposit["expiry_ms"];
  broken("deposit", {"d-1"}, deposit, "sold at or after its expiry");
  deposit = chain.Query("deposit", {"d-1"});
  deposit["brand"] = "nuts";
  broken("deposit", {"d-1"}, deposit, "names no known market");
  broken("partner", {"CoffeeCo"}, Json{{"volume", "1"}, {"settled", "2"}}, "settled beyond");
  broken("purchase", {"tx-x"}, Json{{"brand", "beans"}, {"bt_amount", "1"}, {"mlk_total", "1"}},
         "sum of its purchases");
  broken("market", {"beans"}, Json{{"brand", 1}}, "corrupt market");
}

}  // namespace
}  // namespace milk::chaincode::exchange_test
