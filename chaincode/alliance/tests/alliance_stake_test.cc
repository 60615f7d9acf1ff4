// MISSION.md, "The alliance": in phase 2 a joining partner must stake MLK. The stake is bonded on
// chain through the mlk chaincode (alliance_lock), and a withdrawn proposal's stakes go back.
#include "chaincode/alliance/tests/alliance_test_util.h"

namespace milk::chaincode::alliance_test {
namespace {

const char kPhase2[] =
    R"({"operator_org":"TICA","phase":2,"stake_min":"1000","mlk_chaincode":"mlk"})";
const char kPhase1[] = R"({"operator_org":"TICA","mlk_chaincode":"mlk"})";
// A second admin of the joining org: each admin stakes from its own address.
const crypto::IdentityInfo kAirAdmin2 = Member("Air", milkpb::ADMIN, 'b');
const crypto::IdentityInfo kAirClient = Member("Air", milkpb::CLIENT, 'c');

// Air proposed, its agreement accepted, its admins funded: only the stake is missing.
void ProposeAir(Alliance& a) {
  a.Fund(kAirAdmin, "1500");
  a.Fund(kAirAdmin2, "400");
  REQUIRE(a.Run(kTica, "propose", {"Air", "travel", "AirMiles"}).status() == 200);
  milkpb::Response r = a.Run(kAirAdmin, "accept_agreement", {"Air", kAgreement});
  REQUIRE(r.status() == 200);
  CHECK(Json::parse(r.payload())["missing"] == Json::array({"stake of 1000 MLK (staked 0)"}));
}

}  // namespace

TEST_CASE("alliance rule: in phase 2 a partner joins only after staking stake_min through stake",
          "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  milkpb::Response first = a.Run(kAirAdmin, "stake", {"Air", "600", "stake-1"});
  INFO(first.message());
  REQUIRE(first.status() == 200);
  CHECK(Json::parse(first.payload())["missing"] ==
        Json::array({"stake of 1000 MLK (staked 600)"}));
  CHECK_FALSE(a.Active("Air"));
  // The MLK left the admin's address into the alliance's custody (the supply is checked after
  // every commit by CheckMlkInvariants).
  CHECK(a.Mlk(kAirAdmin)["unlocked"] == "900");
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "600");
  Json proposal = a.Get("proposal", {"Air"});
  CHECK(proposal["stake"] == "600");
  CHECK(proposal["stakes"] == Json{{Alliance::Address(kAirAdmin), "600"}});
  milkpb::Response second = a.Run(kAirAdmin2, "stake", {"Air", "400", "stake-2"});
  REQUIRE(second.status() == 200);
  CHECK(Json::parse(second.payload())["active"] == true);
  REQUIRE(a.Active("Air"));
  Json partner = a.Get("partner", {"Air"});
  CHECK(partner["stake"] == "1000");
  CHECK(partner["stakes"] == Json{{Alliance::Address(kAirAdmin), "600"},
                                  {Alliance::Address(kAirAdmin2), "400"}});
  // An active partner's stake stays bonded.
  CHECK(a.Mlk(kAirAdmin2)["unlocked"] == "0");
  CHECK(a.Mlk(kAirAdmin2)["bonded"] == "400");
  CHECK(a.Run(kAirAdmin, "stake", {"Air", "1", "stake-3"}).status() == 404);  // nothing pending
}

TEST_CASE("alliance rule: a stake is made only by an admin of the proposed org",
          "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  a.Fund(kHotelAdmin, "1000");
  for (const crypto::IdentityInfo& who : {kHotelAdmin, kAirClient, kTica, testing::Wallet('w')}) {
    milkpb::Response r = a.Run(who, "stake", {"Air", "100", "stake-x"});
    CHECK(r.status() == 403);
    CHECK_THAT(r.message(), Catch::Contains("is made by an admin of 'Air'"));
  }
  CHECK(a.Run(kShopAdmin, "stake", {"Shop", "100", "stake-y"}).status() == 404);  // not proposed
  CHECK(a.Run(kAirAdmin, "stake", {"Air", "0", "stake-z"}).status() == 400);
  CHECK(a.Run(kAirAdmin, "stake", {"Air", "100"}).status() == 400);
  CHECK(a.Get("proposal", {"Air"})["stake"] == "0");
  CHECK(a.Mlk(kHotelAdmin)["bonded"] == "0");
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "0");
}

TEST_CASE("alliance rule: a stake beyond the admin's unlocked MLK is 412 and changes nothing",
          "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  milkpb::Response r = a.Run(kAirAdmin, "stake", {"Air", "1501", "stake-1"});
  CHECK(r.status() == 412);
  CHECK_THAT(r.message(), Catch::Contains("insufficient unlocked balance to bond"));
  CHECK(a.Get("proposal", {"Air"})["stake"] == "0");
  CHECK(a.Mlk(kAirAdmin)["unlocked"] == "1500");
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "0");
  // The refused call did not use its reference.
  REQUIRE(a.Run(kAirAdmin, "stake", {"Air", "1000", "stake-1"}).status() == 200);
  CHECK(a.Active("Air"));
}

TEST_CASE("alliance rule: a stake is idempotent on its reference", "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  milkpb::Response first = a.Run(kAirAdmin, "stake", {"Air", "600", "stake-1"});
  REQUIRE(first.status() == 200);
  milkpb::Response again = a.Run(kAirAdmin, "stake", {"Air", "600", "stake-1"});
  REQUIRE(again.status() == 200);
  CHECK(again.payload() == first.payload());
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "600");  // locked once
  milkpb::Response other = a.Run(kAirAdmin, "stake", {"Air", "700", "stake-1"});
  CHECK(other.status() == 409);
  CHECK_THAT(other.message(), Catch::Contains("was used for a different stake"));
  CHECK(a.Run(kAirAdmin2, "stake", {"Air", "600", "stake-1"}).status() == 409);  // other staker
  milkpb::Response joined = a.Run(kAirAdmin, "stake", {"Air", "400", "stake-2"});
  REQUIRE(a.Active("Air"));
  // After activation the same request still answers its first result.
  milkpb::Response replay = a.Run(kAirAdmin, "stake", {"Air", "400", "stake-2"});
  CHECK(replay.status() == 200);
  CHECK(replay.payload() == joined.payload());
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "1000");
}

TEST_CASE("alliance rule: withdrawing a proposal returns its stakes", "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  REQUIRE(a.Run(kAirAdmin, "stake", {"Air", "500", "stake-1"}).status() == 200);
  REQUIRE(a.Run(kAirAdmin2, "stake", {"Air", "300", "stake-2"}).status() == 200);
  CHECK(a.Run(kAirAdmin, "withdraw", {"Air"}).status() == 403);
  milkpb::Response withdrawn = a.Run(kTica, "withdraw", {"Air"});
  INFO(withdrawn.message());
  REQUIRE(withdrawn.status() == 200);
  CHECK(Json::parse(withdrawn.payload())["released"] ==
        Json{{Alliance::Address(kAirAdmin), "500"}, {Alliance::Address(kAirAdmin2), "300"}});
  CHECK(a.Mlk(kAirAdmin)["unlocked"] == "1500");
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "0");
  CHECK(a.Mlk(kAirAdmin2)["unlocked"] == "400");
  CHECK(a.Run(kTicaClient, "proposal", {"Air"}).status() == 404);
}

TEST_CASE("alliance rule: a stake in phase 1 is allowed but not required", "[alliance][stake]") {
  Alliance a(kPhase1);
  a.Fund(kAirAdmin, "100");
  REQUIRE(a.Run(kTica, "propose", {"Air", "travel", "AirMiles"}).status() == 200);
  REQUIRE(a.Run(kAirAdmin, "stake", {"Air", "100", "stake-1"}).status() == 200);
  CHECK_FALSE(a.Active("Air"));  // the agreement is still missing
  REQUIRE(a.Run(kAirAdmin, "accept_agreement", {"Air", kAgreement}).status() == 200);
  CHECK(a.Get("partner", {"Air"})["stake"] == "100");
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "100");
  a.Join("Hotel", "lodging", {kAirAdmin});  // no stake needed
  CHECK(a.Get("partner", {"Hotel"})["stake"] == "0");
}

TEST_CASE("alliance rule: without an MLK chaincode configured a stake is 412",
          "[alliance][stake]") {
  Alliance a(R"({"operator_org":"TICA","phase":2,"stake_min":"1000"})");
  a.Fund(kAirAdmin, "1000");
  REQUIRE(a.Run(kTica, "propose", {"Air", "travel", "AirMiles"}).status() == 200);
  milkpb::Response r = a.Run(kAirAdmin, "stake", {"Air", "1000", "stake-1"});
  CHECK(r.status() == 412);
  CHECK_THAT(r.message(), Catch::Contains("no MLK chaincode configured"));
  CHECK(a.Mlk(kAirAdmin)["unlocked"] == "1000");
  CHECK(Alliance(R"({"operator_org":"TICA","mlk_chaincode":7})").init_status == 400);
  CHECK(Alliance(R"({"operator_org":"TICA","mlk_chaincode":"m k"})").init_status == 400);
}

TEST_CASE("alliance rule: mlk alliance_lock and alliance_release called directly are 403",
          "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  REQUIRE(a.Run(kAirAdmin, "stake", {"Air", "500", "stake-1"}).status() == 200);
  const std::string address = Alliance::Address(kAirAdmin);
  for (const crypto::IdentityInfo& who : {kAirAdmin, kTica, testing::Wallet('w')}) {
    for (const char* function : {"alliance_lock", "alliance_release"}) {
      SimulationResult r = a.RunOn("mlk", who, function, {address, "100"});
      CHECK(r.response.status() == 403);
      CHECK_THAT(r.response.message(), Catch::Contains("only by the alliance chaincode"));
    }
  }
  CHECK(a.Mlk(kAirAdmin)["bonded"] == "500");
}

TEST_CASE("alliance invariant: a stake total is the sum of its per-address stakes",
          "[alliance][stake]") {
  Alliance a(kPhase2);
  ProposeAir(a);
  REQUIRE(a.Run(kAirAdmin, "stake", {"Air", "500", "stake-1"}).status() == 200);
  REQUIRE(CheckAllianceInvariants(a.state()).ok());
  Json proposal = a.Get("proposal", {"Air"});
  proposal["stake"] = "501";
  a.state().Put("alliance", *CreateCompositeKey("proposal", {"Air"}), proposal.dump(),
                Version{900, 0});
  CHECK_THAT(CheckAllianceInvariants(a.state()).message(),
             Catch::Contains("stake total of Air is not the sum of its stakes"));
}

}  // namespace milk::chaincode::alliance_test
