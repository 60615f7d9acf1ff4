#include "node/chain/chain.h"

#include <chrono>
#include <filesystem>

#include "chaincode/shim/memory_state.h"
#include "crypto/bytes.h"
#include "node/ledger/formats.h"

namespace milk::node {
namespace fs = std::filesystem;

namespace {

struct Stores {
  std::unique_ptr<BlockStore> store;
  std::unique_ptr<LedgerDb> db;
};

Result<Stores> OpenStores(const std::string& dir, const ChainOptions& options) {
  MILK_ASSIGN_OR_RETURN(auto store, BlockStore::Open(dir + "/blocks", options.block_store));
  MILK_ASSIGN_OR_RETURN(auto db, LedgerDb::Open(dir + "/ledger", options.ledger_db));
  return Stores{std::move(store), std::move(db)};
}

Result<milkpb::Block> ParseBlock(std::string_view bytes, const std::string& where) {
  milkpb::Block block;
  if (!block.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(where + ": block record does not parse");
  }
  return block;
}

}  // namespace

Chain::Chain(std::unique_ptr<BlockStore> store, std::unique_ptr<LedgerDb> db,
             std::shared_ptr<const ledger::ChainConfigView> config,
             const chaincode::Registry& registry, ledger::ThreadPool& pool)
    : store_(std::move(store)),
      db_(std::move(db)),
      genesis_config_(config),
      registry_(registry),
      validator_(pool, registry),
      config_(std::move(config)) {}

Chain::~Chain() { Close(); }

Result<std::unique_ptr<Chain>> Chain::Create(const std::string& dir, const milkpb::Block& genesis,
                                             const chaincode::Registry& registry,
                                             ledger::ThreadPool& pool, const ChainOptions& options) {
  if (fs::exists(dir + "/blocks")) return AlreadyExists("a chain already exists in " + dir);
  chaincode::MemoryState empty;
  MILK_ASSIGN_OR_RETURN(ledger::ValidatedGenesis validated,
                        ledger::ValidateGenesis(genesis, registry, empty));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir + ": " + ec.message());
  MILK_ASSIGN_OR_RETURN(Stores stores, OpenStores(dir, options));
  std::unique_ptr<Chain> chain(new Chain(std::move(stores.store), std::move(stores.db),
                                         validated.config, registry, pool));
  milkpb::Block block = genesis;
  block.mutable_metadata()->set_validation_codes(validated.block.codes);
  block.mutable_metadata()->set_commit_hash(validated.block.commit_hash);
  MILK_ASSIGN_OR_RETURN(BlockLocation location, chain->store_->Append(block.SerializeAsString()));
  MILK_RETURN_IF_ERROR(chain->Apply(block, validated.block, location));
  return chain;
}

Result<std::unique_ptr<Chain>> Chain::Open(const std::string& dir,
                                           const chaincode::Registry& registry,
                                           ledger::ThreadPool& pool, const ChainOptions& options) {
  if (!fs::exists(dir + "/blocks")) return NotFound("no chain in " + dir);
  MILK_ASSIGN_OR_RETURN(Stores stores, OpenStores(dir, options));
  // The genesis block is the first record of the first segment.
  std::string genesis_bytes;
  MILK_RETURN_IF_ERROR(stores.store->Scan({}, [&](const BlockLocation&, std::string_view bytes) {
    genesis_bytes = std::string(bytes);
    return false;
  }));
  if (genesis_bytes.empty()) {
    return DataLoss(dir + ": the block store is empty (the chain was never created completely); "
                    "remove the directory and join the chain again");
  }
  MILK_ASSIGN_OR_RETURN(milkpb::Block genesis, ParseBlock(genesis_bytes, dir + " block 0"));
  chaincode::MemoryState empty;
  MILK_ASSIGN_OR_RETURN(ledger::ValidatedGenesis validated,
                        ledger::ValidateGenesis(genesis, registry, empty));
  std::unique_ptr<Chain> chain(new Chain(std::move(stores.store), std::move(stores.db),
                                         validated.config, registry, pool));
  MILK_RETURN_IF_ERROR(chain->Recover());
  return chain;
}

Status Chain::Recover() {
  MILK_ASSIGN_OR_RETURN(std::optional<StoredConfig> stored, db_->GetConfig());
  if (stored.has_value()) {
    milkpb::ChainConfig config;
    if (!config.ParseFromString(stored->config)) {
      return DataLoss("the stored config of block " + std::to_string(stored->block_number) +
                      " does not parse");
    }
    auto view = ledger::ChainConfigView::Create(std::move(config));
    if (!view.ok()) return DataLoss("the stored config is invalid: " + view.status().message());
    std::lock_guard lock(mutex_);
    config_ = std::move(view).value();
  }
  MILK_ASSIGN_OR_RETURN(std::optional<Savepoint> savepoint, db_->GetSavepoint());
  if (savepoint.has_value()) {
    std::lock_guard lock(mutex_);
    head_ = *savepoint;
  }
  BlockPosition from = savepoint.has_value() ? savepoint->next_position : BlockPosition{};
  const BlockPosition end = store_->end();
  if (from.segment > end.segment || (from.segment == end.segment && from.offset > end.offset)) {
    return DataLoss("the ledger database has committed blocks that the block store no longer "
                    "holds (savepoint height " + std::to_string(savepoint->height) +
                    "); the block files were damaged or replaced: restore them or rejoin the "
                    "chain");
  }
  Status failure;
  Status scan = store_->Scan(from, [&](const BlockLocation& location, std::string_view bytes) {
    auto block = ParseBlock(bytes, "segment " + std::to_string(location.position.segment) +
                                       " offset " + std::to_string(location.position.offset));
    if (!block.ok()) {
      failure = block.status();
      return false;
    }
    Result<ledger::ValidatedBlock> validated = [&]() -> Result<ledger::ValidatedBlock> {
      if (block->header().number() != 0) return ValidateNext(*block);
      chaincode::MemoryState empty;
      MILK_ASSIGN_OR_RETURN(auto genesis, ledger::ValidateGenesis(*block, registry_, empty));
      return genesis.block;
    }();
    if (!validated.ok()) {
      failure = validated.status();
      return false;
    }
    const auto& metadata = block->metadata();
    if (metadata.validation_codes() != validated->codes ||
        metadata.commit_hash() != validated->commit_hash) {
      failure = DataLoss("block " + std::to_string(block->header().number()) +
                         ": re-validation does not reproduce the stored validation codes and "
                         "commit hash");
      return false;
    }
    failure = Apply(*block, *validated, location);
    if (failure.ok()) ++recovered_blocks_;
    return failure.ok();
  });
  MILK_RETURN_IF_ERROR(scan);
  MILK_RETURN_IF_ERROR(failure);
  if (height() > 0 && recovered_blocks_ == 0) {
    MILK_ASSIGN_OR_RETURN(milkpb::Block last, GetBlock(height() - 1));
    std::lock_guard lock(mutex_);
    last_timestamp_ms_ = last.header().timestamp_ms();
  }
  return Status::Ok();
}

Result<ledger::ValidatedBlock> Chain::ValidateNext(const milkpb::Block& block) {
  Savepoint head;
  std::shared_ptr<const ledger::ChainConfigView> config;
  {
    std::lock_guard lock(mutex_);
    head = head_;
    config = config_;
  }
  if (block.header().number() != head.height) {
    return FailedPrecondition("block " + std::to_string(block.header().number()) +
                              " does not follow height " + std::to_string(head.height));
  }
  MILK_RETURN_IF_ERROR(ledger::CheckBlockIntegrity(block, head.last_header_hash, *config));
  auto snapshot = db_->Snapshot();
  auto committed = [this](const std::string& tx_id) {
    auto tx = db_->GetTx(tx_id);
    MILK_CHECK(tx.ok());
    return tx->has_value();
  };
  return validator_.Validate(block, *config, *snapshot, committed, head.commit_hash);
}

Result<milkpb::Block> Chain::CommitBlock(milkpb::Block block) {
  auto start = std::chrono::steady_clock::now();
  MILK_RETURN_IF_ERROR(failure());
  MILK_ASSIGN_OR_RETURN(ledger::ValidatedBlock validated, ValidateNext(block));
  block.mutable_metadata()->set_validation_codes(validated.codes);
  block.mutable_metadata()->set_commit_hash(validated.commit_hash);
  *block.mutable_metadata()->mutable_sequenced() = validated.sequenced;
  auto stored = [&]() -> Status {
    MILK_ASSIGN_OR_RETURN(BlockLocation location, store_->Append(block.SerializeAsString()));
    return Apply(block, validated, location);
  }();
  if (!stored.ok()) {
    std::lock_guard lock(mutex_);
    failure_ = Unavailable("chain '" + chain_id() + "' stopped committing after a storage "
                           "failure at block " + std::to_string(block.header().number()) +
                           " (" + stored.message() + "); restart the node to recover");
    return failure_;
  }
  CommittedBlockInfo info{block.header().number(), validated.codes,
                          std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count(),
                          validated.new_config != nullptr};
  std::function<void(const CommittedBlockInfo&)> observer;
  {
    std::lock_guard lock(mutex_);
    observer = observer_;
  }
  if (observer) observer(info);
  return block;
}

Status Chain::Apply(const milkpb::Block& block, const ledger::ValidatedBlock& validated,
                    const BlockLocation& location) {
  BlockCommit commit;
  commit.number = block.header().number();
  commit.location = location;
  commit.txs = validated.txs;
  commit.writes = validated.writes;
  commit.savepoint.height = commit.number + 1;
  commit.savepoint.last_header_hash = ledger::HeaderHash(block.header());
  commit.savepoint.commit_hash = validated.commit_hash;
  commit.savepoint.next_position = EndOf(location);
  if (validated.new_config != nullptr) commit.config = validated.new_config->config().SerializeAsString();
  MILK_RETURN_IF_ERROR(db_->CommitBlock(commit));
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    head_ = commit.savepoint;
    if (validated.new_config != nullptr) config_ = validated.new_config;
    last_timestamp_ms_ = block.header().timestamp_ms();
    waiters = TakeBlockWaiters();
  }
  height_cv_.notify_all();
  for (auto& then : waiters) then();
  return Status::Ok();
}

std::shared_ptr<const ledger::ChainConfigView> Chain::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

Status Chain::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

uint64_t Chain::height() const {
  std::lock_guard lock(mutex_);
  return head_.height;
}

std::string Chain::last_header_hash() const {
  std::lock_guard lock(mutex_);
  return head_.last_header_hash;
}

int64_t Chain::last_timestamp_ms() const {
  std::lock_guard lock(mutex_);
  return last_timestamp_ms_;
}

std::string Chain::commit_hash() const {
  std::lock_guard lock(mutex_);
  return head_.commit_hash;
}

Result<milkpb::Block> Chain::GetBlock(uint64_t number) const {
  MILK_ASSIGN_OR_RETURN(std::optional<BlockLocation> location, db_->GetBlockLocation(number));
  if (!location.has_value() || number >= height()) {
    return NotFound("block " + std::to_string(number) + " of chain '" + chain_id() +
                    "' does not exist (height " + std::to_string(height()) + ")");
  }
  MILK_ASSIGN_OR_RETURN(std::string bytes, store_->Read(*location));
  return ParseBlock(bytes, "block " + std::to_string(number));
}

Result<std::optional<TxRecord>> Chain::GetTx(const std::string& tx_id) const {
  return db_->GetTx(tx_id);
}

bool Chain::WaitForBlock(uint64_t number, int64_t timeout_ms) const {
  std::unique_lock lock(mutex_);
  height_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return closed_ || head_.height > number; });
  return head_.height > number;
}

bool Chain::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void Chain::WhenBlock(uint64_t number, std::function<void()> then) const {
  {
    std::lock_guard lock(mutex_);
    if (!closed_ && head_.height <= number && block_waiters_.size() < kBlockWaitersMax) {
      block_waiters_.emplace(number, std::move(then));
      return;
    }
  }
  then();
}

std::vector<std::function<void()>> Chain::TakeBlockWaiters() const {
  std::vector<std::function<void()>> ready;
  auto end = closed_ ? block_waiters_.end() : block_waiters_.lower_bound(head_.height);
  for (auto it = block_waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
  block_waiters_.erase(block_waiters_.begin(), end);
  return ready;
}

void Chain::Close() {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    waiters = TakeBlockWaiters();
  }
  height_cv_.notify_all();
  for (auto& then : waiters) then();
}

Result<Chain::HeadSnapshot> Chain::SnapshotAtHead() const {
  MILK_ASSIGN_OR_RETURN(LedgerDb::SnapshotWithSavepoint snapshot, db_->SnapshotAtSavepoint());
  if (!snapshot.savepoint.has_value() || snapshot.savepoint->height == 0) {
    return FailedPrecondition("chain '" + chain_id() + "' has no committed block yet");
  }
  HeadSnapshot head{std::move(snapshot.reader), snapshot.savepoint->height,
                    snapshot.savepoint->last_header_hash, 0};
  {
    // head_ and last_timestamp_ms_ change together, after RocksDB has the block.
    std::lock_guard lock(mutex_);
    if (head_.height == head.height) {
      head.last_timestamp_ms = last_timestamp_ms_;
      return head;
    }
  }
  // RocksDB has the block but head_ is not updated yet (a moment), or head_ moved on: read the
  // block itself. The wait bounds the first case; it only fails when the chain is closing.
  constexpr int64_t kHeadCatchUpMs = 1000;
  const uint64_t last = head.height - 1;
  if (!WaitForBlock(last, kHeadCatchUpMs)) {
    return Unavailable("chain '" + chain_id() + "' is closing");
  }
  MILK_ASSIGN_OR_RETURN(milkpb::Block block, GetBlock(last));
  if (ledger::HeaderHash(block.header()) != head.last_header_hash) {
    return DataLoss("chain '" + chain_id() + "': block " + std::to_string(last) +
                    " in the block store does not match the ledger database's savepoint");
  }
  head.last_timestamp_ms = block.header().timestamp_ms();
  return head;
}

void Chain::SetCommitObserver(std::function<void(const CommittedBlockInfo&)> observer) {
  std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

}  // namespace milk::node
