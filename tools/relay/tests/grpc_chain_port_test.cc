// GrpcChainPort against the client tests' in-process fake node: peers tried in turn, refusals
// reported without submitting, events read from blocks as the peer's event service would.
#include "tools/relay/grpc_chain_port.h"

#include <catch2/catch.hpp>

#include "crypto/ed25519.h"
#include "tools/client/tests/fake_node.h"

namespace milk::relay {
namespace {

using client::testing::FakeNode;

// Nobody listens on port 1: every call fails at once with "connection refused".
constexpr char kDeadPeer[] = "127.0.0.1:1";

client::Signer TestSigner() { return client::WalletSigner(crypto::GenerateKeyPair()); }

GrpcChainPort Port(std::vector<std::string> peers, const Clock& clock) {
  client::GatewayOptions gateway;
  gateway.deadline_ms = 5000;
  return GrpcChainPort({"demo", std::move(peers), 1, gateway}, TestSigner(), clock);
}

std::string EndorserTx(const std::string& chaincode, const std::string& name) {
  milkpb::ProposalResponsePayload payload;
  milkpb::ChaincodeEvent* event = payload.add_events();
  event->set_chaincode(chaincode);
  event->set_name(name);
  event->set_payload("{}");
  event->set_tx_id(name + "-tx");
  milkpb::Transaction tx;
  tx.set_response_payload(payload.SerializeAsString());
  milkpb::Envelope envelope;
  envelope.set_type(milkpb::ENDORSER_TRANSACTION);
  envelope.set_payload(tx.SerializeAsString());
  return envelope.SerializeAsString();
}

milkpb::Block MakeBlock(uint64_t number) {
  milkpb::Block block;
  block.mutable_header()->set_number(number);
  return block;
}

TEST_CASE("queries try the peers in turn") {
  FakeNode node(TestSigner());
  ManualClock clock(1000);
  GrpcChainPort port = Port({kDeadPeer, node.endpoint()}, clock);
  Result<QueryAnswer> answer = port.Query("swap", "open", {});
  REQUIRE(answer.ok());
  CHECK(answer->status == 200);
  CHECK(answer->payload == "42");
  node.chaincode_status = 404;
  CHECK(port.Query("swap", "swap", {"x"})->status == 404);

  GrpcChainPort dead = Port({kDeadPeer}, clock);
  Result<QueryAnswer> refused = dead.Query("swap", "open", {});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kUnavailable);
  CHECK(refused.status().message().find(kDeadPeer) != std::string::npos);
}

TEST_CASE("an invoke is submitted when endorsed, and a refusal is reported without submitting") {
  FakeNode node(TestSigner());
  ManualClock clock(1000);
  GrpcChainPort port = Port({node.endpoint()}, clock);
  Result<InvokeAnswer> done = port.Invoke("swap", "finish", {"id", "proof"});
  REQUIRE(done.ok());
  CHECK(done->endorsed);
  CHECK(done->code == milkpb::VALID);
  CHECK(done->status == 200);
  CHECK(done->tx_id.size() == 64);
  CHECK(node.submitted.size() == 1);

  node.chaincode_status = 409;
  Result<InvokeAnswer> refused = port.Invoke("swap", "finish", {"id", "proof"});
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->endorsed);
  CHECK(refused->status == 409);
  CHECK(node.submitted.size() == 1);

  node.chaincode_status = 200;
  node.commit_code = milkpb::MVCC_READ_CONFLICT;
  Result<InvokeAnswer> conflict = port.Invoke("swap", "finish", {"id", "proof"});
  REQUIRE(conflict.ok());
  CHECK(conflict->code == milkpb::MVCC_READ_CONFLICT);
}

TEST_CASE("an endorser's error carrying the chaincode's refusal is read back as the refusal") {
  auto refusal = ChaincodeRefusal(
      Internal("chaincode 'swap': swap ab already finished: released (status 409)"), "swap");
  REQUIRE(refusal.has_value());
  CHECK(refusal->status == 409);
  CHECK(refusal->message == "swap ab already finished: released");
  CHECK(ChaincodeRefusal(NotFound("chaincode 'swap': unknown swap"), "swap")->status == 404);
  CHECK(ChaincodeRefusal(FailedPrecondition("chaincode 'swap': usage"), "swap")->status == 400);
  CHECK(ChaincodeRefusal(PermissionDenied("chaincode 'swap': proof"), "swap")->status == 403);
  CHECK(ChaincodeRefusal(ResourceExhausted("chaincode 'swap': big"), "swap")->status == 413);
  CHECK(ChaincodeRefusal(Internal("chaincode 'swap': crashed (status 500)"), "swap")->status ==
        500);
  // Not the chaincode's answer: transport errors, another chaincode, a malformed suffix.
  CHECK_FALSE(ChaincodeRefusal(Unavailable("127.0.0.1:1: connection refused"), "swap"));
  CHECK_FALSE(ChaincodeRefusal(Internal("chaincode 'exchange': x (status 409)"), "swap"));
  CHECK_FALSE(ChaincodeRefusal(Internal("chaincode 'swap': x (status 4x9)"), "swap"));
  CHECK_FALSE(ChaincodeRefusal(Internal("chaincode 'swap': no status"), "swap"));
}

TEST_CASE("a query the node answers with the chaincode's 404 as an error is a 404 answer") {
  // A node whose Evaluate answers as node/chain/endorser.cc does for a chaincode 404.
  class NotFoundGateway final : public milkpb::Gateway::Service {
    grpc::Status Evaluate(grpc::ServerContext*, const milkpb::EvaluateRequest*,
                          milkpb::EvaluateResponse*) override {
      return {grpc::StatusCode::NOT_FOUND, "chaincode 'exchange': no swap"};
    }
  } service;
  int port_number = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_number);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ManualClock clock(1000);
  GrpcChainPort port = Port({"127.0.0.1:" + std::to_string(port_number)}, clock);
  Result<QueryAnswer> answer = port.Query("exchange", "swap", {"brand.a", "id"});
  REQUIRE(answer.ok());
  CHECK(answer->status == 404);
  CHECK(answer->message == "no swap");
  server->Shutdown();
}

TEST_CASE("an endorser that refuses through a gRPC error is a refusal, not a failure") {
  FakeNode node(TestSigner());
  node.endorse_error =
      grpc::Status(grpc::StatusCode::INTERNAL, "chaincode 'swap': already delivered (status 409)");
  ManualClock clock(1000);
  GrpcChainPort port = Port({node.endpoint()}, clock);
  Result<InvokeAnswer> refused = port.Invoke("swap", "deliver", {"tx", "proof"});
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->endorsed);
  CHECK(refused->status == 409);
  CHECK(node.submitted.empty());
  node.endorse_error = grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining");
  Result<InvokeAnswer> failed = port.Invoke("swap", "deliver", {"tx", "proof"});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::kUnavailable);
}

TEST_CASE("events are read from valid transactions of one chaincode, sequenced ones included") {
  FakeNode node(TestSigner());
  ManualClock clock(1000);
  milkpb::Block genesis = MakeBlock(0);
  milkpb::Block first = MakeBlock(1);
  *first.mutable_data()->add_envelopes() = EndorserTx("exchange", "trade");
  *first.mutable_data()->add_envelopes() = EndorserTx("exchange", "invalid");
  *first.mutable_data()->add_envelopes() = EndorserTx("mlk", "transfer");
  first.mutable_metadata()->set_validation_codes(
      std::string({char(milkpb::VALID), char(milkpb::MVCC_READ_CONFLICT), char(milkpb::VALID)}));
  milkpb::Block second = MakeBlock(2);
  *second.mutable_data()->add_envelopes() = "sequenced: the envelope is not read";
  second.mutable_metadata()->set_validation_codes(std::string(1, char(milkpb::VALID)));
  milkpb::SequencedOutcome* outcome = second.mutable_metadata()->add_sequenced();
  outcome->set_tx_index(0);
  milkpb::ChaincodeEvent* event = outcome->add_events();
  event->set_chaincode("exchange");
  event->set_name("swap_decided");
  event->set_tx_id("seq-tx");
  node.blocks = {genesis, first, second};
  GrpcChainPort port = Port({kDeadPeer, node.endpoint()}, clock);

  std::vector<ChainEvent> events;
  Result<uint64_t> next =
      port.ReadEvents("exchange", 0, [&](const ChainEvent& e) { events.push_back(e); });
  REQUIRE(next.ok());
  CHECK(*next == 3);
  REQUIRE(events.size() == 2);
  CHECK(events[0].name == "trade");
  CHECK(events[0].block_number == 1);
  CHECK(events[0].tx_id == "trade-tx");
  CHECK(events[1].name == "swap_decided");
  CHECK(events[1].block_number == 2);

  events.clear();
  CHECK(*port.ReadEvents("exchange", 2, [&](const ChainEvent& e) { events.push_back(e); }) == 3);
  CHECK(events.size() == 1);
  CHECK(port.Height().ok());
  CHECK(*port.Height() == 3);
}

TEST_CASE("events that cannot be read from any peer are an error") {
  ManualClock clock(1000);
  GrpcChainPort port = Port({kDeadPeer}, clock);
  Result<uint64_t> next = port.ReadEvents("exchange", 0, [](const ChainEvent&) {});
  REQUIRE_FALSE(next.ok());
  CHECK(next.status().code() == Code::kUnavailable);
}

}  // namespace
}  // namespace milk::relay
