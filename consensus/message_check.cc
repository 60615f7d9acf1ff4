// Validation of network input: a message that fails here changes nothing and never crashes the
// node. What is checked is what the rest of the core relies on; the contents of a well-formed
// message that simply disagrees with us (stale terms, mismatched logs) are Raft's business and
// are handled by the protocol.
#include "consensus/raft_core.h"

namespace milk::consensus {

namespace {
// Indices beyond this are refused so that index + count arithmetic can never overflow.
// (2^62 entries at a million per second is 146,000 years.)
constexpr uint64_t kIndexMax = 1ull << 62;

Status Bad(const milkpb::RaftMessage& m, const std::string& why) {
  return InvalidArgument("raft: bad " + milkpb::RaftMessage::Type_Name(m.type()) + " from node " +
                         std::to_string(m.from()) + ": " + why);
}

Status CheckEntries(const milkpb::RaftMessage& m) {
  uint64_t prev_term = m.log_term();
  uint64_t expected = m.index() + 1;
  for (const milkpb::RaftEntry& e : m.entries()) {
    if (e.index() != expected) {
      return Bad(m, "entry index " + std::to_string(e.index()) + " where " +
                        std::to_string(expected) + " was expected");
    }
    if (!milkpb::RaftEntry::Type_IsValid(e.type())) return Bad(m, "unknown entry type");
    if (e.term() == 0 || e.term() < prev_term || e.term() > m.term()) {
      return Bad(m, "entry term " + std::to_string(e.term()) + " out of order at index " +
                        std::to_string(e.index()));
    }
    prev_term = e.term();
    ++expected;
  }
  return Status::Ok();
}
}  // namespace

Status Raft::ValidateMessage(const milkpb::RaftMessage& m) const {
  using M = milkpb::RaftMessage;
  if (!M::Type_IsValid(m.type()) || m.type() == M::TYPE_UNSPECIFIED) {
    return InvalidArgument("raft: message of unknown type " + std::to_string(m.type()));
  }
  if (m.to() != id_) return Bad(m, "addressed to node " + std::to_string(m.to()));
  if (m.from() == 0 || m.from() == id_) return Bad(m, "sender id is 0 or this node's");
  if (m.term() == 0) return Bad(m, "term 0");
  if (m.term() >= kIndexMax || m.index() >= kIndexMax || m.commit() >= kIndexMax ||
      m.reject_hint() >= kIndexMax || m.log_term() > m.term()) {
    return Bad(m, "index or term out of range");
  }
  if (m.type() != M::APPEND && m.entries_size() > 0) return Bad(m, "carries entries");
  if (m.type() == M::APPEND) {
    if (m.index() == 0 && m.log_term() != 0) return Bad(m, "term of index 0 is not 0");
    if (m.index() != 0 && m.log_term() == 0) return Bad(m, "term 0 for index > 0");
    MILK_RETURN_IF_ERROR(CheckEntries(m));
  }
  if (m.type() == M::SNAPSHOT) {
    const milkpb::RaftSnapshotMeta& meta = m.snapshot().meta();
    if (meta.index() == 0 || meta.index() >= kIndexMax) return Bad(m, "snapshot index 0");
    if (meta.term() == 0 || meta.term() > m.term()) return Bad(m, "snapshot term out of range");
    for (uint64_t id : meta.conf_state().voters()) {
      if (id == 0) return Bad(m, "snapshot membership lists node 0");
    }
    for (uint64_t id : meta.conf_state().learners()) {
      if (id == 0) return Bad(m, "snapshot membership lists node 0");
    }
  }
  return Status::Ok();
}

}  // namespace milk::consensus
