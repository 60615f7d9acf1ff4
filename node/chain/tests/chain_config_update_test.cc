// Config updates committed by a chain (node/chain/chain.h): config() switches with the block,
// later blocks are checked against the new config, the config is persisted in the ledger
// database and rebuilt by recovery, and CommittedBlockInfo.config_changed marks valid updates.
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>

#include "chaincode/builtin.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/config_update.h"
#include "node/ledger/formats.h"
#include "node/testing/test_network.h"

using namespace milk;
using milk::testing::Member;
using milk::testing::TestNetwork;
namespace fs = std::filesystem;

namespace {

const std::string kValid = "VALID";

struct Fixture {
  Fixture() : pool(2) {
    chaincode::RegisterBuiltinChaincodes(registry);
    net.UseConsenters(3);  // orderer1..orderer3, raft ids 1..3
    orderer4 = net.MakeMember("orderer4", milkpb::CONSENTER, TestNetwork::kNowMs * 2, 204);
    char tmpl[] = "/tmp/milk-chain-config-test-XXXXXX";
    dir = mkdtemp(tmpl);
    auto created = node::Chain::Create(dir + "/demo", net.Genesis(), registry, pool, {});
    REQUIRE(created.ok());
    chain = std::move(created).value();
    Observe();
  }
  ~Fixture() {
    chain.reset();
    fs::remove_all(dir);
  }

  void Observe() {
    chain->SetCommitObserver([this](const node::CommittedBlockInfo& info) {
      std::lock_guard lock(mutex);
      infos.push_back(info);
    });
  }
  void Reopen() {
    chain.reset();
    auto opened = node::Chain::Open(dir + "/demo", registry, pool, {});
    INFO(opened.status().message());
    REQUIRE(opened.ok());
    chain = std::move(opened).value();
    {
      std::lock_guard lock(mutex);
      infos.clear();  // observed from here on
    }
    Observe();
  }
  const Member& Orderer(uint64_t raft_id) const {
    return raft_id == 4 ? orderer4 : net.consenters.at(raft_id - 1);
  }

  // The config in force with sequence + 1 and last_raft_id carried forward.
  milkpb::ChainConfig Next() const {
    auto current = chain->config();
    milkpb::ChainConfig next = current->config();
    next.set_sequence(next.sequence() + 1);
    next.set_last_raft_id(ledger::EffectiveLastRaftId(*current));
    return next;
  }
  milkpb::ChainConfig Adding4() const {
    milkpb::ChainConfig next = Next();
    milkpb::ConsenterConfig* c = next.add_consenters();
    c->set_org("TICA");
    c->set_certificate(orderer4.cert.SerializeAsString());
    c->set_endpoint("127.0.0.1:0");
    c->set_raft_id(4);
    next.set_last_raft_id(4);
    return next;
  }
  milkpb::ChainConfig Removing(uint64_t raft_id) const {
    milkpb::ChainConfig next = Next();
    auto* consenters = next.mutable_consenters();
    for (auto it = consenters->begin(); it != consenters->end(); ++it) {
      if (it->raft_id() == raft_id) {
        consenters->erase(it);
        return next;
      }
    }
    FAIL("no consenter " << raft_id);
    return next;
  }
  milkpb::Envelope Update(const milkpb::ChainConfig& next, const Member& creator) const {
    milkpb::ConfigTransaction tx;
    *tx.mutable_config() = next;
    tx.set_creator(creator.identity);
    tx.set_timestamp_ms(TestNetwork::kNowMs);
    milkpb::Envelope envelope;
    envelope.set_type(milkpb::CONFIG);
    envelope.set_payload(tx.SerializeAsString());
    envelope.set_signature(crypto::Sign(
        creator.key.secret_key, ledger::EnvelopeSigningBytes(milkpb::CONFIG, envelope.payload())));
    return envelope;
  }
  milkpb::Envelope Issue(const std::string& amount) {
    auto alice = net.MakeWallet(1);
    auto proposal =
        net.Proposal(net.client.identity, net.client.key, "issue", {alice.address, amount});
    auto response = node::Endorse(proposal, *chain, net.PeerSigner(), TestNetwork::kNowMs);
    INFO(response.status().message());
    REQUIRE(response.ok());
    return TestNetwork::EnvelopeFor(proposal, *response, net.client.key);
  }

  // The next block of envelopes, signed by consenter raft_id.
  milkpb::Block BlockBy(uint64_t raft_id, const std::vector<milkpb::Envelope>& envelopes) const {
    milkpb::Block block = net.BlockOf(envelopes, chain->height(), chain->last_header_hash());
    const Member& signer = Orderer(raft_id);
    block.mutable_metadata()->set_signer(signer.identity);
    block.mutable_metadata()->set_signature(
        crypto::Sign(signer.key.secret_key, ledger::HeaderHash(block.header())));
    return block;
  }
  // Commits the block and returns its codes as names.
  std::vector<std::string> CommitBy(uint64_t raft_id,
                                    const std::vector<milkpb::Envelope>& envelopes) {
    auto committed = chain->CommitBlock(BlockBy(raft_id, envelopes));
    INFO(committed.status().message());
    REQUIRE(committed.ok());
    std::vector<std::string> names;
    for (char c : committed->metadata().validation_codes()) {
      names.push_back(ledger::ValidationCodeName(static_cast<uint8_t>(c)));
    }
    return names;
  }
  // Refused with kDataLoss; height, commit hash and config unchanged.
  void RequireRefusedBlockBy(uint64_t raft_id) {
    const uint64_t height = chain->height();
    const std::string commit_hash = chain->commit_hash();
    const auto config = chain->config();
    const size_t observed = ObservedCount();
    auto refused = chain->CommitBlock(BlockBy(raft_id, {Issue("1")}));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kDataLoss);
    CHECK_THAT(refused.status().message(), Catch::Contains("not a consenter"));
    CHECK(chain->height() == height);
    CHECK(chain->commit_hash() == commit_hash);
    CHECK(chain->config() == config);
    CHECK(ObservedCount() == observed);
  }
  std::vector<uint64_t> RaftIds() const {
    std::vector<uint64_t> ids;
    for (const auto& c : chain->config()->consenters()) ids.push_back(c.raft_id);
    return ids;
  }
  size_t ObservedCount() {
    std::lock_guard lock(mutex);
    return infos.size();
  }
  std::vector<bool> ConfigChanged() {
    std::lock_guard lock(mutex);
    std::vector<bool> out;
    for (const auto& i : infos) out.push_back(i.config_changed);
    return out;
  }

  TestNetwork net;
  Member orderer4;
  chaincode::Registry registry;
  ledger::ThreadPool pool;
  std::string dir;
  std::unique_ptr<node::Chain> chain;
  std::mutex mutex;
  std::vector<node::CommittedBlockInfo> infos;
};

// Genesis, add 4 (block 1), a block by 4 (block 2), remove 1 (block 3), a block by 2 (block 4).
void AddFourThenRemoveOne(Fixture& f) {
  REQUIRE(f.CommitBy(1, {f.Update(f.Adding4(), f.net.admin)}) == std::vector{kValid});
  REQUIRE(f.CommitBy(4, {f.Issue("10")}) == std::vector{kValid});
  REQUIRE(f.CommitBy(4, {f.Update(f.Removing(1), f.net.admin)}) == std::vector{kValid});
  REQUIRE(f.CommitBy(2, {f.Issue("20")}) == std::vector{kValid});
}

}  // namespace

TEST_CASE("chain config update: adding 4 then removing 1 switches the config with each block") {
  Fixture f;
  const auto genesis = f.chain->config();
  CHECK(f.chain->genesis_config() == genesis);
  CHECK(f.RaftIds() == std::vector<uint64_t>{1, 2, 3});
  f.RequireRefusedBlockBy(4);  // not a consenter yet

  CHECK(f.CommitBy(1, {f.Update(f.Adding4(), f.net.admin)}) == std::vector{kValid});
  CHECK(f.chain->config() != genesis);
  CHECK(f.chain->config()->config().sequence() == 1);
  CHECK(f.RaftIds() == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(f.chain->genesis_config() == genesis);  // Raft bootstraps from it: never changes

  CHECK(f.CommitBy(4, {f.Issue("10")}) == std::vector{kValid});  // the added consenter signs
  CHECK(f.CommitBy(4, {f.Update(f.Removing(1), f.net.admin)}) == std::vector{kValid});
  CHECK(f.chain->config()->config().sequence() == 2);
  CHECK(f.RaftIds() == std::vector<uint64_t>{2, 3, 4});
  CHECK(ledger::EffectiveLastRaftId(*f.chain->config()) == 4);

  f.RequireRefusedBlockBy(1);  // the removed consenter's blocks are refused
  CHECK(f.CommitBy(2, {f.Issue("20")}) == std::vector{kValid});
  CHECK(f.chain->height() == 5);
  CHECK(f.ConfigChanged() == std::vector<bool>{true, false, true, false});
}

TEST_CASE("chain config update: an invalid update commits as INVALID_CONFIG_TRANSACTION") {
  Fixture f;
  const auto before = f.chain->config();
  milkpb::ChainConfig two = f.Adding4();
  milkpb::ConsenterConfig fifth = two.consenters(3);
  fifth.set_certificate(
      f.net.MakeMember("orderer5", milkpb::CONSENTER, TestNetwork::kNowMs * 2, 205)
          .cert.SerializeAsString());
  fifth.set_raft_id(5);
  *two.add_consenters() = fifth;
  two.set_last_raft_id(5);
  const milkpb::Envelope two_added = f.Update(two, f.net.admin);
  const milkpb::Envelope by_peer = f.Update(f.Adding4(), f.net.peer);
  CHECK(f.CommitBy(1, {two_added}) == std::vector<std::string>{"INVALID_CONFIG_TRANSACTION"});
  CHECK(f.CommitBy(1, {by_peer}) == std::vector<std::string>{"INVALID_CONFIG_TRANSACTION"});
  CHECK(f.chain->config() == before);
  CHECK(f.chain->height() == 3);
  // The proven update's txid is recorded with its code.
  auto record = f.chain->GetTx(ToHex(crypto::Sha256(two_added.payload())));
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK((*record)->block_number == 1);
  CHECK((*record)->validation_code == milkpb::INVALID_CONFIG_TRANSACTION);
  // A CONFIG envelope among other envelopes is invalid and changes nothing either.
  CHECK(f.CommitBy(1, {f.Update(f.Adding4(), f.net.admin), f.Issue("3")}) ==
        std::vector<std::string>{"INVALID_CONFIG_TRANSACTION", "VALID"});
  CHECK(f.chain->config() == before);
  f.RequireRefusedBlockBy(4);
  // The sequence was not consumed: the valid update still applies.
  CHECK(f.CommitBy(1, {f.Update(f.Adding4(), f.net.admin)}) == std::vector{kValid});
  CHECK(f.RaftIds() == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(f.ConfigChanged() == std::vector<bool>{false, false, false, true});
}

TEST_CASE("chain config update: a replayed update is DUPLICATE_TXID and changes nothing") {
  Fixture f;
  const milkpb::Envelope update = f.Update(f.Adding4(), f.net.admin);
  CHECK(f.CommitBy(1, {update}) == std::vector{kValid});
  const auto after = f.chain->config();
  CHECK(f.CommitBy(1, {update}) == std::vector<std::string>{"DUPLICATE_TXID"});
  CHECK(f.chain->config() == after);
  CHECK(f.ConfigChanged() == std::vector<bool>{true, false});
}

TEST_CASE("chain config update: the updated config is persisted and survives reopening") {
  Fixture f;
  AddFourThenRemoveOne(f);
  const std::string commit_hash = f.chain->commit_hash();
  f.Reopen();
  CHECK(f.chain->recovered_blocks() == 0);
  CHECK(f.chain->height() == 5);
  CHECK(f.chain->commit_hash() == commit_hash);
  CHECK(f.chain->config()->config().sequence() == 2);
  CHECK(f.RaftIds() == std::vector<uint64_t>{2, 3, 4});
  CHECK(f.chain->genesis_config()->config().sequence() == 0);
  f.RequireRefusedBlockBy(1);
  CHECK(f.CommitBy(4, {f.Issue("5")}) == std::vector{kValid});
  CHECK(f.ConfigChanged() == std::vector<bool>{false});
}

TEST_CASE("chain config update: recovery re-applies updates past the savepoint") {
  Fixture f;
  REQUIRE(f.CommitBy(1, {f.Update(f.Adding4(), f.net.admin)}) == std::vector{kValid});
  // Keep the ledger database as it is after the first update (stored config: sequence 1).
  f.chain.reset();
  fs::copy(f.dir + "/demo/ledger", f.dir + "/ledger-at-2", fs::copy_options::recursive);
  f.Reopen();
  REQUIRE(f.CommitBy(4, {f.Issue("10")}) == std::vector{kValid});
  REQUIRE(f.CommitBy(4, {f.Update(f.Removing(1), f.net.admin)}) == std::vector{kValid});
  REQUIRE(f.CommitBy(2, {f.Issue("20")}) == std::vector{kValid});
  const std::string commit_hash = f.chain->commit_hash();

  SECTION("from a savepoint after the first update") {
    f.chain.reset();
    fs::remove_all(f.dir + "/demo/ledger");
    fs::rename(f.dir + "/ledger-at-2", f.dir + "/demo/ledger");
    f.Reopen();
    CHECK(f.chain->recovered_blocks() == 3);
  }
  SECTION("from an empty ledger database") {
    f.chain.reset();
    fs::remove_all(f.dir + "/demo/ledger");
    f.Reopen();
    CHECK(f.chain->recovered_blocks() == 5);
  }
  CHECK(f.chain->height() == 5);
  CHECK(f.chain->commit_hash() == commit_hash);
  CHECK(f.chain->config()->config().sequence() == 2);
  CHECK(f.RaftIds() == std::vector<uint64_t>{2, 3, 4});
  f.RequireRefusedBlockBy(1);
  CHECK(f.CommitBy(3, {f.Issue("5")}) == std::vector{kValid});
  // A reopen after recovery finds the re-applied config stored.
  f.Reopen();
  CHECK(f.chain->recovered_blocks() == 0);
  CHECK(f.chain->config()->config().sequence() == 2);
}
