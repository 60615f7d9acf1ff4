// RawNode: the driver's handle on the core, and the Ready/Advance handshake.
#include "consensus/raft.h"
#include "consensus/raft_core.h"

namespace milk::consensus {

namespace {
bool SameHardState(const milkpb::RaftHardState& a, const milkpb::RaftHardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}
}  // namespace

RawNode::RawNode(std::unique_ptr<Raft> raft) : raft_(std::move(raft)) {
  prev_soft_ = raft_->soft_state();
  prev_hard_ = raft_->hard_state();  // already durable: the first Ready need not repeat it
}

RawNode::~RawNode() = default;

Result<std::unique_ptr<RawNode>> RawNode::Create(const Config& config, Storage* storage) {
  MILK_ASSIGN_OR_RETURN(std::unique_ptr<Raft> raft, Raft::Create(config, storage));
  return std::unique_ptr<RawNode>(new RawNode(std::move(raft)));
}

void RawNode::Tick() { raft_->Tick(); }

Status RawNode::Step(const milkpb::RaftMessage& message) { return raft_->Step(message); }

Status RawNode::Propose(std::string data) { return raft_->Propose(std::move(data)); }

Status RawNode::ProposeConfChange(const milkpb::RaftConfChange& change) {
  return raft_->ProposeConfChange(change);
}

milkpb::RaftConfState RawNode::ApplyConfChange(const milkpb::RaftConfChange& change) {
  return raft_->ApplyConfChange(change);
}

Status RawNode::TransferLeadership(uint64_t to) { return raft_->TransferLeadership(to); }

void RawNode::ReportUnreachable(uint64_t id) { raft_->ReportUnreachable(id); }

void RawNode::ReportSnapshot(uint64_t id, bool ok) { raft_->ReportSnapshot(id, ok); }

bool RawNode::HasReady() const {
  const RaftLog& log = raft_->log();
  return !(raft_->soft_state() == prev_soft_) || !SameHardState(raft_->hard_state(), prev_hard_) ||
         !log.unstable_entries().empty() || log.unstable_snapshot().has_value() ||
         log.HasNextCommittedEntries() || raft_->HasMessages();
}

Ready RawNode::GetReady() {
  MILK_CHECK(!ready_outstanding_);  // the driver must Advance the previous Ready first
  Ready rd;
  const SoftState soft = raft_->soft_state();
  if (!(soft == prev_soft_)) {
    rd.soft_state = soft;
    prev_soft_ = soft;
  }
  const milkpb::RaftHardState hard = raft_->hard_state();
  if (!SameHardState(hard, prev_hard_)) {
    rd.hard_state = hard;
    rd.must_sync = hard.term() != prev_hard_.term() || hard.vote() != prev_hard_.vote();
    prev_hard_ = hard;
  }
  RaftLog& log = raft_->log();
  rd.entries = log.unstable_entries();
  rd.snapshot = log.unstable_snapshot();
  rd.must_sync = rd.must_sync || !rd.entries.empty() || rd.snapshot.has_value();
  rd.committed_entries = log.NextCommittedEntries();
  rd.messages = raft_->TakeMessages();
  ready_outstanding_ = true;
  return rd;
}

void RawNode::Advance(const Ready& ready) {
  MILK_CHECK(ready_outstanding_);
  RaftLog& log = raft_->log();
  if (ready.snapshot) {
    log.StableSnapshotTo(ready.snapshot->meta().index());
    // The driver installed the snapshot: the application's state is at its index now.
    if (ready.snapshot->meta().index() > log.applied()) {
      log.AppliedTo(ready.snapshot->meta().index());
    }
  }
  if (!ready.entries.empty()) {
    const milkpb::RaftEntry& last = ready.entries.back();
    log.StableTo(last.index(), last.term());
  }
  if (!ready.committed_entries.empty()) {
    log.AppliedTo(ready.committed_entries.back().index());
    raft_->ReduceUncommittedBytes(ready.committed_entries);
  }
  ready_outstanding_ = false;
}

RaftStatus RawNode::GetStatus() const { return raft_->BuildStatus(); }

}  // namespace milk::consensus
