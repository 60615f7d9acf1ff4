#include <catch2/catch.hpp>

#include <filesystem>

#include "chaincode/builtin.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/formats.h"
#include "node/testing/test_network.h"

using namespace milk;
using milk::testing::TestNetwork;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  Fixture() : pool(2) {
    chaincode::RegisterBuiltinChaincodes(registry);
    char tmpl[] = "/tmp/milk-chain-test-XXXXXX";
    dir = mkdtemp(tmpl);
    auto created = node::Chain::Create(dir + "/demo", net.Genesis(), registry, pool, {});
    REQUIRE(created.ok());
    chain = std::move(created).value();
  }
  ~Fixture() {
    chain.reset();
    fs::remove_all(dir);
  }

  void Reopen() {
    chain.reset();
    auto opened = node::Chain::Open(dir + "/demo", registry, pool, {});
    REQUIRE(opened.ok());
    chain = std::move(opened).value();
  }

  milkpb::Envelope Endorsed(const std::string& identity, const crypto::KeyPair& key,
                            const std::string& fn, std::vector<std::string> args,
                            int64_t now_ms = TestNetwork::kNowMs) {
    auto proposal = net.Proposal(identity, key, fn, std::move(args), now_ms);
    auto response = node::Endorse(proposal, *chain, net.PeerSigner(), now_ms);
    REQUIRE(response.ok());
    return TestNetwork::EnvelopeFor(proposal, *response, key);
  }

  // Commits a block of envelopes and returns its validation codes as names.
  std::vector<std::string> Commit(const std::vector<milkpb::Envelope>& envelopes,
                                  int64_t ts = TestNetwork::kNowMs) {
    auto block = net.BlockOf(envelopes, chain->height(), chain->last_header_hash(), ts);
    auto committed = chain->CommitBlock(block);
    REQUIRE(committed.ok());
    std::vector<std::string> names;
    for (char c : committed->metadata().validation_codes()) {
      names.push_back(ledger::ValidationCodeName(static_cast<uint8_t>(c)));
    }
    return names;
  }

  std::string Query(const std::string& fn, std::vector<std::string> args) {
    auto p = net.Proposal(net.client.identity, net.client.key, fn, std::move(args));
    auto r = node::Evaluate(p, *chain, TestNetwork::kNowMs);
    REQUIRE(r.ok());
    return r->payload();
  }

  TestNetwork net;
  chaincode::Registry registry;
  ledger::ThreadPool pool;
  std::string dir;
  std::unique_ptr<node::Chain> chain;
};

}  // namespace

TEST_CASE("chain: genesis runs Init and issue and transfer commit") {
  Fixture f;
  CHECK(f.chain->height() == 1);
  CHECK(f.Query("supply", {}) == "0");
  auto alice = f.net.MakeWallet(1), bob = f.net.MakeWallet(2);
  auto codes = f.Commit({f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "100"})});
  CHECK(codes == std::vector<std::string>{"VALID"});
  codes = f.Commit({f.Endorsed(alice.identity, alice.key, "transfer", {bob.address, "30"})});
  CHECK(codes == std::vector<std::string>{"VALID"});
  CHECK(f.Query("balance", {alice.address}) == "70");
  CHECK(f.Query("balance", {bob.address}) == "30");
  CHECK(f.chain->height() == 3);
}

TEST_CASE("chain: of two transactions reading the same key the second is MVCC_READ_CONFLICT") {
  Fixture f;
  auto alice = f.net.MakeWallet(1), bob = f.net.MakeWallet(2);
  f.Commit({f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "100"})});
  auto t1 = f.Endorsed(alice.identity, alice.key, "transfer", {bob.address, "10"});
  auto t2 = f.Endorsed(alice.identity, alice.key, "transfer", {bob.address, "20"});
  auto t3 = f.Endorsed(alice.identity, alice.key, "transfer", {bob.address, "5"});
  CHECK(f.Commit({t1, t2}) == std::vector<std::string>{"VALID", "MVCC_READ_CONFLICT"});
  CHECK(f.Commit({t3}) == std::vector<std::string>{"MVCC_READ_CONFLICT"});
  CHECK(f.Query("balance", {alice.address}) == "90");
  auto record = f.chain->GetTx(TestNetwork::TxIdOf(f.net.Proposal(alice.identity, alice.key, "x", {})));
  REQUIRE(record.ok());
  CHECK_FALSE(record->has_value());
}

TEST_CASE("chain: duplicate txids and bad signatures and missing endorsements are invalid") {
  Fixture f;
  auto alice = f.net.MakeWallet(1);
  auto issue = f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "5"});
  CHECK(f.Commit({issue, issue}) == std::vector<std::string>{"VALID", "DUPLICATE_TXID"});
  CHECK(f.Commit({issue}) == std::vector<std::string>{"DUPLICATE_TXID"});

  auto forged = f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "5"});
  forged.mutable_signature()->at(0) ^= 1;
  auto unendorsed = f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "7"});
  milkpb::Transaction tx;
  tx.ParseFromString(unendorsed.payload());
  tx.clear_endorsements();
  unendorsed.set_payload(tx.SerializeAsString());
  unendorsed.set_signature(crypto::Sign(f.net.client.key.secret_key,
                                        ledger::EnvelopeSigningBytes(unendorsed.type(), unendorsed.payload())));
  CHECK(f.Commit({forged, unendorsed, milkpb::Envelope()}) ==
        std::vector<std::string>{"BAD_CREATOR_SIGNATURE", "ENDORSEMENT_POLICY_FAILURE", "NIL_ENVELOPE"});
  // A forged envelope does not burn the real creator's txid.
  milkpb::Transaction forged_tx;
  forged_tx.ParseFromString(forged.payload());
  milkpb::Proposal p;
  p.ParseFromString(forged_tx.proposal());
  auto record = f.chain->GetTx(p.tx_id());
  REQUIRE(record.ok());
  CHECK_FALSE(record->has_value());
  CHECK(f.Query("supply", {}) == "5");
}

TEST_CASE("chain: certificates are checked at the block's time") {
  Fixture f;
  auto alice = f.net.MakeWallet(1);
  auto short_lived = f.net.MakeMember("temp", milkpb::CLIENT, TestNetwork::kNowMs + 1000, 50);
  auto env = f.Endorsed(short_lived.identity, short_lived.key, "issue", {alice.address, "1"});
  CHECK(f.Commit({env}, TestNetwork::kNowMs + 5000) == std::vector<std::string>{"EXPIRED_CERTIFICATE"});
}

TEST_CASE("chain: a block that does not chain or is not signed by a consenter changes nothing") {
  Fixture f;
  auto alice = f.net.MakeWallet(1);
  auto env = f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "1"});
  auto bad_link = f.net.BlockOf({env}, 1, std::string(32, 'x'));
  auto r = f.chain->CommitBlock(bad_link);
  CHECK(r.status().code() == Code::kDataLoss);
  auto by_peer = f.net.BlockOf({env}, 1, f.chain->last_header_hash());
  by_peer.mutable_metadata()->set_signer(f.net.peer.identity);
  CHECK(f.chain->CommitBlock(by_peer).status().code() == Code::kDataLoss);
  auto tampered = f.net.BlockOf({env}, 1, f.chain->last_header_hash());
  tampered.mutable_data()->add_envelopes("extra");
  CHECK(f.chain->CommitBlock(tampered).status().code() == Code::kDataLoss);
  CHECK(f.chain->height() == 1);
  CHECK(f.Query("supply", {}) == "0");
}

TEST_CASE("chain: the endorser refuses bad proposals with specific errors") {
  Fixture f;
  auto alice = f.net.MakeWallet(1);
  const auto now = TestNetwork::kNowMs;
  auto endorse = [&](const milkpb::SignedProposal& p) {
    return node::Endorse(p, *f.chain, f.net.PeerSigner(), now).status().code();
  };
  CHECK(endorse(f.net.Proposal(alice.identity, alice.key, "issue", {alice.address, "1"})) ==
        Code::kPermissionDenied);  // ACL: wallets may not issue
  CHECK(endorse(f.net.Proposal(alice.identity, alice.key, "transfer", {alice.address, "1"}, now + 600000)) ==
        Code::kInvalidArgument);  // timestamp skew
  auto bad_sig = f.net.Proposal(alice.identity, alice.key, "balance", {alice.address});
  bad_sig.mutable_signature()->at(3) ^= 1;
  CHECK(endorse(bad_sig) == Code::kUnauthenticated);
  CHECK(endorse(f.net.Proposal(alice.identity, alice.key, "x", {}, now, "nope")) == Code::kNotFound);
  milkpb::SignedProposal garbage;
  garbage.set_proposal("\xff\xff garbage");
  CHECK(endorse(garbage) == Code::kInvalidArgument);
  TestNetwork other;
  other.root = crypto::KeyPairFromSeed(std::string(32, 'z'));
  auto stranger = other.MakeMember("x", milkpb::CLIENT);
  CHECK(endorse(f.net.Proposal(stranger.identity, stranger.key, "supply", {})) == Code::kUnauthenticated);
  CHECK(endorse(f.net.Proposal(alice.identity, alice.key, "transfer", {alice.address, "1"})) ==
        Code::kFailedPrecondition);  // chaincode refusal (self-transfer / no funds)
  // Replay of a committed txid.
  auto issue = f.net.Proposal(f.net.client.identity, f.net.client.key, "issue", {alice.address, "1"});
  auto response = node::Endorse(issue, *f.chain, f.net.PeerSigner(), now);
  REQUIRE(response.ok());
  f.Commit({TestNetwork::EnvelopeFor(issue, *response, f.net.client.key)});
  CHECK(endorse(issue) == Code::kAlreadyExists);
}

TEST_CASE("chain: recovery rebuilds the state from the block store") {
  Fixture f;
  auto alice = f.net.MakeWallet(1), bob = f.net.MakeWallet(2);
  f.Commit({f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "100"})});
  f.Commit({f.Endorsed(alice.identity, alice.key, "transfer", {bob.address, "40"})});
  const std::string commit_hash = f.chain->commit_hash();
  f.Reopen();
  CHECK(f.chain->height() == 3);
  CHECK(f.chain->recovered_blocks() == 0);
  // Lose the whole RocksDB database, as if it had never been written: the blocks rebuild it.
  f.chain.reset();
  fs::remove_all(f.dir + "/demo/ledger");
  f.Reopen();
  CHECK(f.chain->recovered_blocks() == 3);
  CHECK(f.chain->height() == 3);
  CHECK(f.chain->commit_hash() == commit_hash);
  CHECK(f.Query("balance", {bob.address}) == "40");
  CHECK(f.Query("balance", {alice.address}) == "60");
}

TEST_CASE("chain: WhenBlock calls back once the block is committed, or at close") {
  Fixture f;
  std::vector<std::string> calls;
  f.chain->WhenBlock(0, [&] { calls.push_back("genesis, at once"); });
  REQUIRE(calls == std::vector<std::string>{"genesis, at once"});
  f.chain->WhenBlock(1, [&] { calls.push_back("block 1"); });
  f.chain->WhenBlock(2, [&] { calls.push_back("block 2"); });
  CHECK(calls.size() == 1);
  auto alice = f.net.MakeWallet(1);
  f.Commit({f.Endorsed(f.net.client.identity, f.net.client.key, "issue", {alice.address, "100"})});
  REQUIRE(calls == std::vector<std::string>{"genesis, at once", "block 1"});
  f.chain->Close();
  REQUIRE(calls == std::vector<std::string>{"genesis, at once", "block 1", "block 2"});
  f.chain->WhenBlock(9, [&] { calls.push_back("after close, at once"); });
  CHECK(calls.back() == "after close, at once");
}
