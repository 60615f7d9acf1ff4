// Log replication: proposals, appends and heartbeats with flow control, and the commit rule.
#include <algorithm>

#include "consensus/raft_core.h"

namespace milk::consensus {

using M = milkpb::RaftMessage;

Status Raft::CheckProposal() const {
  if (role_ != Role::kLeader) {
    if (leader_ != 0)
      return FailedPrecondition("not the leader; leader=" + std::to_string(leader_));
    return Unavailable("no leader is known; retry after an election");
  }
  if (lead_transferee_ != 0) {
    return Unavailable("leadership is being transferred to node " +
                       std::to_string(lead_transferee_) + "; retry on the new leader");
  }
  return Status::Ok();
}

Status Raft::Propose(std::string data) {
  MILK_RETURN_IF_ERROR(CheckProposal());
  const uint64_t bytes = data.size();
  if (bytes > config_.max_uncommitted_entries_bytes ||
      uncommitted_bytes_ > config_.max_uncommitted_entries_bytes - bytes) {
    return ResourceExhausted("uncommitted log data would exceed " +
                             std::to_string(config_.max_uncommitted_entries_bytes) +
                             " bytes; retry when earlier proposals have committed");
  }
  milkpb::RaftEntry e;
  e.set_type(milkpb::RaftEntry::NORMAL);
  e.set_data(std::move(data));
  AppendEntries({std::move(e)});
  uncommitted_bytes_ += bytes;
  BroadcastAppend();
  CheckInvariants();
  return Status::Ok();
}

void Raft::AppendEntries(std::vector<milkpb::RaftEntry> entries) {
  MILK_CHECK(role_ == Role::kLeader);
  uint64_t index = log_.LastIndex();
  for (milkpb::RaftEntry& e : entries) {
    e.set_term(term_);
    e.set_index(++index);
  }
  log_.Append(entries);
  Progress* self = tracker_.Get(id_);
  self->MaybeUpdate(log_.LastIndex());
  MaybeCommit();  // a single voter commits on its own
}

bool Raft::MaybeCommit() {
  // Figure 8 of the Raft paper: an index held by a majority commits only if its entry is of the
  // current term; earlier-term entries commit indirectly, below it.
  return log_.MaybeCommit(tracker_.QuorumMatch(), term_);
}

bool Raft::SendAppend(uint64_t to) {
  Progress* pr = tracker_.Get(to);
  MILK_CHECK(pr != nullptr && to != id_);
  if (pr->Paused()) return false;
  MILK_CHECK(pr->next >= 1 && pr->next <= log_.LastIndex() + 1);
  const uint64_t prev = pr->next - 1;
  Result<uint64_t> prev_term = log_.Term(prev);
  Result<std::vector<milkpb::RaftEntry>> entries =
      prev_term.ok() ? log_.Slice(pr->next, log_.LastIndex() + 1, config_.max_bytes_per_msg)
                     : Result<std::vector<milkpb::RaftEntry>>(prev_term.status());
  if (!entries.ok()) {
    MILK_CHECK(IsCompacted(entries.status()));
    return SendSnapshot(to, *pr);  // the peer needs entries we no longer hold
  }
  M m;
  m.set_type(M::APPEND);
  m.set_to(to);
  m.set_term(term_);
  m.set_index(prev);
  m.set_log_term(prev_term.value());
  m.set_commit(log_.committed());
  uint64_t bytes = 0;
  for (milkpb::RaftEntry& e : *entries) {
    bytes += e.data().size();
    *m.add_entries() = std::move(e);
  }
  if (pr->state == ProgressState::kReplicate && m.entries_size() > 0) {
    // Pipelining: assume delivery and move on; a rejection brings next back.
    const uint64_t last = m.entries(m.entries_size() - 1).index();
    pr->next = last + 1;
    pr->inflights.Add(last, bytes);
  } else if (pr->state == ProgressState::kProbe) {
    pr->probe_sent = true;  // one probe at a time
  }
  Send(std::move(m));
  return true;
}

void Raft::BroadcastAppend() {
  for (auto& [id, pr] : tracker_.progress()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::SendHeartbeat(uint64_t to) {
  const Progress* pr = tracker_.Get(to);
  M m;
  m.set_type(M::HEARTBEAT);
  m.set_to(to);
  m.set_term(term_);
  // Never more than the peer is known to hold: it cannot commit entries it may not have.
  m.set_commit(std::min(pr->match, log_.committed()));
  Send(std::move(m));
}

void Raft::BroadcastHeartbeat() {
  for (auto& [id, pr] : tracker_.progress()) {
    if (id != id_) SendHeartbeat(id);
  }
}

Status Raft::HandleAppend(const milkpb::RaftMessage& m) {
  M reply;
  reply.set_type(M::APPEND_RESPONSE);
  reply.set_to(m.from());
  reply.set_term(term_);
  if (m.index() < log_.committed()) {
    // Everything up to our commit is settled: tell the leader where we are.
    reply.set_index(log_.committed());
    Send(std::move(reply));
    return Status::Ok();
  }
  if (log_.MatchTerm(m.index(), m.log_term())) {
    std::vector<milkpb::RaftEntry> entries(m.entries().begin(), m.entries().end());
    const uint64_t conflict = log_.FindConflict(entries);
    // The first entry is past our commit (m.index() >= committed), so a conflict never
    // rewrites a committed entry.
    MILK_CHECK(conflict == 0 || conflict > log_.committed());
    if (conflict != 0) {
      entries.erase(entries.begin(),
                    entries.begin() + static_cast<ptrdiff_t>(conflict - m.index() - 1));
      log_.Append(entries);
    }
    const uint64_t last_new = m.index() + static_cast<uint64_t>(m.entries_size());
    log_.CommitTo(std::min(m.commit(), last_new));
    reply.set_index(last_new);
    Send(std::move(reply));
    return Status::Ok();
  }
  // Mismatch: hint the last index that could match, skipping a whole term at a time.
  const uint64_t hint =
      log_.FindConflictByTerm(std::min(m.index(), log_.LastIndex()), m.log_term());
  reply.set_index(m.index());
  reply.set_reject(true);
  reply.set_reject_hint(hint);
  reply.set_log_term(log_.TermOrZero(hint));
  Send(std::move(reply));
  return Status::Ok();
}

Status Raft::HandleHeartbeat(const milkpb::RaftMessage& m) {
  if (m.commit() > log_.LastIndex()) {
    return FailedPrecondition("raft: heartbeat from node " + std::to_string(m.from()) +
                              " commits index " + std::to_string(m.commit()) +
                              " past our last index " + std::to_string(log_.LastIndex()));
  }
  log_.CommitTo(m.commit());
  M reply;
  reply.set_type(M::HEARTBEAT_RESPONSE);
  reply.set_to(m.from());
  reply.set_term(term_);
  Send(std::move(reply));
  return Status::Ok();
}

void Raft::HandleAppendResponse(const milkpb::RaftMessage& m, Progress& pr) {
  const uint64_t last = log_.LastIndex();
  if (m.index() > last) return;  // acknowledges entries we never sent: ignore
  if (m.reject()) {
    // The follower's hint; with its term we can skip our own entries of later terms too.
    uint64_t probe = std::min(m.reject_hint(), last);
    if (m.log_term() > 0) probe = log_.FindConflictByTerm(probe, m.log_term());
    if (!pr.MaybeDecrease(m.index(), probe + 1)) return;  // stale rejection
    if (pr.state == ProgressState::kReplicate) {
      const uint64_t next = pr.next;
      pr.BecomeProbe();
      pr.next = next;  // keep the hint (BecomeProbe would restart at match + 1)
    }
    SendAppend(m.from());
    return;
  }
  const bool was_paused = pr.Paused();
  if (!pr.MaybeUpdate(m.index())) return;  // duplicate or late ack
  switch (pr.state) {
    case ProgressState::kProbe:
      pr.BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr.match >= pr.pending_snapshot) {
        pr.BecomeProbe();
        pr.BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr.inflights.FreeLE(m.index());
      break;
  }
  if (MaybeCommit()) {
    BroadcastAppend();  // followers learn the new commit index
  } else if (was_paused) {
    SendAppend(m.from());
  }
  // Fill the window: each call sends at least one entry, so this stops at the log end or when
  // the inflight bound pauses the peer.
  while (pr.next <= log_.LastIndex() && SendAppend(m.from())) {
  }
  if (m.from() == lead_transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from());
}

void Raft::HandleHeartbeatResponse(const milkpb::RaftMessage& m, Progress& pr) {
  pr.probe_sent = false;
  // Acks may have been lost while the peer is alive: free a slot so the window cannot stall.
  if (pr.state == ProgressState::kReplicate && pr.inflights.Full()) pr.inflights.FreeFirst();
  if (pr.match < log_.LastIndex()) SendAppend(m.from());
}

}  // namespace milk::consensus
