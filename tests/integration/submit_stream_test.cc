// Gateway.SubmitStream against a real milkd (docs/transaction_flow.md, "Submit on a stream"):
// every request is answered on the stream with what Submit would have returned, refusals
// included, and the stream goes on past them; what is refused changes nothing; many transfers
// on one stream each get their own commit.
#include <catch2/catch.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "tests/integration/harness.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

// Above the node's limits.grpc_message_bytes_max default (4 MiB), below the client's own limit.
constexpr size_t kOversizedBytes = 5 * 1024 * 1024;
constexpr int kClientMessageBytesMax = 16 * 1024 * 1024;

std::string Query(const client::GatewayClient& peer, const client::Signer& reader,
                  const std::string& function, const std::vector<std::string>& args) {
  auto result = QueryToken(peer, reader, function, args);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return *result;
}

milkpb::SubmitRequest Request(const std::string& chain, const milkpb::Envelope* envelope) {
  milkpb::SubmitRequest request;
  request.set_chain_id(chain);
  if (envelope != nullptr) *request.mutable_envelope() = *envelope;
  return request;
}

}  // namespace

TEST_CASE("SubmitStream answers each request as Submit would, goes on past refusals, and what "
          "it refuses changes nothing",
          "[integration][submit_stream]") {
  TestNode node;
  client::GatewayOptions options;
  options.max_message_bytes = kClientMessageBytesMax;
  const client::GatewayClient peer = node.Client(options);
  const client::Signer issuer = node.Member("issuer");
  const client::Signer alice = node.Wallet("alice");

  auto [issued_id, issued] = EndorseToken(peer, issuer, "issue", {node.Address("alice"), "100"});
  REQUIRE(peer.Submit(kChainId, issued).ok());
  const RpcCounts before = ReadRpcCounts(node);

  // Two good transactions touching different keys (so both are VALID in any block), and the
  // refusals Submit gives, each on the same stream.
  auto [transfer_id, transfer] = EndorseToken(peer, alice, "transfer", {node.Address("bob"), "7"});
  auto [issue_id, issue] = EndorseToken(peer, issuer, "issue", {node.Address("carol"), "5"});
  auto [forged_id, forged] = EndorseToken(peer, alice, "transfer", {node.Address("carol"), "1"});
  forged.mutable_signature()->at(0) ^= 0x01;
  milkpb::Envelope huge = transfer;
  huge.set_payload(std::string(kOversizedBytes, 'x'));
  struct Expected {
    milkpb::SubmitRequest request;
    Code code;
    std::string tx_id;  // of an ordered one
  };
  std::vector<Expected> sent;
  sent.push_back({Request(kChainId, &transfer), Code::kOk, transfer_id});
  sent.push_back({Request(kChainId, &forged), Code::kUnauthenticated, ""});
  sent.push_back({Request(kChainId, &issued), Code::kAlreadyExists, ""});  // a replay
  sent.push_back({Request("no-such-chain", &transfer), Code::kNotFound, ""});
  sent.push_back({Request(kChainId, nullptr), Code::kInvalidArgument, ""});
  sent.push_back({Request(kChainId, &huge), Code::kResourceExhausted, ""});
  sent.push_back({Request(kChainId, &issue), Code::kOk, issue_id});

  std::mutex mutex;
  std::vector<std::optional<Result<milkpb::SubmitStreamAnswer>>> got(sent.size());
  int misplaced = 0;  // answers whose sequence is not the request they were delivered for
  {
    auto stream = peer.OpenSubmitStream(/*deadline_ms=*/60000);  // a hang fails, not blocks
    for (size_t i = 0; i < sent.size(); ++i) {
      const uint64_t sequence =
          stream->Send(sent[i].request, [&, i](Result<milkpb::SubmitStreamAnswer> answer) {
            std::lock_guard lock(mutex);
            if (answer.ok() && answer->sequence() != i) ++misplaced;
            got[i] = std::move(answer);
          });
      CHECK(sequence == i);
    }
    const grpc::Status closed = stream->Close();
    INFO(closed.error_message());
    CHECK(closed.ok());
  }
  CHECK(misplaced == 0);
  for (size_t i = 0; i < sent.size(); ++i) {
    INFO("request " << i << ": expected " << CodeName(sent[i].code));
    REQUIRE(got[i].has_value());
    REQUIRE(got[i]->ok());  // the stream delivered an answer
    const milkpb::SubmitStreamAnswer& answer = **got[i];
    INFO("answered " << CodeName(static_cast<Code>(answer.code())) << ": " << answer.message());
    CHECK(answer.code() == static_cast<int>(sent[i].code));
    if (sent[i].code == Code::kOk) {
      CHECK(answer.response().tx_id() == sent[i].tx_id);
      CHECK(answer.response().committed());
      CHECK(answer.response().code() == milkpb::VALID);
    } else {
      CHECK_FALSE(answer.message().empty());
    }
  }

  // Only the two good ones took effect; the forged transfer was never ordered.
  CHECK(Query(peer, issuer, "balance", {node.Address("alice")}) == "93");
  CHECK(Query(peer, issuer, "balance", {node.Address("bob")}) == "7");
  CHECK(Query(peer, issuer, "balance", {node.Address("carol")}) == "5");
  CHECK(Query(peer, issuer, "supply", {}) == "105");
  CHECK(peer.CommitStatus(kChainId, forged_id, /*wait=*/false).status().code() ==
        Code::kNotFound);

  // Each answer counted under SubmitStream by its code.
  const RpcCounts after = ReadRpcCounts(node);
  const RpcCounts expected_increase = {
      {{"SubmitStream", "OK"}, 2},           {{"SubmitStream", "UNAUTHENTICATED"}, 1},
      {{"SubmitStream", "ALREADY_EXISTS"}, 1}, {{"SubmitStream", "NOT_FOUND"}, 1},
      {{"SubmitStream", "INVALID_ARGUMENT"}, 1}, {{"SubmitStream", "RESOURCE_EXHAUSTED"}, 1}};
  for (const auto& [key, increase] : expected_increase) {
    INFO("milk_rpc_requests_total{method=\"" << key.first << "\",code=\"" << key.second << "\"}");
    const double was = before.count(key) ? before.at(key) : 0;
    REQUIRE(after.count(key) == 1);
    CHECK(after.at(key) - was == increase);
  }
}

TEST_CASE("SubmitAll: many transfers on one stream, a few in flight, each answered with its "
          "own commit",
          "[integration][submit_stream]") {
  TestNode node;
  const client::GatewayClient peer = node.Client();
  const client::Signer issuer = node.Member("issuer");
  constexpr size_t kTransfers = 40;
  // Senders funded one by one; each pays a receiver of its own, so no two transfers share a key.
  std::vector<client::Signer> senders;
  std::vector<std::string> receivers;
  for (size_t i = 0; i < kTransfers; ++i) {
    senders.push_back(client::WalletSigner(crypto::GenerateKeyPair()));
    receivers.push_back(crypto::WalletAddress(crypto::GenerateKeyPair().public_key));
    auto funded = InvokeToken(peer, issuer, "issue",
                              {crypto::WalletAddress(senders.back().key.public_key), "10"});
    REQUIRE(funded.ok());
    REQUIRE(funded->code == milkpb::VALID);
  }
  std::vector<milkpb::Envelope> envelopes;
  std::vector<std::string> tx_ids;
  for (size_t i = 0; i < kTransfers; ++i) {
    auto [tx_id, envelope] =
        EndorseToken(peer, senders[i], "transfer", {receivers[i], std::to_string(i % 9 + 1)});
    tx_ids.push_back(tx_id);
    envelopes.push_back(std::move(envelope));
  }
  // The last one again: a txid already queued or committed is never committed twice.
  envelopes.push_back(envelopes.back());

  const auto results = peer.SubmitAll(kChainId, envelopes, /*in_flight=*/8);
  REQUIRE(results.size() == kTransfers + 1);
  for (size_t i = 0; i < kTransfers; ++i) {
    INFO("transfer " << i << ": " << results[i].status().ToString());
    REQUIRE(results[i].ok());
    CHECK(results[i]->tx_id() == tx_ids[i]);
    CHECK(results[i]->committed());
    CHECK(results[i]->code() == milkpb::VALID);
  }
  // The duplicate either shared the first submission's fate or was refused as committed.
  INFO("duplicate: " << results.back().status().ToString());
  if (results.back().ok()) {
    CHECK(results.back()->tx_id() == tx_ids.back());
    CHECK(results.back()->block_number() == results[kTransfers - 1]->block_number());
    CHECK(results.back()->tx_index() == results[kTransfers - 1]->tx_index());
  } else {
    CHECK(results.back().status().code() == Code::kAlreadyExists);
  }
  for (size_t i = 0; i < kTransfers; ++i) {
    INFO("receiver " << i);
    CHECK(Query(peer, issuer, "balance", {receivers[i]}) == std::to_string(i % 9 + 1));
  }
  CHECK(Query(peer, issuer, "supply", {}) == std::to_string(10 * kTransfers));
}

}  // namespace milk::integration
