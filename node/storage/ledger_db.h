// The per-chain RocksDB database: world state, history, block and txid indexes, savepoint.
// The block files are the source of truth; everything here is derived from them and is written
// in one atomic WriteBatch per block (CommitBlock). Key layout in docs/storage.md.
//
// Thread-safety: all methods are safe to call concurrently; CommitBlock calls must be serialized
// by the caller (one committer per chain).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chaincode/shim/state.h"
#include "crypto/status.h"
#include "node/storage/block_store.h"

namespace milk::node {

// What the last committed block left behind. Stored under meta/savepoint.
struct Savepoint {
  uint64_t height = 0;             // number of committed blocks (last block number + 1)
  BlockPosition next_position;     // block store position right after the last committed block
  std::string last_header_hash;    // 32 bytes
  std::string commit_hash;         // 32 bytes
};

struct TxRecord {
  uint64_t block_number = 0;
  uint32_t tx_index = 0;
  uint32_t validation_code = 0;    // milkpb::TxValidationCode
};

struct StateWrite {
  std::string ns;
  std::string key;
  bool is_delete = false;
  std::string value;
  chaincode::Version version;      // the writing transaction
  std::string tx_id;
  int64_t timestamp_ms = 0;        // the writing transaction's timestamp, for history
};

struct BlockCommit {
  uint64_t number = 0;
  BlockLocation location;
  std::vector<std::pair<std::string, TxRecord>> txs;  // every tx in the block, valid or not
  std::vector<StateWrite> writes;  // from valid transactions, in block order
  Savepoint savepoint;             // the savepoint after this block
  // Set by a valid config-update block: the serialized ChainConfig in force from the next block
  // on, stored in the same write batch as the savepoint.
  std::optional<std::string> config;
};

// The config stored by the last config-update block (meta/config).
struct StoredConfig {
  uint64_t block_number = 0;  // the config-update block that set it
  std::string config;         // serialized milkpb::ChainConfig
};

struct LedgerDbOptions {
  // RocksDB block cache for state reads. 64 MiB suits a node hosting a handful of chains.
  uint64_t block_cache_bytes = 64ull << 20;
  // CommitBlock does not fsync RocksDB: the block store is durable first, and recovery re-applies
  // blocks past the savepoint (docs/storage.md). Set true to fsync anyway.
  bool sync = false;
};

class LedgerDb {
 public:
  static Result<std::unique_ptr<LedgerDb>> Open(const std::string& dir,
                                                const LedgerDbOptions& options);
  virtual ~LedgerDb() = default;

  // Latest committed state.
  virtual Result<std::optional<chaincode::VersionedValue>> GetState(const std::string& ns,
                                                                    const std::string& key) = 0;
  // A consistent read view at the current savepoint, usable for simulation and MVCC checks.
  // It stays valid after later commits (it keeps reading the old view) and may outlive this
  // LedgerDb (the database closes when the last snapshot is gone). Release it promptly: RocksDB
  // keeps every version it can see, so a long-held snapshot holds disk space.
  // Namespaces must be non-empty and free of 0x00 (kInvalidArgument otherwise); keys may hold
  // any bytes.
  virtual std::unique_ptr<chaincode::StateReader> Snapshot() = 0;
  // Snapshot() together with the savepoint read at that same RocksDB snapshot, so the state is
  // exactly the one savepoint->height blocks left (endorsed views name their height,
  // docs/views.md). savepoint is nullopt before the first commit.
  struct SnapshotWithSavepoint {
    std::unique_ptr<chaincode::StateReader> reader;
    std::optional<Savepoint> savepoint;
  };
  virtual Result<SnapshotWithSavepoint> SnapshotAtSavepoint() = 0;

  virtual Result<std::optional<Savepoint>> GetSavepoint() = 0;
  // The latest config update at or below the savepoint; nullopt while the genesis config holds.
  virtual Result<std::optional<StoredConfig>> GetConfig() = 0;
  virtual Result<std::optional<BlockLocation>> GetBlockLocation(uint64_t number) = 0;
  virtual Result<std::optional<TxRecord>> GetTx(const std::string& tx_id) = 0;

  // Atomically applies writes, history, indexes and the new savepoint.
  // REQUIRES: commit.number == current height (checked; kFailedPrecondition otherwise).
  // Also checked, kInvalidArgument, nothing written: savepoint.height == number + 1, every
  // write's namespace is valid and its version.block_number == number. A tx_id already indexed
  // (a replay that validation marked invalid) keeps its first TxRecord.
  virtual Status CommitBlock(const BlockCommit& commit) = 0;
};

}  // namespace milk::node
