// Rewards reported by other chaincodes inside their own transaction (GetCallingChaincode): the
// exchange's trade_reward, pack's pack_reward, mlk's burn_reward (docs/chaincode_lzm.md, "Calls
// from other chaincodes").
#include <catch2/catch.hpp>

#include "chaincode/lzm/tests/lzm_test_util.h"

namespace milk::chaincode::lzm_test {
namespace {

TEST_CASE("trade reward is also paid when the exchange chaincode reports the trade", "[lzm]") {
  LzmChain chain;
  RegisterForwarder(chain, "exchange");
  RegisterForwarder(chain, "rogue");
  SimulationResult paid =
      chain.RunAt("exchange", "trade_reward", {kAliceAddress, "7", "MLK", "trade-tx-1"}, kAlice);
  INFO(paid.response.message());
  REQUIRE(paid.response.status() == 200);
  CHECK(paid.response.payload() == "{\"paid\":\"14\"}");
  CHECK(chain.BalanceOf(kAliceAddress) == "14");
  // The same trade reported again is answered from its reference.
  CHECK(chain.RunAt("exchange", "trade_reward", {kAliceAddress, "7", "MLK", "trade-tx-1"}, kAlice)
            .response.payload() == "{\"paid\":\"14\"}");
  CHECK(chain.BalanceOf(kAliceAddress) == "14");
  // A wallet-signed call from any other chaincode, or none, is still refused.
  SimulationResult rogue =
      chain.RunAt("rogue", "trade_reward", {kAliceAddress, "7", "MLK", "t2"}, kAlice);
  CHECK(rogue.response.status() == 403);
  CHECK_THAT(rogue.response.message(), Catch::Contains("requires an admin or client of TICA"));
  CHECK(chain.Status("trade_reward", {kAliceAddress, "7", "MLK", "t3"}, kAlice) == 403);
  CHECK(chain.BalanceOf(kAliceAddress) == "14");
  chain.Invariants();
}

TEST_CASE("trade reward reported by the exchange is refused with 412 once the pool is empty",
          "[lzm]") {
  LzmChain chain;
  RegisterForwarder(chain, "exchange");
  REQUIRE(chain.Status("trade_reward", {kBobAddress, Big(kLzmRewardsCap), "KRW", "all"}) == 200);
  SimulationResult empty =
      chain.RunAt("exchange", "trade_reward", {kAliceAddress, "7", "MLK", "t1"}, kAlice);
  CHECK(empty.response.status() == 412);
  CHECK(empty.rwset.ns_rwset_size() == 0);
  CHECK(chain.BalanceOf(kAliceAddress) == "0");
  chain.Invariants();
}

TEST_CASE("pack reward is paid by the admin or when the pack chaincode calls it", "[lzm]") {
  LzmChain chain;
  RegisterForwarder(chain, "pack");
  RegisterForwarder(chain, "rogue");
  CHECK(chain.Query("pack_reward", {kAliceAddress, "40", "s1"}) == "{\"paid\":\"40\"}");
  SimulationResult direct = chain.Run("pack_reward", {kAliceAddress, "40", "s2"}, kAlice);
  CHECK(direct.response.status() == 403);
  CHECK(direct.response.message() ==
        "pack_reward requires an admin of TICA or a call from the pack chaincode; caller is "
        "wallet");
  SimulationResult rogue = chain.RunAt("rogue", "pack_reward", {kAliceAddress, "40", "s2"}, kAlice);
  CHECK(rogue.response.status() == 403);
  CHECK_THAT(rogue.response.message(), Catch::Contains("via chaincode 'rogue'"));
  CHECK(chain.Status("pack_reward", {kAliceAddress, "40", "s2"}, kReporter) == 403);
  SimulationResult by_pack =
      chain.RunAt("pack", "pack_reward", {kAliceAddress, "40", "s2"}, kAlice);
  CHECK(by_pack.response.payload() == "{\"paid\":\"40\"}");
  CHECK(chain.Status("pack_reward", {kAliceAddress, "41", "s2"}) == 409);
  CHECK(chain.BalanceOf(kAliceAddress) == "80");
  chain.Invariants();
}

TEST_CASE("burn reward is also paid when the mlk chaincode reports the burn", "[lzm]") {
  LzmChain chain;
  RegisterForwarder(chain, "mlk");
  RegisterForwarder(chain, "rogue");
  SimulationResult paid =
      chain.RunAt("mlk", "burn_reward", {kAliceAddress, "10", "burn-1"}, kAlice);
  INFO(paid.response.message());
  REQUIRE(paid.response.status() == 200);
  CHECK(paid.response.payload() == "{\"paid\":\"30\"}");
  SimulationResult rogue = chain.RunAt("rogue", "burn_reward", {kAliceAddress, "10", "b2"}, kAlice);
  CHECK(rogue.response.status() == 403);
  CHECK_THAT(rogue.response.message(), Catch::Contains("burn_reward requires an admin or client"));
  CHECK(chain.Status("burn_reward", {kAliceAddress, "10", "b2"}, kAlice) == 403);
  CHECK(chain.BalanceOf(kAliceAddress) == "30");
  chain.Invariants();
}

}  // namespace
}  // namespace milk::chaincode::lzm_test
