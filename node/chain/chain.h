// One chain on one node: its block store, ledger database, config and committer.
//
// Commit path (docs/transaction_flow.md): an ordered block is checked (hash chain, data hash,
// consenter signature), validated against the committed state, given its validation codes and
// commit hash, appended durably to the block store, and then applied to RocksDB in one write
// batch. Start-up recovery re-applies every block past the savepoint.
//
// Thread-safety: CommitBlock is called by one thread (the chain's orderer/applier); everything
// else is safe from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chaincode/shim/chaincode.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "node/ledger/chain_config.h"
#include "node/ledger/thread_pool.h"
#include "node/ledger/validator.h"
#include "node/storage/block_store.h"
#include "node/storage/ledger_db.h"

namespace milk::node {

struct ChainOptions {
  BlockStoreOptions block_store;
  LedgerDbOptions ledger_db;
};

// What the committer tells the rest of the node after each block (metrics, logs).
struct CommittedBlockInfo {
  uint64_t number = 0;
  std::string codes;
  int64_t commit_latency_us = 0;  // from validation start to RocksDB commit
  bool config_changed = false;    // a valid config update: config() is the new config
};

class Chain {
 public:
  // Creates the chain directory from a genesis block (validated; its chaincodes' Init run).
  // kAlreadyExists if the directory already holds a chain.
  static Result<std::unique_ptr<Chain>> Create(const std::string& dir, const milkpb::Block& genesis,
                                               const chaincode::Registry& registry,
                                               ledger::ThreadPool& pool,
                                               const ChainOptions& options);
  // Opens an existing chain and recovers: truncates a torn block tail, then re-validates and
  // re-commits every block past the savepoint, checking that the stored validation codes and
  // commit hashes are reproduced (kDataLoss otherwise).
  static Result<std::unique_ptr<Chain>> Open(const std::string& dir,
                                             const chaincode::Registry& registry,
                                             ledger::ThreadPool& pool,
                                             const ChainOptions& options);
  ~Chain();

  // Validates and commits the next ordered block. REQUIRES: block.header().number() == height().
  // Returns the committed block (metadata filled). An integrity failure (kDataLoss) changes
  // nothing. An I/O failure while storing marks the chain failed: every later commit is refused
  // with kUnavailable until the node restarts and recovery repairs the chain (a half-stored
  // block must never be followed by another block of the same number).
  Result<milkpb::Block> CommitBlock(milkpb::Block block);

  const std::string& chain_id() const { return genesis_config_->chain_id(); }
  // The config in force for the next block: the genesis config, or the last valid config update.
  std::shared_ptr<const ledger::ChainConfigView> config() const;
  // The genesis block's config (Raft bootstraps its membership from it on every node).
  std::shared_ptr<const ledger::ChainConfigView> genesis_config() const { return genesis_config_; }
  const chaincode::Registry& registry() const { return registry_; }
  uint64_t height() const;
  std::string last_header_hash() const;
  int64_t last_timestamp_ms() const;
  std::string commit_hash() const;
  uint64_t recovered_blocks() const { return recovered_blocks_; }
  // Why the chain stopped committing, or OK.
  Status failure() const;

  Result<milkpb::Block> GetBlock(uint64_t number) const;
  Result<std::optional<TxRecord>> GetTx(const std::string& tx_id) const;
  std::unique_ptr<chaincode::StateReader> Snapshot() const { return db_->Snapshot(); }
  // A snapshot of the committed state and the block it is the state after, read at one RocksDB
  // snapshot so that height, hash and timestamp describe exactly what `state` sees (endorsed
  // views, docs/views.md; chain.height() may already be past it).
  struct HeadSnapshot {
    std::unique_ptr<chaincode::StateReader> state;
    uint64_t height = 0;            // committed blocks; the state is the one block height-1 left
    std::string last_header_hash;   // HeaderHash of block height-1
    int64_t last_timestamp_ms = 0;  // timestamp_ms of block height-1
  };
  // kFailedPrecondition before the genesis block is committed; kDataLoss when the block store
  // and the ledger database disagree on the last block.
  Result<HeadSnapshot> SnapshotAtHead() const;

  // Blocks until height() > number or the deadline passes or Close() is called; returns
  // whether the block exists.
  bool WaitForBlock(uint64_t number, int64_t timeout_ms) const;
  // Calls `then` once height() > number, or at Close(), whichever comes first: at once on this
  // thread when either holds already, else on the committing (or closing) thread after the
  // commit, outside the chain's lock. `then` must not block (WaitForBlock without a thread).
  // At most kBlockWaitersMax wait: past that, `then` is called at once (a node that far behind
  // answers without waiting rather than grow without bound).
  static constexpr size_t kBlockWaitersMax = 100000;
  void WhenBlock(uint64_t number, std::function<void()> then) const;
  // Wakes every waiter; later waits return at once.
  void Close();
  bool closed() const;

  void SetCommitObserver(std::function<void(const CommittedBlockInfo&)> observer);

 private:
  Chain(std::unique_ptr<BlockStore> store, std::unique_ptr<LedgerDb> db,
        std::shared_ptr<const ledger::ChainConfigView> config, const chaincode::Registry& registry,
        ledger::ThreadPool& pool);
  Status Recover();
  Result<ledger::ValidatedBlock> ValidateNext(const milkpb::Block& block);
  Status Apply(const milkpb::Block& block, const ledger::ValidatedBlock& validated,
               const BlockLocation& location);

  std::unique_ptr<BlockStore> store_;
  std::unique_ptr<LedgerDb> db_;
  const std::shared_ptr<const ledger::ChainConfigView> genesis_config_;
  const chaincode::Registry& registry_;
  ledger::Validator validator_;
  uint64_t recovered_blocks_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable height_cv_;
  // WhenBlock callbacks by the block number they wait for; guarded by mutex_.
  mutable std::multimap<uint64_t, std::function<void()>> block_waiters_;
  // Takes the callbacks whose block is in (all when closed_). REQUIRES: mutex_.
  std::vector<std::function<void()>> TakeBlockWaiters() const;
  Savepoint head_;  // guarded by mutex_
  std::shared_ptr<const ledger::ChainConfigView> config_;  // guarded by mutex_
  bool closed_ = false;
  Status failure_;  // guarded by mutex_
  int64_t last_timestamp_ms_ = 0;  // guarded by mutex_
  std::function<void(const CommittedBlockInfo&)> observer_;
};

}  // namespace milk::node
