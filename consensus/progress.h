// Private to consensus/: what the leader knows about each peer's log, the flow-control window,
// and quorum arithmetic over the voters.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include "consensus/raft.h"
#include "milk/raft.pb.h"

namespace milk::consensus {

// The append messages sent to one peer and not yet acknowledged, oldest first. Full when
// `count_max` messages or `bytes_max` data bytes are outstanding (bytes_max 0 = no byte bound).
class Inflights {
 public:
  Inflights(uint64_t count_max, uint64_t bytes_max)
      : count_max_(count_max), bytes_max_(bytes_max) {}

  bool Full() const;
  // REQUIRES: !Full(); last_index larger than any outstanding one.
  void Add(uint64_t last_index, uint64_t bytes);
  // Frees every message whose last index is <= index (acknowledged by a cumulative ack).
  void FreeLE(uint64_t index);
  // Frees the oldest one (a heartbeat response proves the peer is alive even if acks were lost).
  void FreeFirst();
  void Reset();
  uint64_t count() const { return queue_.size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t count_max_;
  uint64_t bytes_max_;
  std::deque<std::pair<uint64_t, uint64_t>> queue_;  // (last index, bytes)
  uint64_t bytes_ = 0;
};

struct Progress {
  Progress(uint64_t next_index, uint64_t count_max, uint64_t bytes_max)
      : next(next_index), inflights(count_max, bytes_max) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);
  // An ack up to index: true if it moved match forward.
  bool MaybeUpdate(uint64_t index);
  // A rejection of the append at `rejected` with a hint: true if next moved back (false for a
  // stale rejection).
  bool MaybeDecrease(uint64_t rejected, uint64_t hint_next);
  // Whether sending must wait (probe sent, window full, or snapshot outstanding).
  bool Paused() const;

  uint64_t match = 0;
  uint64_t next = 1;
  ProgressState state = ProgressState::kProbe;
  uint64_t pending_snapshot = 0;  // index of the snapshot in flight (kSnapshot)
  bool probe_sent = false;        // kProbe: an append is out, wait for a reply or heartbeat
  bool recent_active = false;     // heard from since the last check-quorum round
  bool is_learner = false;
  Inflights inflights;
};

// Membership and per-peer progress. Ordered maps: iteration order is the id order, so the
// behaviour never depends on hashing (determinism is what makes seeds replay).
class ProgressTracker {
 public:
  ProgressTracker(uint64_t inflight_count_max, uint64_t inflight_bytes_max)
      : count_max_(inflight_count_max), bytes_max_(inflight_bytes_max) {}

  // Replaces the membership; progress of every member starts at next_index.
  void Reset(const milkpb::RaftConfState& conf, uint64_t next_index);
  // Keeps the members, restarts each peer's progress at next_index (a new leader's view).
  void ResetProgress(uint64_t next_index);
  void AddVoter(uint64_t id, uint64_t next_index);
  void AddLearner(uint64_t id, uint64_t next_index);
  void Remove(uint64_t id);

  bool IsVoter(uint64_t id) const { return voters_.count(id) > 0; }
  bool IsMember(uint64_t id) const { return progress_.count(id) > 0; }
  const std::set<uint64_t>& voters() const { return voters_; }
  Progress* Get(uint64_t id);
  std::map<uint64_t, Progress>& progress() { return progress_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }
  milkpb::RaftConfState ConfState() const;

  // The largest index matched by a majority of voters (0 with no voters).
  uint64_t QuorumMatch() const;
  // True if a majority of voters were recently active (self counts as active).
  bool QuorumActive(uint64_t self) const;
  void ResetRecentActive(uint64_t self);

  // Elections: record a vote from a voter (non-voters are ignored), then tally.
  enum class VoteResult { kPending, kWon, kLost };
  void ResetVotes() { votes_.clear(); }
  void RecordVote(uint64_t id, bool granted);
  VoteResult TallyVotes() const;
  uint64_t Quorum() const { return voters_.size() / 2 + 1; }

 private:
  void CheckInvariants() const;

  const uint64_t count_max_;
  const uint64_t bytes_max_;
  std::set<uint64_t> voters_;
  std::set<uint64_t> learners_;
  std::map<uint64_t, Progress> progress_;
  std::map<uint64_t, bool> votes_;
};

}  // namespace milk::consensus
