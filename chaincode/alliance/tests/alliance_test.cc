// The alliance rules of MISSION.md ("The alliance"), one test per rule, refusals with their
// errors; the invariant checker runs after every committed call.
#include "chaincode/alliance/tests/alliance_test_util.h"

namespace milk::chaincode::alliance_test {

TEST_CASE("alliance rule: a partner joins only by the operator's proposal", "[alliance]") {
  Alliance a;
  milkpb::Response r = a.Run(kAirAdmin, "propose", {"Air", "travel", "AirMiles"});
  CHECK(r.status() == 403);
  CHECK(r.message().find("admin of the operator") != std::string::npos);
  CHECK(a.Run(kTicaClient, "propose", {"Air", "travel", "AirMiles"}).status() == 403);
  CHECK(a.Run(kTica, "propose", {"Air", "travel", "AirMiles"}).status() == 200);
  CHECK(a.Run(kTica, "propose", {"TICA", "ops", "X"}).status() == 409);
}

TEST_CASE("alliance rule: the first partner needs the service agreement", "[alliance]") {
  Alliance a;
  REQUIRE(a.Run(kTica, "propose", {"Air", "travel", "AirMiles"}).status() == 200);
  CHECK_FALSE(a.Active("Air"));
  // Only the joining org's admin accepts, with a document hash.
  CHECK(a.Run(kHotelAdmin, "accept_agreement", {"Air", kAgreement}).status() == 403);
  CHECK(a.Run(kAirAdmin, "accept_agreement", {"Air", "not-a-hash"}).status() == 400);
  milkpb::Response r = a.Run(kAirAdmin, "accept_agreement", {"Air", kAgreement});
  REQUIRE(r.status() == 200);
  CHECK(Json::parse(r.payload())["active"] == true);
  CHECK(a.Active("Air"));
  // The proposal became the partner: there is nothing left to accept.
  CHECK(a.Run(kAirAdmin, "accept_agreement", {"Air", kAgreement}).status() == 404);
}

TEST_CASE("alliance rule: every existing partner approves a new partner", "[alliance]") {
  Alliance a;
  a.Join("Air", "travel", {});
  a.Join("Hotel", "lodging", {kAirAdmin});
  REQUIRE(a.Active("Hotel"));
  REQUIRE(a.Run(kTica, "propose", {"Shop", "fashion", "ShopPoints"}).status() == 200);
  REQUIRE(a.Run(kShopAdmin, "accept_agreement", {"Shop", kAgreement}).status() == 200);
  milkpb::Response r = a.Run(kAirAdmin, "approve", {"Shop"});
  REQUIRE(r.status() == 200);
  CHECK(Json::parse(r.payload())["missing"] == Json::array({"approval of Hotel"}));
  CHECK_FALSE(a.Active("Shop"));
  CHECK(a.Run(kAirAdmin, "approve", {"Shop"}).status() == 409);       // once per partner
  CHECK(a.Run(kShopAdmin, "approve", {"Shop"}).status() == 403);      // not a partner yet
  CHECK(a.Run(kTicaClient, "approve", {"Shop"}).status() == 403);     // not an admin
  REQUIRE(a.Run(kHotelAdmin, "approve", {"Shop"}).status() == 200);
  CHECK(a.Active("Shop"));
  CHECK(a.Get("partners").size() == 3);
}

TEST_CASE("alliance rule: one partner per industry sector", "[alliance]") {
  Alliance a;
  a.Join("Air", "travel", {});
  milkpb::Response r = a.Run(kTica, "propose", {"Rail", "travel", "RailPoints"});
  CHECK(r.status() == 409);
  CHECK(r.message().find("one partner per sector") != std::string::npos);
  REQUIRE(a.Run(kTica, "propose", {"Hotel", "lodging", "Stay"}).status() == 200);
  CHECK(a.Run(kTica, "propose", {"Inn", "lodging", "InnPoints"}).status() == 409);  // pending
  CHECK(a.Run(kTica, "propose", {"Hotel", "food", "Stay"}).status() == 409);       // org pending
  CHECK(a.Run(kTica, "propose", {"Air", "food", "AirMiles"}).status() == 409);     // org active
  CHECK(a.Run(kTica, "withdraw", {"Hotel"}).status() == 200);
  CHECK(a.Run(kTica, "propose", {"Inn", "lodging", "InnPoints"}).status() == 200);
}

TEST_CASE("alliance rule: the fee changes only when every partner approves", "[alliance]") {
  Alliance a;
  CHECK(a.Get("params")["fee_bps"] == 150);
  a.Join("Air", "travel", {});
  a.Join("Hotel", "lodging", {kAirAdmin});
  CHECK(a.Run(kAirAdmin, "propose_fee", {"100"}).status() == 403);
  CHECK(a.Run(kTica, "propose_fee", {"1001"}).status() == 400);
  REQUIRE(a.Run(kTica, "propose_fee", {"120"}).status() == 200);
  CHECK(a.Run(kAirAdmin, "approve_fee").status() == 200);
  CHECK(a.Get("params")["fee_bps"] == 150);
  CHECK(a.Run(kAirAdmin, "approve_fee").status() == 409);
  CHECK(a.Run(kHotelAdmin, "approve_fee").status() == 200);
  CHECK(a.Get("params")["fee_bps"] == 120);
  CHECK(a.Run(kHotelAdmin, "approve_fee").status() == 404);  // nothing proposed now
}

TEST_CASE("alliance rule: a partner sets its own minimum price and renewal period", "[alliance]") {
  Alliance a;
  a.Join("Air", "travel", {});
  CHECK(a.Get("partner", {"Air"})["min_price_bps"] == 6000);
  CHECK(a.Run(kAirAdmin, "set_partner_params", {"5999", "86400000"}).status() == 400);  // > 40% off
  CHECK(a.Run(kAirAdmin, "set_partner_params", {"9501", "86400000"}).status() == 400);  // < 5% off
  CHECK(a.Run(kAirAdmin, "set_partner_params", {"8000", "1000"}).status() == 400);
  CHECK(a.Run(kHotelAdmin, "set_partner_params", {"8000", "86400000"}).status() == 403);
  REQUIRE(a.Run(kAirAdmin, "set_partner_params", {"8000", "2592000000"}).status() == 200);
  CHECK(a.Get("partner", {"Air"})["min_price_bps"] == 8000);
  CHECK(a.Get("partner", {"Air"})["renewal_ms"] == 2592000000LL);
}

TEST_CASE("alliance rule: a minimum price stays below the exchange maximum at the current fee",
          "[alliance]") {
  Alliance a;
  a.Join("Air", "travel", {});
  // At the 1.5% fee the maximum is 9500 / 1.015 = 9359.6 bps of redemption value.
  milkpb::Response refused = a.Run(kAirAdmin, "set_partner_params", {"9360", "86400000"});
  CHECK(refused.status() == 412);
  CHECK_THAT(refused.message(), Catch::Contains("not below the market's maximum price"));
  CHECK(a.Get("partner", {"Air"})["min_price_bps"] == 6000);  // unchanged
  CHECK(a.Run(kAirAdmin, "set_partner_params", {"9359", "86400000"}).status() == 200);
}

TEST_CASE("alliance rule: brand chains are registered with their roots and policy", "[alliance]") {
  Alliance a;
  a.Join("Air", "travel", {});
  const std::string roots = R"({"Air":")" + std::string(64, 'b') + R"(","TICA":")" +
                            std::string(64, 'c') + R"("})";
  CHECK(a.Run(kHotelAdmin, "register_brand_chain", {"air", "Air", "OutOf(1,'Air.peer')", roots})
            .status() == 403);
  CHECK(a.Run(kTica, "register_brand_chain", {"hotel", "Hotel", "OutOf(1,'Hotel.peer')", roots})
            .status() == 412);  // not a partner
  CHECK(a.Run(kAirAdmin, "register_brand_chain", {"air", "Air", "p", R"({"TICA":"00"})"})
            .status() == 400);
  REQUIRE(a.Run(kAirAdmin, "register_brand_chain", {"air", "Air", "OutOf(1,'Air.peer')", roots})
              .status() == 200);
  Json chain = a.Get("brand_chain", {"air"});
  CHECK(chain["policy"] == "OutOf(1,'Air.peer')");
  CHECK(chain["root_keys"]["Air"] == std::string(64, 'b'));
  CHECK(a.Run(kTicaClient, "brand_chain", {"nope"}).status() == 404);
}

TEST_CASE("alliance: Init refuses unknown keys and out-of-range parameters", "[alliance]") {
  CHECK(Alliance(R"({"operator_org":"TICA","colour":"red"})").init_status == 400);
  CHECK(Alliance(R"({"phase":1})").init_status == 400);
  CHECK(Alliance(R"({"operator_org":"TICA","phase":3})").init_status == 400);
  CHECK(Alliance(R"({"operator_org":"TICA","fee_bps":5000})").init_status == 400);
  CHECK(Alliance("not json").init_status == 400);
  CHECK(Alliance().init_status == 200);
}

TEST_CASE("alliance: unknown functions are refused", "[alliance]") {
  Alliance a;
  CHECK(a.Run(kTica, "dissolve").status() == 404);
}

}  // namespace milk::chaincode::alliance_test
