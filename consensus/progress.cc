#include "consensus/progress.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "crypto/status.h"

namespace milk::consensus {

bool Inflights::Full() const {
  if (queue_.size() >= count_max_) return true;
  return bytes_max_ > 0 && bytes_ >= bytes_max_;
}

void Inflights::Add(uint64_t last_index, uint64_t bytes) {
  MILK_CHECK(!Full());
  MILK_CHECK(queue_.empty() || queue_.back().first < last_index);
  queue_.emplace_back(last_index, bytes);
  bytes_ += bytes;
}

void Inflights::FreeLE(uint64_t index) {
  while (!queue_.empty() && queue_.front().first <= index) FreeFirst();
}

void Inflights::FreeFirst() {
  if (queue_.empty()) return;
  MILK_CHECK(bytes_ >= queue_.front().second);
  bytes_ -= queue_.front().second;
  queue_.pop_front();
}

void Inflights::Reset() {
  queue_.clear();
  bytes_ = 0;
}

const char* ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "?";
}

void Progress::BecomeProbe() {
  // After a snapshot the peer will have at least the snapshot: probe just past it.
  if (state == ProgressState::kSnapshot) {
    next = std::max(match + 1, pending_snapshot + 1);
  } else {
    next = match + 1;
  }
  state = ProgressState::kProbe;
  pending_snapshot = 0;
  probe_sent = false;
  inflights.Reset();
}

void Progress::BecomeReplicate() {
  state = ProgressState::kReplicate;
  next = match + 1;
  pending_snapshot = 0;
  probe_sent = false;
  inflights.Reset();
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  state = ProgressState::kSnapshot;
  pending_snapshot = snapshot_index;
  probe_sent = false;
  inflights.Reset();
}

bool Progress::MaybeUpdate(uint64_t index) {
  bool moved = false;
  if (index > match) {
    match = index;
    moved = true;
    probe_sent = false;
  }
  next = std::max(next, index + 1);
  return moved;
}

bool Progress::MaybeDecrease(uint64_t rejected, uint64_t hint_next) {
  if (state == ProgressState::kReplicate) {
    // Only a rejection above the match point is news; others are late duplicates.
    if (rejected <= match) return false;
    next = std::max(match + 1, std::min(rejected, hint_next));
    return true;
  }
  // Probe (and snapshot): only the rejection of the append we last sent counts.
  if (rejected + 1 != next) return false;
  next = std::max(match + 1, std::min(rejected, hint_next));
  probe_sent = false;
  return true;
}

bool Progress::Paused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.Full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

void ProgressTracker::CheckInvariants() const {
  for (uint64_t id : voters_) MILK_CHECK(progress_.count(id) == 1 && learners_.count(id) == 0);
  for (uint64_t id : learners_) MILK_CHECK(progress_.count(id) == 1);
  MILK_CHECK(progress_.size() == voters_.size() + learners_.size());
  for (const auto& [id, pr] : progress_) {
    MILK_CHECK(id != 0);
    MILK_CHECK(pr.match < pr.next);
    MILK_CHECK(pr.is_learner == (learners_.count(id) == 1));
  }
}

void ProgressTracker::Reset(const milkpb::RaftConfState& conf, uint64_t next_index) {
  voters_.clear();
  learners_.clear();
  progress_.clear();
  votes_.clear();
  for (uint64_t id : conf.voters()) {
    if (id != 0) AddVoter(id, next_index);
  }
  for (uint64_t id : conf.learners()) {
    if (id != 0 && !IsVoter(id)) AddLearner(id, next_index);
  }
  CheckInvariants();
}

void ProgressTracker::ResetProgress(uint64_t next_index) {
  for (auto& [id, pr] : progress_) {
    const bool learner = pr.is_learner;
    pr = Progress(next_index, count_max_, bytes_max_);
    pr.is_learner = learner;
  }
}

void ProgressTracker::AddVoter(uint64_t id, uint64_t next_index) {
  MILK_CHECK(id != 0);
  learners_.erase(id);
  voters_.insert(id);
  auto it = progress_.find(id);
  if (it == progress_.end()) {
    it = progress_.emplace(id, Progress(next_index, count_max_, bytes_max_)).first;
    it->second.recent_active = true;  // a new member gets an election timeout to show up
  }
  it->second.is_learner = false;
  CheckInvariants();
}

void ProgressTracker::AddLearner(uint64_t id, uint64_t next_index) {
  MILK_CHECK(id != 0);
  voters_.erase(id);
  learners_.insert(id);
  auto it = progress_.find(id);
  if (it == progress_.end()) {
    it = progress_.emplace(id, Progress(next_index, count_max_, bytes_max_)).first;
    it->second.recent_active = true;
  }
  it->second.is_learner = true;
  votes_.erase(id);
  CheckInvariants();
}

void ProgressTracker::Remove(uint64_t id) {
  voters_.erase(id);
  learners_.erase(id);
  progress_.erase(id);
  votes_.erase(id);
  CheckInvariants();
}

Progress* ProgressTracker::Get(uint64_t id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

milkpb::RaftConfState ProgressTracker::ConfState() const {
  milkpb::RaftConfState conf;
  for (uint64_t id : voters_) conf.add_voters(id);
  for (uint64_t id : learners_) conf.add_learners(id);
  return conf;
}

uint64_t ProgressTracker::QuorumMatch() const {
  if (voters_.empty()) return 0;
  std::vector<uint64_t> matches;
  matches.reserve(voters_.size());
  for (uint64_t id : voters_) matches.push_back(progress_.at(id).match);
  std::sort(matches.begin(), matches.end(), std::greater<uint64_t>());
  // The Quorum()-th largest match is held by at least Quorum() voters.
  return matches[Quorum() - 1];
}

bool ProgressTracker::QuorumActive(uint64_t self) const {
  uint64_t active = 0;
  for (uint64_t id : voters_) {
    if (id == self || progress_.at(id).recent_active) ++active;
  }
  return active >= Quorum();
}

void ProgressTracker::ResetRecentActive(uint64_t self) {
  for (auto& [id, pr] : progress_) pr.recent_active = (id == self);
}

void ProgressTracker::RecordVote(uint64_t id, bool granted) {
  if (!IsVoter(id)) return;
  votes_.emplace(id, granted);  // the first answer counts; duplicates change nothing
}

ProgressTracker::VoteResult ProgressTracker::TallyVotes() const {
  uint64_t granted = 0;
  uint64_t rejected = 0;
  for (const auto& [id, yes] : votes_) (yes ? granted : rejected) += 1;
  if (granted >= Quorum()) return VoteResult::kWon;
  if (rejected + Quorum() > voters_.size()) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace milk::consensus
