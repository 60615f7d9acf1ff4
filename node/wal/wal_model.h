// Private to node/wal: what the records of a WAL mean, with no I/O. Recovery applies every
// record it reads back; the writer checks a request against the model before writing and
// applies the same records after they are durable, so the two never disagree.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "node/wal/wal.h"
#include "node/wal/wal_format.h"

namespace milk::node::wal {

class LogModel {
 public:
  // keep_data: recovery keeps entry data (Open returns it); the writer needs only indexes and
  // terms.
  explicit LogModel(bool keep_data) : keep_data_(keep_data) {}

  // Moves the entries, with their data, out (for Open's result); from then on the model keeps
  // only indexes and terms.
  std::vector<WalEntry> TakeEntries();

  // Each Apply returns "" when the record is a valid continuation of the log, or why not (and
  // then changes nothing). first_segment: the header opens the oldest segment present, so the
  // entries before its first_index are in deleted segments and unknown here.
  std::string ApplyHeader(const format::SegmentHeader& header, bool first_segment);
  std::string ApplyEntry(WalEntry entry);
  std::string ApplyTruncate(uint64_t index);
  std::string ApplyMark(const WalSnapshotMark& mark);
  std::string ApplyHardState(const WalHardState& hard_state);
  std::string Apply(const format::Record& record, bool first_segment);
  // End of recovery: "" when every entry after the snapshot mark is present.
  std::string CheckComplete() const;

  // Writer checks: "" when Save(hard_state, entries) may be written, or why not. *held is the
  // number of leading entries the log already holds (same index and term); only the rest is
  // to be written.
  std::string CheckSave(const std::optional<WalHardState>& hard_state,
                        const std::vector<WalEntry>& entries, size_t* held) const;
  // "" when mark may be saved; *replaces_log tells whether the entries after mark.index must be
  // dropped (the log disagrees with the snapshot at mark.index).
  std::string CheckMark(const WalSnapshotMark& mark, bool* replaces_log) const;

  // The last index: of the last entry, else the mark's (or of the unknown entries before the
  // first segment, during recovery).
  uint64_t LastIndex() const;
  uint64_t mark_index() const { return mark_ ? mark_->index : 0; }
  // The term of the entry at index when known (index 0 has term 0; the mark's index its term).
  std::optional<uint64_t> TermAt(uint64_t index) const;
  const std::optional<WalHardState>& hard_state() const { return hard_state_; }
  const std::optional<WalSnapshotMark>& snapshot_mark() const { return mark_; }
  // The entries after the mark, in index order.
  std::deque<WalEntry>& entries() { return entries_; }

 private:
  std::string CheckHardState(const WalHardState& hard_state) const;

  bool keep_data_;
  std::optional<WalHardState> hard_state_;
  std::optional<WalSnapshotMark> mark_;
  std::deque<WalEntry> entries_;  // contiguous; all above mark_index()
  // During recovery: the last index of entries that lived in segments deleted by compaction;
  // they must all be covered by the final snapshot mark. 0 when there are none.
  uint64_t unknown_until_ = 0;
};

}  // namespace milk::node::wal
