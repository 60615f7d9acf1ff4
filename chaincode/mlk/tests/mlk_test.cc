// Genesis, transfer, burn, the gateway, supply and the invariant checker (MISSION.md, MLK).
#include <catch2/catch.hpp>

#include "chaincode/mlk/tests/mlk_test_util.h"

namespace milk::chaincode::mlk_test {
namespace {

SimulationResult InitWith(const Json& params) {
  Registry registry;
  registry.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
  MemoryState state;
  return Simulate(registry, state, testing::Context(kMlkChaincodeName, "", {params.dump()}), true);
}

TEST_CASE("Fixed supply of 1300000000 MLK all created at genesis into the pools", "[mlk]") {
  MlkChain chain;
  Json supply = chain.Query("supply");
  CHECK(supply["total"] == Mlk(1'300'000'000));
  CHECK(supply["total"] == "1300000000000000000000000000");  // 18 decimals
  CHECK(supply["pools"] == Mlk(1'300'000'000));
  CHECK(supply["circulating"] == "0");
  CHECK(chain.Remaining("liquidity") == Mlk(364'000'000));
  CHECK(chain.Remaining("partner_locked") == Mlk(250'120'000));
  CHECK(chain.Query("pool", {"construction"})["initial"] == Mlk(130'000'000));
  CHECK(chain.Query("params")["gateway_account"] == kGatewayAddress);
  CHECK(CheckMlkInvariants(chain.state(), kListingMs).ok());
}

TEST_CASE("Genesis refuses pools that do not sum exactly to the total", "[mlk]") {
  Json params = DefaultParams();
  params["pools"]["operation"] = FormatAmount(Amount{182'000'000} * kMlkUnit - 1);
  SimulationResult result = InitWith(params);
  CHECK(result.response.status() == 400);
  CHECK_THAT(result.response.message(), Catch::Contains("not exactly the total"));
  CHECK(result.rwset.ns_rwset_size() == 0);
}

TEST_CASE("Genesis refuses a pool far from its MISSION share", "[mlk]") {
  Json params = DefaultParams();
  params["pools"]["liquidity"] = Mlk(364'000'000 + 14'000'000);  // 29.08%: more than 1 point off
  params["pools"]["operation"] = Mlk(182'000'000 - 14'000'000);
  SimulationResult result = InitWith(params);
  CHECK(result.response.status() == 400);
  CHECK_THAT(result.response.message(), Catch::Contains("pool liquidity is"));
}

TEST_CASE("Genesis parameters are parsed strictly", "[mlk]") {
  struct Case {
    std::string key;
    Json value;  // null: remove the key
    std::string message;
  };
  const Case cases[] = {
      {"extra", 1, "unknown init key 'extra'"},
      {"listing_ms", Json(), "init key listing_ms is missing"},
      {"listing_ms", -1, "listing_ms must be a non-negative integer"},
      {"gateway_account", "mlk1xyz", "invalid address"},
      {"gateway_account", kLiquidityAddress, "must differ"},
      {"operator_org", "bad org", "operator_org"},
      {"contribution_bps_by_year", Json::array({300, 200, 100, 50}), "5 to 10 integers"},
      {"contribution_bps_by_year", Json::array({300, 200, 250, 100, 50}), "falling year by year"},
      {"contribution_bps_by_year", Json::array({0, 0, 0, 0, 0}), "start above 0"},
      {"contribution_bps_by_year", Json::array({20000, 1, 1, 1, 1}), "[0, 10000]"},
      {"pools", Json{{"liquidity", "1"}}, "unknown pool"},
  };
  for (const Case& c : cases) {
    Json params = DefaultParams();
    if (c.value.is_null())
      params.erase(c.key);
    else
      params[c.key] = c.value;
    if (c.message == "unknown pool") params["pools"]["bonus"] = "1";
    SimulationResult result = InitWith(params);
    INFO(c.key << ": " << result.response.message());
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
  }
  CHECK(InitWith(Json::array()).response.status() == 400);
  Registry registry;
  registry.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
  MemoryState state;
  CHECK(Simulate(registry, state, testing::Context(kMlkChaincodeName, "", {"{", "x"}), true)
            .response.message() == "usage: init <params_json>");
}

TEST_CASE("Genesis runs once", "[mlk]") {
  MlkChain chain;
  SimulationResult again =
      Simulate(chain.registry(), chain.state(),
               testing::Context(kMlkChaincodeName, "", {DefaultParams().dump()}), true);
  CHECK(again.response.status() == 409);
  CHECK_THAT(again.response.message(), Catch::Contains("already initialised"));
}

TEST_CASE("MLK moves freely between users", "[mlk]") {
  MlkChain chain;
  chain.Fund(kAliceAddress, 100, "fund-1");
  SimulationResult moved = chain.Run("transfer", {kBobAddress, Mlk(40)}, kAlice);
  REQUIRE(moved.response.status() == 200);
  REQUIRE(moved.events.size() == 1);
  CHECK(moved.events[0].name() == "transfer");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(60));
  CHECK(chain.Unlocked(kBobAddress) == Mlk(40));
  CHECK(chain.Query("supply")["circulating"] == Mlk(100));
}

TEST_CASE("transfer refuses bad input and overdraft", "[mlk]") {
  MlkChain chain;
  chain.Fund(kAliceAddress, 10, "fund-1");
  CheckRefused(chain.Run("transfer", {kBobAddress}, kAlice), 400, "usage: transfer");
  CheckRefused(chain.Run("transfer", {"mlk1", Mlk(1)}, kAlice), 400, "invalid address");
  CheckRefused(chain.Run("transfer", {kBobAddress, "0"}, kAlice), 400, "must be positive");
  CheckRefused(chain.Run("transfer", {kBobAddress, "-5"}, kAlice), 400, "not a decimal");
  CheckRefused(chain.Run("transfer", {kAliceAddress, "1"}, kAlice), 400, "yourself");
  CheckRefused(chain.Run("transfer", {kBobAddress, Mlk(11)}, kAlice), 412,
               "insufficient unlocked balance");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(10));
}

TEST_CASE("Burn destroys own MLK and records it for the LZM reward", "[mlk]") {
  MlkChain chain;
  chain.Fund(kAliceAddress, 10, "fund-1");
  SimulationResult burned = chain.Run("burn", {Mlk(3)}, kAlice);
  REQUIRE(burned.response.status() == 200);
  REQUIRE(burned.events.size() == 1);
  CHECK(burned.events[0].name() == "burn");
  Json event = Json::parse(burned.events[0].payload());
  CHECK(event["from"] == kAliceAddress);
  CHECK(event["amount"] == Mlk(3));
  CHECK(event["burned_by_address"] == Mlk(3));
  REQUIRE(chain.Run("burn", {Mlk(2)}, kAlice).response.status() == 200);
  CHECK(chain.Query("burned", {kAliceAddress}) == Mlk(5));
  CHECK(chain.Query("balance", {kAliceAddress})["burned"] == Mlk(5));
  Json supply = chain.Query("supply");
  CHECK(supply["total"] == Mlk(1'300'000'000));  // the total never changes
  CHECK(supply["burned"] == Mlk(5));
  CHECK(supply["circulating"] == Mlk(5));
  CheckRefused(chain.Run("burn", {Mlk(6)}, kAlice), 412, "insufficient unlocked balance to burn");
  CheckRefused(chain.Run("burn", {}, kAlice), 400, "usage: burn <amount>");
}

TEST_CASE("Gateway deposit credits a user from the gateway account idempotently", "[mlk]") {
  MlkChain chain;
  chain.Fund(kGatewayAddress, 50, "fund-gw");
  SimulationResult first = chain.Run("deposit", {kAliceAddress, Mlk(20), "ex-1"});
  REQUIRE(first.response.status() == 200);
  CHECK(first.events.at(0).name() == "deposit");
  SimulationResult again = chain.Run("deposit", {kAliceAddress, Mlk(20), "ex-1"});
  CHECK(again.response.status() == 200);
  CHECK(again.response.payload() == first.response.payload());
  CHECK(again.events.empty());
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(20));
  CHECK(chain.Unlocked(kGatewayAddress) == Mlk(30));
  CheckRefused(chain.Run("deposit", {kAliceAddress, Mlk(21), "ex-1"}), 409,
               "reference 'ext:ex-1' was already used for a different request");
  CheckRefused(chain.Run("deposit", {kAliceAddress, Mlk(31), "ex-2"}), 412,
               "insufficient unlocked balance");
  CheckRefused(chain.Run("deposit", {kAliceAddress, Mlk(1), "ex-3"}, kAlice), 403,
               "needs an admin of the operator TICA");
  CheckRefused(chain.Run("deposit", {kGatewayAddress, Mlk(1), "ex-4"}), 400, "gateway account");
  CheckRefused(chain.Run("deposit", {kAliceAddress, Mlk(1), "bad ref"}), 400, "external_ref");
}

TEST_CASE("Gateway withdraw debits a user into the gateway account idempotently", "[mlk]") {
  MlkChain chain;
  chain.Fund(kAliceAddress, 10, "fund-1");
  SimulationResult first = chain.Run("withdraw", {Mlk(4), "out-1"}, kAlice);
  REQUIRE(first.response.status() == 200);
  CHECK(chain.Run("withdraw", {Mlk(4), "out-1"}, kAlice).response.payload() ==
        first.response.payload());
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(6));
  CHECK(chain.Unlocked(kGatewayAddress) == Mlk(4));
  CheckRefused(chain.Run("withdraw", {Mlk(4), "out-1"}, kBob), 409, "different request");
  CheckRefused(chain.Run("withdraw", {Mlk(7), "out-2"}, kAlice), 412, "insufficient");
  CheckRefused(chain.Run("withdraw", {Mlk(1)}, kAlice), 400, "usage: withdraw");
}

TEST_CASE("The gateway account moves only by deposit and withdraw", "[mlk]") {
  MlkChain chain;
  chain.Fund(kGatewayAddress, 5, "fund-gw");
  chain.Fund(kAliceAddress, 5, "fund-1");
  CheckRefused(chain.Run("transfer", {kAliceAddress, Mlk(1)}, kGatewayKey), 400, "gateway");
  CheckRefused(chain.Run("transfer", {kGatewayAddress, Mlk(1)}, kAlice), 400, "use withdraw");
  CheckRefused(chain.Run("burn", {Mlk(1)}, kGatewayKey), 400, "gateway");
  CheckRefused(chain.Run("withdraw", {Mlk(1), "x"}, kGatewayKey), 400, "gateway");
}

TEST_CASE("The liquidity pool is never distributed out of the exchange", "[mlk]") {
  MlkChain chain;
  const crypto::IdentityInfo liquidity_key = testing::Wallet('l');
  REQUIRE(chain.Run("grant", {"liquidity", kLiquidityAddress, Mlk(100), "liq-1"})
              .response.status() == 200);
  chain.Fund(kAliceAddress, 5, "fund-1");
  const std::string why = "moves only through the exchange";
  CheckRefused(chain.Run("transfer", {kAliceAddress, Mlk(1)}, liquidity_key), 400, why);
  CheckRefused(chain.Run("burn", {Mlk(1)}, liquidity_key), 400, why);
  CheckRefused(chain.Run("withdraw", {Mlk(1), "out-1"}, liquidity_key), 400, why);
  CheckRefused(chain.Run("transfer", {kLiquidityAddress, Mlk(1)}, kAlice), 400, why);
  CheckRefused(chain.Run("deposit", {kLiquidityAddress, Mlk(1), "ext-1"}), 400, why);
}

TEST_CASE("Queries and unknown functions", "[mlk]") {
  MlkChain chain;
  CheckRefused(chain.Run("balance", {"nobody"}), 400, "invalid address");
  CheckRefused(chain.Run("pool", {"bonus"}), 404, "unknown pool 'bonus'");
  CheckRefused(chain.Run("supply", {"x"}), 400, "usage: supply");
  CheckRefused(chain.Run("mint", {Mlk(1)}), 400,
               "unknown function 'mint' (mlk has alliance_lock, alliance_release, balance, burn");
  CHECK(chain.Query("balance", {kBobAddress})["unlocked"] == "0");
  CheckRefused(chain.Run("release", {"x"}, kAlice), 400, "usage: release");
  CheckRefused(chain.Run("params", {"x"}), 400, "usage: params");
  CheckRefused(chain.Run("burned", {"mlk1"}), 400, "invalid address");
  CheckRefused(chain.Run("pool", {}), 400, "usage: pool <name>");
}

TEST_CASE("Corrupt stored amounts are a 500 never the caller's fault", "[mlk]") {
  MlkChain chain;
  chain.state().Put(kMlkChaincodeName, *CreateCompositeKey("balance", {kAliceAddress}), "x1",
                    Version{50, 0});
  TxContext context = testing::Context(kMlkChaincodeName, "transfer", {kBobAddress, "1"}, kAlice);
  SimulationResult result = Simulate(chain.registry(), chain.state(), context);
  CHECK(result.response.status() == 500);
  CHECK_THAT(result.response.message(), Catch::Contains("stored balance is corrupt"));
}

TEST_CASE("Functions refuse to run before genesis", "[mlk]") {
  Registry registry;
  registry.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
  MemoryState state;
  SimulationResult result =
      Simulate(registry, state, testing::Context(kMlkChaincodeName, "supply", {}));
  CHECK(result.response.status() == 412);
  CHECK_THAT(result.response.message(), Catch::Contains("not initialised"));
}

TEST_CASE("Invariant checker finds broken conservation and early lock moves", "[mlk]") {
  MlkChain chain;
  REQUIRE(chain.Run("grant", {"construction", kAliceAddress, Mlk(5), "c-1"}).response.status() ==
          200);
  REQUIRE(CheckMlkInvariants(chain.state(), kListingMs).ok());
  const std::string alice_key = *CreateCompositeKey("balance", {kAliceAddress});
  chain.state().Put(kMlkChaincodeName, alice_key, "1", Version{90, 0});
  Status minted = CheckMlkInvariants(chain.state(), kListingMs);
  CHECK(minted.code() == Code::kInternal);
  CHECK_THAT(minted.message(), Catch::Contains("exceed the total supply"));
  chain.state().Delete(kMlkChaincodeName, alice_key, Version{91, 0});
  REQUIRE(CheckMlkInvariants(chain.state(), kListingMs).ok());
  chain.Fund(kBobAddress, 1, "f-bob");
  chain.state().Delete(kMlkChaincodeName, *CreateCompositeKey("balance", {kBobAddress}),
                       Version{91, 1});
  Status lost = CheckMlkInvariants(chain.state(), kListingMs);
  CHECK_THAT(lost.message(), Catch::Contains("not 1300000000000000000000000000"));
  chain.state().Put(kMlkChaincodeName, *CreateCompositeKey("balance", {kBobAddress}), Mlk(1),
                    Version{91, 2});
  REQUIRE(CheckMlkInvariants(chain.state(), kListingMs).ok());

  std::vector<std::string> lot_keys;
  REQUIRE(chain.state()
              .Scan(kMlkChaincodeName, *CreateCompositeKey("lot", {}), "",
                    [&](const std::string& key, const VersionedValue&) {
                      if (SplitCompositeKey(key)->first == "lot") lot_keys.push_back(key);
                      return true;
                    })
              .ok());
  REQUIRE(lot_keys.size() == 1);
  // The lot moved to Alice's unlocked balance before its date: conservation holds, the lock not.
  chain.state().Delete(kMlkChaincodeName, lot_keys[0], Version{92, 0});
  chain.state().Put(kMlkChaincodeName, alice_key, Mlk(5), Version{92, 1});
  chain.state().Put(kMlkChaincodeName, *CreateCompositeKey("lot_count", {}), "0", Version{92, 2});
  Status early = CheckMlkInvariants(chain.state(), kListingMs);
  CHECK_THAT(early.message(), Catch::Contains("moved before its unlock time"));
  CHECK(CheckMlkInvariants(chain.state(), kListingMs + 3 * kLockYearMs).ok());
  chain.state().Put(kMlkChaincodeName, alice_key, "x", Version{93, 0});
  CHECK_THAT(CheckMlkInvariants(chain.state(), 0).message(), Catch::Contains("not an amount"));
}

TEST_CASE("Invariant checker finds user distribution paid before its release", "[mlk]") {
  MlkChain chain;
  chain.SetNow(kListingMs + kLockYearMs);
  REQUIRE(chain.Run("reward", {kAliceAddress, Mlk(1'000'000), "trade", "r"}).response.status() ==
          200);
  CHECK(CheckMlkInvariants(chain.state(), kListingMs + kLockYearMs).ok());
  Status early = CheckMlkInvariants(chain.state(), kListingMs + kDayMs);
  CHECK(early.code() == Code::kInternal);
  CHECK_THAT(early.message(), Catch::Contains("more than released"));
}

TEST_CASE("The same transactions give byte-identical results", "[mlk]") {
  auto run = [] {
    MlkChain chain;
    std::string bytes;
    chain.Fund(kAliceAddress, 9, "f");
    for (const auto& result :
         {chain.Run("transfer", {kBobAddress, Mlk(4)}, kAlice), chain.Run("burn", {Mlk(1)}, kBob),
          chain.Run("grant", {"construction", kBobAddress, Mlk(2), "c"})}) {
      REQUIRE(result.response.status() == 200);
      bytes += result.rwset.SerializeAsString();
      for (const auto& event : result.events) bytes += event.SerializeAsString();
    }
    return bytes;
  };
  const std::string first = run();
  CHECK(first.size() > 100);
  CHECK(run() == first);
}

}  // namespace
}  // namespace milk::chaincode::mlk_test
