#include "node/wal/wal_model.h"

#include <algorithm>
#include <utility>

namespace milk::node::wal {

namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

struct Dispatch {
  LogModel* model;
  bool first_segment;
  std::string operator()(const format::SegmentHeader& header) const {
    return model->ApplyHeader(header, first_segment);
  }
  std::string operator()(const WalEntry& entry) const { return model->ApplyEntry(entry); }
  std::string operator()(const WalHardState& hard_state) const {
    return model->ApplyHardState(hard_state);
  }
  std::string operator()(const WalSnapshotMark& mark) const { return model->ApplyMark(mark); }
  std::string operator()(const format::Truncate& truncate) const {
    return model->ApplyTruncate(truncate.index);
  }
};

}  // namespace

uint64_t LogModel::LastIndex() const {
  if (!entries_.empty()) return entries_.back().index;
  return std::max(mark_index(), unknown_until_);
}

std::optional<uint64_t> LogModel::TermAt(uint64_t index) const {
  if (index == 0) return 0;
  if (mark_ && index == mark_->index) return mark_->term;
  if (entries_.empty() || index < entries_.front().index || index > entries_.back().index) {
    return std::nullopt;
  }
  return entries_[index - entries_.front().index].term;
}

std::vector<WalEntry> LogModel::TakeEntries() {
  std::vector<WalEntry> out;
  out.reserve(entries_.size());
  for (WalEntry& entry : entries_) {
    out.push_back(WalEntry{entry.term, entry.index, entry.type, std::move(entry.data)});
    entry.data.clear();
  }
  keep_data_ = false;
  return out;
}

std::string LogModel::ApplyHeader(const format::SegmentHeader& header, bool first_segment) {
  if (!first_segment) {
    if (header.first_index != LastIndex() + 1) {
      return "segment header says the log ends at " + Str(header.first_index - 1) +
             " but the previous segments end at " + Str(LastIndex());
    }
    if (header.hard_state != hard_state_ || header.snapshot_mark != mark_) {
      return "segment header's hard state or snapshot mark differs from the previous segments'";
    }
    return "";
  }
  uint64_t mark_at = header.snapshot_mark ? header.snapshot_mark->index : 0;
  if (header.snapshot_mark && mark_at == 0) return "segment header has a snapshot mark at index 0";
  if (header.first_index == 0 || header.first_index - 1 < mark_at) {
    return "segment header first index " + Str(header.first_index) +
           " is not above its snapshot mark " + Str(mark_at);
  }
  hard_state_ = header.hard_state;
  mark_ = header.snapshot_mark;
  entries_.clear();
  unknown_until_ = header.first_index - 1 > mark_at ? header.first_index - 1 : 0;
  return "";
}

std::string LogModel::ApplyEntry(WalEntry entry) {
  if (entry.index != LastIndex() + 1) {
    return "entry " + Str(entry.index) + " does not follow the last index " + Str(LastIndex());
  }
  std::optional<uint64_t> before = TermAt(entry.index - 1);
  if (before && entry.term < *before) {
    return "entry " + Str(entry.index) + " has term " + Str(entry.term) + " below the term " +
           Str(*before) + " of the entry before it";
  }
  if (!keep_data_) entry.data.clear();
  entries_.push_back(std::move(entry));
  return "";
}

std::string LogModel::ApplyTruncate(uint64_t index) {
  if (index <= mark_index()) {
    return "truncation at " + Str(index) + " is at or below the snapshot mark " + Str(mark_index());
  }
  if (index > LastIndex()) {
    return "truncation at " + Str(index) + " is past the last index " + Str(LastIndex());
  }
  if (hard_state_ && index <= hard_state_->commit) {
    return "truncation at " + Str(index) + " would drop committed entries (commit " +
           Str(hard_state_->commit) + ")";
  }
  while (!entries_.empty() && entries_.back().index >= index) entries_.pop_back();
  // The log now ends at index - 1; entries not held here are in segments compaction deleted.
  if (entries_.empty()) unknown_until_ = index - 1 > mark_index() ? index - 1 : 0;
  return "";
}

std::string LogModel::ApplyMark(const WalSnapshotMark& mark) {
  if (mark.index == 0) return "snapshot mark at index 0";
  if (mark_) {
    if (mark.index < mark_->index) {
      return "snapshot mark " + Str(mark.index) + " is older than the current mark " +
             Str(mark_->index);
    }
    if (mark.term < mark_->term || (mark.index == mark_->index && mark.term != mark_->term)) {
      return "snapshot mark (" + Str(mark.index) + ", term " + Str(mark.term) +
             ") contradicts the current mark (" + Str(mark_->index) + ", term " + Str(mark_->term) +
             ")";
    }
  }
  while (!entries_.empty() && entries_.front().index <= mark.index) entries_.pop_front();
  if (unknown_until_ <= mark.index) unknown_until_ = 0;
  mark_ = mark;
  return "";
}

std::string LogModel::CheckHardState(const WalHardState& hard_state) const {
  if (!hard_state_) return "";
  const WalHardState& now = *hard_state_;
  if (hard_state.term < now.term) {
    return "hard state term goes back from " + Str(now.term) + " to " + Str(hard_state.term);
  }
  if (hard_state.term == now.term && now.vote != 0 && hard_state.vote != now.vote) {
    return "vote changes from " + Str(now.vote) + " to " + Str(hard_state.vote) + " within term " +
           Str(now.term);
  }
  if (hard_state.commit < now.commit) {
    return "commit goes back from " + Str(now.commit) + " to " + Str(hard_state.commit);
  }
  return "";
}

std::string LogModel::ApplyHardState(const WalHardState& hard_state) {
  std::string problem = CheckHardState(hard_state);
  if (problem.empty()) hard_state_ = hard_state;
  return problem;
}

std::string LogModel::Apply(const format::Record& record, bool first_segment) {
  return std::visit(Dispatch{this, first_segment}, record.body);
}

std::string LogModel::CheckComplete() const {
  if (unknown_until_ > mark_index()) {
    return "log entries " + Str(mark_index() + 1) + ".." + Str(unknown_until_) +
           " are missing: the segments that held them were deleted or lost";
  }
  if (!entries_.empty() && entries_.front().index != mark_index() + 1) {
    return "log entries resume at " + Str(entries_.front().index) + " after the snapshot mark " +
           Str(mark_index());
  }
  return "";
}

std::string LogModel::CheckSave(const std::optional<WalHardState>& hard_state,
                                const std::vector<WalEntry>& entries, size_t* held) const {
  *held = 0;
  if (hard_state) {
    std::string problem = CheckHardState(*hard_state);
    if (!problem.empty()) return problem;
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) {
      return "entries are not contiguous: " + Str(entries[i].index) + " follows " +
             Str(entries[i - 1].index);
    }
    if (entries[i].term < entries[i - 1].term) {
      return "entry " + Str(entries[i].index) + " has a lower term than the entry before it";
    }
  }
  // Raft's log matching: an entry with the index and term of one in the log is that entry.
  while (*held < entries.size() && entries[*held].index > mark_index() &&
         TermAt(entries[*held].index) == entries[*held].term) {
    ++*held;
  }
  if (*held == entries.size()) return "";
  const WalEntry& first = entries[*held];
  if (first.index <= mark_index()) {
    return "entry " + Str(first.index) + " is at or below the snapshot mark " + Str(mark_index());
  }
  if (first.index > LastIndex() + 1) {
    return "entry " + Str(first.index) + " would leave a gap after the last index " +
           Str(LastIndex());
  }
  if (first.index <= LastIndex() && hard_state_ && first.index <= hard_state_->commit) {
    return "entry " + Str(first.index) + " would overwrite a committed entry (commit " +
           Str(hard_state_->commit) + ")";
  }
  std::optional<uint64_t> before = TermAt(first.index - 1);
  if (before && first.term < *before) {
    return "entry " + Str(first.index) + " has term " + Str(first.term) + " below the term " +
           Str(*before) + " of the entry before it";
  }
  return "";
}

std::string LogModel::CheckMark(const WalSnapshotMark& mark, bool* replaces_log) const {
  *replaces_log = false;
  if (mark.index == 0) return "snapshot mark at index 0";
  if (mark_ && (mark.index < mark_->index || mark.term < mark_->term ||
                (mark.index == mark_->index && mark.term != mark_->term))) {
    return "snapshot mark (" + Str(mark.index) + ", term " + Str(mark.term) +
           ") is older than or contradicts the current mark (" + Str(mark_->index) + ", term " +
           Str(mark_->term) + ")";
  }
  std::optional<uint64_t> term_here = TermAt(mark.index);
  if (term_here && *term_here != mark.term) {
    if (hard_state_ && mark.index <= hard_state_->commit) {
      return "snapshot mark (" + Str(mark.index) + ", term " + Str(mark.term) +
             ") disagrees with the committed entry there (term " + Str(*term_here) + ")";
    }
    *replaces_log = mark.index < LastIndex();
  }
  return "";
}

}  // namespace milk::node::wal
