// Test-only network faults between consenters: which Raft ids of which chain this node must not
// talk to, per direction. Tests use it to cut a consenter off from the others (a partition)
// without freezing or killing its process, so its client-facing RPCs keep answering while its
// consensus traffic is gone (docs/consensus.md, "Fault injection (tests only)").
//
// Consulted by the Cluster transport before queueing an outbound Raft message, by the Cluster
// service for each inbound one, and by the node before it forwards a Submit to the leader or
// fetches blocks from another consenter. Rules are only ever set through the Admin RPC
// SetClusterFaults, which the node refuses unless node.yaml sets testing.fault_injection.
//
// Thread-safety: every method is safe from any thread. While no rule is set (always, outside
// tests) the Blocks*/CheckOutbound queries cost one atomic load and take no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <shared_mutex>
#include <string>

#include "crypto/status.h"

namespace milk::node {

// The rules of one chain. Raft ids are the chain's consenters other than this node.
struct FaultRules {
  std::set<uint64_t> block_outbound;  // send nothing to these
  std::set<uint64_t> block_inbound;   // drop every Raft message from these
  bool isolate = false;               // both directions, every other consenter
  bool empty() const { return block_outbound.empty() && block_inbound.empty() && !isolate; }
  bool operator==(const FaultRules&) const = default;
};

class ClusterFaults {
 public:
  // Replaces chain_id's rules; empty rules heal the chain.
  void Set(const std::string& chain_id, FaultRules rules);
  // Clears chain_id's rules (a no-op when it has none).
  void Heal(const std::string& chain_id);
  // The chain's current rules (empty when none).
  FaultRules Rules(const std::string& chain_id) const;
  // True while any chain has a rule.
  bool active() const { return active_.load(std::memory_order_acquire); }

  // Whether this node must not send to raft id `to` of the chain.
  bool BlocksOutbound(const std::string& chain_id, uint64_t to) const;
  // Whether this node must drop a Raft message from raft id `from` of the chain.
  bool BlocksInbound(const std::string& chain_id, uint64_t from) const;
  // kUnavailable ("... isolated by a test fault ...") when BlocksOutbound, otherwise OK: for the
  // node-to-node calls (Submit forwarding, block fetching) an isolated node would otherwise make.
  Status CheckOutbound(const std::string& chain_id, uint64_t to) const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, FaultRules> rules_;  // guarded by mutex_; no empty values
  // Mirrors !rules_.empty(), written under mutex_: the lock-free fast path of every query.
  std::atomic<bool> active_{false};
};

}  // namespace milk::node
