// Three consenters in one process over an in-memory network: ordering through Raft, leader
// loss, restart from the WAL, and catch-up of a partitioned follower through a snapshot.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "chaincode/builtin.h"
#include "node/chain/endorser.h"
#include "node/raft/memory_transport.h"
#include "node/raft/raft_consenter.h"
#include "node/testing/test_network.h"

using namespace milk;
using milk::testing::TestNetwork;
namespace fs = std::filesystem;

namespace {

constexpr int kConsenters = 3;
constexpr auto kWaitMax = std::chrono::seconds(20);

struct Member {
  std::unique_ptr<node::Chain> chain;
  std::unique_ptr<node::MemoryNetwork::Endpoint> endpoint;
  std::unique_ptr<node::RaftConsenter> consenter;
};

class Cluster {
 public:
  Cluster() : pool_(2) {
    chaincode::RegisterBuiltinChaincodes(registry_);
    net_.UseConsenters(kConsenters);
    char tmpl[] = "/tmp/milk-raft-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    for (int i = 1; i <= kConsenters; ++i) {
      auto chain = node::Chain::Create(Dir(i) + "/chain", net_.Genesis(), registry_, pool_, {});
      REQUIRE(chain.ok());
      members_[i].chain = std::move(chain).value();
      StartConsenter(i);
    }
  }
  ~Cluster() {
    for (int i = 1; i <= kConsenters; ++i) StopMember(i);
    fs::remove_all(dir_);
  }

  std::string Dir(int i) const { return dir_ + "/node" + std::to_string(i); }

  void StartConsenter(int i) {
    Member& m = members_[i];
    if (m.chain == nullptr) {
      auto chain = node::Chain::Open(Dir(i) + "/chain", registry_, pool_, {});
      REQUIRE(chain.ok());
      m.chain = std::move(chain).value();
    }
    m.endpoint = std::make_unique<node::MemoryNetwork::Endpoint>(network_, i);
    node::RaftConsenterOptions options;
    options.chain_id = net_.chain_id;
    options.raft_id = static_cast<uint64_t>(i);
    options.voters = {1, 2, 3};
    options.wal_dir = Dir(i) + "/wal";
    options.tick_ms = 10;
    options.seed = static_cast<uint64_t>(i);
    options.orderer = {net_.chain_id, 50, 1 << 20, 10, 1000};
    options.snapshot_every_entries = 8;
    options.snapshot_keep_entries = 2;
    const auto& key = net_.consenters[static_cast<size_t>(i - 1)];
    auto fetch = [this, i](uint64_t from, uint64_t to) -> Result<std::vector<milkpb::Block>> {
      ++fetches_;
      for (int j = 1; j <= kConsenters; ++j) {
        if (j == i || members_[j].chain == nullptr || members_[j].chain->height() < to) continue;
        std::vector<milkpb::Block> blocks;
        for (uint64_t n = from; n < to; ++n) {
          auto b = members_[j].chain->GetBlock(n);
          if (!b.ok()) return b.status();
          blocks.push_back(std::move(b).value());
        }
        return blocks;
      }
      return Unavailable("no peer has the blocks yet");
    };
    auto consenter = node::RaftConsenter::Start(options, *m.chain, key.key, key.identity, clock_,
                                                *m.endpoint, fetch);
    INFO(consenter.status().ToString());
    REQUIRE(consenter.ok());
    m.consenter = std::move(consenter).value();
    network_.Attach(static_cast<uint64_t>(i), m.consenter.get());
  }

  // As a crash: the consenter and the chain go away; their directories stay.
  void StopMember(int i) {
    network_.Detach(static_cast<uint64_t>(i));
    members_[i].consenter.reset();
    members_[i].chain.reset();
  }

  int WaitForLeader(int except = 0) {
    auto until = std::chrono::steady_clock::now() + kWaitMax;
    while (std::chrono::steady_clock::now() < until) {
      for (int i = 1; i <= kConsenters; ++i) {
        if (i != except && members_[i].consenter && members_[i].consenter->is_leader()) return i;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("no leader elected");
    return 0;
  }

  // Issues `count` tokens one transaction at a time through the leader; returns how many were
  // acknowledged.
  int Issue(int leader, int count) {
    int acknowledged = 0;
    auto alice = net_.MakeWallet(1);
    for (int k = 0; k < count; ++k) {
      auto proposal = net_.Proposal(net_.client.identity, net_.client.key, "issue", {alice.address, "1"});
      auto response = node::Endorse(proposal, *members_[leader].chain, net_.PeerSigner(), TestNetwork::kNowMs);
      REQUIRE(response.ok());
      auto envelope = TestNetwork::EnvelopeFor(proposal, *response, net_.client.key);
      auto result = members_[leader].consenter->Submit(envelope.SerializeAsString(),
                                                       TestNetwork::TxIdOf(proposal)).get();
      if (result.ok() && result->validation_code == 0) ++acknowledged;
    }
    return acknowledged;
  }

  void WaitForSameState(std::vector<int> nodes) {
    auto until = std::chrono::steady_clock::now() + kWaitMax;
    while (std::chrono::steady_clock::now() < until) {
      bool same = true;
      for (int i : nodes) {
        same = same && members_[i].chain->height() == members_[nodes[0]].chain->height() &&
               members_[i].chain->commit_hash() == members_[nodes[0]].chain->commit_hash();
      }
      if (same) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (int i : nodes) INFO("node " << i << " height " << members_[i].chain->height());
    FAIL("chains did not converge");
  }

  Member& member(int i) { return members_[i]; }
  node::MemoryNetwork& network() { return network_; }
  int fetches() const { return fetches_.load(); }

 private:
  TestNetwork net_;
  chaincode::Registry registry_;
  ledger::ThreadPool pool_;
  ManualClock clock_{TestNetwork::kNowMs};
  node::MemoryNetwork network_;
  std::string dir_;
  std::map<int, Member> members_;
  std::atomic<int> fetches_{0};
};

}  // namespace

TEST_CASE("raft cluster: blocks are ordered through Raft and every consenter commits them") {
  Cluster c;
  int leader = c.WaitForLeader();
  CHECK(c.Issue(leader, 10) == 10);
  c.WaitForSameState({1, 2, 3});
  CHECK(c.member(1).chain->height() == 11);
}

TEST_CASE("raft cluster: a new leader takes over and a restarted consenter catches up") {
  Cluster c;
  int leader = c.WaitForLeader();
  REQUIRE(c.Issue(leader, 5) == 5);
  c.StopMember(leader);
  int next = c.WaitForLeader(leader);
  REQUIRE(next != leader);
  CHECK(c.Issue(next, 5) == 5);
  c.StartConsenter(leader);  // from its WAL and block store
  c.WaitForSameState({1, 2, 3});
  CHECK(c.member(next).chain->height() == 11);
}

TEST_CASE("raft cluster: an isolated follower converges through a snapshot and block transfer") {
  Cluster c;
  int leader = c.WaitForLeader();
  int follower = leader % kConsenters + 1;
  c.network().Isolate(static_cast<uint64_t>(follower));
  CHECK(c.Issue(leader, 20) == 20);  // the log is compacted past what the follower has
  c.network().Heal();
  c.WaitForSameState({1, 2, 3});
  CHECK(c.member(follower).chain->height() == 21);
  CHECK(c.fetches() > 0);  // it caught up through a snapshot, not the log
}
