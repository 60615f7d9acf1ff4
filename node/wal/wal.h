// The write-ahead log of a Raft consenter: hard state, log entries and snapshot marks, fsynced
// before Save returns so that the node can send what Raft asks only after it is durable.
//
// Files (docs/wal.md): <dir>/wal-<16 hex seq>-<16 hex first index>.log segments of records
//   u32 magic "MLKW" | u32 payload length | u32 CRC-32C of length and payload | payload
// (big-endian), each payload a type byte, a flags byte and a body. Every segment starts with a
// header record (format version, and the hard state and snapshot mark current when the segment
// was created), so deleting old segments never loses either. <dir>/LOCK keeps a second Wal off
// the directory.
//
// The WAL stores plain structs; the node converts them from and to milkpb::RaftEntry,
// RaftHardState and RaftSnapshotMeta. It keeps Raft's persisted invariants: terms, votes and
// commit indexes never go back, committed entries are never overwritten, the log is contiguous.
//
// Thread-safety: a Wal is not thread-safe. One thread (the node's Raft loop) calls every
// method, or the caller serializes the calls. There is no reader API: Open returns what the
// log holds and the caller keeps its own in-memory copy of the entries.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/status.h"

namespace milk::node::wal {

struct WalEntry {
  uint64_t term = 0;
  uint64_t index = 0;
  uint32_t type = 0;  // opaque to the WAL (milkpb::RaftEntry.type)
  std::string data;
  bool operator==(const WalEntry&) const = default;
};

struct WalHardState {
  uint64_t term = 0;
  uint64_t vote = 0;  // 0 = no vote in this term
  uint64_t commit = 0;
  bool operator==(const WalHardState&) const = default;
};

// Records that a snapshot covering every entry up to and including (index, term) exists.
struct WalSnapshotMark {
  uint64_t index = 0;
  uint64_t term = 0;
  std::string conf_state;  // opaque bytes (serialized membership at index)
  bool operator==(const WalSnapshotMark&) const = default;
};

struct WalOptions {
  // A new segment is started when the next write would take the active one past this size:
  // small enough that compaction frees space in useful steps and a segment is read back in well
  // under a second, large enough that a busy chain rolls over only every few thousand writes.
  // A single write larger than this goes alone into a fresh segment.
  uint64_t segment_bytes_max = 64ull << 20;
  // The largest record payload (an entry's data plus 22 bytes). Raft entries travel between
  // consenters in gRPC messages of a few MiB, so 64 MiB is far above any valid entry; on read
  // it is the sanity bound that stops a corrupt length field from allocating gigabytes.
  uint32_t record_bytes_max = 64u << 20;
  // The largest single Save (one write, one buffer, one fdatasync). Raft's own batch and
  // in-flight limits keep real writes far below; this bounds the buffer a runaway batch could
  // make the WAL build.
  uint64_t write_bytes_max = 256ull << 20;
};

// What Open found in the directory.
struct WalRecovery {
  std::optional<WalHardState> hard_state;        // the last one saved; none if never saved
  std::optional<WalSnapshotMark> snapshot_mark;  // the last one saved; none if never saved
  // Every entry after the snapshot mark (after index 0 without one), in index order,
  // contiguous, starting at snapshot_mark.index + 1.
  std::vector<WalEntry> entries;
  uint64_t truncated_bytes = 0;  // torn tail cut from the last segment (0 if none)
};

class Wal {
 public:
  // Opens or creates the WAL in dir (creating dir) and recovers it into *recovery. Reads every
  // segment in order and validates every record, framing and meaning (contiguous indexes,
  // monotonic terms, no overwritten commit...). In the last segment, a bad record (short,
  // bad magic, oversized length, past end of file, checksum mismatch) after which no intact
  // record starting a later write exists is a torn tail: it is cut (ftruncate + fsync) and
  // reported in truncated_bytes. Any other damage is kDataLoss "<path> offset N: <what>" and
  // nothing is truncated: a bad record followed by a later intact write, damage in an earlier
  // segment or in a segment header, a missing segment, entries missing after the mark.
  // A newer format version is kFailedPrecondition; so is a directory another Wal holds open.
  // REQUIRES: recovery != nullptr.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, const WalOptions& options,
                                           WalRecovery* recovery);
  virtual ~Wal() = default;

  // Appends entries, then hard_state (when given and different from the last one), with one
  // write and one fdatasync; on OK they are durable. Entries must be contiguous, with terms not
  // going back. Leading entries the log already holds (same index and term: by Raft's log
  // matching, the same entry) are skipped, so a re-sent batch never cuts later entries. The
  // first other entry must lie after the snapshot mark and at most one past the last index;
  // at or below the last index it replaces that entry and every later one (Raft's conflict
  // rule; written as a truncation record, then the entries). The hard state goes last because
  // its commit may point into these entries. Refused with kInvalidArgument (nothing written):
  // a gap, an entry at or below the mark, overwriting a committed entry, a term/commit going
  // back, a vote changed within a term, a record over record_bytes_max or a write over
  // write_bytes_max. Saving nothing new is OK and writes nothing. An I/O failure is returned;
  // after a failed fdatasync (or a write that could not be cut back) every later call fails,
  // because the file's durable contents are then unknown and the node must restart and
  // recover.
  virtual Status Save(const std::optional<WalHardState>& hard_state,
                      const std::vector<WalEntry>& entries) = 0;

  // Records, durably, that a snapshot at (mark.index, mark.term) exists. Entries up to
  // mark.index are dropped from the log. If the log holds mark.index with mark.term, later
  // entries stay; otherwise the log is replaced by the snapshot (the next entry must be
  // mark.index + 1), as Raft does when it installs a leader's snapshot. kInvalidArgument:
  // index 0, a mark older than the current one (or the same index with another term), or a
  // mark disagreeing with a committed entry. When a Raft Ready carries a snapshot, save its
  // mark before the Ready's hard state and entries: they build on it (the entries start after
  // it, the commit may point at it).
  virtual Status SaveSnapshotMark(const WalSnapshotMark& mark) = 0;

  // Deletes whole segments, oldest first, whose entries all have index <= index; never the
  // active segment, never one holding an entry above index. The newest hard state and mark stay
  // durable (every segment's header repeats them). kFailedPrecondition when index is above the
  // snapshot mark (those entries are in no snapshot). Each deletion fsyncs the directory.
  virtual Status Compact(uint64_t index) = 0;

  // Index of the last entry in the log (the mark's index when the log is empty after it).
  virtual uint64_t LastIndex() const = 0;
  virtual std::optional<WalHardState> hard_state() const = 0;
  virtual std::optional<WalSnapshotMark> snapshot_mark() const = 0;
  // Number of segment files (for tests and metrics).
  virtual size_t segment_count() const = 0;
};

}  // namespace milk::node::wal
