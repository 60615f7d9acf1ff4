// Private to the simulator: the safety properties of Figure 3 of the Raft paper, checked
// incrementally as the run goes (each check is O(1) or O(log n) per event, so they can run
// after every step).
//
//   election safety      at most one leader per term
//   log matching         two persisted entries with the same (index, term) have the same
//                        chain hash, i.e. the logs agree up to them
//   leader completeness  a leader of term T holds every entry committed in a term before T
//   state machine safety no two nodes apply different entries at one index
//   vote safety          a node never votes for two candidates in one term, across crashes
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace milk::consensus::sim {

class Checker {
 public:
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  void Fail(const std::string& what);

  // `node` leads `term` (from its status or a Ready).
  void OnLeader(uint64_t node, uint64_t term);
  // `node` persisted entry (index, term) whose log prefix hashes to `chain`.
  void OnPersisted(uint64_t node, uint64_t index, uint64_t term, uint64_t chain);
  // `node` at term `observer_term` knows index is committed and its prefix hashes to `chain`.
  void OnCommitted(uint64_t node, uint64_t index, uint64_t chain, uint64_t observer_term);
  // `node` just became leader of `term`; chain_at(i) gives its log's chain hash at i, if held,
  // and last_index its last index.
  template <typename ChainAt>
  void OnBecameLeader(uint64_t node, uint64_t term, uint64_t last_index, ChainAt chain_at);
  // `node` applied the entry at index whose prefix hashes to `chain`.
  void OnApplied(uint64_t node, uint64_t index, uint64_t chain);
  // `node` durably holds (term, vote).
  void OnVote(uint64_t node, uint64_t term, uint64_t vote);

  uint64_t leaders() const { return leader_of_term_.size(); }

 private:
  std::string failure_;
  std::map<uint64_t, uint64_t> leader_of_term_;                    // term -> node
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> entry_chain_;  // (index, term) -> chain
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> committed_;    // index -> (chain, term)
  std::map<uint64_t, uint64_t> applied_;                           // index -> chain
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> votes_;        // (node, term) -> vote
};

template <typename ChainAt>
void Checker::OnBecameLeader(uint64_t node, uint64_t term, uint64_t last_index, ChainAt chain_at) {
  // The latest entry known committed in a term before `term`; the chain hash covers the prefix.
  for (auto it = committed_.rbegin(); it != committed_.rend(); ++it) {
    if (it->second.second >= term) continue;
    const uint64_t index = it->first;
    if (index > last_index) {
      Fail("leader completeness: node " + std::to_string(node) + " leads term " +
           std::to_string(term) + " with last index " + std::to_string(last_index) + " but index " +
           std::to_string(index) + " was committed in term " + std::to_string(it->second.second));
      return;
    }
    const std::optional<uint64_t> chain = chain_at(index);
    if (chain && *chain != it->second.first) {
      Fail("leader completeness: node " + std::to_string(node) + " leads term " +
           std::to_string(term) + " with a different entry at committed index " +
           std::to_string(index));
    }
    return;
  }
}

}  // namespace milk::consensus::sim
