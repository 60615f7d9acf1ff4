// The model-based random test (docs/model_test.md): the seeds of tests/run, determinism, the
// coverage of every chaincode's functions, and proof that the checks do catch a broken state.
#include "chaincode/model/model.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "chaincode/lzm/lzm.h"
#include "chaincode/model/model_world.h"
#include "chaincode/shim/stub.h"
#include "chaincode/shim/tests/test_util.h"

namespace milk::chaincode::model {
namespace {

// tests/run: 20 seeds of 2000 operations (about two minutes on one core).
constexpr uint64_t kRunSeeds = 20;

TEST_CASE("model test: twenty seeds of two thousand operations keep every invariant", "[model]") {
  for (uint64_t seed = 1; seed <= kRunSeeds; ++seed) {
    ModelOptions options;
    options.seed = seed;
    SeedReport report = RunSeed(options);
    INFO(Summary(report));
    REQUIRE_FALSE(report.failure.has_value());
    CHECK(report.ops_run == kDefaultOpsPerSeed);
    CHECK(report.accepted > kDefaultOpsPerSeed / 4);
    CHECK(report.refused > kDefaultOpsPerSeed / 10);
  }
}

TEST_CASE("model test: a seed replays to the same operations and answers", "[model]") {
  ModelOptions options;
  options.seed = 7;
  options.ops = 300;
  options.verbose = true;
  std::ostringstream first_log, second_log;
  SeedReport first = RunSeed(options, &first_log);
  SeedReport second = RunSeed(options, &second_log);
  CHECK(first.by_function == second.by_function);
  CHECK(first_log.str() == second_log.str());
  CHECK_FALSE(first_log.str().empty());
  options.seed = 8;
  std::ostringstream other_log;
  RunSeed(options, &other_log);
  CHECK(other_log.str() != first_log.str());
}

TEST_CASE("model test: every chaincode function is exercised accepted and refused", "[model]") {
  // Two seeds: one in three seeds pays lavish LZM rewards (the pools run dry and the gated
  // team and reserve pools open), the others modest ones.
  SeedReport report;
  for (uint64_t seed : {3, 4}) {
    ModelOptions options;
    options.seed = seed;
    options.ops = 3000;
    SeedReport one = RunSeed(options);
    INFO(Summary(one));
    REQUIRE_FALSE(one.failure.has_value());
    report.exchange_enabled = one.exchange_enabled;
    for (const auto& [name, count] : one.by_function) {
      report.by_function[name].first += count.first;
      report.by_function[name].second += count.second;
    }
  }
  for (const char* name : {"mlk.grant",
                           "mlk.transfer",
                           "mlk.burn",
                           "mlk.withdraw",
                           "mlk.deposit",
                           "mlk.reward",
                           "mlk.contribution",
                           "lzm.trade_reward",
                           "lzm.coupon_reward",
                           "lzm.attendance",
                           "lzm.transfer",
                           "lzm.pay_service",
                           "pack.stake",
                           "pack.unstake",
                           "brandtoken.issue",
                           "brandtoken.redeem",
                           "brandtoken.transfer",
                           "brandtoken.sweep",
                           "alliance.propose",
                           "alliance.set_partner_params",
                           "lzm.team_grant",
                           "lzm.reserve_grant",
                           "exchange.buy",
                           "exchange.settle_swap",
                           "exchange.abort_swap",
                           "exchange.set_feed",
                           "exchange.settle_contribution",
                           "swap.sell",
                           "swap.stock",
                           "swap.finish",
                           "swap.deliver"}) {
    INFO(name);
    // Without the exchange (model_no_exchange.cc) its functions and swaps are not generated.
    if (!report.exchange_enabled && (std::string(name).rfind("exchange.", 0) == 0 ||
                                     std::string(name).rfind("swap.", 0) == 0)) {
      continue;
    }
    auto found = report.by_function.find(name);
    REQUIRE(found != report.by_function.end());
    CHECK(found->second.first > 0);   // accepted at least once
    CHECK(found->second.second > 0);  // and refused at least once
  }
  // Never accepted: LZM where MLK is expected, and moves of TICA's brand account that only the
  // swap chaincode may make.
  for (const char* name : {"lzm.swap", "lzm.convert", "lzm.pay_trade", "mlk.exchange_pay",
                           "mlk.exchange_collect", "pack.confirm_mlk", "exchange.buy_with_lzm",
                           "brandtoken.credit_purchase", "brandtoken.escrow_release"}) {
    auto found = report.by_function.find(name);
    if (found != report.by_function.end()) CHECK(found->second.first == 0);  // never accepted
  }
}

TEST_CASE("model test: created MLK breaks conservation and is caught", "[model]") {
  World world(11, false, nullptr);
  REQUIRE(world.SetUp());
  const std::string address = world.Address(world.wallets[0]);
  auto key = CreateCompositeKey("balance", {address});
  REQUIRE(key.ok());
  auto held = world.chains[kCenter].state.Get("mlk", *key);
  REQUIRE(held.ok());
  REQUIRE(held->has_value());
  world.chains[kCenter].state.Put("mlk", *key, FormatAmount(ParseOr((*held)->value, 0) + 1),
                                  Version{999, 0});
  CHECK_FALSE(world.CheckAll());
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("mlk invariants"));
}

TEST_CASE("model test: MLK moved between holders behind the model's back is caught", "[model]") {
  World world(12, false, nullptr);
  REQUIRE(world.SetUp());
  // A conserving but unexplained move: every chaincode invariant still holds.
  const std::string from = world.Address(world.wallets[0]);
  const std::string to = world.Address(world.wallets[1]);
  world.mlk.held[from] -= 1;
  world.mlk.held[to] += 1;
  CHECK_FALSE(world.CheckAll());
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("MLK held of"));
}

TEST_CASE("model test: a brand lot the model did not issue is caught", "[model]") {
  World world(13, false, nullptr);
  REQUIRE(world.SetUp());
  world.brands[0].issued += 5;
  CHECK_FALSE(world.CheckAll());
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("totals differ"));
}

TEST_CASE("model test: LZM paid by the team pool while rewards remain is caught", "[model]") {
  World world(14, false, nullptr);
  REQUIRE(world.SetUp());
  auto team = CreateCompositeKey("pool", {"team"});
  auto balance = CreateCompositeKey("balance", {world.Address(world.wallets[2])});
  REQUIRE((team.ok() && balance.ok()));
  world.chains[kCenter].state.Put("lzm", *team, FormatAmount(kLzmTeamCap - 10), Version{999, 0});
  world.chains[kCenter].state.Put("lzm", *balance, "10", Version{999, 1});
  CHECK_FALSE(world.CheckAll());
  REQUIRE(world.failure().has_value());
}

TEST_CASE("model test: a query that writes is caught", "[model]") {
  World world(15, false, nullptr);
  REQUIRE(world.SetUp());
  // A chaincode whose balance query writes: the model must notice the write.
  testing::RegisterLambda(world.chains[1].registry, "lzm", [](Stub& stub) {
    REQUIRE(stub.PutState("sneaky", "1").ok());
    return Success("0");
  });
  world.Run(Op{1, "lzm", "balance", {"x"}, world.wallets[0]});
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("wrote to lzm"));
}

TEST_CASE("model test: an accepted call the model knows is invalid is caught", "[model]") {
  World world(16, false, nullptr);
  REQUIRE(world.SetUp());
  SimulationResult accepted;
  accepted.response.set_status(200);
  world.MustRefuse(accepted, false, "never");
  CHECK_FALSE(world.failure().has_value());
  world.MustRefuse(accepted, true, "the amount is beyond the balance");
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("accepted although the amount"));
}

TEST_CASE("model test: a replay answering differently is caught", "[model]") {
  World world(17, false, nullptr);
  REQUIRE(world.SetUp());
  SimulationResult replay;
  replay.response.set_status(200);
  replay.response.set_payload("first");
  world.CheckReplay(replay, "first", /*same=*/true);
  CHECK_FALSE(world.failure().has_value());
  world.CheckReplay(replay, "first", /*same=*/false);  // a different request must be 409
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("instead of 409"));
}

TEST_CASE("model test: a failure names the seed and the operation", "[model]") {
  SeedReport report;
  report.seed = 42;
  report.ops_run = 17;
  report.failure = ModelFailure{16, "center mlk.transfer('x', '1') by wallet @ 5", "broken"};
  const std::string text = Summary(report);
  CHECK_THAT(text, Catch::Contains("seed 42"));
  CHECK_THAT(text, Catch::Contains("operation 16"));
  CHECK_THAT(text, Catch::Contains("mlk.transfer"));
  CHECK_THAT(text, Catch::Contains("broken"));
}

TEST_CASE("model test: no personal data field and a planted one is caught", "[model]") {
  World world(16, true, nullptr);
  REQUIRE(world.SetUp());
  std::vector<std::pair<std::string, MemoryState*>> states;
  for (Chain& chain : world.chains) states.emplace_back(chain.id, &chain.state);
  CHECK(ScanPersonalData(states) == "");
  auto planted = [&](const std::string& ns, const std::string& value) {
    World copy(16, true, nullptr);
    REQUIRE(copy.SetUp());
    auto key = CreateCompositeKey("profile", {copy.Address(copy.wallets[0])});
    REQUIRE(key.ok());
    copy.chains[1].state.Put(ns, *key, value, Version{999, 0});
    std::vector<std::pair<std::string, MemoryState*>> copies;
    for (Chain& chain : copy.chains) copies.emplace_back(chain.id, &chain.state);
    return ScanPersonalData(copies);
  };
  CHECK_THAT(planted("brandtoken", R"({"email":"kim@example.com"})"),
             Catch::Contains("undocumented field \"email\""));
  CHECK_THAT(planted("swap", R"({"phone_number":"1"})"), Catch::Contains("phone_number"));
  CHECK_THAT(planted("swap", R"({"reason":"call kim@example.co.kr"})"), Catch::Contains("kim@"));
  CHECK_THAT(planted("brandtoken", R"({"owner":"010-1234-5678"})"), Catch::Contains("010-1234"));
  CHECK_THAT(planted("brandtoken", R"({"lots":[{"amount":"+82 10 1234 5678"}]})"),
             Catch::Contains("+82"));
  CHECK_THAT(planted("brandtoken", R"("01012345678")"), Catch::Contains("01012345678"));
  // Amounts, hashes and addresses are not phone numbers.
  CHECK(planted("brandtoken", R"({"amount":"1012345678","id":"0123456789abcdef"})") == "");
}

TEST_CASE("model test: TICA's brand account out of step with the inventory is caught",
          "[model]") {
  World world(17, true, nullptr);
  REQUIRE(world.SetUp());
  if (!world.exchange_enabled) return;  // no markets without the exchange
  auto key = CreateCompositeKey("lots", {world.brands[0].platform});
  REQUIRE(key.ok());
  auto held = world.chains[1].state.Get("brandtoken", *key);
  REQUIRE((held.ok() && held->has_value()));
  // One more unit on TICA's account, in the model too: only the cross-chain rule can see it.
  nlohmann::json lots = nlohmann::json::parse((*held)->value);
  lots[0]["amount"] = FormatAmount(ParseOr(lots[0]["amount"].get<std::string>(), 0) + 1);
  world.chains[1].state.Put("brandtoken", *key, lots.dump(), Version{999, 0});
  world.brands[0].lots[world.brands[0].platform].begin()->second += 1;
  world.brands[0].issued += 1;
  auto total = CreateCompositeKey("total", {"issued"});
  REQUIRE(total.ok());
  world.chains[1].state.Put("brandtoken", *total, FormatAmount(world.brands[0].issued),
                            Version{999, 1});
  CHECK_FALSE(world.CheckAll());
  REQUIRE(world.failure().has_value());
  CHECK_THAT(world.failure()->what, Catch::Contains("cross-chain"));
}

}  // namespace
}  // namespace milk::chaincode::model
