// Sequenced functions (docs/chaincode.md, "Sequenced functions"): endorsed on a snapshot,
// executed by the committer in block order against the latest state.
#include <catch2/catch.hpp>

#include <filesystem>

#include "chaincode/builtin.h"
#include "crypto/hash.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/formats.h"
#include "node/testing/test_network.h"

using namespace milk;
using milk::testing::TestNetwork;
namespace fs = std::filesystem;

namespace {

// A bounded counter on one hot key: "add N" and "take N" are sequenced, "add_plain N" is not.
class CounterChaincode final : public chaincode::Chaincode {
 public:
  static constexpr int64_t kMax = 1000;
  milkpb::Response Init(chaincode::Stub& stub) override {
    Status s = stub.PutState("value", "0");
    return s.ok() ? chaincode::Success() : chaincode::Error(500, s.ToString());
  }
  milkpb::Response Invoke(chaincode::Stub& stub) override {
    auto stored = stub.GetState("value");
    if (!stored.ok() || !stored->has_value()) return chaincode::Error(500, "no value");
    const int64_t value = std::stoll(**stored);
    const std::string& fn = stub.GetFunction();
    if (fn == "get") return chaincode::Success(**stored);
    if (fn == "poke") return stub.InvokeChaincode("outsider", "write", {});
    if (stub.GetArgs().size() != 1) return chaincode::BadRequest("one argument: N");
    const int64_t n = std::stoll(stub.GetArgs()[0]);
    int64_t next = value;
    if (fn == "add" || fn == "add_plain") next = value + n;
    else if (fn == "take") next = value - n;
    else return chaincode::Error(404, "unknown function");
    if (next < 0 || next > kMax) {
      return chaincode::Error(412, "the counter would leave [0, 1000]: it is " +
                                       std::to_string(value));
    }
    Status s = stub.PutState("value", std::to_string(next));
    if (s.ok()) s = stub.SetEvent("moved", std::to_string(next));
    return s.ok() ? chaincode::Success(std::to_string(next)) : chaincode::Error(500, s.ToString());
  }
  bool IsSequenced(const std::string& function) const override {
    return function == "add" || function == "take" || function == "poke";
  }
};

// Installed on the node but not defined on the chain.
class OutsiderChaincode final : public chaincode::Chaincode {
 public:
  milkpb::Response Init(chaincode::Stub&) override { return chaincode::Success(); }
  milkpb::Response Invoke(chaincode::Stub& stub) override {
    Status s = stub.PutState("x", "1");
    return s.ok() ? chaincode::Success() : chaincode::Error(500, s.ToString());
  }
};

struct Peer {
  Peer(const TestNetwork& net, const milkpb::Block& genesis, chaincode::Registry& registry)
      : pool(2) {
    char tmpl[] = "/tmp/milk-seq-test-XXXXXX";
    dir = mkdtemp(tmpl);
    auto created = node::Chain::Create(dir + "/demo", genesis, registry, pool, {});
    INFO(created.status().ToString());
    REQUIRE(created.ok());
    chain = std::move(created).value();
    (void)net;
  }
  ~Peer() {
    chain.reset();
    fs::remove_all(dir);
  }
  ledger::ThreadPool pool;
  std::string dir;
  std::unique_ptr<node::Chain> chain;
};

struct Fixture {
  Fixture() {
    chaincode::RegisterBuiltinChaincodes(registry);
    registry.Register("counter", std::make_shared<CounterChaincode>());
    registry.Register("outsider", std::make_shared<OutsiderChaincode>());
    milkpb::ChaincodeDefinition* cc = net.config.add_chaincodes();
    cc->set_name("counter");
    cc->set_version(1);
    cc->set_endorsement_policy("OR('TICA.peer')");
    milkpb::FunctionAcl* acl = cc->add_acl();
    acl->set_function("*");
    acl->add_roles(milkpb::CLIENT);
    genesis = net.Genesis();
    peer = std::make_unique<Peer>(net, genesis, registry);
  }

  milkpb::ProposalResponse EndorseCall(const milkpb::SignedProposal& proposal) {
    auto response = node::Endorse(proposal, *peer->chain, net.PeerSigner(), TestNetwork::kNowMs);
    INFO(response.status().ToString());
    REQUIRE(response.ok());
    return std::move(response).value();
  }
  milkpb::SignedProposal Call(const std::string& fn, const std::string& n) {
    return net.Proposal(net.client.identity, net.client.key, fn, {n}, TestNetwork::kNowMs,
                        "counter");
  }
  milkpb::Envelope Endorsed(const std::string& fn, const std::string& n) {
    auto proposal = Call(fn, n);
    return TestNetwork::EnvelopeFor(proposal, EndorseCall(proposal), net.client.key);
  }
  milkpb::Block Commit(node::Chain& chain, const std::vector<milkpb::Envelope>& envelopes) {
    auto block = net.BlockOf(envelopes, chain.height(), chain.last_header_hash());
    auto committed = chain.CommitBlock(block);
    INFO(committed.status().ToString());
    REQUIRE(committed.ok());
    return std::move(committed).value();
  }
  std::string Value() {
    auto p = net.Proposal(net.client.identity, net.client.key, "get", {}, TestNetwork::kNowMs,
                          "counter");
    auto r = node::Evaluate(p, *peer->chain, TestNetwork::kNowMs);
    REQUIRE(r.ok());
    return r->payload();
  }
  static size_t Count(const milkpb::Block& block, milkpb::TxValidationCode code) {
    size_t n = 0;
    for (char c : block.metadata().validation_codes()) n += static_cast<uint8_t>(c) == code;
    return n;
  }

  TestNetwork net;
  chaincode::Registry registry;
  milkpb::Block genesis;
  std::unique_ptr<Peer> peer;
};

}  // namespace

TEST_CASE("sequenced: calls endorsed on one snapshot all commit in block order without conflicts") {
  Fixture f;
  std::vector<milkpb::Envelope> envelopes;
  for (int i = 0; i < 50; ++i) envelopes.push_back(f.Endorsed("add", "1"));
  // The endorser answered from the snapshot (0 + 1) and endorsed no reads or writes.
  milkpb::ProposalResponsePayload payload;
  REQUIRE(payload.ParseFromString(f.EndorseCall(f.Call("add", "1")).payload()));
  CHECK(payload.sequenced());
  CHECK(payload.results().ns_rwset_size() == 0);
  const milkpb::Block block = f.Commit(*f.peer->chain, envelopes);
  CHECK(Fixture::Count(block, milkpb::VALID) == 50);
  CHECK(f.Value() == "50");
  REQUIRE(block.metadata().sequenced_size() == 50);
  CHECK(block.metadata().sequenced(49).tx_index() == 49);
  CHECK(block.metadata().sequenced(49).response().payload() == "50");
  REQUIRE(block.metadata().sequenced(49).events_size() == 1);
  CHECK(block.metadata().sequenced(49).events(0).payload() == "50");
}

TEST_CASE("sequenced: the same calls unsequenced conflict on the hot key") {
  Fixture f;
  std::vector<milkpb::Envelope> envelopes;
  for (int i = 0; i < 50; ++i) envelopes.push_back(f.Endorsed("add_plain", "1"));
  const milkpb::Block block = f.Commit(*f.peer->chain, envelopes);
  CHECK(Fixture::Count(block, milkpb::VALID) == 1);
  CHECK(Fixture::Count(block, milkpb::MVCC_READ_CONFLICT) == 49);
  CHECK(f.Value() == "1");
}

TEST_CASE("sequenced: a call whose precondition fails at execution is refused and writes nothing") {
  Fixture f;
  f.Commit(*f.peer->chain, {f.Endorsed("add", "50")});
  // Both endorsed while the counter is 50; only the first can take 30.
  const milkpb::Envelope first = f.Endorsed("take", "30");
  const milkpb::Envelope second = f.Endorsed("take", "30");
  const milkpb::Block block = f.Commit(*f.peer->chain, {first, second});
  CHECK(static_cast<uint8_t>(block.metadata().validation_codes()[0]) == milkpb::VALID);
  CHECK(static_cast<uint8_t>(block.metadata().validation_codes()[1]) ==
        milkpb::SEQUENCED_EXECUTION_FAILED);
  CHECK(f.Value() == "20");
  REQUIRE(block.metadata().sequenced_size() == 2);
  CHECK(block.metadata().sequenced(1).response().status() == 412);
  CHECK(block.metadata().sequenced(1).response().message().find("it is 20") != std::string::npos);
  CHECK(block.metadata().sequenced(1).events_size() == 0);
  // Its txid is spent with that code: a retry of the same transaction is a duplicate.
  auto record = f.peer->chain->GetTx(TestNetwork::TxIdOf(f.Call("take", "30")));
  REQUIRE(record.ok());
}

TEST_CASE("sequenced: a second peer replaying the blocks reaches the same state and commit hash") {
  Fixture f;
  std::vector<milkpb::Block> blocks = {f.Commit(*f.peer->chain, {f.Endorsed("add", "100")})};
  for (int round = 0; round < 3; ++round) {
    std::vector<milkpb::Envelope> envelopes;
    for (int i = 0; i < 20; ++i) envelopes.push_back(f.Endorsed(i % 3 == 0 ? "take" : "add", "7"));
    blocks.push_back(f.Commit(*f.peer->chain, envelopes));
  }
  Peer second(f.net, f.genesis, f.registry);
  for (milkpb::Block block : blocks) {
    const milkpb::BlockMetadata original = block.metadata();
    // What the orderer sent: the committer's fields are computed again by the second peer.
    block.mutable_metadata()->clear_validation_codes();
    block.mutable_metadata()->clear_commit_hash();
    block.mutable_metadata()->clear_sequenced();
    auto replayed = second.chain->CommitBlock(block);
    INFO(replayed.status().ToString());
    REQUIRE(replayed.ok());
    CHECK(replayed->metadata().validation_codes() == original.validation_codes());
    CHECK(replayed->metadata().commit_hash() == original.commit_hash());
    CHECK(replayed->metadata().sequenced_size() == original.sequenced_size());
  }
  CHECK(second.chain->commit_hash() == f.peer->chain->commit_hash());
}

TEST_CASE("sequenced: a payload claiming sequenced for an unsequenced function is invalid") {
  Fixture f;
  auto proposal = f.Call("add_plain", "5");
  milkpb::ProposalResponse response = f.EndorseCall(proposal);
  milkpb::ProposalResponsePayload payload;
  REQUIRE(payload.ParseFromString(response.payload()));
  SECTION("sequenced with no results: the committer does not execute it") {
    payload.clear_results();
    payload.clear_events();
    payload.set_sequenced(true);
    response.set_payload(payload.SerializeAsString());
    response.mutable_endorsement()->set_signature(crypto::Sign(
        f.net.peer.key.secret_key,
        ledger::EndorsementSigningBytes(response.payload(), f.net.peer.identity)));
    const milkpb::Block block = f.Commit(
        *f.peer->chain, {TestNetwork::EnvelopeFor(proposal, response, f.net.client.key)});
    CHECK(static_cast<uint8_t>(block.metadata().validation_codes()[0]) == milkpb::INVALID_CHAINCODE);
    CHECK(f.Value() == "0");
  }
  SECTION("sequenced and carrying writes: malformed") {
    payload.set_sequenced(true);
    response.set_payload(payload.SerializeAsString());
    response.mutable_endorsement()->set_signature(crypto::Sign(
        f.net.peer.key.secret_key,
        ledger::EndorsementSigningBytes(response.payload(), f.net.peer.identity)));
    const milkpb::Block block = f.Commit(
        *f.peer->chain, {TestNetwork::EnvelopeFor(proposal, response, f.net.client.key)});
    CHECK(static_cast<uint8_t>(block.metadata().validation_codes()[0]) == milkpb::BAD_RWSET);
    CHECK(f.Value() == "0");
  }
}

TEST_CASE("sequenced: writes to a chaincode the chain does not define are refused") {
  Fixture f;
  auto proposal = f.net.Proposal(f.net.client.identity, f.net.client.key, "poke", {},
                                 TestNetwork::kNowMs, "counter");
  const milkpb::Block block = f.Commit(
      *f.peer->chain,
      {TestNetwork::EnvelopeFor(proposal, f.EndorseCall(proposal), f.net.client.key)});
  CHECK(static_cast<uint8_t>(block.metadata().validation_codes()[0]) == milkpb::ILLEGAL_WRITESET);
  CHECK(f.Value() == "0");
}
