// The consenter's Raft log: the WAL (node/wal, durable) mirrored in a consensus::MemoryStorage
// (what the Raft core reads). Persist() makes a Ready durable before its messages are sent.
//
// The snapshot mark in the WAL carries the whole (small) RaftSnapshot: its data is the chain's
// height and last header hash at the snapshot index, not the state itself, which the node
// rebuilds from blocks (docs/consensus.md).
//
// Thread-safety: none; owned by the consenter's Raft thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "consensus/raft.h"
#include "consensus/storage.h"
#include "crypto/status.h"
#include "node/wal/wal.h"

namespace milk::node {

class RaftLogStore {
 public:
  // Opens (or creates) the WAL in dir and loads it into memory. A new log is bootstrapped with a
  // snapshot at index 0 holding initial_voters.
  static Result<std::unique_ptr<RaftLogStore>> Open(const std::string& dir,
                                                    const std::vector<uint64_t>& initial_voters);

  consensus::MemoryStorage* storage() { return &memory_; }
  // Durable first (WAL, fsync), then visible to the core (MemoryStorage).
  Status Persist(const consensus::Ready& ready);
  // Records a snapshot at index (data = the chain's descriptor) and drops log entries up to
  // index - keep_entries, in memory and on disk.
  Status Compact(uint64_t index, const milkpb::RaftConfState& conf, std::string data,
                 uint64_t keep_entries);

 private:
  RaftLogStore() = default;
  Status SaveSnapshot(const milkpb::RaftSnapshot& snapshot);

  consensus::MemoryStorage memory_;
  std::unique_ptr<wal::Wal> wal_;
};

}  // namespace milk::node
