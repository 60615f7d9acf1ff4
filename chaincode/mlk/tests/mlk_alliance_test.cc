// The alliance's custody of a joining partner's stake: alliance_lock / alliance_release
// (docs/chaincode_mlk.md, "Calls from other chaincodes"; MISSION.md, "The alliance", phase 2).
#include <catch2/catch.hpp>

#include "chaincode/mlk/tests/mlk_test_util.h"

namespace milk::chaincode::mlk_test {
namespace {

// A partner's admin: org members have an address too (WalletAddress of their key).
const crypto::IdentityInfo kAirAdmin = Member("Air", milkpb::ADMIN, 'r');
const std::string kAirAddress = crypto::WalletAddress(kAirAdmin.public_key);

// mlk with forwarders standing in for the alliance and for chaincodes with no such right.
class BondChain : public MlkChain {
 public:
  BondChain() {
    RegisterForwarder(registry(), "alliance");
    RegisterForwarder(registry(), "pack");
    Fund(kAirAddress, 100, "fund-air");
  }
  SimulationResult Alliance(const std::string& function, std::vector<std::string> args,
                            const crypto::IdentityInfo& signer = kAirAdmin) {
    return RunAt("alliance", function, std::move(args), signer);
  }
  std::string Bonded(const std::string& address) {
    return Query("balance", {address})["bonded"].get<std::string>();
  }
  std::string Circulating() { return Query("supply")["total"].get<std::string>(); }
};

TEST_CASE("alliance_lock bonds the signer's unlocked MLK and alliance_release gives it back",
          "[mlk][alliance]") {
  BondChain chain;
  SimulationResult locked = chain.Alliance("alliance_lock", {kAirAddress, Mlk(60)});
  INFO(locked.response.message());
  REQUIRE(locked.response.status() == 200);
  CHECK(locked.response.payload() == Json{{"address", kAirAddress}, {"bonded", Mlk(60)}}.dump());
  CHECK(chain.Unlocked(kAirAddress) == Mlk(40));
  CHECK(chain.Bonded(kAirAddress) == Mlk(60));
  CHECK(chain.Query("balance", {kAirAddress})["staked"] == "0");  // not pack's custody
  // Any signer may have the alliance release (TICA's admin withdrawing a proposal).
  REQUIRE(chain.Alliance("alliance_release", {kAirAddress, Mlk(20)}, kAdmin).response.status() ==
          200);
  CHECK(chain.Unlocked(kAirAddress) == Mlk(60));
  CHECK(chain.Bonded(kAirAddress) == Mlk(40));
  REQUIRE(chain.Alliance("alliance_release", {kAirAddress, Mlk(40)}).response.status() == 200);
  CHECK(chain.Unlocked(kAirAddress) == Mlk(100));
  CHECK(chain.Bonded(kAirAddress) == "0");
  CHECK(chain.Circulating() == FormatAmount(kMlkTotalSupply));
}

TEST_CASE("alliance_lock beyond the unlocked balance and alliance_release beyond the bond are 412",
          "[mlk][alliance]") {
  BondChain chain;
  CheckRefused(chain.Alliance("alliance_lock", {kAirAddress, Mlk(101)}), 412,
               "insufficient unlocked balance to bond");
  REQUIRE(chain.Alliance("alliance_lock", {kAirAddress, Mlk(30)}).response.status() == 200);
  CheckRefused(chain.Alliance("alliance_release", {kAirAddress, Mlk(31)}), 412,
               "holds " + Mlk(30) + ", cannot release " + Mlk(31));
  CheckRefused(chain.Alliance("alliance_release", {kBobAddress, Mlk(1)}), 412,
               "holds 0, cannot release");
  CheckRefused(chain.Alliance("alliance_lock", {kAirAddress, "0"}), 400, "");
  CheckRefused(chain.Alliance("alliance_lock", {kAirAddress}), 400, "usage: alliance_lock");
  CHECK(chain.Unlocked(kAirAddress) == Mlk(70));
  CHECK(chain.Bonded(kAirAddress) == Mlk(30));
}

TEST_CASE("alliance_lock releases matured lots first as transfer does", "[mlk][alliance]") {
  BondChain chain;
  REQUIRE(chain.Run("grant", {"construction", kAirAddress, Mlk(50), "lot-1"}).response.status() ==
          200);
  CheckRefused(chain.Alliance("alliance_lock", {kAirAddress, Mlk(150)}), 412,
               "insufficient unlocked balance to bond");
  chain.SetNow(kListingMs + kConstructionLockYears * kLockYearMs);
  REQUIRE(chain.Alliance("alliance_lock", {kAirAddress, Mlk(150)}).response.status() == 200);
  CHECK(chain.Unlocked(kAirAddress) == "0");
  CHECK(chain.Bonded(kAirAddress) == Mlk(150));
}

TEST_CASE("alliance custody answers only the alliance chaincode and locks only the signer's own "
          "address",
          "[mlk][alliance]") {
  BondChain chain;
  for (const char* function : {"alliance_lock", "alliance_release"}) {
    CheckRefused(chain.Run(function, {kAirAddress, Mlk(1)}, kAirAdmin), 403,
                 std::string(function) + " may be called only by the alliance chaincode");
    CheckRefused(chain.RunAt("pack", function, {kAirAddress, Mlk(1)}, kAirAdmin), 403,
                 "caller is chaincode 'pack'");
  }
  CheckRefused(chain.Alliance("alliance_lock", {kAirAddress, Mlk(1)}, kBob), 403,
               "moves only the signer's own MLK");
  CheckRefused(chain.Alliance("alliance_lock", {kGatewayAddress, Mlk(1)}, kGatewayKey), 400,
               "gateway account");
  const crypto::IdentityInfo liquidity_key = Wallet('l');  // the key of kLiquidityAddress
  REQUIRE(crypto::WalletAddress(liquidity_key.public_key) == kLiquidityAddress);
  SimulationResult granted = chain.Run("grant", {"liquidity", kLiquidityAddress, Mlk(10), "liq-1"});
  REQUIRE(granted.response.status() == 200);
  CheckRefused(chain.Alliance("alliance_lock", {kLiquidityAddress, Mlk(1)}, liquidity_key), 400,
               "the liquidity account moves only through the exchange");
  CHECK(chain.Bonded(kAirAddress) == "0");
  CHECK_FALSE(MlkChaincode().IsSequenced("alliance_lock"));
  CHECK_FALSE(MlkChaincode().IsSequenced("alliance_release"));
}

TEST_CASE("Invariant checker counts alliance bonds in the supply", "[mlk][alliance]") {
  BondChain chain;
  REQUIRE(chain.Alliance("alliance_lock", {kAirAddress, Mlk(60)}).response.status() == 200);
  REQUIRE(CheckMlkInvariants(chain.state(), chain.now_ms()).ok());
  chain.state().Delete(kMlkChaincodeName, *CreateCompositeKey("bonded", {kAirAddress}),
                       Version{90, 0});
  CHECK_THAT(CheckMlkInvariants(chain.state(), chain.now_ms()).message(),
             Catch::Contains("+ bonded + burned = "));
  chain.state().Put(kMlkChaincodeName, *CreateCompositeKey("bonded", {kAirAddress}), "x",
                    Version{91, 0});
  CHECK_THAT(CheckMlkInvariants(chain.state(), chain.now_ms()).message(),
             Catch::Contains("not an amount"));
}

}  // namespace
}  // namespace milk::chaincode::mlk_test
