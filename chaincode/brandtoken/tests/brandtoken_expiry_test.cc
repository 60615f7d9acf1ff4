// Expiry, platform purchases, sweep, the lot bound and the invariant checker.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/brandtoken_state.h"
#include "chaincode/brandtoken/tests/brand_chain.h"

namespace milk::chaincode::brandtoken_test {
namespace {

using brandtoken::Lot;
using brandtoken::Lots;

void PutRaw(MemoryState& state, const std::string& type, const std::vector<std::string>& attrs,
            const std::string& value) {
  state.Put(kBrandTokenChaincodeName, *CreateCompositeKey(type, attrs), value, Version{999, 0});
}

TEST_CASE("Expired BT can be neither spent nor traded", "[brandtoken]") {
  BrandChain chain;
  const int64_t expiry = kNow + kDayMs;
  chain.Ok("issue", {kAliceAddress, "10", "a1", std::to_string(expiry)});
  chain.Ok("issue", {kAliceAddress, "4", "a2", std::to_string(expiry + kDayMs)});
  chain.SetNow(expiry);  // expired exactly at its expiry time
  SimulationResult spend = chain.Run("redeem", {"5"}, kAlice);
  CHECK(spend.response.status() == 412);
  CHECK(spend.response.message() == "insufficient spendable balance: " + kAliceAddress +
                                        " holds 4 unexpired units (10 expired units cannot be"
                                        " used), needs 5");
  SimulationResult trade = chain.Run("transfer", {kBobAddress, "5"}, kAlice);
  CHECK(trade.response.status() == 412);
  CHECK_THAT(trade.response.message(), Catch::Contains("10 expired units cannot be used"));
  // The unexpired units still move, and the expired lot stays behind.
  chain.Ok("transfer", {kBobAddress, "4"}, kAlice);
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(expiry, "10") +
                             "],\"spendable\":\"0\",\"expired\":\"10\""));
  chain.Invariants();
}

TEST_CASE("Balance shows lots by expiry and what is spendable at the transaction time",
          "[brandtoken]") {
  BrandChain chain;
  const int64_t a = kNow + kDayMs, b = kNow + 2 * kDayMs;
  chain.Ok("issue", {kAliceAddress, "2", "r2", std::to_string(b)});
  chain.Ok("issue", {kAliceAddress, "1", "r1", std::to_string(a)});
  const std::string lots = "\"lots\":[" + LotJson(a, "1") + "," + LotJson(b, "2") + "]";
  CHECK(chain.Balance(kAliceAddress) == "{\"address\":\"" + kAliceAddress + "\"," + lots +
                                            ",\"spendable\":\"3\",\"expired\":\"0\"}");
  chain.SetNow(a);
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::EndsWith(lots + ",\"spendable\":\"2\",\"expired\":\"1\"}"));
  chain.SetNow(b + 1);
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::EndsWith(lots + ",\"spendable\":\"0\",\"expired\":\"3\"}"));
}

TEST_CASE("Sweep removes expired lots counts them as expired and emits one event", "[brandtoken]") {
  BrandChain chain;
  const int64_t expiry = kNow + kDayMs;
  chain.Ok("issue", {kAliceAddress, "10", "a1", std::to_string(expiry)});
  chain.Ok("issue", {kAliceAddress, "3", "a2", std::to_string(expiry + kDayMs)});
  chain.Ok("issue", {kBobAddress, "6", "b1", std::to_string(expiry)});
  chain.SetNow(expiry);
  SimulationResult swept = chain.Run("sweep", {kAliceAddress, kBobAddress, kPlatformAddress}, kBob);
  REQUIRE(swept.response.status() == 200);
  const std::string payload = "{\"swept\":[{\"address\":\"" + kAliceAddress +
                              "\",\"amount\":\"10\"},{\"address\":\"" + kBobAddress +
                              "\",\"amount\":\"6\"}],\"total\":\"16\"}";
  CHECK(swept.response.payload() == payload);
  REQUIRE(swept.events.size() == 1);
  CHECK(swept.events[0].name() == "sweep");
  CHECK(swept.events[0].payload() == payload);
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(expiry + kDayMs, "3") + "]"));
  CHECK_THAT(chain.Balance(kBobAddress), Catch::Contains("\"lots\":[]"));
  CHECK(chain.Totals() ==
        "{\"issued\":\"19\",\"redeemed\":\"0\",\"expired\":\"16\",\"outstanding\":\"3\"}");
  chain.Invariants();
  // Sweeping again finds nothing and still reports the sweep.
  CHECK(chain.Ok("sweep", {kAliceAddress}, kIssuer) == "{\"swept\":[],\"total\":\"0\"}");
  CHECK_THAT(chain.Totals(), Catch::Contains("\"expired\":\"16\""));
}

TEST_CASE("Sweep takes a bounded batch of distinct valid addresses", "[brandtoken]") {
  BrandChain chain;
  std::vector<std::string> too_many;
  for (size_t i = 0; i <= kSweepAddressesMax; ++i) {
    too_many.push_back(crypto::WalletAddress(std::string(31, 'w') + static_cast<char>(i)));
  }
  SimulationResult big = chain.Run("sweep", too_many);
  CHECK(big.response.status() == 400);
  CHECK(big.response.message() == "usage: sweep <address>... (1 to 100 addresses, got 101)");
  too_many.pop_back();
  CHECK(chain.Run("sweep", too_many).response.status() == 200);
  CHECK(chain.Run("sweep", {}).response.status() == 400);
  CHECK(chain.Run("sweep", {kAliceAddress, kAliceAddress}).response.message() ==
        "address " + kAliceAddress + " is listed twice");
  CHECK_THAT(chain.Run("sweep", {kAliceAddress, "x"}).response.message(),
             Catch::Contains("invalid address"));
}

TEST_CASE("BT bought on the platform gets a fresh expiry: trade time plus the renewal period",
          "[brandtoken]") {
  BrandChain chain;
  chain.Stock("50");
  const int64_t fresh = kToday + 180 * kDayMs;  // renewal 180 days, rounded down to the day
  SimulationResult bought = chain.Swap("credit_purchase", {kAliceAddress, "20", "swap-1"});
  REQUIRE(bought.response.status() == 200);
  const std::string payload = "{\"to\":\"" + kAliceAddress +
                              "\",\"amount\":\"20\",\"expiry_ms\":" + std::to_string(fresh) +
                              ",\"purchase_ref\":\"swap-1\"}";
  CHECK(bought.response.payload() == payload);
  REQUIRE(bought.events.size() == 1);
  CHECK(bought.events[0].name() == "credit_purchase");
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("[" + LotJson(fresh, "20") + "]"));
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"30\""));
  // Idempotent on the purchase reference; a different request under it is refused.
  chain.SetNow(kNow + kDayMs);
  SimulationResult retry = chain.Swap("credit_purchase", {kAliceAddress, "20", "swap-1"}, kBob);
  CHECK(retry.response.payload() == payload);
  CHECK(retry.events.empty());
  SimulationResult conflict = chain.Swap("credit_purchase", {kAliceAddress, "21", "swap-1"});
  CHECK(conflict.response.status() == 409);
  CHECK_THAT(conflict.response.message(),
             Catch::StartsWith("purchase_ref 'swap-1' was already used"));
  CHECK_THAT(chain.Totals(),
             Catch::Contains("\"issued\":\"50\"") && Catch::Contains("\"outstanding\":\"50\""));
  chain.Invariants();
}

TEST_CASE("credit_purchase is called only from the swap chaincode and refuses bad input",
          "[brandtoken]") {
  BrandChain chain;
  chain.Stock("5");
  for (const auto& caller : {kIssuer, kAdmin, kRelay, kAlice, Member("TICA", milkpb::RELAY, 't')}) {
    SimulationResult result = chain.Run("credit_purchase", {kAliceAddress, "1", "s"}, caller);
    CHECK(result.response.status() == 403);
    CHECK(result.response.message() ==
          "credit_purchase is called only by the swap chaincode 'swap'; this is a direct call");
  }
  CHECK(chain.Swap("credit_purchase", {kAliceAddress, "1"}).response.message() ==
        "usage: credit_purchase <to_address> <amount> <purchase_ref>");
  CHECK_THAT(chain.Swap("credit_purchase", {kPlatformAddress, "1", "s"}).response.message(),
             Catch::StartsWith("cannot credit a purchase to the platform account"));
  CHECK_THAT(chain.Swap("credit_purchase", {kAliceAddress, "1", "bad ref"}).response.message(),
             Catch::Contains("invalid purchase_ref"));
  SimulationResult short_inventory = chain.Swap("credit_purchase", {kAliceAddress, "6", "s"});
  CHECK(short_inventory.response.status() == 412);
  CHECK_THAT(
      short_inventory.response.message(),
      Catch::Contains("the platform account " + kPlatformAddress + " holds 5 unexpired units"));
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"lots\":[]"));
}

TEST_CASE("Lots with equal expiry merge and an address holds a bounded number of lots",
          "[brandtoken]") {
  BrandChain chain;
  for (size_t i = 0; i < kBrandLotsPerAddressMax; ++i) {
    const std::string expiry = std::to_string(kNow + 1 + static_cast<int64_t>(i));
    chain.Ok("issue", {kAliceAddress, "1", "r" + std::to_string(i), expiry});
  }
  chain.Ok("issue", {kAliceAddress, "1", "same", std::to_string(kNow + 1)});  // merges
  SimulationResult full =
      chain.Run("issue", {kAliceAddress, "1", "new", std::to_string(kNow + kDayMs)});
  CHECK(full.response.status() == 412);
  CHECK(full.response.message() == kAliceAddress +
                                       " would hold 257 lots (at most 256): sweep its"
                                       " expired lots or let it spend some first");
  chain.Ok("issue", {kBobAddress, "1", "bob", std::to_string(kNow + kDayMs)});
  CHECK(chain.Run("transfer", {kAliceAddress, "1"}, kBob).response.status() == 412);
  chain.SetNow(kNow + 1);  // the first lot expires; sweeping frees its place
  chain.Ok("sweep", {kAliceAddress});
  chain.Ok("issue", {kAliceAddress, "1", "new", std::to_string(kNow + kDayMs)});
  CHECK_THAT(chain.Totals(), Catch::Contains("\"expired\":\"2\""));
  chain.Invariants();
}

TEST_CASE("Lot helpers take earliest unexpired units first and merge equal expiries",
          "[brandtoken]") {
  Lots lots = {Lot{10, 5}, Lot{20, 5}, Lot{30, 5}};
  Lots taken = brandtoken::TakeEarliest(lots, 7, /*now_ms=*/10);  // the lot at 10 has expired
  REQUIRE(taken.size() == 2);
  CHECK((taken[0].expiry_ms == 20 && taken[0].amount == 5));
  CHECK((taken[1].expiry_ms == 30 && taken[1].amount == 2));
  REQUIRE(lots.size() == 2);
  CHECK((lots[0].expiry_ms == 10 && lots[0].amount == 5 && lots[1].amount == 3));
  REQUIRE(brandtoken::AddLots(lots, {Lot{30, 1}, Lot{15, 2}}, "x").ok());
  REQUIRE(lots.size() == 3);
  CHECK((lots[1].expiry_ms == 15 && lots[2].amount == 4));
  CHECK(brandtoken::DropExpired(lots, 15) == 7);
  CHECK(lots.size() == 1);
  Lots huge = {Lot{40, kAmountMax}};
  CHECK(brandtoken::AddLots(huge, {Lot{40, 1}}, "x").code() == Code::kDataLoss);
  CHECK(huge[0].amount == kAmountMax);
  CHECK(brandtoken::ExpiryAfter(kNow, kDayMs) == kToday + kDayMs);
  CHECK(brandtoken::ExpiryAfter(kToday, kDayMs) == kToday + kDayMs);
}

TEST_CASE("CheckBrandTokenInvariants finds every broken invariant", "[brandtoken]") {
  struct Corruption {
    std::string type;
    std::vector<std::string> attrs;
    std::string value;
    std::string message;
  };
  const std::string max = FormatAmount(kAmountMax);
  const Corruption corruptions[] = {
      {"lots", {kBobAddress}, "[" + LotJson(5, "1") + "]", "the lots and escrows hold 11"},
      {"total", {"issued"}, "9", "but the lots and escrows hold 10"},
      {"total", {"expired"}, "11", "redeemed + expired exceed issued"},
      {"total", {"redeemed"}, "x", "total redeemed is corrupt"},
      {"lots", {kAliceAddress}, "[" + LotJson(9, "1") + "," + LotJson(5, "9") + "]", "not sorted"},
      {"lots", {kAliceAddress}, "[" + LotJson(9, "0") + "]", "not positive"},
      {"lots", {kAliceAddress}, "[]", "empty lot list"},
      {"lots", {kAliceAddress}, "{}", "not a JSON array"},
      {"lots", {kBobAddress}, "[" + LotJson(5, max) + "]", "overflows"},
  };
  for (const Corruption& c : corruptions) {
    BrandChain chain;
    chain.Ok("issue", {kAliceAddress, "10", "a1"});
    chain.Invariants();
    PutRaw(chain.state(), c.type, c.attrs, c.value);
    Status status = CheckBrandTokenInvariants(chain.state());
    INFO(c.message);
    CHECK(status.code() == Code::kDataLoss);
    CHECK_THAT(status.message(), Catch::Contains(c.message));
  }
  BrandChain chain;
  std::string lots;
  for (size_t i = 0; i <= kBrandLotsPerAddressMax; ++i) {
    lots += (i ? "," : "") + LotJson(static_cast<int64_t>(i), "1");
  }
  PutRaw(chain.state(), "lots", {kAliceAddress}, "[" + lots + "]");
  CHECK_THAT(CheckBrandTokenInvariants(chain.state()).message(),
             Catch::Contains("kBrandLotsPerAddressMax"));
  chain.state().FailReadsWith(Unavailable("disk gone"));
  CHECK(CheckBrandTokenInvariants(chain.state()).code() == Code::kUnavailable);
}

TEST_CASE("A corrupt lot record answers 500 and changes nothing", "[brandtoken]") {
  BrandChain chain;
  PutRaw(chain.state(), "lots", {kAliceAddress}, "not json");
  SimulationResult result = chain.Run("redeem", {"1"}, kAlice);
  CHECK(result.response.status() == 500);
  CHECK_THAT(result.response.message(), Catch::Contains("stored lots are not a JSON array"));
  CHECK(result.rwset.ns_rwset_size() == 0);
}

}  // namespace
}  // namespace milk::chaincode::brandtoken_test
