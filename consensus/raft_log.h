// Private to consensus/: the Raft log as the core sees it, the durable part (Storage) plus the
// unstable tail not yet handed back through Advance, and the commit and apply cursors.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/storage.h"
#include "milk/raft.pb.h"

namespace milk::consensus {

class RaftLog {
 public:
  // Resumes from what storage holds. `apply_bytes_max` bounds the data bytes of committed
  // entries handed out at once. REQUIRES: storage outlives the log.
  RaftLog(const Storage* storage, uint64_t apply_bytes_max);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;
  // kCompacted below FirstIndex() - 1, kUnavailable past LastIndex().
  Result<uint64_t> Term(uint64_t i) const;
  // The term of i, or 0 when i is compacted or past the end (no real entry has term 0).
  uint64_t TermOrZero(uint64_t i) const;
  // True if the log holds entry i with this term (index 0 has term 0 until compacted away).
  bool MatchTerm(uint64_t i, uint64_t term) const;
  // True if a log ending at (last_index, last_term) is at least as up to date as this one
  // (section 5.4.1 of the Raft paper).
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // Entries [lo, hi), cut at max_bytes (at least one when lo < hi). kCompacted if lo is.
  Result<std::vector<milkpb::RaftEntry>> Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;

  // Index of the first entry whose term differs from the log's (or that is past the end), or 0
  // when every entry is already in the log.
  uint64_t FindConflict(const std::vector<milkpb::RaftEntry>& entries) const;
  // The largest j <= index with Term(j) <= term; FirstIndex() - 1 when the search reaches the
  // compacted part. Used to skip a whole term per rejected append.
  uint64_t FindConflictByTerm(uint64_t index, uint64_t term) const;

  // Appends to the unstable tail, dropping any entries from entries[0].index() on.
  // REQUIRES: entries contiguous, entries[0].index() in (committed, LastIndex() + 1].
  void Append(const std::vector<milkpb::RaftEntry>& entries);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  // REQUIRES: committed() <= index <= LastIndex().
  void CommitTo(uint64_t index);
  // Commits up to index if its entry has `term` (the leader's current-term rule).
  bool MaybeCommit(uint64_t index, uint64_t term);
  // REQUIRES: applied() <= index <= committed().
  void AppliedTo(uint64_t index);

  bool HasNextCommittedEntries() const;
  // Committed entries not yet applied, at most apply_bytes_max of data (at least one).
  std::vector<milkpb::RaftEntry> NextCommittedEntries() const;

  const std::vector<milkpb::RaftEntry>& unstable_entries() const { return unstable_; }
  const std::optional<milkpb::RaftSnapshot>& unstable_snapshot() const { return unstable_snap_; }
  // The driver persisted entries up to (index, term): drop them from the unstable tail, unless
  // the tail was rewritten in the meantime (then the term no longer matches).
  void StableTo(uint64_t index, uint64_t term);
  void StableSnapshotTo(uint64_t index);
  // Replaces the log by a snapshot (a follower too far behind). Commits its index.
  void Restore(const milkpb::RaftSnapshot& snapshot);
  // The unstable snapshot if any, else storage's.
  Result<milkpb::RaftSnapshot> Snapshot() const;

 private:
  void CheckInvariants() const;

  const Storage* storage_;
  const uint64_t apply_bytes_max_;
  std::optional<milkpb::RaftSnapshot> unstable_snap_;
  // unstable_[k] has index unstable_offset_ + k. Entries below the offset come from storage.
  std::vector<milkpb::RaftEntry> unstable_;
  uint64_t unstable_offset_ = 0;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
};

}  // namespace milk::consensus
