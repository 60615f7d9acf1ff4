// Raft as a pure state machine (ARCHITECTURE.md section 5, docs/consensus.md).
//
// RawNode has no threads, sockets, files or clocks. The driver feeds it ticks, messages and
// proposals, and drains Ready batches:
//
//   loop:
//     on timer:    node->Tick();
//     on message:  node->Step(msg);                     // bad input is refused, never fatal
//     on proposal: node->Propose(data);
//     if node->HasReady():
//       Ready rd = node->GetReady();
//       persist rd.snapshot, then rd.entries, then rd.hard_state (fsync if rd.must_sync);
//       apply the same to the MemoryStorage;
//       send rd.messages;                                // only after persisting
//       apply rd.committed_entries (ApplyConfChange for CONF_CHANGE entries);
//       node->Advance(rd);
//
// Thread-compatible: one thread (the driver's) calls every method. Deterministic: the same
// inputs in the same order give the same outputs, including the randomized election timeout,
// which comes from Config::seed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/storage.h"
#include "crypto/status.h"
#include "milk/raft.pb.h"

namespace milk::consensus {

class Raft;

// Every bound the core enforces. Defaults suit a 3-7 node consenter set on a LAN or WAN with a
// ~100 ms tick.
struct Config {
  uint64_t id = 0;  // this node; must be non-zero
  // Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn
  // per term from [election_ticks, 2 * election_ticks) so that candidates rarely collide.
  // Also the check-quorum period of a leader and the leader-transfer deadline.
  uint32_t election_ticks = 10;
  // Ticks between a leader's heartbeats. Must be below election_ticks so that a healthy leader
  // resets its followers' timers several times per election timeout.
  uint32_t heartbeat_ticks = 1;
  // Append messages in flight to one peer before the leader waits for acks (pipelining depth).
  // 256 keeps a WAN link busy with 1 MiB messages without unbounded buffering.
  uint64_t max_inflight_msgs = 256;
  // Data bytes in flight to one peer; 0 disables the byte bound (the count bound still holds).
  // 32 MiB bounds what a slow follower can make the leader buffer in its transport.
  uint64_t max_inflight_bytes = 32ull << 20;
  // Entry data bytes per append message (a larger single entry still goes alone).
  uint64_t max_bytes_per_msg = 1ull << 20;
  // Data bytes of proposals appended by this leader and not yet committed and handed out for
  // apply. Past it Propose refuses with kResourceExhausted: a leader cut off from its quorum
  // stops growing its log instead of running out of memory.
  uint64_t max_uncommitted_entries_bytes = 64ull << 20;
  // Data bytes of committed entries handed out in one Ready (at least one entry).
  uint64_t max_apply_bytes_per_ready = 64ull << 20;
  // Pre-vote (Raft thesis 9.6): a node first asks whether it could win, without bumping its
  // term, so a node returning from a partition does not depose a healthy leader.
  bool pre_vote = true;
  // A leader steps down when it has not heard from a quorum within an election timeout, and
  // followers that heard from a leader within one ignore vote requests.
  bool check_quorum = true;
  // The last index the application applied (on restart). 0 means "FirstIndex() - 1 of the
  // storage". REQUIRES: FirstIndex() - 1 <= applied <= hard state commit.
  uint64_t applied = 0;
  // Seeds the election-timeout generator. Use different seeds on different nodes.
  uint64_t seed = 0;
};

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };
const char* RoleName(Role role);

// How the leader replicates to one peer (flow control).
enum class ProgressState {
  kProbe,      // one append at a time until the match point is found
  kReplicate,  // pipelined appends within the inflight window
  kSnapshot,   // a snapshot is on its way; nothing else is sent
};
const char* ProgressStateName(ProgressState state);

// Volatile state the driver may want to observe (not persisted).
struct SoftState {
  uint64_t leader = 0;
  Role role = Role::kFollower;
  bool operator==(const SoftState& o) const { return leader == o.leader && role == o.role; }
};

// One batch of work for the driver. See the loop at the top of this file for the order.
struct Ready {
  std::optional<SoftState> soft_state;               // set when changed since the last Ready
  std::optional<milkpb::RaftHardState> hard_state;   // set when changed since the last Ready
  std::vector<milkpb::RaftEntry> entries;            // to append to the log (may overwrite a tail)
  std::optional<milkpb::RaftSnapshot> snapshot;      // to persist and install (replaces the log)
  std::vector<milkpb::RaftEntry> committed_entries;  // to apply, in order
  std::vector<milkpb::RaftMessage> messages;         // to send after persisting
  // True when entries or the term/vote changed: these must be fsynced before sending. A
  // commit-only change may be written lazily (the commit index is recoverable).
  bool must_sync = false;
};

struct PeerStatus {
  uint64_t id = 0;
  uint64_t match = 0;
  uint64_t next = 0;
  ProgressState state = ProgressState::kProbe;
  uint64_t inflight_msgs = 0;
  uint64_t inflight_bytes = 0;
  bool is_learner = false;
  bool recent_active = false;
};

struct RaftStatus {
  uint64_t id = 0;
  Role role = Role::kFollower;
  uint64_t term = 0;
  uint64_t vote = 0;
  uint64_t leader = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  uint64_t last_index = 0;
  uint64_t lead_transferee = 0;
  milkpb::RaftConfState conf_state;
  std::vector<PeerStatus> progress;  // leader only; ordered by id, including self
};

class RawNode {
 public:
  // Resumes from storage (hard state, membership of its snapshot, log). Errors:
  // kInvalidArgument for a bad Config, kDataLoss when storage is inconsistent (commit past the
  // log, applied outside [FirstIndex() - 1, commit]).
  // REQUIRES: storage outlives the node.
  static Result<std::unique_ptr<RawNode>> Create(const Config& config, Storage* storage);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // One unit of logical time.
  void Tick();
  // Feeds a message from a peer. OK when it was handled or deliberately dropped (stale term,
  // response from a peer not in the membership, duplicate). kInvalidArgument when it is
  // malformed (not addressed to us, unknown type, term 0, non-contiguous entries, ...);
  // kFailedPrecondition when it contradicts our committed log. Nothing changes on an error.
  Status Step(const milkpb::RaftMessage& message);
  // Appends data to the log if this node leads. Errors: kFailedPrecondition "not the leader;
  // leader=N" when another node leads; kUnavailable when no leader is known or a leadership
  // transfer is under way; kResourceExhausted when max_uncommitted_entries_bytes is reached.
  Status Propose(std::string data);
  // Proposes a single-server membership change. Errors as Propose, plus kFailedPrecondition
  // while an earlier change is not yet applied, and kInvalidArgument for a change that is
  // malformed, changes nothing, or would remove the last voter.
  Status ProposeConfChange(const milkpb::RaftConfChange& change);
  // Applies a committed CONF_CHANGE entry's change; returns the new membership. The driver calls
  // it when it applies the entry. A leader that removes (or demotes) itself steps down.
  milkpb::RaftConfState ApplyConfChange(const milkpb::RaftConfChange& change);
  // Asks the leader to hand leadership to `to` (a voter): it catches `to` up, then sends
  // TIMEOUT_NOW; proposals are refused meanwhile; abandoned after an election timeout.
  // Errors: kFailedPrecondition when not the leader, kInvalidArgument when `to` is not a voter.
  Status TransferLeadership(uint64_t to);
  // The transport could not reach `id`: stop pipelining to it and probe.
  void ReportUnreachable(uint64_t id);
  // The transport finished (ok) or gave up (!ok) sending a snapshot to `id`. The driver must
  // report every SNAPSHOT message it was handed, or that peer waits for a snapshot forever.
  void ReportSnapshot(uint64_t id, bool ok);

  bool HasReady() const;
  // REQUIRES: every Ready is passed to Advance before the next GetReady.
  Ready GetReady();
  // The driver persisted, sent and applied `ready`. REQUIRES: ready is the last GetReady().
  void Advance(const Ready& ready);

  RaftStatus GetStatus() const;

 private:
  explicit RawNode(std::unique_ptr<Raft> raft);

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_;
  milkpb::RaftHardState prev_hard_;
  bool ready_outstanding_ = false;
};

}  // namespace milk::consensus
