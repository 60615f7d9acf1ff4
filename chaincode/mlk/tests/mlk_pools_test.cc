// Grants, lock-ups, partner contribution payouts and user rewards (MISSION.md, "MiL.k Coin").
#include <catch2/catch.hpp>

#include "chaincode/mlk/tests/mlk_test_util.h"

namespace milk::chaincode::mlk_test {
namespace {

const crypto::IdentityInfo kPartnerAdmin = Member("PartnerA", milkpb::ADMIN, 'p');

TEST_CASE("Grants from pools are for TICA's admin only", "[mlk]") {
  MlkChain chain;
  const std::vector<std::string> args = {"operation", kAliceAddress, Mlk(1), "g-1"};
  CheckRefused(chain.Run("grant", args, Member("TICA", milkpb::CLIENT)), 403,
               "this needs an admin of the operator TICA; caller is TICA.client");
  CheckRefused(chain.Run("grant", args, kPartnerAdmin), 403, "caller is PartnerA.admin");
  CheckRefused(chain.Run("grant", args, kAlice), 403, "caller is wallet");
  CheckRefused(chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(1), "c"}, kAlice), 403,
               "admin of the operator");
  CheckRefused(chain.Run("reward", {kAliceAddress, Mlk(1), "signup", "r"}, kPartnerAdmin), 403,
               "admin of the operator");
}

TEST_CASE("Grants stay within each pool's remaining budget", "[mlk]") {
  MlkChain chain;
  REQUIRE(
      chain.Run("grant", {"operation", kAliceAddress, Mlk(182'000'000), "all"}).response.status() ==
      200);
  CHECK(chain.Remaining("operation") == "0");
  CheckRefused(chain.Run("grant", {"operation", kBobAddress, "1", "more"}), 412,
               "pool operation has 0 left, cannot pay 1");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(182'000'000));
}

TEST_CASE("Grants are idempotent on their reference", "[mlk]") {
  MlkChain chain;
  SimulationResult first = chain.Run("grant", {"operation", kAliceAddress, Mlk(7), "g-1"});
  REQUIRE(first.response.status() == 200);
  CHECK(first.events.at(0).name() == "grant");
  SimulationResult again = chain.Run("grant", {"operation", kAliceAddress, Mlk(7), "g-1"});
  CHECK(again.response.status() == 200);
  CHECK(again.response.payload() == first.response.payload());
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(7));
  CheckRefused(chain.Run("grant", {"operation", kBobAddress, Mlk(7), "g-1"}), 409,
               "reference 'g-1' was already used for a different request");
}

TEST_CASE("grant refuses bad input", "[mlk]") {
  MlkChain chain;
  CheckRefused(chain.Run("grant", {"operation", kAliceAddress, Mlk(1)}), 400, "usage: grant");
  CheckRefused(chain.Run("grant", {"bonus", kAliceAddress, Mlk(1), "g"}), 404, "unknown pool");
  CheckRefused(chain.Run("grant", {"operation", "mlk1", Mlk(1), "g"}), 400, "invalid address");
  CheckRefused(chain.Run("grant", {"operation", kAliceAddress, "0", "g"}), 400, "positive");
  CheckRefused(chain.Run("grant", {"operation", kAliceAddress, "1", "g g"}), 400, "ref 'g g'");
  CheckRefused(chain.Run("grant", {"operation", kAliceAddress, "1", "g", "5"}), 400,
               "joining_ms is only for grants from partner_locked");
}

TEST_CASE("Liquidity pool only for exchange liquidity never distributed out", "[mlk]") {
  MlkChain chain;
  CheckRefused(chain.Run("grant", {"liquidity", kAliceAddress, Mlk(1), "l-1"}), 412,
               "the liquidity pool is never distributed");
  REQUIRE(
      chain.Run("grant", {"liquidity", kLiquidityAddress, Mlk(1000), "l-2"}).response.status() ==
      200);
  CHECK(chain.Unlocked(kLiquidityAddress) == Mlk(1000));
}

TEST_CASE("User distribution and contribution pools are not paid by grant", "[mlk]") {
  MlkChain chain;
  CheckRefused(chain.Run("grant", {"user_distribution", kAliceAddress, Mlk(1), "u"}), 400,
               "pays out by reward only");
  CheckRefused(chain.Run("grant", {"partner_contribution", kAliceAddress, Mlk(1), "c"}), 400,
               "pays out by contribution only");
}

TEST_CASE("Partner allocation locked 3 years from the later of joining and listing", "[mlk]") {
  MlkChain chain;
  chain.SetNow(kListingMs + 100 * kDayMs);
  const int64_t joined_ms = kListingMs + 50 * kDayMs;  // joined after listing
  CheckRefused(chain.Run("grant", {"partner_locked", kAliceAddress, Mlk(10), "p-1"}), 400,
               "needs the partner's joining_ms");
  REQUIRE(chain
              .Run("grant",
                   {"partner_locked", kAliceAddress, Mlk(10), "p-1", std::to_string(joined_ms)})
              .response.status() == 200);
  // Joined before listing: the lock runs from listing.
  REQUIRE(chain
              .Run("grant", {"partner_locked", kBobAddress, Mlk(10), "p-2",
                             std::to_string(kListingMs - 400 * kDayMs)})
              .response.status() == 200);
  CHECK(chain.Locked(kAliceAddress) == Mlk(10));
  Json lots = chain.Query("balance", {kAliceAddress})["lots"];
  CHECK(lots.at(0)["unlock_ms"] == joined_ms + 3 * kLockYearMs);
  CHECK(chain.Query("balance", {kBobAddress})["lots"].at(0)["unlock_ms"] ==
        kListingMs + 3 * kLockYearMs);
  CHECK(chain.Query("supply")["locked"] == Mlk(20));
  CHECK(chain.Query("supply")["circulating"] == "0");

  chain.SetNow(joined_ms + 3 * kLockYearMs - 1);  // one millisecond early
  CheckRefused(
      chain.Run("transfer", {kBobAddress, Mlk(1)}, kAlice), 412,
      "1 locked lot(s), the first unlocking at " + std::to_string(joined_ms + 3 * kLockYearMs));
  CheckRefused(chain.Run("burn", {Mlk(1)}, kAlice), 412, "insufficient unlocked balance");
  CheckRefused(chain.Run("withdraw", {Mlk(1), "w"}, kAlice), 412, "locked lot(s)");
  chain.SetNow(joined_ms + 3 * kLockYearMs);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(10));
  REQUIRE(chain.Run("transfer", {kBobAddress, Mlk(4)}, kAlice).response.status() == 200);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(6));
  CHECK(chain.Locked(kAliceAddress) == "0");
  CHECK(chain.Query("supply")["locked"] == "0");  // Bob's lot matured earlier
}

TEST_CASE("Initial construction locked 2 years from listing", "[mlk]") {
  MlkChain chain;
  REQUIRE(chain.Run("grant", {"construction", kAliceAddress, Mlk(8), "c-1"}).response.status() ==
          200);
  chain.SetNow(kListingMs + 2 * kLockYearMs - 1);
  CheckRefused(chain.Run("transfer", {kBobAddress, Mlk(8)}, kAlice), 412, "locked lot(s)");
  Json early = Json::parse(chain.Run("release", {}, kAlice).response.payload());
  CHECK(early["released"] == "0");
  chain.SetNow(kListingMs + 2 * kLockYearMs);
  SimulationResult released = chain.Run("release", {}, kAlice);
  REQUIRE(released.response.status() == 200);
  CHECK(Json::parse(released.response.payload())["released"] == Mlk(8));
  CHECK(released.events.at(0).name() == "release");
  REQUIRE(chain.Run("transfer", {kBobAddress, Mlk(8)}, kAlice).response.status() == 200);
  CHECK(chain.Unlocked(kBobAddress) == Mlk(8));
}

TEST_CASE("Locked lots per address are bounded", "[mlk]") {
  MlkChain chain;
  for (size_t i = 0; i < kMlkLotsPerAddressMax; ++i) {
    REQUIRE(chain.Run("grant", {"construction", kAliceAddress, "1", "c-" + std::to_string(i)})
                .response.status() == 200);
  }
  CheckRefused(chain.Run("grant", {"construction", kAliceAddress, "1", "c-x"}), 412,
               "the maximum per address");
}

TEST_CASE("Contribution pays X percent of volume with X falling year by year", "[mlk]") {
  MlkChain chain;
  const std::vector<std::string> year0 = {"PartnerA", kAliceAddress, Mlk(1000), "v-0"};
  SimulationResult paid = chain.Run("contribution", year0);
  REQUIRE(paid.response.status() == 200);
  CHECK(Json::parse(paid.response.payload())["bps"] == 300);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(30));  // 3% in year 0
  CHECK(chain.Run("contribution", year0).response.payload() == paid.response.payload());
  CheckRefused(chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(999), "v-0"}), 409,
               "different request");
  chain.SetNow(kListingMs + kScheduleYearMs);  // year 1: 2.5%
  REQUIRE(
      chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(1000), "v-1"}).response.status() ==
      200);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(55));
  chain.SetNow(kListingMs + 5 * kScheduleYearMs - 1);  // last day of year 4: 1%
  REQUIRE(chain.Run("contribution", {"PartnerA", kAliceAddress, "199", "v-4"}).response.status() ==
          200);
  CHECK(chain.Unlocked(kAliceAddress) == FormatAmount(Amount{55} * kMlkUnit + 1));  // floor
  CheckRefused(chain.Run("contribution", {"PartnerA", kAliceAddress, "99", "v-5"}), 412,
               "pays nothing");
  chain.SetNow(kListingMs + 5 * kScheduleYearMs);
  CheckRefused(chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(1), "v-6"}), 412,
               "the contribution schedule ended after 5 years");
  chain.SetNow(kListingMs - 1);
  CheckRefused(chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(1), "v-7"}), 412,
               "start at listing");
}

TEST_CASE("Contribution refuses beyond the pool", "[mlk]") {
  MlkChain chain;
  REQUIRE(chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(7'696'000'000), "all"})
              .response.status() == 200);  // 3% of it is the whole pool
  CHECK(chain.Remaining("partner_contribution") == "0");
  CheckRefused(chain.Run("contribution", {"PartnerA", kAliceAddress, Mlk(100), "more"}), 412,
               "pool partner_contribution has 0 left");
  CheckRefused(chain.Run("contribution", {"bad org", kAliceAddress, Mlk(1), "x"}), 400,
               "partner_org");
  CheckRefused(
      chain.Run("contribution", {"PartnerA", kAliceAddress, FormatAmount(kAmountMax), "y"}), 400,
      "beyond any possible trade volume");
}

TEST_CASE("User distribution paid over at least two years", "[mlk]") {
  MlkChain chain;
  chain.SetNow(kListingMs - 1);
  CheckRefused(chain.Run("reward", {kAliceAddress, "1", "signup", "r-0"}), 412,
               "0 released so far");
  chain.SetNow(kListingMs + kLockYearMs);  // half of the two years: half of 143,000,000
  CHECK(chain.Query("pool", {"user_distribution"})["released"] == Mlk(71'500'000));
  SimulationResult paid = chain.Run("reward", {kAliceAddress, Mlk(71'000'000), "trade", "r-1"});
  REQUIRE(paid.response.status() == 200);
  CHECK(paid.events.at(0).name() == "reward");
  CHECK(Json::parse(paid.events.at(0).payload())["reason"] == "trade");
  CheckRefused(chain.Run("reward", {kBobAddress, Mlk(500'001), "trade", "r-2"}), 412,
               "71500000000000000000000000 released so far, 71000000000000000000000000 already");
  REQUIRE(chain.Run("reward", {kBobAddress, Mlk(500'000), "signup", "r-2"}).response.status() ==
          200);
  CHECK(chain.Run("reward", {kBobAddress, Mlk(500'000), "signup", "r-2"}).response.status() == 200);
  CHECK(chain.Unlocked(kBobAddress) == Mlk(500'000));  // the retry paid nothing more
  CheckRefused(chain.Run("reward", {kBobAddress, Mlk(1), "signup", "r-2"}), 409, "different");
  CheckRefused(chain.Run("reward", {kBobAddress, Mlk(1), "no reason", "r-3"}), 400, "reason");
  chain.SetNow(kListingMs + 2 * kLockYearMs);
  REQUIRE(chain.Run("reward", {kBobAddress, Mlk(71'500'000), "trade", "r-4"}).response.status() ==
          200);
  CHECK(chain.Remaining("user_distribution") == "0");
  CheckRefused(chain.Run("reward", {kBobAddress, "1", "trade", "r-5"}), 412, "released so far");
}

TEST_CASE("Circulating supply excludes pools locked lots and burned MLK", "[mlk]") {
  MlkChain chain;
  chain.Fund(kAliceAddress, 100, "f-1");
  REQUIRE(chain.Run("grant", {"construction", kBobAddress, Mlk(50), "c-1"}).response.status() ==
          200);
  REQUIRE(chain.Run("burn", {Mlk(10)}, kAlice).response.status() == 200);
  Json supply = chain.Query("supply");
  CHECK(supply["pools"] == Mlk(1'300'000'000 - 150));
  CHECK(supply["locked"] == Mlk(50));
  CHECK(supply["burned"] == Mlk(10));
  CHECK(supply["circulating"] == Mlk(90));
  chain.SetNow(kListingMs + 2 * kLockYearMs);  // a matured lot circulates even before release
  CHECK(chain.Query("supply")["circulating"] == Mlk(140));
}

}  // namespace
}  // namespace milk::chaincode::mlk_test
