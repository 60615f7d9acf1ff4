#include "consensus/sim/checker.h"

namespace milk::consensus::sim {

void Checker::Fail(const std::string& what) {
  if (failure_.empty()) failure_ = what;
}

void Checker::OnLeader(uint64_t node, uint64_t term) {
  auto [it, inserted] = leader_of_term_.emplace(term, node);
  if (!inserted && it->second != node) {
    Fail("election safety: nodes " + std::to_string(it->second) + " and " + std::to_string(node) +
         " both lead term " + std::to_string(term));
  }
}

void Checker::OnPersisted(uint64_t node, uint64_t index, uint64_t term, uint64_t chain) {
  auto [it, inserted] = entry_chain_.emplace(std::make_pair(index, term), chain);
  if (!inserted && it->second != chain) {
    Fail("log matching: node " + std::to_string(node) + " holds entry (index " +
         std::to_string(index) + ", term " + std::to_string(term) +
         ") after a log that differs from another node's with the same entry");
  }
}

void Checker::OnCommitted(uint64_t node, uint64_t index, uint64_t chain, uint64_t observer_term) {
  auto [it, inserted] = committed_.emplace(index, std::make_pair(chain, observer_term));
  if (inserted) return;
  if (it->second.first != chain) {
    Fail("state machine safety: node " + std::to_string(node) +
         " committed a different log up to index " + std::to_string(index) + " than another node");
    return;
  }
  if (observer_term < it->second.second) it->second.second = observer_term;
}

void Checker::OnApplied(uint64_t node, uint64_t index, uint64_t chain) {
  auto [it, inserted] = applied_.emplace(index, chain);
  if (!inserted && it->second != chain) {
    Fail("state machine safety: node " + std::to_string(node) +
         " applied a different entry at index " + std::to_string(index) + " than another node");
  }
}

void Checker::OnVote(uint64_t node, uint64_t term, uint64_t vote) {
  if (vote == 0) return;
  auto [it, inserted] = votes_.emplace(std::make_pair(node, term), vote);
  if (!inserted && it->second != vote) {
    Fail("vote safety: node " + std::to_string(node) + " voted for " + std::to_string(it->second) +
         " and " + std::to_string(vote) + " in term " + std::to_string(term));
  }
}

}  // namespace milk::consensus::sim
