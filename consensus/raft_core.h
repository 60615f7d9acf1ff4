// Private to consensus/: the Raft state machine behind RawNode. Its methods are spread over
// files by concern:
//   raft_core.cc     construction, roles, ticks, term rules and message dispatch
//   message_check.cc validation of network input
//   election.cc      pre-vote, vote, check-quorum, leader transfer
//   replication.cc   proposals, appends, heartbeats, commit
//   snapshot.cc      sending and installing snapshots
//   membership.cc    single-server membership changes
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "consensus/prng.h"
#include "consensus/progress.h"
#include "consensus/raft.h"
#include "consensus/raft_log.h"
#include "milk/raft.pb.h"

namespace milk::consensus {

// Marks a VOTE that a leader transfer asked for: it must not be ignored as disruptive.
inline constexpr char kTransferContext[] = "transfer";

class Raft {
 public:
  static Result<std::unique_ptr<Raft>> Create(const Config& config, Storage* storage);

  void Tick();
  Status Step(const milkpb::RaftMessage& m);
  Status Propose(std::string data);
  Status ProposeConfChange(const milkpb::RaftConfChange& change);
  milkpb::RaftConfState ApplyConfChange(const milkpb::RaftConfChange& change);
  Status TransferLeadership(uint64_t to);
  void ReportUnreachable(uint64_t id);
  void ReportSnapshot(uint64_t id, bool ok);

  // For RawNode.
  SoftState soft_state() const { return SoftState{leader_, role_}; }
  milkpb::RaftHardState hard_state() const;
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  bool HasMessages() const { return !msgs_.empty(); }
  std::vector<milkpb::RaftMessage> TakeMessages();
  // Committed entries were handed out for apply: they no longer count as uncommitted.
  void ReduceUncommittedBytes(const std::vector<milkpb::RaftEntry>& applied);
  RaftStatus BuildStatus() const;

 private:
  Raft(const Config& config, Storage* storage);
  void CheckInvariants() const;

  // raft_core.cc
  void BecomeFollower(uint64_t term, uint64_t leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void ResetForTerm(uint64_t term);
  void Send(milkpb::RaftMessage m);
  bool Promotable() const { return tracker_.IsVoter(id_); }
  void TickElection();
  void TickHeartbeat();
  // Applies the term rules of the paper; false if the message is to be dropped.
  bool StepTerm(const milkpb::RaftMessage& m);
  Status StepLeader(const milkpb::RaftMessage& m);
  Status StepCandidate(const milkpb::RaftMessage& m);
  Status StepFollower(const milkpb::RaftMessage& m);

  // message_check.cc
  Status ValidateMessage(const milkpb::RaftMessage& m) const;

  // election.cc
  enum class CampaignKind { kPreVote, kVote, kTransfer };
  void Campaign(CampaignKind kind);
  void StartElection();  // pre-vote or vote, as configured
  bool InLease() const;
  bool HasUnappliedConfChange() const;
  void HandleVoteRequest(const milkpb::RaftMessage& m);
  void HandleVoteResponse(const milkpb::RaftMessage& m);
  void HandleTimeoutNow(const milkpb::RaftMessage& m);
  void CheckQuorumRound();
  void AbortTransfer() { lead_transferee_ = 0; }
  void SendTimeoutNow(uint64_t to);

  // replication.cc
  void AppendEntries(std::vector<milkpb::RaftEntry> entries);
  bool SendAppend(uint64_t to);
  void BroadcastAppend();
  void SendHeartbeat(uint64_t to);
  void BroadcastHeartbeat();
  bool MaybeCommit();
  Status HandleAppend(const milkpb::RaftMessage& m);
  Status HandleHeartbeat(const milkpb::RaftMessage& m);
  void HandleAppendResponse(const milkpb::RaftMessage& m, Progress& pr);
  void HandleHeartbeatResponse(const milkpb::RaftMessage& m, Progress& pr);
  Status CheckProposal() const;

  // snapshot.cc
  bool SendSnapshot(uint64_t to, Progress& pr);
  void HandleSnapshot(const milkpb::RaftMessage& m);
  bool Restore(const milkpb::RaftSnapshot& snapshot);

  const Config config_;
  const uint64_t id_;
  RaftLog log_;
  ProgressTracker tracker_;
  Prng prng_;

  uint64_t term_ = 0;
  uint64_t vote_ = 0;
  uint64_t leader_ = 0;
  Role role_ = Role::kFollower;

  // Ticks since the last reset: for followers and candidates since the last sign of a leader
  // or the start of the campaign; for a leader since the last check-quorum round.
  uint32_t election_elapsed_ = 0;
  uint32_t heartbeat_elapsed_ = 0;  // leader only
  uint32_t randomized_election_ticks_ = 0;

  uint64_t lead_transferee_ = 0;     // leader only: transfer target, 0 = none
  uint64_t pending_conf_index_ = 0;  // leader only: no new change until applied past this
  uint64_t uncommitted_bytes_ = 0;   // leader only: see Config::max_uncommitted_entries_bytes

  std::vector<milkpb::RaftMessage> msgs_;
};

}  // namespace milk::consensus
