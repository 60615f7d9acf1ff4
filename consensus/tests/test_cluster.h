// A hand-driven Raft cluster for scenario tests: nothing happens unless the test says so.
// Each node has a MemoryStorage that survives Crash/Restart (it plays the durable log); every
// Ready is persisted, its messages queued, its committed entries applied and recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "consensus/raft.h"
#include "consensus/storage.h"
#include "milk/raft.pb.h"

namespace milk::consensus::testing {

// Small, fast defaults: election after 10-19 ticks, heartbeat every tick.
Config TestConfig();

// Builds a message with the given fields (tests of bad input and of single steps).
milkpb::RaftMessage Msg(milkpb::RaftMessage::Type type, uint64_t from, uint64_t to, uint64_t term);

class TestCluster {
 public:
  // Bootstraps `voters` (ids) from a genesis snapshot at index 0. `config` is the template
  // (its id is replaced per node).
  explicit TestCluster(std::vector<uint64_t> voters, Config config = TestConfig());

  RawNode& node(uint64_t id) { return *nodes_.at(id).raft; }
  MemoryStorage& storage(uint64_t id) { return *nodes_.at(id).storage; }
  RaftStatus status(uint64_t id) { return node(id).GetStatus(); }
  bool up(uint64_t id) const { return nodes_.at(id).raft != nullptr; }

  // A new node with the genesis membership (it joins through a membership change).
  void AddNode(uint64_t id);
  // Drops the core (unpersisted state is lost: call before Flush to lose a Ready); keeps storage.
  void Crash(uint64_t id);
  void Restart(uint64_t id);

  // Handles every pending Ready: persist, queue messages, apply, Advance.
  void Flush();
  // Delivers queued messages (and flushes) until none is left. Messages on cut links, to
  // crashed nodes, or for which `drop` returns true are lost. Returns messages delivered.
  int Stabilize();
  // Delivers only the queued messages (one round), then flushes.
  int DeliverOnce();
  void SetDropFilter(std::function<bool(const milkpb::RaftMessage&)> drop) {
    drop_ = std::move(drop);
  }
  void ClearDropFilter() { drop_ = nullptr; }

  void Cut(uint64_t a, uint64_t b);  // both directions
  void CutOneWay(uint64_t from, uint64_t to) { cut_.insert({from, to}); }
  void Isolate(uint64_t id);
  void HealAll() { cut_.clear(); }

  void Tick(uint64_t id, int times = 1);
  void TickAll(int times = 1);
  // Ticks `id` alone until it campaigns, then stabilizes; retries a few times (a split vote or
  // a refused first attempt). Returns whether it leads.
  bool Elect(uint64_t id);
  // Ticks every up node once per round and stabilizes, until a leader other than `not` is up
  // (at most `rounds` rounds). Returns it, or 0.
  uint64_t RunUntilLeader(int rounds, uint64_t not_this = 0);
  // The up node that is leader with the highest term, or 0.
  uint64_t Leader();

  // Data of the NORMAL entries each node applied, in order (empty no-ops skipped).
  const std::vector<std::string>& applied(uint64_t id) const { return nodes_.at(id).applied; }
  std::vector<milkpb::RaftMessage>& queue() { return queue_; }
  // Snapshots `id`'s applied state (the applied strings) at its applied index and compacts up
  // to it, so a lagging follower needs a snapshot.
  void CompactAt(uint64_t id);
  uint64_t snapshots_sent() const { return snapshots_sent_; }

 private:
  struct Node {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<RawNode> raft;
    std::vector<std::string> applied;
    milkpb::RaftConfState conf;
    uint64_t applied_index = 0;
  };
  void HandleReady(uint64_t id, Node& n);
  Node& Make(uint64_t id);

  Config config_;
  milkpb::RaftConfState genesis_;
  std::map<uint64_t, Node> nodes_;
  std::vector<milkpb::RaftMessage> queue_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::function<bool(const milkpb::RaftMessage&)> drop_;
  uint64_t snapshots_sent_ = 0;
};

}  // namespace milk::consensus::testing
