// Single-server membership changes (Raft thesis 4.1), one at a time. A change takes effect on
// each node when that node applies its entry (ApplyConfChange), as in etcd; the one-at-a-time
// rule plus "no campaign with an unapplied committed change" keeps any two memberships in use
// within one server of each other, so their majorities overlap.
#include "consensus/raft_core.h"

namespace milk::consensus {

namespace {
using CC = milkpb::RaftConfChange;

Status ValidateChange(const CC& change, const ProgressTracker& tracker) {
  if (!CC::Type_IsValid(change.type()) || change.type() == CC::TYPE_UNSPECIFIED) {
    return InvalidArgument("membership change of unknown type " + std::to_string(change.type()));
  }
  const uint64_t id = change.node_id();
  if (id == 0) return InvalidArgument("membership change names node 0");
  const bool voter = tracker.IsVoter(id);
  const bool member = tracker.IsMember(id);
  const bool last_voter = voter && tracker.voters().size() == 1;
  switch (change.type()) {
    case CC::ADD_NODE:
      if (voter) return InvalidArgument("node " + std::to_string(id) + " is already a voter");
      return Status::Ok();
    case CC::ADD_LEARNER:
      if (member && !voter) {
        return InvalidArgument("node " + std::to_string(id) + " is already a learner");
      }
      if (last_voter) return InvalidArgument("cannot demote the last voter");
      return Status::Ok();
    case CC::REMOVE_NODE:
      if (!member) return InvalidArgument("node " + std::to_string(id) + " is not a member");
      if (last_voter) return InvalidArgument("cannot remove the last voter");
      return Status::Ok();
    default:
      return InvalidArgument("membership change of unknown type");
  }
}
}  // namespace

Status Raft::ProposeConfChange(const milkpb::RaftConfChange& change) {
  MILK_RETURN_IF_ERROR(CheckProposal());
  if (pending_conf_index_ > log_.applied()) {
    return FailedPrecondition("a membership change (or the leader's first entry) at index " +
                              std::to_string(pending_conf_index_) +
                              " is not applied yet; one change at a time");
  }
  MILK_RETURN_IF_ERROR(ValidateChange(change, tracker_));
  std::string data = change.SerializeAsString();
  const uint64_t bytes = data.size();
  if (bytes > config_.max_uncommitted_entries_bytes ||
      uncommitted_bytes_ > config_.max_uncommitted_entries_bytes - bytes) {
    return ResourceExhausted("uncommitted log data would exceed " +
                             std::to_string(config_.max_uncommitted_entries_bytes) + " bytes");
  }
  milkpb::RaftEntry e;
  e.set_type(milkpb::RaftEntry::CONF_CHANGE);
  e.set_data(std::move(data));
  AppendEntries({std::move(e)});
  pending_conf_index_ = log_.LastIndex();
  uncommitted_bytes_ += bytes;
  BroadcastAppend();
  CheckInvariants();
  return Status::Ok();
}

milkpb::RaftConfState Raft::ApplyConfChange(const milkpb::RaftConfChange& change) {
  // Committed entries are applied as they are: a change the log carries is never refused here,
  // but one that cannot mean anything (node 0, unknown type) changes nothing.
  if (change.node_id() == 0 || !CC::Type_IsValid(change.type())) return tracker_.ConfState();
  const uint64_t id = change.node_id();
  const uint64_t next = log_.LastIndex() + 1;
  switch (change.type()) {
    case CC::ADD_NODE:
      tracker_.AddVoter(id, next);
      break;
    case CC::ADD_LEARNER:
      tracker_.AddLearner(id, next);
      break;
    case CC::REMOVE_NODE:
      tracker_.Remove(id);
      break;
    default:
      return tracker_.ConfState();
  }
  if (!Promotable() && role_ != Role::kFollower) {
    // Removed or demoted: a leader steps down (the change is committed, the others elect a
    // successor); a candidate stops campaigning.
    BecomeFollower(term_, 0);
  } else if (role_ == Role::kLeader) {
    if (lead_transferee_ != 0 && !tracker_.IsVoter(lead_transferee_)) AbortTransfer();
    if (MaybeCommit()) {
      BroadcastAppend();  // the majority changed: something may have committed
    } else if (id != id_ && tracker_.IsMember(id)) {
      SendAppend(id);  // start probing the new member
    }
  }
  CheckInvariants();
  return tracker_.ConfState();
}

}  // namespace milk::consensus
