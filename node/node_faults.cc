// Node: test-only fault injection between consenters (SetClusterFaults; node/raft/fault_hook.h).
#include <set>
#include <string>

#include "node/chain_runtime.h"
#include "node/node.h"
#include "node/ops/logging.h"

namespace milk::node {
namespace {

std::string JoinIds(const std::set<uint64_t>& ids) {
  std::string out;
  for (uint64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out.empty() ? "none" : out;
}

// Copies `ids` into `out`, each of which must be one of `peers` (the chain's other consenters).
// The list is bounded by the RPC's message size limit; duplicates are harmless.
Status CopyPeerIds(const google::protobuf::RepeatedField<uint64_t>& ids, const char* field,
                   const std::string& chain_id, const std::set<uint64_t>& peers,
                   std::set<uint64_t>& out) {
  for (uint64_t id : ids) {
    if (peers.count(id) == 0) {
      return InvalidArgument(std::string(field) + ": raft id " + std::to_string(id) +
                             " is not another consenter of chain '" + chain_id +
                             "' (its other consenters: " + JoinIds(peers) + ")");
    }
    out.insert(id);
  }
  return Status::Ok();
}

// The request's rules, checked against the chain's other consenters.
Result<FaultRules> RulesOf(const milkpb::SetClusterFaultsRequest& request,
                           const std::set<uint64_t>& peers) {
  const bool has_rule = request.isolate() || request.block_outbound_size() > 0 ||
                        request.block_inbound_size() > 0;
  if (request.heal() && has_rule) {
    return InvalidArgument(
        "heal clears every rule of the chain: send it without block_outbound, block_inbound "
        "or isolate");
  }
  if (!request.heal() && !has_rule) {
    return InvalidArgument(
        "no rule given: set block_outbound, block_inbound or isolate (or heal to clear the "
        "chain's rules)");
  }
  FaultRules rules;
  rules.isolate = request.isolate();
  MILK_RETURN_IF_ERROR(CopyPeerIds(request.block_outbound(), "block_outbound", request.chain_id(),
                                   peers, rules.block_outbound));
  MILK_RETURN_IF_ERROR(CopyPeerIds(request.block_inbound(), "block_inbound", request.chain_id(),
                                   peers, rules.block_inbound));
  return rules;
}

}  // namespace

Status Node::SetClusterFaults(const milkpb::SetClusterFaultsRequest& request) {
  if (!options_.fault_injection) {
    return FailedPrecondition("fault injection is disabled (testing.fault_injection)");
  }
  const std::string& chain_id = request.chain_id();
  std::set<uint64_t> peers;
  {
    std::shared_lock lock(mutex_);
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) return NotFound("chain '" + chain_id + "' is not joined on this node");
    if (it->second->consenter == nullptr) {
      return FailedPrecondition("this node is not a consenter of chain '" + chain_id + "'");
    }
    const uint64_t self = it->second->consenter->status().id;
    for (const auto& c : it->second->chain->config()->consenters()) {
      if (c.raft_id != self) peers.insert(c.raft_id);
    }
  }
  MILK_ASSIGN_OR_RETURN(FaultRules rules, RulesOf(request, peers));
  ops::LogWarn(request.heal() ? "test fault injection: cluster faults healed"
                              : "test fault injection: cluster faults set",
               {{"chain", chain_id},
                {"isolate", rules.isolate ? "true" : "false"},
                {"block_outbound", JoinIds(rules.block_outbound)},
                {"block_inbound", JoinIds(rules.block_inbound)}});
  faults_.Set(chain_id, std::move(rules));
  return Status::Ok();
}

}  // namespace milk::node
