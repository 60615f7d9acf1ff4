// The swap chaincode's lock side, queries, Init and invariants (docs/swaps.md), one test per
// rule, named after it.
#include "chaincode/swap/swap.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/swap/tests/swap_chain.h"
#include "crypto/hash.h"

namespace milk::chaincode::swap_test {
namespace {

const std::string kDeadlineText = std::to_string(kDeadline);

TEST_CASE("The swap id is SHA-256 over the length-prefixed chain owner and ref", "[swap]") {
  std::string bytes = "milk-swap-v1";
  for (const std::string part : {"brand.a", "mlk1owner", "ref-1"}) {
    bytes += std::string("\0\0\0", 3) + static_cast<char>(part.size()) + part;
  }
  CHECK(SwapId("brand.a", "mlk1owner", "ref-1") == ToHex(crypto::Sha256(bytes)));
  CHECK(SwapId("brand.a", "mlk1owner", "ref-1").size() == 64);
  // The length prefix keeps the parts apart: moving a character between them changes the id.
  CHECK(SwapId("brand.a", "mlk1owner", "ref-1") != SwapId("brand.a", "mlk1owne", "rref-1"));
  CHECK(SwapId("brand.a", "mlk1owner", "ref-1") != SwapId("brand.b", "mlk1owner", "ref-1"));
}

TEST_CASE("A sell locks BT into escrow earliest expiry first under the customer's swap id",
          "[swap]") {
  SwapChain chain;
  const int64_t a = kNow + kDayMs, b = kNow + 2 * kDayMs;
  chain.Issue(kAliceAddress, "5", b);
  chain.Issue(kAliceAddress, "3", a);
  SimulationResult sold = chain.Run("sell", {"r-1", "6", "40", kDeadlineText});
  REQUIRE(sold.response.status() == 200);
  const std::string id = AliceSwap("r-1");
  const std::string lock_tx = Json::parse(sold.response.payload())["lock_tx"];
  CHECK_THAT(lock_tx, Catch::StartsWith("tx"));  // the transaction's id
  const std::string record =
      "{\"id\":\"" + id + "\",\"kind\":\"sell\",\"chain_id\":\"brand.a\",\"brand\":\"BTA\"," +
      "\"owner\":\"" + kAliceAddress + "\",\"ref\":\"r-1\",\"amount\":\"6\",\"min_mlk\":\"40\"," +
      "\"deadline_ms\":" + kDeadlineText + ",\"state\":\"locked\",\"lock_tx\":\"" + lock_tx +
      "\",\"lock_ms\":" + std::to_string(kNow) +
      ",\"finish_tx\":\"\",\"reason\":\"\",\"proof_height\":0}";
  CHECK(sold.response.payload() == record);
  REQUIRE(sold.events.size() == 2);  // brandtoken's escrow_lock, then swap_locked
  CHECK(sold.events[1].name() == "swap_locked");
  CHECK(sold.events[1].payload() == record);
  CHECK(chain.Ok("swap", {id}, kBob) == record);
  CHECK(chain.Ok("open", {}, kBob) == "{\"ids\":[\"" + id + "\"]}");
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(b, "2") + "],\"spendable\":\"2\""));
  SimulationResult escrow = chain.RunOn(kBrandTokenChaincodeName, "escrow", {id}, kBob);
  CHECK(escrow.response.payload() == "{\"owner\":\"" + kAliceAddress + "\",\"lots\":[" +
                                         LotJson(a, "3") + "," + LotJson(b, "3") + "]}");
  chain.Invariants();
}

TEST_CASE("An expired unit cannot be locked and a refused lock changes nothing", "[swap]") {
  SwapChain chain;
  chain.Issue(kAliceAddress, "5", kNow + 10);
  chain.SetNow(kNow + 10);
  SimulationResult refused = chain.Run("sell", {"r-1", "1", "0", std::to_string(kNow + 3'600'000)});
  CHECK(refused.response.status() == 412);
  CHECK_THAT(refused.response.message(), Catch::Contains("5 expired units cannot be used"));
  CHECK(refused.rwset.ns_rwset_size() == 0);
  CHECK(refused.events.empty());
  CHECK(chain.Run("swap", {AliceSwap("r-1")}, kBob).response.status() == 404);
  chain.Invariants();
}

TEST_CASE("A sell is idempotent on its ref: same request answers the record different is 409",
          "[swap]") {
  SwapChain chain;
  chain.Issue(kAliceAddress, "10", kNow + kDayMs);
  const std::string first = chain.Ok("sell", {"r-1", "4", "40", kDeadlineText});
  chain.SetNow(kDeadline + 1);  // even after the deadline, the retry answers the record
  SimulationResult retry = chain.Run("sell", {"r-1", "4", "40", kDeadlineText});
  REQUIRE(retry.response.status() == 200);
  CHECK(retry.response.payload() == first);
  CHECK(retry.events.empty());
  const auto* ns = testing::FindNs(retry.rwset, kSwapChaincodeName);
  CHECK((ns == nullptr || ns->writes_size() == 0));
  chain.SetNow(kNow);
  for (const std::vector<std::string>& different :
       {std::vector<std::string>{"r-1", "5", "40", kDeadlineText},
        std::vector<std::string>{"r-1", "4", "41", kDeadlineText},
        std::vector<std::string>{"r-1", "4", "40", std::to_string(kDeadline + 1)}}) {
    SimulationResult conflict = chain.Run("sell", different);
    CHECK(conflict.response.status() == 409);
    CHECK_THAT(conflict.response.message(),
               Catch::StartsWith("ref 'r-1' was already used for swap " + AliceSwap("r-1")));
    CHECK(conflict.rwset.ns_rwset_size() == 0);
  }
  // Bob's ref of the same name is another swap.
  chain.Issue(kBobAddress, "1", kNow + kDayMs);
  chain.Ok("sell", {"r-1", "1", "0", kDeadlineText}, kBob);
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"6\""));
  chain.Invariants();
}

TEST_CASE("A deadline must be after now and at most deadline_max_ms ahead", "[swap]") {
  SwapChain chain;
  chain.Issue(kAliceAddress, "10", kNow + 2 * kDayMs);
  struct Case {
    std::string deadline;
    std::string message;
  };
  const Case cases[] = {
      {std::to_string(kNow), "is not after the transaction time"},
      {std::to_string(kNow - 1), "is not after the transaction time"},
      {std::to_string(kNow + kDayMs + 1), "(deadline_max_ms) after the transaction time"},
      {"soon", "deadline_ms must be Unix milliseconds"},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("sell", {"r-1", "1", "0", c.deadline});
    INFO(c.deadline);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
  chain.Ok("sell", {"r-1", "1", "0", std::to_string(kNow + kDayMs)});  // the bound itself
}

TEST_CASE("sell is for wallets and refuses bad input", "[swap]") {
  SwapChain chain;
  chain.Issue(kAliceAddress, "10", kNow + kDayMs);
  SimulationResult member = chain.Run("sell", {"r-1", "1", "0", kDeadlineText}, kTicaAdmin);
  CHECK(member.response.status() == 403);
  CHECK_THAT(member.response.message(), Catch::StartsWith("sell is signed by the customer's"));
  const std::vector<std::string> bad[] = {{"r-1", "1", "0"},
                                          {"bad ref", "1", "0", kDeadlineText},
                                          {std::string(65, 'r'), "1", "0", kDeadlineText},
                                          {"r-1", "0", "0", kDeadlineText},
                                          {"r-1", "1", "-1", kDeadlineText}};
  for (const auto& args : bad) {
    SimulationResult result = chain.Run("sell", args);
    CHECK(result.response.status() == 400);
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
  CHECK(chain.Run("sell", {"r-1", "11", "0", kDeadlineText}).response.status() == 412);
  CHECK(chain.Run("nope", {}).response.message() ==
        "unknown function 'nope' (swap has sell, stock, finish, deliver, swap, open, delivery,"
        " config)");
}

TEST_CASE("Stock is locked only by partner or operator members from their own key", "[swap]") {
  SwapChain chain;
  const crypto::IdentityInfo allowed[] = {
      kPartnerAdmin, testing::Member("BrandA", milkpb::CLIENT, 'c'), kTicaAdmin};
  for (const auto& member : allowed) {
    const std::string owner = crypto::WalletAddress(member.public_key);
    chain.Issue(owner, "7", kNow + kDayMs);
    SimulationResult stocked = chain.Run("stock", {"s-1", "7", kDeadlineText}, member);
    INFO(crypto::PrincipalName(member));
    REQUIRE(stocked.response.status() == 200);
    CHECK_THAT(stocked.response.payload(), Catch::Contains("\"kind\":\"stock\"") &&
                                               Catch::Contains("\"min_mlk\":\"0\"") &&
                                               Catch::Contains("\"owner\":\"" + owner + "\""));
  }
  const crypto::IdentityInfo refused[] = {
      kAlice, kRelayer, testing::Member("BrandA", milkpb::PEER, 'e'),
      testing::Member("BrandB", milkpb::ADMIN, 'f'), testing::Member("TICA", milkpb::CLIENT, 'g')};
  for (const auto& caller : refused) {
    SimulationResult result = chain.Run("stock", {"s-2", "1", kDeadlineText}, caller);
    CHECK(result.response.status() == 403);
    CHECK_THAT(result.response.message(),
               Catch::StartsWith("stock requires a member of BrandA (role client or admin) or an"
                                 " admin of TICA; caller is " +
                                 crypto::PrincipalName(caller)));
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
  CHECK(chain.Run("stock", {"s-2", "1"}, kTicaAdmin).response.status() == 400);
  chain.Invariants();
}

TEST_CASE("open lists locked swap ids in key order with start_after and limit", "[swap]") {
  SwapChain chain;
  chain.Issue(kAliceAddress, "10", kNow + kDayMs);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    chain.Ok("sell", {"r-" + std::to_string(i), "1", "0", kDeadlineText});
    ids.push_back(AliceSwap("r-" + std::to_string(i)));
  }
  std::sort(ids.begin(), ids.end());
  auto list = [&](std::vector<std::string> args) {
    return Json::parse(chain.Ok("open", std::move(args), kBob))["ids"]
        .get<std::vector<std::string>>();
  };
  CHECK(list({}) == ids);
  CHECK(list({"", "2"}) == std::vector<std::string>{ids[0], ids[1]});
  CHECK(list({ids[1], "2"}) == std::vector<std::string>{ids[2], ids[3]});
  CHECK(list({ids[4]}).empty());
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"", "0"}, std::vector<std::string>{"", "1001"},
        std::vector<std::string>{"xyz"}, std::vector<std::string>{"", "1", "2"}}) {
    CHECK(chain.Run("open", bad, kBob).response.status() == 400);
  }
}

TEST_CASE("Init refuses unknown keys missing keys and bad values", "[swap]") {
  Signer tica("TICA", 'T');
  const std::string good = SwapInitJson(tica);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  struct Case {
    std::string json;
    std::string message;
  };
  const Case cases[] = {
      {"[]", "init is not a JSON object"},
      {replaced("{", "{\"x\":1,"), "unknown init key 'x'"},
      {replaced("\"partner_org\":\"BrandA\",", ""), "init key 'partner_org' is required"},
      {replaced("\"mlk\"", "\"\""), "center_chain_id must be a non-empty string"},
      {replaced(ToHex(tica.root.public_key), "abcd"), "center_root_keys 'TICA' must be 64 hex"},
      {replaced("{\"TICA\":\"" + ToHex(tica.root.public_key) + "\"}", "{}"),
       "center_root_keys must be an object of 1 to 16"},
      {replaced("60000", "999"), "proof_max_age_ms must be an integer in [1000, 86400000]"},
      {replaced("86400000}", "59999}"), "deadline_max_ms must be an integer in [60000"},
  };
  Registry registry;
  registry.Register(kSwapChaincodeName, std::make_shared<SwapChaincode>());
  MemoryState state;
  for (const Case& c : cases) {
    SimulationResult result = Simulate(
        registry, state, testing::Context(kSwapChaincodeName, "", {c.json}, kTicaAdmin), true);
    INFO(c.message);
    CHECK(result.response.status() == 400);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
  }
  SimulationResult ok =
      Simulate(registry, state, testing::Context(kSwapChaincodeName, "", {good}, kTicaAdmin), true);
  REQUIRE(ok.response.status() == 200);
  state.Apply(ok.rwset, Version{1, 0});
  SimulationResult config =
      Simulate(registry, state, testing::Context(kSwapChaincodeName, "config", {}, kAlice));
  CHECK(config.response.payload() == good);  // stored in its normal form
}

TEST_CASE("CheckSwapInvariants finds an escrow out of step with its swap", "[swap]") {
  SwapChain chain;
  chain.Issue(kAliceAddress, "10", kNow + kDayMs);
  chain.Ok("sell", {"r-1", "4", "0", kDeadlineText});
  chain.Invariants();
  const std::string id = AliceSwap("r-1");
  auto put = [&](const std::string& ns, const std::string& type,
                 const std::vector<std::string>& attrs, const std::string& value) {
    chain.state().Put(ns, *CreateCompositeKey(type, attrs), value, Version{999, 0});
  };
  auto del = [&](const std::string& ns, const std::string& type,
                 const std::vector<std::string>& attrs) {
    chain.state().Delete(ns, *CreateCompositeKey(type, attrs), Version{999, 0});
  };
  SECTION("a locked swap missing from the open index") {
    del(kSwapChaincodeName, "open", {id});
    CHECK_THAT(CheckSwapInvariants(chain.state()).message(),
               Catch::Contains("missing from the open index"));
  }
  SECTION("a locked swap without its escrow") {
    del(kBrandTokenChaincodeName, "escrow", {id});
    CHECK_THAT(CheckSwapInvariants(chain.state()).message(),
               Catch::Contains("is not held in escrow for its owner"));
  }
  SECTION("an escrow of no swap") {
    put(kBrandTokenChaincodeName, "escrow", {std::string(64, 'e')},
        "{\"owner\":\"" + kBobAddress + "\",\"lots\":[" + LotJson(kNow + 5, "1") + "]}");
    CHECK_THAT(CheckSwapInvariants(chain.state()).message(), Catch::Contains("belongs to no swap"));
  }
  SECTION("an open index entry of no swap") {
    put(kSwapChaincodeName, "open", {std::string(64, 'e')}, "");
    CHECK_THAT(CheckSwapInvariants(chain.state()).message(),
               Catch::Contains("open index names unknown swap"));
  }
  SECTION("a malformed record") {
    put(kSwapChaincodeName, "swap", {id}, "{}");
    CHECK(CheckSwapInvariants(chain.state()).code() == Code::kDataLoss);
  }
}

}  // namespace
}  // namespace milk::chaincode::swap_test

namespace milk::chaincode::swap_test {
namespace {

TEST_CASE("The same swap transactions give byte-identical read/write sets and events", "[swap]") {
  auto run = [] {
    SwapChain chain;
    chain.Issue(kAliceAddress, "10", kNow + kDayMs);
    const std::string id = AliceSwap("r-1");
    std::string bytes;
    for (const SimulationResult& result :
         {chain.Run("sell", {"r-1", "4", "0", kDeadlineText}),
          chain.Run("finish", {id, chain.DecisionProof(id, chain.Decision(id, "settled", "4"))})}) {
      REQUIRE(result.response.status() == 200);
      bytes += result.rwset.SerializeAsString();
      for (const auto& event : result.events) bytes += event.SerializeAsString();
    }
    return bytes;
  };
  const std::string first = run();
  CHECK(first.size() > 500);
  CHECK(run() == first);
}

}  // namespace
}  // namespace milk::chaincode::swap_test
