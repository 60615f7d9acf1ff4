// The brandtoken functions, one test per MISSION.md rule ("Brand Tokens"), named after it.
#include "chaincode/brandtoken/brandtoken.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/brandtoken/tests/brand_chain.h"

namespace milk::chaincode::brandtoken_test {
namespace {

struct Case {
  std::vector<std::string> args;
  std::string message;
};

std::string IssuePayload(const std::string& to, const std::string& amount, int64_t expiry_ms,
                         const std::string& reference) {
  return "{\"to\":\"" + to + "\",\"amount\":\"" + amount +
         "\",\"expiry_ms\":" + std::to_string(expiry_ms) + ",\"legacy_ref\":\"" + reference + "\"}";
}

TEST_CASE("Brand parameters come from the chain's genesis", "[brandtoken]") {
  BrandChain chain;
  auto stored = chain.state().Get(kBrandTokenChaincodeName, *CreateCompositeKey("config", {}));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  std::string normalised = InitJson();
  normalised.insert(normalised.size() - 1, ",\"swap_chaincode\":\"swap\"");  // the default
  CHECK((*stored)->value == normalised);
  CHECK(chain.Totals() ==
        "{\"issued\":\"0\",\"redeemed\":\"0\",\"expired\":\"0\",\"outstanding\":\"0\"}");
  chain.Invariants();
}

TEST_CASE("Init refuses unknown keys missing keys and bad values", "[brandtoken]") {
  Registry registry;
  registry.Register(kBrandTokenChaincodeName, std::make_shared<BrandTokenChaincode>());
  MemoryState state;
  std::string good = InitJson();
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  const Case cases[] = {
      {{}, "usage: init <json>"},
      {{"[1]"}, "init is not a JSON object"},
      {{"{"}, "init is not a JSON object"},
      {{replaced("{", "{\"fee\":1,")}, "unknown init key 'fee'"},
      {{replaced("\"symbol\":\"BTA\",", "")}, "init key 'symbol' is required"},
      {{replaced("BTA", "B-T")}, "invalid symbol"},
      {{replaced("\"10\"", "\"0\"")}, "redemption_krw: amount must be positive"},
      {{replaced("\"10\"", "10")}, "redemption_krw must be a string"},
      {{replaced("31536000000", "1000")}, "default_expiry_ms must be in"},
      {{replaced("15552000000", "\"x\"")}, "renewal_ms must be an integer"},
      {{replaced("true", "1")}, "transferable must be a boolean"},
      {{replaced("\"BrandA\"", "\"\"")}, "partner_org must be an org name"},
      {{replaced(kPlatformAddress, "mlk1x")}, "platform_address: invalid address"},
      {{replaced("{", "{\"swap_chaincode\":\"\",")}, "swap_chaincode must be a chaincode name"},
      {{replaced("{", "{\"swap_chaincode\":7,")}, "swap_chaincode must be a string"},
  };
  for (const Case& c : cases) {
    TxContext context = testing::Context(kBrandTokenChaincodeName, "", c.args, kAdmin);
    SimulationResult result = Simulate(registry, state, context, /*init=*/true);
    INFO(c.message);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
}

TEST_CASE("Conversion issues BT to the customer's address with the default expiry",
          "[brandtoken]") {
  BrandChain chain;
  const int64_t expiry_ms = kToday + kYearMs;  // now + one year, rounded down to the day
  SimulationResult issued = chain.Run("issue", {kAliceAddress, "1000", "legacy-1"});
  REQUIRE(issued.response.status() == 200);
  CHECK(issued.response.payload() == IssuePayload(kAliceAddress, "1000", expiry_ms, "legacy-1"));
  REQUIRE(issued.events.size() == 1);
  CHECK(issued.events[0].name() == "issue");
  CHECK(issued.events[0].payload() == issued.response.payload());
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains(LotJson(expiry_ms, "1000")));
  // An explicit expiry (the legacy points' own date) is kept as given; an admin may issue too.
  chain.Ok("issue", {kAliceAddress, "5", "legacy-2", std::to_string(kNow + 1)}, kAdmin);
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"1005\""));
  CHECK(chain.Totals() ==
        "{\"issued\":\"1005\",\"redeemed\":\"0\",\"expired\":\"0\",\"outstanding\":\"1005\"}");
  chain.Invariants();
}

TEST_CASE("The partner alone issues: issue is for the partner's issuer role", "[brandtoken]") {
  BrandChain chain;
  const std::pair<crypto::IdentityInfo, std::string> callers[] = {{kAlice, "wallet"},
                                                                  {kOtherIssuer, "BrandB.client"},
                                                                  {kPeer, "BrandA.peer"},
                                                                  {kRelay, "BrandA.relay"}};
  for (const auto& [caller, name] : callers) {
    SimulationResult result = chain.Run("issue", {kAliceAddress, "1", "ref"}, caller);
    CHECK(result.response.status() == 403);
    CHECK_THAT(result.response.message(),
               Catch::StartsWith("issue requires an issuer of the partner BrandA") &&
                   Catch::Contains(crypto::PrincipalName(caller)));
  }
  CHECK_THAT(chain.Totals(), Catch::Contains("\"issued\":\"0\""));
}

TEST_CASE("Conversion is idempotent on the legacy reference", "[brandtoken]") {
  BrandChain chain;
  std::string first = chain.Ok("issue", {kAliceAddress, "70", "pts-42"});
  chain.SetNow(kNow + 3 * kDayMs);  // a retry later still answers the first result
  SimulationResult retry = chain.Run("issue", {kAliceAddress, "70", "pts-42"});
  REQUIRE(retry.response.status() == 200);
  CHECK(retry.response.payload() == first);
  CHECK(retry.events.empty());
  CHECK_THAT(chain.Totals(), Catch::Contains("\"issued\":\"70\""));
  const std::vector<std::string> different[] = {
      {kBobAddress, "70", "pts-42"},
      {kAliceAddress, "71", "pts-42"},
      {kAliceAddress, "70", "pts-42", std::to_string(kNow + 9 * kDayMs)}};
  for (const auto& args : different) {
    SimulationResult conflict = chain.Run("issue", args);
    CHECK(conflict.response.status() == 409);
    CHECK_THAT(conflict.response.message(),
               Catch::StartsWith("issue_ref 'pts-42' was already used for a different request") &&
                   Catch::EndsWith("use a new reference"));
  }
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"70\""));
  CHECK_THAT(chain.Balance(kBobAddress), Catch::Contains("\"spendable\":\"0\""));
  chain.Invariants();
}

TEST_CASE("issue refuses bad input and overflow", "[brandtoken]") {
  BrandChain chain;
  const Case cases[] = {
      {{kAliceAddress, "1"}, "usage: issue <to_address> <amount> <legacy_ref> [expiry_ms]"},
      {{"mlk1nothex", "1", "r"}, "invalid address"},
      {{kAliceAddress, "0", "r"}, "amount must be positive"},
      {{kAliceAddress, "-1", "r"}, "not a decimal integer"},
      {{kAliceAddress, "1", "has space"}, "invalid legacy_ref"},
      {{kAliceAddress, "1", std::string(kReferenceBytesMax + 1, 'r')}, "invalid legacy_ref"},
      {{kAliceAddress, "1", "r", "soon"}, "expiry_ms must be Unix milliseconds"},
      {{kAliceAddress, "1", "r", std::to_string(kNow)}, "the points would be born expired"},
      {{kAliceAddress, "1", "r", std::to_string(kNow + kPeriodMsMax + 1)},
       "ms after the transaction"},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("issue", c.args);
    INFO(c.message);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
  }
  chain.Ok("issue", {kAliceAddress, FormatAmount(kAmountMax), "all"});
  SimulationResult overflow = chain.Run("issue", {kBobAddress, "1", "one-more"});
  CHECK(overflow.response.status() == 400);
  CHECK_THAT(overflow.response.message(), Catch::Contains("would overflow the issued total"));
  chain.Invariants();
}

TEST_CASE("Redemption burns the customer's BT earliest-expiring first", "[brandtoken]") {
  BrandChain chain;
  const int64_t late = kNow + 20 * kDayMs, early = kNow + 10 * kDayMs;
  chain.Ok("issue", {kAliceAddress, "30", "late", std::to_string(late)});
  chain.Ok("issue", {kAliceAddress, "20", "early", std::to_string(early)});
  SimulationResult spent = chain.Run("redeem", {"25"}, kAlice);
  REQUIRE(spent.response.status() == 200);
  REQUIRE(spent.events.size() == 1);
  CHECK(spent.events[0].name() == "redeem");
  CHECK(spent.events[0].payload() == "{\"from\":\"" + kAliceAddress + "\",\"amount\":\"25\"}");
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(late, "25") + "]"));
  CHECK(chain.Totals() ==
        "{\"issued\":\"50\",\"redeemed\":\"25\",\"expired\":\"0\",\"outstanding\":\"25\"}");
  chain.Invariants();
}

TEST_CASE("Redemption is signed by the customer's wallet and refuses overdraft", "[brandtoken]") {
  BrandChain chain;
  chain.Ok("issue", {kAliceAddress, "10", "r1"});
  SimulationResult by_member = chain.Run("redeem", {"1"}, kIssuer);
  CHECK(by_member.response.status() == 403);
  CHECK(by_member.response.message() ==
        "redeem is signed by the customer's wallet; caller is BrandA.client");
  CHECK(chain.Run("redeem", {}, kAlice).response.message() == "usage: redeem <amount>");
  CHECK(chain.Run("redeem", {"0"}, kAlice).response.status() == 400);
  SimulationResult overdraft = chain.Run("redeem", {"11"}, kAlice);
  CHECK(overdraft.response.status() == 412);
  CHECK(overdraft.response.message() == "insufficient spendable balance: " + kAliceAddress +
                                            " holds 10 unexpired units (0 expired units cannot"
                                            " be used), needs 11");
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"10\""));
}

TEST_CASE("Transfer keeps each unit's expiry and moves the earliest first", "[brandtoken]") {
  BrandChain chain;
  const int64_t early = kNow + 5 * kDayMs, late = kNow + 50 * kDayMs;
  chain.Ok("issue", {kAliceAddress, "8", "a1", std::to_string(early)});
  chain.Ok("issue", {kAliceAddress, "8", "a2", std::to_string(late)});
  chain.Ok("issue", {kBobAddress, "1", "b1", std::to_string(late)});
  SimulationResult moved = chain.Run("transfer", {kBobAddress, "10"}, kAlice);
  REQUIRE(moved.response.status() == 200);
  REQUIRE(moved.events.size() == 1);
  CHECK(moved.events[0].payload() ==
        "{\"from\":\"" + kAliceAddress + "\",\"to\":\"" + kBobAddress + "\",\"amount\":\"10\"}");
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("[" + LotJson(late, "6") + "]"));
  // Bob's lot of the same expiry merged with what he received.
  CHECK_THAT(chain.Balance(kBobAddress),
             Catch::Contains("[" + LotJson(early, "8") + "," + LotJson(late, "3") + "]"));
  CHECK_THAT(chain.Totals(), Catch::Contains("\"outstanding\":\"17\""));
  chain.Invariants();
}

TEST_CASE("Transfer is refused where the brand does not allow it", "[brandtoken]") {
  BrandChain chain(InitJson(/*transferable=*/false));
  chain.Ok("issue", {kAliceAddress, "8", "a1"});
  SimulationResult refused = chain.Run("transfer", {kBobAddress, "1"}, kAlice);
  CHECK(refused.response.status() == 412);
  CHECK(refused.response.message() == "brand BTA does not allow transfers between customers");
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"8\""));
}

TEST_CASE("transfer refuses bad input and overdraft", "[brandtoken]") {
  BrandChain chain;
  chain.Ok("issue", {kAliceAddress, "10", "a1"});
  const Case cases[] = {
      {{kBobAddress}, "usage: transfer <to_address> <amount>"},
      {{"nobody", "1"}, "invalid address"},
      {{kBobAddress, "0"}, "must be positive"},
      {{kAliceAddress, "1"}, "cannot transfer to yourself"},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("transfer", c.args, kAlice);
    INFO(c.message);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
  }
  SimulationResult overdraft = chain.Run("transfer", {kBobAddress, "11"}, kAlice);
  CHECK(overdraft.response.status() == 412);
  CHECK_THAT(overdraft.response.message(), Catch::Contains("holds 10 unexpired units"));
  CHECK_THAT(chain.Balance(kBobAddress), Catch::Contains("\"lots\":[]"));
}

TEST_CASE("Issued totals are visible to the chain's members only", "[brandtoken]") {
  BrandChain chain;
  chain.Ok("issue", {kAliceAddress, "3", "a1"});
  SimulationResult by_wallet = chain.Run("totals", {}, kAlice);
  CHECK(by_wallet.response.status() == 403);
  CHECK(by_wallet.response.message() ==
        "totals are visible to the chain's org members only; caller is wallet");
  CHECK(by_wallet.response.payload().empty());
  CHECK_THAT(chain.Ok("totals", {}, kPeer), Catch::Contains("\"issued\":\"3\""));
  CHECK(chain.Run("totals", {"x"}, kPeer).response.message() == "usage: totals");
}

TEST_CASE("unknown functions and bad balance queries are refused", "[brandtoken]") {
  BrandChain chain;
  SimulationResult unknown = chain.Run("mint", {});
  CHECK(unknown.response.status() == 400);
  CHECK_THAT(unknown.response.message(), Catch::StartsWith("unknown function 'mint'"));
  CHECK(chain.Run("balance", {}).response.message() == "usage: balance <address>");
  CHECK_THAT(chain.Run("balance", {"x"}).response.message(), Catch::Contains("invalid address"));
  for (int64_t bad_ms : {int64_t{-1}, kTxTimestampMsMax + 1}) {
    chain.SetNow(bad_ms);
    SimulationResult result = chain.Run("issue", {kAliceAddress, "1", "r"});
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::StartsWith("transaction timestamp"));
  }
}

// Runs the chaincode inside a wrapper that always answers 200, so the read/write set shows
// whatever it wrote before refusing.
TEST_CASE("every refusal is decided before anything is written", "[brandtoken]") {
  BrandChain chain(InitJson(/*transferable=*/true));
  chain.Ok("issue", {kAliceAddress, "10", "a1", std::to_string(kNow + kDayMs)});
  chain.Stock("10");
  chain.SetNow(kNow + kDayMs);  // Alice's units have expired
  Registry registry;
  testing::RegisterLambda(registry, kBrandTokenChaincodeName, [](Stub& stub) {
    milkpb::Response inner = BrandTokenChaincode().Invoke(stub);
    return Success(std::to_string(inner.status()));
  });
  struct Refusal {
    std::string function;
    std::vector<std::string> args;
    crypto::IdentityInfo creator;
  };
  const Refusal cases[] = {
      {"issue", {kAliceAddress, "1", "a1"}, kIssuer},  // same reference, different request
      {"issue", {kAliceAddress, "1", "x"}, kAlice},
      {"redeem", {"1"}, kAlice},                              // expired
      {"transfer", {kBobAddress, "1"}, kAlice},               // expired
      {"credit_purchase", {kBobAddress, "1", "s1"}, kRelay},  // not from the swap chaincode
      {"escrow_lock", {kAliceAddress, "1", TestSwapId(1)}, kAlice},
      {"escrow_release", {TestSwapId(900000)}, kAlice},
      {"escrow_refund", {TestSwapId(900000)}, kAlice},
      {"issue", {kPlatformAddress, "1", "p2"}, kIssuer},
      {"redeem", {"1"}, kPlatform},
      {"transfer", {kBobAddress, "1"}, kPlatform},
      {"sweep", {kAliceAddress, kAliceAddress}, kBob},
      {"totals", {}, kAlice},
  };
  for (const Refusal& c : cases) {
    SimulationResult result =
        Simulate(registry, chain.state(), chain.Ctx(c.function, c.args, c.creator));
    INFO(c.function);
    REQUIRE(result.response.status() == 200);
    CHECK(result.response.payload() != "200");
    const auto* ns = testing::FindNs(result.rwset, kBrandTokenChaincodeName);
    CHECK((ns == nullptr || ns->writes_size() == 0));
    CHECK(result.events.empty());
  }
}

TEST_CASE("the same transactions give byte-identical read/write sets", "[brandtoken]") {
  auto run = [] {
    BrandChain chain;
    std::string bytes;
    for (const auto& result :
         {chain.Run("issue", {kAliceAddress, "100", "r1"}),
          chain.Run("transfer", {kBobAddress, "40"}, kAlice), chain.Run("redeem", {"15"}, kBob)}) {
      REQUIRE(result.response.status() == 200);
      bytes += result.rwset.SerializeAsString();
      for (const auto& event : result.events) bytes += event.SerializeAsString();
    }
    return bytes;
  };
  std::string first = run();
  CHECK(first.size() > 100);
  CHECK(run() == first);
}

}  // namespace
}  // namespace milk::chaincode::brandtoken_test
