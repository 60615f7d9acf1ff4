// Private to the simulator: one node as its driver would run it. It keeps a "durable" copy of
// what it persisted (the write-ahead log: snapshot, entries, hard state) beside the
// MemoryStorage the core reads; a crash throws away everything but the durable copy, so any
// write not yet persisted when it crashed is lost, as after a power cut.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consensus/raft.h"
#include "consensus/sim/checker.h"
#include "consensus/storage.h"
#include "milk/raft.pb.h"

namespace milk::consensus::sim {

// The replicated state machine: which proposals were applied, in which order (as a chain hash
// of the applied log), and the membership.
struct AppState {
  uint64_t applied = 0;
  uint64_t chain = 0;
  std::set<uint64_t> ids;
  milkpb::RaftConfState conf;

  std::string Encode() const;
  static std::optional<AppState> Decode(const milkpb::RaftSnapshot& snapshot);
};

struct Durable {
  milkpb::RaftHardState hard_state;
  milkpb::RaftSnapshot snapshot;
  std::vector<milkpb::RaftEntry> entries;  // those after the snapshot
};

// The genesis every node starts from (joiners too): a snapshot at index 0 naming the voters.
Durable Genesis(uint64_t voters);

// Proposal payloads: an 8-byte id and padding.
std::string EncodeProposal(uint64_t id, uint64_t padding_bytes);
std::optional<uint64_t> DecodeProposal(const std::string& data);

class SimNode {
 public:
  SimNode(uint64_t id, Config config, Durable durable)
      : id_(id), config_(config), durable_(std::move(durable)) {}

  uint64_t id() const { return id_; }
  bool up() const { return node_ != nullptr; }
  RawNode& raft() { return *node_; }
  const AppState& app() const { return app_; }

  // Builds storage, state machine and core from the durable copy. `seed` varies per restart.
  Status Start(uint64_t seed);
  void Crash();

  // Persists the first `items` writes of the Ready, in write-ahead order (snapshot, each entry,
  // hard state); all of them by default. Reports persisted entries to the checker.
  void Persist(const Ready& rd, size_t items, Checker& checker);
  static size_t PersistItems(const Ready& rd);
  // Applies committed entries (after Persist and sending). Returns the proposal ids applied.
  std::vector<uint64_t> Apply(const Ready& rd, Checker& checker, uint64_t* conf_changes);
  // Snapshots the state machine and compacts the log when `every` entries were applied since
  // the log's start, keeping `keep` entries behind the snapshot for slow followers.
  void MaybeCompact(uint64_t every, uint64_t keep);
  // Chain hash of persisted entry i, when the node holds it (or its snapshot ends there).
  std::optional<uint64_t> ChainAt(uint64_t i) const;
  uint64_t LastIndex() const { return chain_.empty() ? 0 : chain_.rbegin()->first; }

 private:
  void PersistEntry(const milkpb::RaftEntry& e, Checker& checker);

  const uint64_t id_;
  Config config_;
  Durable durable_;
  std::unique_ptr<MemoryStorage> storage_;
  std::unique_ptr<RawNode> node_;
  AppState app_;
  std::map<uint64_t, uint64_t> chain_;  // index -> chain hash, from the snapshot index on
};

}  // namespace milk::consensus::sim
