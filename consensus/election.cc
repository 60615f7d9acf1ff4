// Leader election: pre-vote, vote, check-quorum and leader transfer.
#include "consensus/raft_core.h"

namespace milk::consensus {

using M = milkpb::RaftMessage;

bool Raft::InLease() const {
  return config_.check_quorum && leader_ != 0 && election_elapsed_ < config_.election_ticks;
}

bool Raft::HasUnappliedConfChange() const {
  // A node that knows of a committed but unapplied membership change would count votes with a
  // stale membership (two changes apart from the leader's): it waits until it has applied it.
  uint64_t lo = std::max(log_.applied() + 1, log_.FirstIndex());
  const uint64_t hi = log_.committed() + 1;
  while (lo < hi) {
    Result<std::vector<milkpb::RaftEntry>> page =
        log_.Slice(lo, hi, config_.max_apply_bytes_per_ready);
    MILK_CHECK(page.ok() && !page->empty());
    for (const milkpb::RaftEntry& e : *page) {
      if (e.type() == milkpb::RaftEntry::CONF_CHANGE) return true;
    }
    lo = page->back().index() + 1;
  }
  return false;
}

void Raft::StartElection() {
  if (!Promotable() || HasUnappliedConfChange()) return;
  Campaign(config_.pre_vote ? CampaignKind::kPreVote : CampaignKind::kVote);
}

void Raft::Campaign(CampaignKind kind) {
  uint64_t campaign_term = 0;
  M::Type type = M::VOTE;
  if (kind == CampaignKind::kPreVote) {
    BecomePreCandidate();
    campaign_term = term_ + 1;  // the term we would use; ours does not change yet
    type = M::PRE_VOTE;
  } else {
    BecomeCandidate();
    campaign_term = term_;
  }
  tracker_.RecordVote(id_, true);
  if (tracker_.TallyVotes() == ProgressTracker::VoteResult::kWon) {
    // The only voter: no one to ask.
    if (kind == CampaignKind::kPreVote) {
      Campaign(CampaignKind::kVote);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (uint64_t voter : tracker_.voters()) {
    if (voter == id_) continue;
    M m;
    m.set_type(type);
    m.set_to(voter);
    m.set_term(campaign_term);
    m.set_index(log_.LastIndex());
    m.set_log_term(log_.LastTerm());
    if (kind == CampaignKind::kTransfer) m.set_context(kTransferContext);
    Send(std::move(m));
  }
}

void Raft::HandleVoteRequest(const milkpb::RaftMessage& m) {
  // Here m.term() >= term_: lower terms were answered or dropped by StepTerm, and a VOTE of a
  // higher term has already made us a follower of that term.
  const bool pre_vote = m.type() == M::PRE_VOTE;
  const bool can_vote =
      vote_ == m.from() || (vote_ == 0 && leader_ == 0) || (pre_vote && m.term() > term_);
  M reply;
  reply.set_type(pre_vote ? M::PRE_VOTE_RESPONSE : M::VOTE_RESPONSE);
  reply.set_to(m.from());
  if (can_vote && log_.IsUpToDate(m.index(), m.log_term())) {
    // A granted answer carries the requested term, so a pre-candidate can match it to its
    // campaign; a real vote is remembered (persisted before the reply is sent).
    reply.set_term(m.term());
    if (!pre_vote) {
      election_elapsed_ = 0;
      vote_ = m.from();
    }
  } else {
    reply.set_term(term_);
    reply.set_reject(true);
  }
  Send(std::move(reply));
}

void Raft::HandleVoteResponse(const milkpb::RaftMessage& m) {
  if (m.type() == M::PRE_VOTE_RESPONSE && !m.reject() && m.term() != term_ + 1) {
    return;  // a grant for some other campaign term
  }
  tracker_.RecordVote(m.from(), !m.reject());
  switch (tracker_.TallyVotes()) {
    case ProgressTracker::VoteResult::kWon:
      if (!Promotable()) {
        BecomeFollower(term_, 0);  // removed from the voters while campaigning
      } else if (role_ == Role::kPreCandidate) {
        Campaign(CampaignKind::kVote);
      } else {
        BecomeLeader();
      }
      return;
    case ProgressTracker::VoteResult::kLost:
      BecomeFollower(term_, 0);
      return;
    case ProgressTracker::VoteResult::kPending:
      return;
  }
}

void Raft::HandleTimeoutNow(const milkpb::RaftMessage& m) {
  (void)m;
  if (!Promotable() || HasUnappliedConfChange()) return;
  // The leader asked: campaign at once, skipping pre-vote (the leader will step down for us).
  Campaign(CampaignKind::kTransfer);
}

void Raft::CheckQuorumRound() {
  if (!tracker_.QuorumActive(id_)) {
    // Cut off from the majority: stop accepting proposals that could never commit.
    BecomeFollower(term_, 0);
    return;
  }
  tracker_.ResetRecentActive(id_);
}

void Raft::SendTimeoutNow(uint64_t to) {
  M m;
  m.set_type(M::TIMEOUT_NOW);
  m.set_to(to);
  m.set_term(term_);
  Send(std::move(m));
}

Status Raft::TransferLeadership(uint64_t to) {
  if (role_ != Role::kLeader) {
    return FailedPrecondition("not the leader; leader=" + std::to_string(leader_));
  }
  if (to == id_) return Status::Ok();  // already leads
  if (!tracker_.IsVoter(to)) {
    return InvalidArgument("cannot transfer leadership to node " + std::to_string(to) +
                           ": not a voter");
  }
  if (lead_transferee_ == to) return Status::Ok();  // under way
  lead_transferee_ = to;
  election_elapsed_ = 0;  // the transfer must finish within one election timeout
  Progress* pr = tracker_.Get(to);
  if (pr->match == log_.LastIndex()) {
    SendTimeoutNow(to);
  } else {
    SendAppend(to);
  }
  CheckInvariants();
  return Status::Ok();
}

}  // namespace milk::consensus
