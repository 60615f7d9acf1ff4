// The log as the Raft core reads it, and MemoryStorage, the in-memory copy the driver keeps.
//
// The core never writes to storage. The driver persists what a Ready hands it (to its
// write-ahead log), then appends the same to its MemoryStorage, then calls Advance: so the
// MemoryStorage holds exactly what is durable, and the core's unstable tail holds the rest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/raft.pb.h"

namespace milk::consensus {

// Storage answers with these two errors in the normal course of things; the core handles both.
// Any other error is a broken storage and crashes the core (MILK_CHECK): the core cannot run
// without its log, and MemoryStorage cannot fail otherwise.
//   kOutOfRange  "compacted": the index is below the first available one (in a snapshot now).
//   kUnavailable "unavailable": past the last index, or a snapshot is being made.
Status ErrCompacted();
Status ErrUnavailable(const std::string& what);
bool IsCompacted(const Status& status);

// What a restarting node resumes from.
struct StorageState {
  milkpb::RaftHardState hard_state;
  milkpb::RaftConfState conf_state;  // membership as of the snapshot (later changes are re-applied)
};

// Read-only view of the durable log. Not required to be thread-safe: the core calls it from the
// driver's thread only.
class Storage {
 public:
  virtual ~Storage() = default;

  virtual Result<StorageState> InitialState() const = 0;
  // Entries [lo, hi), cut after the entry that reaches max_bytes (data bytes), but at least one
  // entry when lo < hi. REQUIRES: FirstIndex() <= lo <= hi <= LastIndex() + 1, else kCompacted
  // (lo too small) or kUnavailable (hi too large).
  virtual Result<std::vector<milkpb::RaftEntry>> Entries(uint64_t lo, uint64_t hi,
                                                         uint64_t max_bytes) const = 0;
  // Term of entry i, for FirstIndex() - 1 <= i <= LastIndex(): the term of the entry just before
  // the first one held is kept when the log is compacted.
  virtual Result<uint64_t> Term(uint64_t i) const = 0;
  // Index of the first entry held. FirstIndex() - 1 <= snapshot index (compaction never runs
  // ahead of the snapshot).
  virtual uint64_t FirstIndex() const = 0;
  // Index of the last entry held, or FirstIndex() - 1 when none is held.
  virtual uint64_t LastIndex() const = 0;
  // The latest snapshot; kUnavailable if it cannot be produced right now (the core retries).
  virtual Result<milkpb::RaftSnapshot> Snapshot() const = 0;
};

// Storage in memory, as in etcd: the driver keeps it equal to what it has persisted.
// Thread-compatible (no internal locking): the driver calls it from its Raft thread only.
// A fresh MemoryStorage holds an empty snapshot at index 0 with an empty membership; a new
// cluster is bootstrapped by ApplySnapshot of a snapshot at index 0 that carries the initial
// members (the genesis configuration).
class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  Result<StorageState> InitialState() const override;
  Result<std::vector<milkpb::RaftEntry>> Entries(uint64_t lo, uint64_t hi,
                                                 uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t i) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  Result<milkpb::RaftSnapshot> Snapshot() const override;

  // Appends entries persisted from a Ready. Entries that overlap the log replace it from the
  // first overlapping index (the tail after it is dropped); entries at or below the snapshot are
  // skipped. Errors (nothing changes): kInvalidArgument if the entries are not contiguous or would
  // leave a gap after LastIndex().
  Status Append(const std::vector<milkpb::RaftEntry>& entries);
  // Replaces the whole log by the snapshot (a Ready's snapshot, or bootstrap at index 0).
  // Errors (nothing changes): kFailedPrecondition when older than the current snapshot.
  Status ApplySnapshot(const milkpb::RaftSnapshot& snapshot);
  void SetHardState(const milkpb::RaftHardState& hard_state);
  // Makes the snapshot the core sends to lagging followers: state `data` as of applied index
  // `index` (which must still be in the log). Entries are kept until Compact.
  // Errors: kFailedPrecondition if index <= the current snapshot, kOutOfRange past LastIndex().
  Result<milkpb::RaftSnapshot> CreateSnapshot(uint64_t index, const milkpb::RaftConfState& conf,
                                              std::string data);
  // Drops entries up to and including `compact_index`, which must be covered by the snapshot
  // (compact_index <= snapshot index) and not compacted yet. Errors (nothing changes):
  // kFailedPrecondition if it is past the snapshot, kCompacted if already compacted.
  Status Compact(uint64_t compact_index);

  const milkpb::RaftHardState& hard_state() const { return hard_state_; }

 private:
  uint64_t SnapshotIndex() const { return snapshot_.meta().index(); }
  void CheckInvariants() const;

  milkpb::RaftHardState hard_state_;
  milkpb::RaftSnapshot snapshot_;
  // entries_[k] has index first_index_ + k; compacted_term_ is the term of first_index_ - 1.
  uint64_t first_index_ = 1;
  uint64_t compacted_term_ = 0;
  std::vector<milkpb::RaftEntry> entries_;
};

}  // namespace milk::consensus
