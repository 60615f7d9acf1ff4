#include <algorithm>

#include "consensus/storage.h"

namespace milk::consensus {

namespace {
constexpr char kCompactedMessage[] = "compacted: requested index is in a snapshot";
}  // namespace

Status ErrCompacted() { return OutOfRange(kCompactedMessage); }
Status ErrUnavailable(const std::string& what) { return Unavailable("unavailable: " + what); }
bool IsCompacted(const Status& status) {
  return status.code() == Code::kOutOfRange && status.message() == kCompactedMessage;
}

MemoryStorage::MemoryStorage() { snapshot_.mutable_meta()->set_index(0); }

void MemoryStorage::CheckInvariants() const {
  MILK_CHECK(first_index_ >= 1);
  MILK_CHECK(SnapshotIndex() + 1 >= first_index_);
  MILK_CHECK(SnapshotIndex() <= LastIndex());
  for (size_t k = 0; k < entries_.size(); ++k) {
    MILK_CHECK(entries_[k].index() == first_index_ + k);
  }
}

Result<StorageState> MemoryStorage::InitialState() const {
  StorageState state;
  state.hard_state = hard_state_;
  state.conf_state = snapshot_.meta().conf_state();
  return state;
}

uint64_t MemoryStorage::FirstIndex() const { return first_index_; }

uint64_t MemoryStorage::LastIndex() const { return first_index_ + entries_.size() - 1; }

Result<uint64_t> MemoryStorage::Term(uint64_t i) const {
  if (i + 1 < first_index_) return ErrCompacted();
  if (i > LastIndex()) return ErrUnavailable("index " + std::to_string(i) + " past the log");
  if (i + 1 == first_index_) return compacted_term_;
  return entries_[i - first_index_].term();
}

Result<std::vector<milkpb::RaftEntry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                              uint64_t max_bytes) const {
  if (lo < first_index_) return ErrCompacted();
  if (hi > LastIndex() + 1) return ErrUnavailable("index " + std::to_string(hi) + " past the log");
  std::vector<milkpb::RaftEntry> out;
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const milkpb::RaftEntry& e = entries_[i - first_index_];
    bytes += e.data().size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<milkpb::RaftSnapshot> MemoryStorage::Snapshot() const { return snapshot_; }

Status MemoryStorage::Append(const std::vector<milkpb::RaftEntry>& entries) {
  if (entries.empty()) return Status::Ok();
  for (size_t k = 1; k < entries.size(); ++k) {
    if (entries[k].index() != entries[k - 1].index() + 1) {
      return InvalidArgument("appended entries are not contiguous at index " +
                             std::to_string(entries[k].index()));
    }
  }
  const uint64_t first = entries.front().index();
  if (first > LastIndex() + 1) {
    return InvalidArgument("append at index " + std::to_string(first) + " leaves a gap after " +
                           std::to_string(LastIndex()));
  }
  // Skip what compaction already covers, then cut the tail the new entries replace.
  size_t skip = 0;
  while (skip < entries.size() && entries[skip].index() < first_index_) ++skip;
  if (skip == entries.size()) return Status::Ok();
  const uint64_t start = entries[skip].index();
  entries_.resize(start - first_index_);
  entries_.insert(entries_.end(), entries.begin() + static_cast<ptrdiff_t>(skip), entries.end());
  CheckInvariants();
  return Status::Ok();
}

Status MemoryStorage::ApplySnapshot(const milkpb::RaftSnapshot& snapshot) {
  if (snapshot.meta().index() < SnapshotIndex()) {
    return FailedPrecondition("snapshot at index " + std::to_string(snapshot.meta().index()) +
                              " is older than the one held at " + std::to_string(SnapshotIndex()));
  }
  snapshot_ = snapshot;
  first_index_ = snapshot.meta().index() + 1;
  compacted_term_ = snapshot.meta().term();
  entries_.clear();
  CheckInvariants();
  return Status::Ok();
}

void MemoryStorage::SetHardState(const milkpb::RaftHardState& hard_state) {
  hard_state_ = hard_state;
}

Result<milkpb::RaftSnapshot> MemoryStorage::CreateSnapshot(uint64_t index,
                                                           const milkpb::RaftConfState& conf,
                                                           std::string data) {
  if (index <= SnapshotIndex()) {
    return FailedPrecondition("snapshot at index " + std::to_string(index) +
                              " is not newer than the one held at " +
                              std::to_string(SnapshotIndex()));
  }
  if (index > LastIndex()) {
    return OutOfRange("snapshot index " + std::to_string(index) + " is past the log end " +
                      std::to_string(LastIndex()));
  }
  MILK_ASSIGN_OR_RETURN(uint64_t term, Term(index));
  milkpb::RaftSnapshot snapshot;
  snapshot.mutable_meta()->set_index(index);
  snapshot.mutable_meta()->set_term(term);
  *snapshot.mutable_meta()->mutable_conf_state() = conf;
  snapshot.set_data(std::move(data));
  snapshot_ = snapshot;
  CheckInvariants();
  return snapshot;
}

Status MemoryStorage::Compact(uint64_t compact_index) {
  if (compact_index + 1 <= first_index_) return ErrCompacted();
  if (compact_index > SnapshotIndex()) {
    return FailedPrecondition("cannot compact to " + std::to_string(compact_index) +
                              " past the snapshot at " + std::to_string(SnapshotIndex()));
  }
  const uint64_t drop = compact_index + 1 - first_index_;
  compacted_term_ = entries_[drop - 1].term();
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(drop));
  first_index_ = compact_index + 1;
  CheckInvariants();
  return Status::Ok();
}

}  // namespace milk::consensus
