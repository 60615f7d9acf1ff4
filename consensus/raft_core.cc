#include "consensus/raft_core.h"

#include <algorithm>

namespace milk::consensus {

namespace {
// Bound on election_ticks so that 2 * election_ticks and tick counters never overflow and a
// misconfigured node does not sit silent for days.
constexpr uint32_t kElectionTicksMax = 1u << 20;

Status ValidateConfig(const Config& c) {
  if (c.id == 0) return InvalidArgument("raft config: id must be non-zero");
  if (c.heartbeat_ticks == 0) return InvalidArgument("raft config: heartbeat_ticks must be >= 1");
  if (c.election_ticks <= c.heartbeat_ticks || c.election_ticks > kElectionTicksMax) {
    return InvalidArgument("raft config: election_ticks must be in (heartbeat_ticks, " +
                           std::to_string(kElectionTicksMax) + "]");
  }
  if (c.max_inflight_msgs == 0)
    return InvalidArgument("raft config: max_inflight_msgs must be >= 1");
  if (c.max_bytes_per_msg == 0)
    return InvalidArgument("raft config: max_bytes_per_msg must be >= 1");
  if (c.max_uncommitted_entries_bytes == 0 || c.max_apply_bytes_per_ready == 0) {
    return InvalidArgument("raft config: byte bounds must be >= 1");
  }
  return Status::Ok();
}
}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "?";
}

Raft::Raft(const Config& config, Storage* storage)
    : config_(config),
      id_(config.id),
      log_(storage, config.max_apply_bytes_per_ready),
      tracker_(config.max_inflight_msgs, config.max_inflight_bytes),
      prng_(config.seed ^ (config.id * 0x9E3779B97F4A7C15ULL)) {}

Result<std::unique_ptr<Raft>> Raft::Create(const Config& config, Storage* storage) {
  MILK_RETURN_IF_ERROR(ValidateConfig(config));
  MILK_CHECK(storage != nullptr);
  MILK_ASSIGN_OR_RETURN(StorageState state, storage->InitialState());
  std::unique_ptr<Raft> r(new Raft(config, storage));
  const uint64_t floor = r->log_.FirstIndex() - 1;
  const milkpb::RaftHardState& hs = state.hard_state;
  if (hs.commit() > r->log_.LastIndex()) {
    return DataLoss("raft storage: hard state commit " + std::to_string(hs.commit()) +
                    " is past the last log index " + std::to_string(r->log_.LastIndex()));
  }
  // A commit below the compaction point is raised to it: a snapshot is committed by definition.
  r->log_.CommitTo(std::max(hs.commit(), floor));
  if (config.applied != 0) {
    if (config.applied < floor || config.applied > r->log_.committed()) {
      return DataLoss("raft storage: applied index " + std::to_string(config.applied) +
                      " is outside [" + std::to_string(floor) + ", " +
                      std::to_string(r->log_.committed()) + "]");
    }
    r->log_.AppliedTo(config.applied);
  }
  r->tracker_.Reset(state.conf_state, r->log_.LastIndex() + 1);
  r->term_ = hs.term();
  r->BecomeFollower(hs.term(), 0);
  r->vote_ = hs.vote();
  r->CheckInvariants();
  return r;
}

void Raft::CheckInvariants() const {
  MILK_CHECK(log_.committed() <= log_.LastIndex());
  MILK_CHECK((role_ == Role::kLeader) == (leader_ == id_));
  if (role_ == Role::kLeader) {
    MILK_CHECK(vote_ == id_);
    MILK_CHECK(tracker_.IsVoter(id_));
    const auto& self = tracker_.progress().at(id_);
    MILK_CHECK(self.match == log_.LastIndex());
  }
  if (role_ == Role::kCandidate) MILK_CHECK(vote_ == id_);
  MILK_CHECK(randomized_election_ticks_ >= config_.election_ticks &&
             randomized_election_ticks_ < 2 * config_.election_ticks);
}

milkpb::RaftHardState Raft::hard_state() const {
  milkpb::RaftHardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

std::vector<milkpb::RaftMessage> Raft::TakeMessages() {
  std::vector<milkpb::RaftMessage> out;
  out.swap(msgs_);
  return out;
}

void Raft::ReduceUncommittedBytes(const std::vector<milkpb::RaftEntry>& applied) {
  if (role_ != Role::kLeader) return;
  uint64_t bytes = 0;
  for (const milkpb::RaftEntry& e : applied) bytes += e.data().size();
  // Entries of earlier terms were never counted: clamp rather than underflow.
  uncommitted_bytes_ = bytes > uncommitted_bytes_ ? 0 : uncommitted_bytes_ - bytes;
}

void Raft::ResetForTerm(uint64_t term) {
  if (term != term_) {
    MILK_CHECK(term > term_);
    term_ = term;
    vote_ = 0;
  }
  leader_ = 0;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  randomized_election_ticks_ =
      config_.election_ticks + static_cast<uint32_t>(prng_.Uniform(config_.election_ticks));
  AbortTransfer();
  tracker_.ResetVotes();
  tracker_.ResetProgress(log_.LastIndex() + 1);
  pending_conf_index_ = 0;
  uncommitted_bytes_ = 0;
}

void Raft::BecomeFollower(uint64_t term, uint64_t leader) {
  ResetForTerm(term);
  leader_ = leader;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  MILK_CHECK(role_ != Role::kLeader);
  // Neither the term nor the vote changes: that is the point of pre-vote.
  tracker_.ResetVotes();
  leader_ = 0;
  election_elapsed_ = 0;
  randomized_election_ticks_ =
      config_.election_ticks + static_cast<uint32_t>(prng_.Uniform(config_.election_ticks));
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  MILK_CHECK(role_ != Role::kLeader);
  ResetForTerm(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  MILK_CHECK(role_ == Role::kCandidate);
  MILK_CHECK(Promotable());
  ResetForTerm(term_);
  leader_ = id_;
  role_ = Role::kLeader;
  Progress* self = tracker_.Get(id_);
  self->match = log_.LastIndex();
  self->BecomeReplicate();
  // The no-op of the new term: committing it commits every earlier entry (only current-term
  // entries commit by counting). No membership change until it is applied (Raft thesis 4.1
  // erratum: a new leader must commit an entry of its term before changing the membership).
  milkpb::RaftEntry noop;
  AppendEntries({noop});
  pending_conf_index_ = log_.LastIndex();
  BroadcastAppend();
}

void Raft::Send(milkpb::RaftMessage m) {
  MILK_CHECK(m.to() != 0 && m.to() != id_);
  MILK_CHECK(m.term() != 0);
  m.set_from(id_);
  msgs_.push_back(std::move(m));
}

void Raft::Tick() {
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
  CheckInvariants();
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && election_elapsed_ >= randomized_election_ticks_) {
    election_elapsed_ = 0;
    StartElection();
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) CheckQuorumRound();
    if (role_ != Role::kLeader) return;
    AbortTransfer();  // the target did not take over within an election timeout
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

bool Raft::StepTerm(const milkpb::RaftMessage& m) {
  using M = milkpb::RaftMessage;
  if (m.term() > term_) {
    const bool vote_request = m.type() == M::VOTE || m.type() == M::PRE_VOTE;
    if (vote_request && InLease() && m.context() != kTransferContext) {
      return false;  // we heard from a live leader recently: do not let this node disrupt it
    }
    if (m.type() == M::PRE_VOTE) return true;                          // pre-vote never moves terms
    if (m.type() == M::PRE_VOTE_RESPONSE && !m.reject()) return true;  // answers our term + 1
    const bool from_leader =
        m.type() == M::APPEND || m.type() == M::HEARTBEAT || m.type() == M::SNAPSHOT;
    BecomeFollower(m.term(), from_leader ? m.from() : 0);
    return true;
  }
  if (m.term() < term_) {
    if ((config_.check_quorum || config_.pre_vote) &&
        (m.type() == M::HEARTBEAT || m.type() == M::APPEND)) {
      // A stale leader (say, back from a partition) would never hear our term otherwise, and
      // with pre-vote we would never raise it by campaigning: tell it to step down.
      M reply;
      reply.set_type(M::APPEND_RESPONSE);
      reply.set_to(m.from());
      reply.set_term(term_);
      Send(std::move(reply));
    } else if (m.type() == M::PRE_VOTE) {
      M reply;
      reply.set_type(M::PRE_VOTE_RESPONSE);
      reply.set_to(m.from());
      reply.set_term(term_);
      reply.set_reject(true);
      Send(std::move(reply));
    }
    return false;
  }
  return true;
}

Status Raft::Step(const milkpb::RaftMessage& m) {
  using M = milkpb::RaftMessage;
  MILK_RETURN_IF_ERROR(ValidateMessage(m));
  if (!StepTerm(m)) {
    CheckInvariants();
    return Status::Ok();
  }
  Status status;
  if (m.type() == M::VOTE || m.type() == M::PRE_VOTE) {
    HandleVoteRequest(m);
  } else if (role_ == Role::kLeader) {
    status = StepLeader(m);
  } else if (role_ == Role::kFollower) {
    status = StepFollower(m);
  } else {
    status = StepCandidate(m);
  }
  CheckInvariants();
  return status;
}

Status Raft::StepLeader(const milkpb::RaftMessage& m) {
  using M = milkpb::RaftMessage;
  switch (m.type()) {
    case M::APPEND:
    case M::HEARTBEAT:
    case M::SNAPSHOT:
      return FailedPrecondition("raft: node " + std::to_string(m.from()) + " claims to lead term " +
                                std::to_string(term_) + ", which this node leads");
    case M::APPEND_RESPONSE:
    case M::HEARTBEAT_RESPONSE: {
      Progress* pr = tracker_.Get(m.from());
      if (pr == nullptr) return Status::Ok();  // not (or no longer) a member
      pr->recent_active = true;
      if (m.type() == M::APPEND_RESPONSE) {
        HandleAppendResponse(m, *pr);
      } else {
        HandleHeartbeatResponse(m, *pr);
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();  // late vote responses, TIMEOUT_NOW to ourselves: nothing to do
  }
}

Status Raft::StepCandidate(const milkpb::RaftMessage& m) {
  using M = milkpb::RaftMessage;
  switch (m.type()) {
    case M::APPEND:
    case M::HEARTBEAT:
    case M::SNAPSHOT:
      // A leader of our term (or, for a pre-candidate, of the current term) exists.
      BecomeFollower(m.term(), m.from());
      return StepFollower(m);
    case M::PRE_VOTE_RESPONSE:
      if (role_ == Role::kPreCandidate) HandleVoteResponse(m);
      return Status::Ok();
    case M::VOTE_RESPONSE:
      if (role_ == Role::kCandidate) HandleVoteResponse(m);
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

Status Raft::StepFollower(const milkpb::RaftMessage& m) {
  using M = milkpb::RaftMessage;
  switch (m.type()) {
    case M::APPEND:
      election_elapsed_ = 0;
      leader_ = m.from();
      return HandleAppend(m);
    case M::HEARTBEAT:
      election_elapsed_ = 0;
      leader_ = m.from();
      return HandleHeartbeat(m);
    case M::SNAPSHOT:
      election_elapsed_ = 0;
      leader_ = m.from();
      HandleSnapshot(m);
      return Status::Ok();
    case M::TIMEOUT_NOW:
      HandleTimeoutNow(m);
      return Status::Ok();
    default:
      return Status::Ok();  // responses to a role we no longer hold
  }
}

RaftStatus Raft::BuildStatus() const {
  RaftStatus s;
  s.id = id_;
  s.role = role_;
  s.term = term_;
  s.vote = vote_;
  s.leader = leader_;
  s.commit = log_.committed();
  s.applied = log_.applied();
  s.last_index = log_.LastIndex();
  s.lead_transferee = lead_transferee_;
  s.conf_state = tracker_.ConfState();
  if (role_ != Role::kLeader) return s;
  for (const auto& [id, pr] : tracker_.progress()) {
    PeerStatus p;
    p.id = id;
    p.match = pr.match;
    p.next = pr.next;
    p.state = pr.state;
    p.inflight_msgs = pr.inflights.count();
    p.inflight_bytes = pr.inflights.bytes();
    p.is_learner = pr.is_learner;
    p.recent_active = pr.recent_active;
    s.progress.push_back(p);
  }
  return s;
}

}  // namespace milk::consensus
