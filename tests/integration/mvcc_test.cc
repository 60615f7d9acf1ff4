// MVCC (ARCHITECTURE.md section 3, step 4): two transfers from one wallet endorsed on the same
// state both read its balance at one version; whichever is ordered later must be committed as
// MVCC_READ_CONFLICT, with no writes, and the CLI must show that code.
#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "crypto/clock.h"
#include "tests/integration/harness.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

milkpb::CommitStatusResponse WaitForCommit(const client::GatewayClient& peer,
                                           const std::string& tx_id) {
  auto status = peer.CommitStatus(kChainId, tx_id, /*wait=*/true);
  INFO(status.status().ToString());
  REQUIRE(status.ok());
  return *status;
}

bool OrderedBefore(const milkpb::CommitStatusResponse& a, const milkpb::CommitStatusResponse& b) {
  return a.block_number() != b.block_number() ? a.block_number() < b.block_number()
                                              : a.tx_index() < b.tx_index();
}

// The transactions of `milk --json chain fetch` output, by tx_id: their validation code names.
std::map<std::string, std::string> CodesInFetchJson(const std::string& out) {
  nlohmann::json block = nlohmann::json::parse(out, nullptr, false);
  REQUIRE(block.is_object());
  REQUIRE(block.contains("transactions"));
  std::map<std::string, std::string> codes;
  for (const nlohmann::json& tx : block["transactions"]) {
    codes[tx.value("tx_id", "")] = tx.value("validation_code", "");
  }
  return codes;
}

// `milk chain fetch` of the conflict's block, as text and as JSON, shows the conflict (and the
// winner as VALID when both are in that block: winner_tx non-empty).
void CheckFetchShowsConflict(const TestNode& node, uint64_t block_number,
                             const std::string& loser_tx, const std::string& winner_tx) {
  const std::string block = std::to_string(block_number);
  CommandResult text = node.RunMilk({"--peer", node.grpc_endpoint(), "chain", "fetch", "-C",
                                     kChainId, "--block", block});
  INFO("milk chain fetch: " << text.out << text.err);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains(loser_tx) && Catch::Contains("MVCC_READ_CONFLICT"));

  CommandResult json = node.RunMilk({"--peer", node.grpc_endpoint(), "--json", "chain", "fetch",
                                     "-C", kChainId, "--block", block});
  INFO("milk --json chain fetch: " << json.out << json.err);
  REQUIRE(json.exit_code == 0);
  const std::map<std::string, std::string> codes = CodesInFetchJson(json.out);
  REQUIRE(codes.count(loser_tx) == 1);
  CHECK(codes.at(loser_tx) == "MVCC_READ_CONFLICT");
  if (!winner_tx.empty()) {
    REQUIRE(codes.count(winner_tx) == 1);
    CHECK(codes.at(winner_tx) == "VALID");
  }
}

TEST_CASE("the later of two transfers endorsed on the same state is an MVCC_READ_CONFLICT",
          "[integration][mvcc]") {
  TestNode node;
  const client::GatewayClient peer = node.Client();
  const client::Signer issuer = node.Member("issuer");
  const client::Signer alice = node.Wallet("alice");
  auto funded = InvokeToken(peer, issuer, "issue", {node.Address("alice"), "100"});
  INFO(funded.status().ToString());
  REQUIRE(funded.ok());
  REQUIRE(funded->code == milkpb::VALID);

  // Both endorsed before either is submitted: both read alice's balance at the same version.
  const EndorsedTx to_bob = EndorseToken(peer, alice, "transfer", {node.Address("bob"), "30"});
  const EndorsedTx to_carol =
      EndorseToken(peer, alice, "transfer", {node.Address("carol"), "50"});

  SECTION("submitted concurrently") {
    auto first = std::async(std::launch::async,
                            [&] { return peer.Submit(kChainId, to_bob.envelope); });
    auto second = std::async(std::launch::async,
                             [&] { return peer.Submit(kChainId, to_carol.envelope); });
    auto first_result = first.get();
    auto second_result = second.get();
    INFO(first_result.status().ToString() << " / " << second_result.status().ToString());
    REQUIRE(first_result.ok());
    REQUIRE(second_result.ok());
  }
  SECTION("submitted one after the other") {
    auto first_result = peer.Submit(kChainId, to_bob.envelope);
    INFO(first_result.status().ToString());
    REQUIRE(first_result.ok());
    auto second_result = peer.Submit(kChainId, to_carol.envelope);
    INFO(second_result.status().ToString());
    REQUIRE(second_result.ok());
  }

  const milkpb::CommitStatusResponse bob_status = WaitForCommit(peer, to_bob.tx_id);
  const milkpb::CommitStatusResponse carol_status = WaitForCommit(peer, to_carol.tx_id);
  const bool bob_first = OrderedBefore(bob_status, carol_status);
  const milkpb::CommitStatusResponse& winner = bob_first ? bob_status : carol_status;
  const milkpb::CommitStatusResponse& loser = bob_first ? carol_status : bob_status;
  const std::string& loser_tx = bob_first ? to_carol.tx_id : to_bob.tx_id;
  CHECK(winner.code() == milkpb::VALID);
  CHECK(loser.code() == milkpb::MVCC_READ_CONFLICT);

  // Only the winner's writes were applied.
  auto balance = [&](const std::string& name) {
    auto b = QueryToken(peer, issuer, "balance", {node.Address(name)});
    INFO(b.status().ToString());
    REQUIRE(b.ok());
    return *b;
  };
  CHECK(balance("alice") == (bob_first ? "70" : "50"));
  CHECK(balance("bob") == (bob_first ? "30" : "0"));
  CHECK(balance("carol") == (bob_first ? "0" : "50"));

  CheckFetchShowsConflict(node, loser.block_number(), loser_tx,
                          winner.block_number() == loser.block_number()
                              ? (bob_first ? to_bob.tx_id : to_carol.tx_id)
                              : std::string());
}

}  // namespace
}  // namespace milk::integration
