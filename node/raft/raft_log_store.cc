#include "node/raft/raft_log_store.h"

namespace milk::node {
namespace {

wal::WalEntry ToWal(const milkpb::RaftEntry& e) {
  return wal::WalEntry{e.term(), e.index(), static_cast<uint32_t>(e.type()), e.data()};
}

milkpb::RaftEntry FromWal(const wal::WalEntry& e) {
  milkpb::RaftEntry entry;
  entry.set_term(e.term);
  entry.set_index(e.index);
  entry.set_type(static_cast<milkpb::RaftEntry::Type>(e.type));
  entry.set_data(e.data);
  return entry;
}

}  // namespace

Result<std::unique_ptr<RaftLogStore>> RaftLogStore::Open(const std::string& dir,
                                                         const std::vector<uint64_t>& initial_voters) {
  std::unique_ptr<RaftLogStore> store(new RaftLogStore());
  wal::WalRecovery recovery;
  MILK_ASSIGN_OR_RETURN(store->wal_, wal::Wal::Open(dir, wal::WalOptions{}, &recovery));
  if (recovery.snapshot_mark.has_value()) {
    milkpb::RaftSnapshot snapshot;
    if (!snapshot.ParseFromString(recovery.snapshot_mark->conf_state)) {
      return DataLoss(dir + ": the WAL's snapshot mark does not parse");
    }
    MILK_RETURN_IF_ERROR(store->memory_.ApplySnapshot(snapshot));
  } else {
    // No snapshot yet: membership from the chain config, as a snapshot at index 0. It is not
    // written to the WAL (which holds marks of real snapshots only); the same bootstrap is
    // derived again from the chain config on every start until the first real snapshot.
    milkpb::RaftSnapshot bootstrap;
    for (uint64_t id : initial_voters) bootstrap.mutable_meta()->mutable_conf_state()->add_voters(id);
    MILK_RETURN_IF_ERROR(store->memory_.ApplySnapshot(bootstrap));
  }
  std::vector<milkpb::RaftEntry> entries;
  for (const wal::WalEntry& e : recovery.entries) entries.push_back(FromWal(e));
  if (!entries.empty()) MILK_RETURN_IF_ERROR(store->memory_.Append(entries));
  if (recovery.hard_state.has_value()) {
    milkpb::RaftHardState hs;
    hs.set_term(recovery.hard_state->term);
    hs.set_vote(recovery.hard_state->vote);
    hs.set_commit(recovery.hard_state->commit);
    store->memory_.SetHardState(hs);
  }
  return store;
}

Status RaftLogStore::SaveSnapshot(const milkpb::RaftSnapshot& snapshot) {
  wal::WalSnapshotMark mark{snapshot.meta().index(), snapshot.meta().term(),
                            snapshot.SerializeAsString()};
  return wal_->SaveSnapshotMark(mark);
}

Status RaftLogStore::Persist(const consensus::Ready& ready) {
  if (ready.snapshot.has_value()) {
    MILK_RETURN_IF_ERROR(SaveSnapshot(*ready.snapshot));
    MILK_RETURN_IF_ERROR(memory_.ApplySnapshot(*ready.snapshot));
  }
  if (ready.hard_state.has_value() || !ready.entries.empty()) {
    std::optional<wal::WalHardState> hs;
    if (ready.hard_state.has_value()) {
      hs = wal::WalHardState{ready.hard_state->term(), ready.hard_state->vote(),
                             ready.hard_state->commit()};
    }
    std::vector<wal::WalEntry> entries;
    entries.reserve(ready.entries.size());
    for (const auto& e : ready.entries) entries.push_back(ToWal(e));
    MILK_RETURN_IF_ERROR(wal_->Save(hs, entries));
  }
  if (!ready.entries.empty()) MILK_RETURN_IF_ERROR(memory_.Append(ready.entries));
  if (ready.hard_state.has_value()) memory_.SetHardState(*ready.hard_state);
  return Status::Ok();
}

Status RaftLogStore::Compact(uint64_t index, const milkpb::RaftConfState& conf, std::string data,
                             uint64_t keep_entries) {
  MILK_ASSIGN_OR_RETURN(milkpb::RaftSnapshot snapshot,
                        memory_.CreateSnapshot(index, conf, std::move(data)));
  MILK_RETURN_IF_ERROR(SaveSnapshot(snapshot));
  if (index <= keep_entries) return Status::Ok();
  uint64_t compact_to = index - keep_entries;
  if (compact_to <= memory_.FirstIndex()) return Status::Ok();
  MILK_RETURN_IF_ERROR(memory_.Compact(compact_to));
  return wal_->Compact(compact_to);
}

}  // namespace milk::node
