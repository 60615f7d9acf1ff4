// Snapshots: a leader sends one when a peer needs entries it has compacted; a follower installs
// one when it is that far behind.
#include "consensus/raft_core.h"

namespace milk::consensus {

using M = milkpb::RaftMessage;

bool Raft::SendSnapshot(uint64_t to, Progress& pr) {
  // A snapshot is large: only send it to a peer that has answered lately.
  if (!pr.recent_active) return false;
  Result<milkpb::RaftSnapshot> snapshot = log_.Snapshot();
  if (!snapshot.ok()) {
    MILK_CHECK(snapshot.status().code() == Code::kUnavailable);
    return false;  // being made; the next heartbeat response retries
  }
  // Entries were compacted only up to a snapshot, so it exists and is not empty.
  MILK_CHECK(snapshot->meta().index() >= 1 && snapshot->meta().index() + 1 >= log_.FirstIndex());
  pr.BecomeSnapshot(snapshot->meta().index());
  M m;
  m.set_type(M::SNAPSHOT);
  m.set_to(to);
  m.set_term(term_);
  *m.mutable_snapshot() = std::move(snapshot).value();
  Send(std::move(m));
  return true;
}

void Raft::HandleSnapshot(const milkpb::RaftMessage& m) {
  M reply;
  reply.set_type(M::APPEND_RESPONSE);
  reply.set_to(m.from());
  reply.set_term(term_);
  // Either way the answer says how far our log now reaches for sure.
  reply.set_index(Restore(m.snapshot()) ? log_.LastIndex() : log_.committed());
  Send(std::move(reply));
}

bool Raft::Restore(const milkpb::RaftSnapshot& snapshot) {
  MILK_CHECK(role_ == Role::kFollower);
  const milkpb::RaftSnapshotMeta& meta = snapshot.meta();
  if (meta.index() <= log_.committed()) return false;  // we are already past it
  if (log_.MatchTerm(meta.index(), meta.term())) {
    // We hold that entry: it and everything before it is committed; keep the log.
    log_.CommitTo(meta.index());
    return false;
  }
  log_.Restore(snapshot);
  tracker_.Reset(meta.conf_state(), log_.LastIndex() + 1);
  return true;
}

void Raft::ReportSnapshot(uint64_t id, bool ok) {
  if (role_ != Role::kLeader) return;
  Progress* pr = tracker_.Get(id);
  if (pr == nullptr || pr->state != ProgressState::kSnapshot) return;
  if (!ok) pr->pending_snapshot = 0;  // resume from the match point
  pr->BecomeProbe();
  // Wait for the peer's answer (after a success) or the next heartbeat (after a failure)
  // before sending more.
  pr->probe_sent = true;
  CheckInvariants();
}

void Raft::ReportUnreachable(uint64_t id) {
  if (role_ != Role::kLeader) return;
  Progress* pr = tracker_.Get(id);
  if (pr == nullptr) return;
  // Messages in the pipeline are probably lost: find the match point again.
  if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
}

}  // namespace milk::consensus
