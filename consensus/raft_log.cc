#include "consensus/raft_log.h"

#include <algorithm>

namespace milk::consensus {

namespace {
// Storage may only fail with "compacted" or "unavailable"; anything else means the driver broke
// the contract in storage.h (for instance advanced past entries it never appended).
template <typename T>
const T& CheckedValue(const Result<T>& r) {
  MILK_CHECK(r.ok());
  return r.value();
}
}  // namespace

RaftLog::RaftLog(const Storage* storage, uint64_t apply_bytes_max)
    : storage_(storage), apply_bytes_max_(apply_bytes_max) {
  MILK_CHECK(storage_ != nullptr);
  unstable_offset_ = storage_->LastIndex() + 1;
  committed_ = storage_->FirstIndex() - 1;
  applied_ = committed_;
}

void RaftLog::CheckInvariants() const {
  MILK_CHECK(applied_ <= committed_);
  MILK_CHECK(committed_ <= LastIndex());
  for (size_t k = 0; k < unstable_.size(); ++k) {
    MILK_CHECK(unstable_[k].index() == unstable_offset_ + k);
  }
  if (unstable_snap_) MILK_CHECK(unstable_offset_ == unstable_snap_->meta().index() + 1);
}

uint64_t RaftLog::FirstIndex() const {
  if (unstable_snap_) return unstable_snap_->meta().index() + 1;
  return storage_->FirstIndex();
}

uint64_t RaftLog::LastIndex() const {
  if (!unstable_.empty()) return unstable_offset_ + unstable_.size() - 1;
  if (unstable_snap_) return unstable_snap_->meta().index();
  return storage_->LastIndex();
}

uint64_t RaftLog::LastTerm() const { return CheckedValue(Term(LastIndex())); }

Result<uint64_t> RaftLog::Term(uint64_t i) const {
  if (i > LastIndex()) return ErrUnavailable("index " + std::to_string(i) + " past the log");
  if (i >= unstable_offset_ && i < unstable_offset_ + unstable_.size()) {
    return unstable_[i - unstable_offset_].term();
  }
  if (unstable_snap_) {
    if (i == unstable_snap_->meta().index()) return unstable_snap_->meta().term();
    return ErrCompacted();  // below the snapshot that replaces the whole log
  }
  Result<uint64_t> term = storage_->Term(i);
  if (!term.ok()) MILK_CHECK(IsCompacted(term.status()));
  return term;
}

uint64_t RaftLog::TermOrZero(uint64_t i) const {
  Result<uint64_t> term = Term(i);
  return term.ok() ? term.value() : 0;
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t term) const {
  Result<uint64_t> t = Term(i);
  return t.ok() && t.value() == term;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t last_term) const {
  const uint64_t my_term = LastTerm();
  return last_term > my_term || (last_term == my_term && last_index >= LastIndex());
}

Result<std::vector<milkpb::RaftEntry>> RaftLog::Slice(uint64_t lo, uint64_t hi,
                                                      uint64_t max_bytes) const {
  MILK_CHECK(lo <= hi && hi <= LastIndex() + 1);
  if (lo < FirstIndex()) return ErrCompacted();
  std::vector<milkpb::RaftEntry> out;
  if (lo == hi) return out;
  if (lo < unstable_offset_) {
    MILK_CHECK(!unstable_snap_);
    Result<std::vector<milkpb::RaftEntry>> stored =
        storage_->Entries(lo, std::min(hi, unstable_offset_), max_bytes);
    if (!stored.ok()) {
      MILK_CHECK(IsCompacted(stored.status()));
      return stored.status();
    }
    out = std::move(stored).value();
    // Storage cut the batch short: the byte budget is spent.
    if (out.size() < std::min(hi, unstable_offset_) - lo) return out;
  }
  uint64_t bytes = 0;
  for (const milkpb::RaftEntry& e : out) bytes += e.data().size();
  for (uint64_t i = std::max(lo, unstable_offset_); i < hi; ++i) {
    const milkpb::RaftEntry& e = unstable_[i - unstable_offset_];
    bytes += e.data().size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

uint64_t RaftLog::FindConflict(const std::vector<milkpb::RaftEntry>& entries) const {
  for (const milkpb::RaftEntry& e : entries) {
    if (!MatchTerm(e.index(), e.term())) return e.index();
  }
  return 0;
}

uint64_t RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  uint64_t j = std::min(index, LastIndex());
  const uint64_t floor = FirstIndex() - 1;
  while (j > floor) {
    Result<uint64_t> t = Term(j);
    if (!t.ok() || t.value() <= term) break;
    --j;
  }
  return j;
}

void RaftLog::Append(const std::vector<milkpb::RaftEntry>& entries) {
  if (entries.empty()) return;
  const uint64_t first = entries.front().index();
  MILK_CHECK(first > committed_);
  MILK_CHECK(first <= LastIndex() + 1);
  if (first == unstable_offset_ + unstable_.size()) {
    // Common case: extends the tail.
  } else if (first <= unstable_offset_) {
    // Replaces the whole unstable tail and shadows stored entries from `first` on; the driver
    // truncates its storage when it persists these.
    unstable_offset_ = first;
    unstable_.clear();
  } else {
    unstable_.resize(first - unstable_offset_);
  }
  unstable_.insert(unstable_.end(), entries.begin(), entries.end());
  CheckInvariants();
}

void RaftLog::CommitTo(uint64_t index) {
  MILK_CHECK(index <= LastIndex());
  if (index > committed_) committed_ = index;
}

bool RaftLog::MaybeCommit(uint64_t index, uint64_t term) {
  if (index > committed_ && TermOrZero(index) == term) {
    CommitTo(index);
    return true;
  }
  return false;
}

void RaftLog::AppliedTo(uint64_t index) {
  MILK_CHECK(index >= applied_ && index <= committed_);
  applied_ = index;
}

bool RaftLog::HasNextCommittedEntries() const {
  return committed_ + 1 > std::max(applied_ + 1, FirstIndex());
}

std::vector<milkpb::RaftEntry> RaftLog::NextCommittedEntries() const {
  if (!HasNextCommittedEntries()) return {};
  const uint64_t lo = std::max(applied_ + 1, FirstIndex());
  return CheckedValue(Slice(lo, committed_ + 1, apply_bytes_max_));
}

void RaftLog::StableTo(uint64_t index, uint64_t term) {
  if (index < unstable_offset_ || index >= unstable_offset_ + unstable_.size()) return;
  if (unstable_[index - unstable_offset_].term() != term) return;
  unstable_.erase(unstable_.begin(),
                  unstable_.begin() + static_cast<ptrdiff_t>(index + 1 - unstable_offset_));
  unstable_offset_ = index + 1;
}

void RaftLog::StableSnapshotTo(uint64_t index) {
  if (unstable_snap_ && unstable_snap_->meta().index() == index) unstable_snap_.reset();
}

void RaftLog::Restore(const milkpb::RaftSnapshot& snapshot) {
  MILK_CHECK(snapshot.meta().index() > committed_);
  unstable_snap_ = snapshot;
  unstable_.clear();
  unstable_offset_ = snapshot.meta().index() + 1;
  committed_ = snapshot.meta().index();
  CheckInvariants();
}

Result<milkpb::RaftSnapshot> RaftLog::Snapshot() const {
  if (unstable_snap_) return *unstable_snap_;
  return storage_->Snapshot();
}

}  // namespace milk::consensus
