// The LZM reward for burning MLK: mlk burn invokes lzm burn_reward in the same transaction
// (MISSION.md, "LoungeM": LZM for MLK burned; docs/chaincode_mlk.md, "Burn reward").
#include <catch2/catch.hpp>

#include "chaincode/lzm/lzm.h"
#include "chaincode/mlk/tests/mlk_test_util.h"

namespace milk::chaincode::mlk_test {
namespace {

// 3 LZM units per MLK unit burned.
std::string LzmConfig() {
  const Json rate = {{"num", "1"}, {"den", "1"}};
  return Json{{"operator_org", "TICA"},
              {"rates",
               {{"trade_krw", rate},
                {"trade_mlk", rate},
                {"coupon_krw", rate},
                {"burn_mlk", {{"num", "3"}, {"den", "1"}}}}},
              {"attendance_reward", "1"},
              {"level_window_days", 30},
              {"levels", {{{"name", "Silver"}, {"min", "1"}}}},
              {"pack_chaincode", "pack"}}
      .dump();
}

Json ParamsWithLzm(const std::string& lzm) {
  Json params = DefaultParams();
  params["lzm_chaincode"] = lzm;
  return params;
}

// mlk configured with lzm_chaincode "lzm", the real lzm beside it, Alice holding 100 MLK.
class BurnChain : public MlkChain {
 public:
  BurnChain() : MlkChain(ParamsWithLzm("lzm")) {
    registry().Register(kLzmChaincodeName, std::make_shared<LzmChaincode>());
    SimulationResult init =
        Simulate(registry(), state(), testing::Context(kLzmChaincodeName, "", {LzmConfig()}), true);
    REQUIRE(init.response.status() == 200);
    state().Apply(init.rwset, Version{500, 0});
    Fund(kAliceAddress, 100, "fund-alice");
  }
  std::string Lzm(const std::string& address) {
    SimulationResult balance = RunAt(kLzmChaincodeName, "balance", {address}, kAdmin);
    REQUIRE(balance.response.status() == 200);
    return balance.response.payload();
  }
};

TEST_CASE("Burning MLK pays the LZM burn reward in the same transaction", "[mlk][burn]") {
  BurnChain chain;
  SimulationResult burned = chain.Run("burn", {Mlk(10)}, kAlice);
  INFO(burned.response.message());
  REQUIRE(burned.response.status() == 200);
  const std::string reward = FormatAmount(Amount{30} * kMlkUnit);
  CHECK(Json::parse(burned.response.payload())["lzm_reward"] == reward);
  CHECK(chain.Lzm(kAliceAddress) == reward);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(90));
  CHECK(chain.Query("burned", {kAliceAddress}) == Mlk(10));
  REQUIRE(burned.events.size() == 2);  // lzm's reward, then mlk's burn
  CHECK(burned.events[1].name() == "burn");
  CHECK(Json::parse(burned.events[1].payload())["lzm_reward"] == reward);
  Status lzm = CheckLzmInvariants(chain.state());
  INFO(lzm.ToString());
  CHECK(lzm.ok());
  // A second burn is a new transaction, so a new burn reference.
  REQUIRE(chain.Run("burn", {Mlk(1)}, kAlice).response.status() == 200);
  CHECK(chain.Lzm(kAliceAddress) == FormatAmount(Amount{33} * kMlkUnit));
}

TEST_CASE("An exhausted LZM events pool leaves the burn standing with no reward", "[mlk][burn]") {
  BurnChain chain;
  REQUIRE(chain.RunAt(kLzmChaincodeName, "pack_reward",
                      {kBobAddress, FormatAmount(kLzmEventsCap), "drain"}, kAdmin)
              .response.status() == 200);
  SimulationResult burned = chain.Run("burn", {Mlk(10)}, kAlice);
  INFO(burned.response.message());
  REQUIRE(burned.response.status() == 200);
  CHECK(Json::parse(burned.response.payload())["lzm_reward"] == "0");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(90));
  CHECK(chain.Query("burned", {kAliceAddress}) == Mlk(10));
  CHECK(chain.Lzm(kAliceAddress) == "0");
}

TEST_CASE("Any other refusal of the burn reward fails the burn", "[mlk][burn]") {
  MlkChain refusing(ParamsWithLzm("badlzm"));
  testing::RegisterLambda(refusing.registry(), "badlzm",
                          [](Stub&) { return Forbidden("not today"); });
  refusing.Fund(kAliceAddress, 100, "fund-alice");
  CheckRefused(refusing.Run("burn", {Mlk(10)}, kAlice), 403,
               "the burn's LZM reward was refused by badlzm (403): not today");
  CHECK(refusing.Unlocked(kAliceAddress) == Mlk(100));
  CHECK(refusing.Query("burned", {kAliceAddress}) == "0");
  MlkChain missing(ParamsWithLzm("nolzm"));
  missing.Fund(kAliceAddress, 100, "fund-alice");
  CheckRefused(missing.Run("burn", {Mlk(10)}, kAlice), 404, "refused by nolzm (404)");
  CHECK(missing.Unlocked(kAliceAddress) == Mlk(100));
}

TEST_CASE("Without an lzm chaincode a burn pays no LZM reward", "[mlk][burn]") {
  MlkChain chain;
  chain.Fund(kAliceAddress, 100, "fund-alice");
  SimulationResult burned = chain.Run("burn", {Mlk(10)}, kAlice);
  REQUIRE(burned.response.status() == 200);
  CHECK(Json::parse(burned.response.payload())["lzm_reward"] == "0");
  CHECK(burned.events.size() == 1);
  CHECK(chain.Query("params")["lzm_chaincode"] == "");
}

TEST_CASE("Genesis lzm_chaincode is optional and checked", "[mlk][burn]") {
  CHECK(MlkChain(ParamsWithLzm("lzm")).Query("params")["lzm_chaincode"] == "lzm");
  for (const Json& bad : {Json(5), Json("mlk"), Json("l z m")}) {
    Json params = DefaultParams();
    params["lzm_chaincode"] = bad;
    Registry registry;
    registry.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
    MemoryState state;
    SimulationResult init = Simulate(
        registry, state, testing::Context(kMlkChaincodeName, "", {params.dump()}), true);
    INFO(bad.dump() << ": " << init.response.message());
    CHECK(init.response.status() == 400);
    CHECK_THAT(init.response.message(), Catch::Contains("lzm_chaincode"));
  }
}

}  // namespace
}  // namespace milk::chaincode::mlk_test
