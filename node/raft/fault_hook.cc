#include "node/raft/fault_hook.h"

#include <mutex>

namespace milk::node {

void ClusterFaults::Set(const std::string& chain_id, FaultRules rules) {
  std::unique_lock lock(mutex_);
  if (rules.empty()) {
    rules_.erase(chain_id);
  } else {
    rules_[chain_id] = std::move(rules);
  }
  active_.store(!rules_.empty(), std::memory_order_release);
}

void ClusterFaults::Heal(const std::string& chain_id) { Set(chain_id, FaultRules{}); }

FaultRules ClusterFaults::Rules(const std::string& chain_id) const {
  std::shared_lock lock(mutex_);
  auto it = rules_.find(chain_id);
  return it == rules_.end() ? FaultRules{} : it->second;
}

bool ClusterFaults::BlocksOutbound(const std::string& chain_id, uint64_t to) const {
  if (!active()) return false;
  std::shared_lock lock(mutex_);
  auto it = rules_.find(chain_id);
  return it != rules_.end() && (it->second.isolate || it->second.block_outbound.count(to) != 0);
}

bool ClusterFaults::BlocksInbound(const std::string& chain_id, uint64_t from) const {
  if (!active()) return false;
  std::shared_lock lock(mutex_);
  auto it = rules_.find(chain_id);
  return it != rules_.end() && (it->second.isolate || it->second.block_inbound.count(from) != 0);
}

Status ClusterFaults::CheckOutbound(const std::string& chain_id, uint64_t to) const {
  if (!BlocksOutbound(chain_id, to)) return Status::Ok();
  return Unavailable("consenter " + std::to_string(to) + " of chain '" + chain_id +
                     "' is unreachable: isolated by a test fault (SetClusterFaults)");
}

}  // namespace milk::node
