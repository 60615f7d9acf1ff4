// finish and deliver on proof (docs/swaps.md): the brand chain follows the center's decision,
// refuses every proof that is not exactly the center's answer, and applies each step once.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/swap/swap.h"
#include "chaincode/swap/tests/swap_chain.h"

namespace milk::chaincode::swap_test {
namespace {

const std::string kDeadlineText = std::to_string(kDeadline);
const std::string kTxid = std::string(63, 'a') + "1";  // a center chain txid (hex)

// Alice holds 3 units expiring at a and 5 at b, and sells 6 under ref "r-1".
struct Sold {
  SwapChain chain;
  const int64_t a = kNow + kDayMs, b = kNow + 2 * kDayMs;
  const std::string id = AliceSwap("r-1");
  Sold() {
    chain.Issue(kAliceAddress, "3", a);
    chain.Issue(kAliceAddress, "5", b);
    chain.Ok("sell", {"r-1", "6", "40", kDeadlineText});
  }
  // Nothing moved: still locked, escrowed, listed as open.
  void RequireUnchanged() {
    CHECK(chain.Field(id, "state") == "locked");
    CHECK(chain.Ok("open", {}, kBob) == "{\"ids\":[\"" + id + "\"]}");
    CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"2\""));
    CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"lots\":[]"));
    chain.Invariants();
  }
};

void RequireRefusedUnchanged(const SimulationResult& result) {
  CHECK(result.rwset.ns_rwset_size() == 0);
  CHECK(result.events.empty());
}

TEST_CASE("A settled decision releases the escrow to TICA's account", "[swap][finish]") {
  Sold s;
  SimulationResult finished = s.chain.Run(
      "finish", {s.id, s.chain.DecisionProof(s.id, s.chain.Decision(s.id, "settled", "6"))},
      kRelayer);  // anyone may carry the proof
  REQUIRE(finished.response.status() == 200);
  Json record = Json::parse(finished.response.payload());
  CHECK(record["state"] == "released");
  CHECK(record["reason"] == "");
  CHECK(record["proof_height"] == 7);
  CHECK_THAT(record["finish_tx"].get<std::string>(), Catch::StartsWith("tx"));
  REQUIRE(finished.events.size() == 2);  // brandtoken's escrow_release, then swap_finished
  CHECK(finished.events[1].name() == "swap_finished");
  CHECK(finished.events[1].payload() == finished.response.payload());
  CHECK_THAT(s.chain.Balance(kPlatformAddress),
             Catch::Contains("\"lots\":[" + LotJson(kNeverExpiresMs, "6") + "]"));
  CHECK_THAT(s.chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"2\""));
  CHECK(s.chain.Ok("open", {}, kBob) == "{\"ids\":[]}");
  s.chain.Invariants();
}

TEST_CASE("An aborted decision refunds the escrow with the original expiries", "[swap][finish]") {
  Sold s;
  s.chain.SetNow(s.a);  // the lot at a expired while in escrow: it comes back expired
  SimulationResult finished = s.chain.Run(
      "finish", {s.id, s.chain.DecisionProof(s.id, s.chain.Decision(s.id, "aborted", "6"))});
  REQUIRE(finished.response.status() == 200);
  CHECK(s.chain.Field(s.id, "state") == "refunded");
  CHECK(s.chain.Field(s.id, "reason") == "deadline passed");
  CHECK_THAT(s.chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(s.a, "3") + "," + LotJson(s.b, "5") + "]"));
  s.chain.Invariants();
}

TEST_CASE("A customer's abort unseen by the center refunds the whole escrow", "[swap][finish]") {
  Sold s;  // the center records amount "0": it never saw the lock
  SimulationResult finished = s.chain.Run(
      "finish", {s.id, s.chain.DecisionProof(s.id, s.chain.Decision(s.id, "aborted", "0"))});
  REQUIRE(finished.response.status() == 200);
  CHECK_THAT(s.chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"8\""));
  s.chain.Invariants();
}

TEST_CASE("A second finish is 409 naming the state and changes nothing", "[swap][finish]") {
  Sold s;
  const std::string settled = s.chain.DecisionProof(s.id, s.chain.Decision(s.id, "settled", "6"));
  s.chain.Ok("finish", {s.id, settled});
  const std::string finish_tx = s.chain.Field(s.id, "finish_tx");
  for (const std::string& proof :
       {settled, s.chain.DecisionProof(s.id, s.chain.Decision(s.id, "aborted", "6"))}) {
    SimulationResult again = s.chain.Run("finish", {s.id, proof});
    CHECK(again.response.status() == 409);
    CHECK(again.response.message() ==
          "swap " + s.id + " is already released (finished in tx " + finish_tx + ")");
    RequireRefusedUnchanged(again);
  }
  CHECK_THAT(s.chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"6\""));
  s.chain.Invariants();
}

TEST_CASE("Forged altered replayed wrong-chain and stale proofs are refused and change nothing",
          "[swap][finish]") {
  Sold s;
  SwapChain& chain = s.chain;
  const std::string settled = chain.Decision(s.id, "settled", "6");
  const int64_t fresh_ms = chain.now() - 1000;
  milkpb::ViewProof altered;
  REQUIRE(altered.ParseFromString(chain.DecisionProof(s.id, chain.Decision(s.id, "aborted", "6"))));
  altered.mutable_result()->set_payload(settled);  // aborted turned into settled, not re-signed
  milkpb::ViewResult other_chain = CenterView("swap", {kBrandChain, s.id}, 200, settled, fresh_ms);
  other_chain.set_chain_id("mlk.test");
  const std::string other_id = AliceSwap("r-2");
  struct Case {
    std::string name;
    std::string proof;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"forged: signed under another root",
       Sign(CenterView("swap", {kBrandChain, s.id}, 200, settled, fresh_ms), Signer("TICA", 'F')),
       403, "proof refused: "},
      {"forged: a brand peer signs",
       Sign(CenterView("swap", {kBrandChain, s.id}, 200, settled, fresh_ms), Signer("BrandA", 'B')),
       403, "proof refused: "},
      {"altered", altered.SerializeAsString(), 403, "proof refused: "},
      {"replayed: another swap's decision",
       chain.DecisionProof(other_id, chain.Decision(other_id, "settled", "6")), 412,
       "proof refused: "},
      {"replayed: a purchase proof", chain.PurchaseProof(kTxid, settled), 412, "proof refused: "},
      {"wrong chain", Sign(other_chain, chain.tica()), 412, "proof refused: proof is from chain"},
      {"stale",
       Sign(CenterView("swap", {kBrandChain, s.id}, 200, settled, chain.now() - kProofMaxAgeMs - 1),
            chain.tica()),
       412, "proof refused: "},
      {"not a proof", "garbage", 400, "proof refused: "},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("finish", {s.id, c.proof}, kRelayer);
    INFO(c.name << ": " << result.response.message());
    CHECK(result.response.status() == c.status);
    CHECK_THAT(result.response.message(), Catch::StartsWith(c.message));
    RequireRefusedUnchanged(result);
  }
  s.RequireUnchanged();
}

TEST_CASE("A swap the center has not decided cannot be finished", "[swap][finish]") {
  Sold s;
  SimulationResult undecided =
      s.chain.Run("finish", {s.id, s.chain.DecisionProof(s.id, "", /*status=*/404)});
  CHECK(undecided.response.status() == 412);
  CHECK(undecided.response.message() ==
        "the center chain had not decided swap " + s.id + " at height 7; retry with a newer proof");
  RequireRefusedUnchanged(undecided);
  s.RequireUnchanged();
}

TEST_CASE("A decision that does not match the locked swap is refused", "[swap][finish]") {
  Sold s;
  const std::string decisions[] = {
      s.chain.Decision(s.id, "settled", "5"),                          // another amount
      s.chain.Decision(s.id, "settled", "6", kBobAddress),             // another owner
      s.chain.Decision(s.id, "settled", "6", kAliceAddress, "stock"),  // another kind
      s.chain.Decision(s.id, "pending", "6"),                          // no decision
      "[1]",                                                           // not a record
  };
  for (const std::string& decision : decisions) {
    SimulationResult result = s.chain.Run("finish", {s.id, s.chain.DecisionProof(s.id, decision)});
    INFO(decision);
    CHECK(result.response.status() == 412);
    RequireRefusedUnchanged(result);
  }
  s.RequireUnchanged();
}

TEST_CASE("finish refuses an unknown swap and bad input", "[swap][finish]") {
  SwapChain chain;
  const std::string id = AliceSwap("never");
  SimulationResult unknown = chain.Run("finish", {id, chain.DecisionProof(id, "{}")});
  CHECK(unknown.response.status() == 404);
  CHECK(unknown.response.message() == "unknown swap " + id + " on this chain");
  CHECK(chain.Run("finish", {id}).response.status() == 400);
  CHECK(chain.Run("finish", {"XYZ", "p"}).response.status() == 400);
  CHECK(chain.Run("deliver", {"not hex", "p"}).response.status() == 400);
}

TEST_CASE("Deliver gives the buyer a fresh expiry and is applied once", "[swap][deliver]") {
  SwapChain chain;
  chain.StockPlatform("50");
  const std::string proof = chain.PurchaseProof(kTxid, chain.Purchase(kTxid, kBobAddress, "20"));
  SimulationResult delivered = chain.Run("deliver", {kTxid, proof}, kRelayer);
  REQUIRE(delivered.response.status() == 200);
  const int64_t fresh = kToday + 180 * kDayMs;  // the brand's renewal, rounded down to a day
  Json record = Json::parse(delivered.response.payload());
  CHECK(record["tx"] == kTxid);
  CHECK(record["buyer"] == kBobAddress);
  CHECK(record["amount"] == "20");
  CHECK(record["expiry_ms"] == fresh);
  CHECK_THAT(record["deliver_tx"].get<std::string>(), Catch::StartsWith("tx"));
  REQUIRE(delivered.events.size() == 2);  // brandtoken's credit_purchase, then swap_delivered
  CHECK(delivered.events[1].name() == "swap_delivered");
  CHECK_THAT(chain.Balance(kBobAddress), Catch::Contains("[" + LotJson(fresh, "20") + "]"));
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"30\""));
  CHECK(chain.Ok("delivery", {kTxid}, kBob) == delivered.response.payload());
  SimulationResult again = chain.Run("deliver", {kTxid, proof});
  CHECK(again.response.status() == 409);
  CHECK(again.response.message() == "purchase " + kTxid + " was already delivered (in tx " +
                                        record["deliver_tx"].get<std::string>() + ")");
  RequireRefusedUnchanged(again);
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"30\""));
  chain.Invariants();
}

TEST_CASE("A purchase of another brand chain is refused", "[swap][deliver]") {
  SwapChain chain;
  chain.StockPlatform("50");
  SimulationResult refused = chain.Run(
      "deliver",
      {kTxid, chain.PurchaseProof(kTxid, chain.Purchase(kTxid, kBobAddress, "20", "brand.b"))});
  CHECK(refused.response.status() == 412);
  CHECK_THAT(refused.response.message(),
             Catch::StartsWith("purchase " + kTxid + " is not for this brand chain: chain_id is"));
  RequireRefusedUnchanged(refused);
  CHECK(chain.Run("delivery", {kTxid}, kBob).response.status() == 404);
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"50\""));
}

TEST_CASE("Deliver refuses unknown purchases and proofs that are not the center's answer",
          "[swap][deliver]") {
  SwapChain chain;
  chain.StockPlatform("50");
  const std::string purchase = chain.Purchase(kTxid, kBobAddress, "20");
  const std::string other_tx = std::string(64, 'b');
  struct Case {
    std::string proof;
    int status;
  };
  const Case cases[] = {
      {chain.PurchaseProof(kTxid, "", 404), 404},
      {Sign(CenterView("purchase", {kTxid}, 200, purchase, chain.now() - 1000),
            Signer("TICA", 'F')),
       403},
      {chain.PurchaseProof(other_tx, chain.Purchase(other_tx, kBobAddress, "20")), 412},
      {chain.PurchaseProof(kTxid, chain.Purchase(kTxid, "mlk1nobody", "20")), 412},
      {chain.PurchaseProof(kTxid, chain.Purchase(kTxid, kBobAddress, "0")), 412},
      {chain.PurchaseProof(kTxid, chain.Purchase(kTxid, kBobAddress, "51")), 412},  // > stock
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run("deliver", {kTxid, c.proof});
    INFO(result.response.message());
    CHECK(result.response.status() == c.status);
    RequireRefusedUnchanged(result);
  }
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"50\""));
  chain.Invariants();
}

TEST_CASE("The platform account cannot transfer or redeem", "[swap][deliver]") {
  SwapChain chain;
  chain.StockPlatform("50");
  for (const auto& [function, args] :
       {std::pair<std::string, std::vector<std::string>>{"transfer", {kBobAddress, "1"}},
        std::pair<std::string, std::vector<std::string>>{"redeem", {"1"}}}) {
    SimulationResult result = chain.RunOn(kBrandTokenChaincodeName, function, args, kPlatform);
    CHECK(result.response.status() == 403);
    CHECK_THAT(result.response.message(),
               Catch::StartsWith("TICA's account moves only through swaps"));
  }
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"50\""));
}

TEST_CASE("finish and deliver are sequenced: they write TICA's account", "[swap]") {
  SwapChaincode swap;
  CHECK(swap.IsSequenced("finish"));
  CHECK(swap.IsSequenced("deliver"));
  CHECK_FALSE(swap.IsSequenced("sell"));
  CHECK_FALSE(swap.IsSequenced("stock"));
  CHECK_FALSE(swap.IsSequenced("swap"));
}

}  // namespace
}  // namespace milk::chaincode::swap_test
