#include "node/storage/ledger_db.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include "crypto/bytes.h"
#include "node/storage/ledger_core.h"
#include "node/storage/ledger_format.h"

namespace milk::node {

namespace {

namespace format = ledger_format;

// Column families, in the order handles come back from DB::Open (docs/storage.md).
constexpr const char* kFamilyNames[] = {"default", "state", "history", "blocks", "txids", "meta"};
// Bloom filter bits per key on point-read families: ~1% false positives, the usual trade.
constexpr double kBloomBitsPerKey = 10;
// Table files kept open per chain. A node hosts a handful of chains and each chain's RocksDB
// must stay well below the usual 1024-descriptor limit.
constexpr int kOpenFilesMax = 256;
// RocksDB's own LOG files kept in the ledger directory.
constexpr size_t kInfoLogFilesMax = 4;

rocksdb::ColumnFamilyOptions FamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                           bool bloom) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;  // one cache shared by every family of the chain
  if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// Rejects a commit that would break the ledger's invariants, before anything is written.
Status CheckCommit(const BlockCommit& commit, uint64_t height) {
  if (commit.number != height) {
    return FailedPrecondition("block " + std::to_string(commit.number) +
                              " cannot be committed at height " + std::to_string(height) +
                              "; the next block is " + std::to_string(height));
  }
  if (commit.savepoint.height != commit.number + 1) {
    return InvalidArgument("savepoint height " + std::to_string(commit.savepoint.height) +
                           " does not follow block " + std::to_string(commit.number));
  }
  for (const StateWrite& write : commit.writes) {
    MILK_RETURN_IF_ERROR(format::CheckNamespace(write.ns));
    if (write.version.block_number != commit.number) {
      return InvalidArgument("write to " + write.ns + " carries block number " +
                             std::to_string(write.version.block_number) + " in block " +
                             std::to_string(commit.number));
    }
  }
  return Status::Ok();
}

class LedgerDbImpl final : public LedgerDb {
 public:
  LedgerDbImpl(std::shared_ptr<LedgerCore> core, const LedgerDbOptions& options)
      : core_(std::move(core)), options_(options) {}

  Result<std::optional<chaincode::VersionedValue>> GetState(const std::string& ns,
                                                            const std::string& key) override {
    return ReadState(*core_, nullptr, ns, key);
  }
  std::unique_ptr<chaincode::StateReader> Snapshot() override { return MakeSnapshotReader(core_); }
  Result<SnapshotWithSavepoint> SnapshotAtSavepoint() override;
  Result<std::optional<Savepoint>> GetSavepoint() override;
  Result<std::optional<StoredConfig>> GetConfig() override;
  Result<std::optional<BlockLocation>> GetBlockLocation(uint64_t number) override;
  Result<std::optional<TxRecord>> GetTx(const std::string& tx_id) override;
  Status CommitBlock(const BlockCommit& commit) override;

 private:
  // Adds a txids entry for each tx not yet indexed. A tx_id seen again (a duplicate that
  // validation marked invalid) keeps its first record, which is the one clients ask about.
  Status AddTxRecords(const BlockCommit& commit, rocksdb::WriteBatch* batch);

  const std::shared_ptr<LedgerCore> core_;
  const LedgerDbOptions options_;
  std::mutex commit_mu_;  // makes the height check and the write one step
};

Result<std::optional<Savepoint>> LedgerDbImpl::GetSavepoint() {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                        GetRaw(*core_, core_->meta, nullptr, std::string(format::kSavepointKey)));
  if (!raw.has_value()) return std::optional<Savepoint>();
  MILK_ASSIGN_OR_RETURN(Savepoint savepoint, format::DecodeSavepoint(*raw));
  return std::optional<Savepoint>(std::move(savepoint));
}

Result<LedgerDb::SnapshotWithSavepoint> LedgerDbImpl::SnapshotAtSavepoint() {
  MILK_ASSIGN_OR_RETURN(auto raw, MakeSnapshotReaderWithSavepoint(core_));
  SnapshotWithSavepoint out{std::move(raw.first), std::nullopt};
  if (raw.second.has_value()) {
    MILK_ASSIGN_OR_RETURN(Savepoint savepoint, format::DecodeSavepoint(*raw.second));
    out.savepoint = std::move(savepoint);
  }
  return out;
}

// meta/config: 01, u64 BE number of the config-update block, serialized ChainConfig.
constexpr char kConfigRecordVersion = 1;

Result<std::optional<StoredConfig>> LedgerDbImpl::GetConfig() {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                        GetRaw(*core_, core_->meta, nullptr, std::string(format::kConfigKey)));
  if (!raw.has_value()) return std::optional<StoredConfig>();
  if (raw->size() < 9 || (*raw)[0] != kConfigRecordVersion) {
    return DataLoss(core_->dir + ": meta/config record is malformed or of an unknown version");
  }
  StoredConfig stored{GetFixed64BE(raw->data() + 1), raw->substr(9)};
  return std::optional<StoredConfig>(std::move(stored));
}

Result<std::optional<BlockLocation>> LedgerDbImpl::GetBlockLocation(uint64_t number) {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                        GetRaw(*core_, core_->blocks, nullptr, format::BlockKey(number)));
  if (!raw.has_value()) return std::optional<BlockLocation>();
  MILK_ASSIGN_OR_RETURN(BlockLocation location, format::DecodeBlockLocation(*raw));
  return std::optional<BlockLocation>(location);
}

Result<std::optional<TxRecord>> LedgerDbImpl::GetTx(const std::string& tx_id) {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                        GetRaw(*core_, core_->txids, nullptr, tx_id));
  if (!raw.has_value()) return std::optional<TxRecord>();
  MILK_ASSIGN_OR_RETURN(TxRecord record, format::DecodeTxRecord(*raw));
  return std::optional<TxRecord>(record);
}

Status LedgerDbImpl::AddTxRecords(const BlockCommit& commit, rocksdb::WriteBatch* batch) {
  std::set<std::string_view> in_block;
  for (const auto& [tx_id, record] : commit.txs) {
    if (!in_block.insert(tx_id).second) continue;
    MILK_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                          GetRaw(*core_, core_->txids, nullptr, tx_id));
    if (existing.has_value()) continue;
    MILK_RETURN_IF_ERROR(FromRocks(batch->Put(core_->txids, tx_id, format::EncodeTxRecord(record)),
                                   "batch", core_->dir));
  }
  return Status::Ok();
}

Status LedgerDbImpl::CommitBlock(const BlockCommit& commit) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  MILK_ASSIGN_OR_RETURN(std::optional<Savepoint> current, GetSavepoint());
  MILK_RETURN_IF_ERROR(CheckCommit(commit, current.has_value() ? current->height : 0));
  rocksdb::WriteBatch batch;
  auto put = [&](rocksdb::ColumnFamilyHandle* family, const std::string& key,
                 const std::string& value) {
    return FromRocks(batch.Put(family, key, value), "batch", core_->dir);
  };
  for (const StateWrite& write : commit.writes) {
    std::string key = format::StateKey(write.ns, write.key);
    if (write.is_delete) {
      MILK_RETURN_IF_ERROR(FromRocks(batch.Delete(core_->state, key), "batch", core_->dir));
    } else {
      MILK_RETURN_IF_ERROR(
          put(core_->state, key, format::EncodeStateValue(write.version, write.value)));
    }
    MILK_RETURN_IF_ERROR(put(core_->history, format::HistoryKey(write.ns, write.key, write.version),
                             format::EncodeHistoryValue(write)));
  }
  MILK_RETURN_IF_ERROR(AddTxRecords(commit, &batch));
  MILK_RETURN_IF_ERROR(put(core_->blocks, format::BlockKey(commit.number),
                           format::EncodeBlockLocation(commit.location)));
  MILK_RETURN_IF_ERROR(put(core_->meta, std::string(format::kSavepointKey),
                           format::EncodeSavepoint(commit.savepoint)));
  if (commit.config.has_value()) {
    std::string record(1, kConfigRecordVersion);
    PutFixed64BE(&record, commit.number);
    record.append(*commit.config);
    MILK_RETURN_IF_ERROR(put(core_->meta, std::string(format::kConfigKey), record));
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  return FromRocks(core_->db->Write(write_options, &batch), "commit", core_->dir);
}

// Writes meta/format in a new database and refuses one written with another key layout.
Status CheckLayout(LedgerCore* core) {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                        GetRaw(*core, core->meta, nullptr, std::string(format::kFormatKey)));
  if (!raw.has_value()) {
    MILK_ASSIGN_OR_RETURN(std::optional<std::string> savepoint,
                          GetRaw(*core, core->meta, nullptr, std::string(format::kSavepointKey)));
    if (savepoint.has_value()) {
      return DataLoss("ledger database " + core->dir + " has a savepoint but no format entry");
    }
    rocksdb::WriteOptions sync_write;
    sync_write.sync = true;
    return FromRocks(core->db->Put(sync_write, core->meta, std::string(format::kFormatKey),
                                   format::EncodeLayoutVersion(format::kLayoutVersion)),
                     "write format", core->dir);
  }
  MILK_ASSIGN_OR_RETURN(uint32_t version, format::DecodeLayoutVersion(*raw));
  if (version != format::kLayoutVersion) {
    return FailedPrecondition("ledger database " + core->dir + " has layout version " +
                              std::to_string(version) + "; this build reads version " +
                              std::to_string(format::kLayoutVersion));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LedgerDb>> LedgerDb::Open(const std::string& dir,
                                                 const LedgerDbOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("create directory " + dir + ": " + ec.message());
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : kFamilyNames) {
    // Point reads dominate state (simulation, MVCC checks) and txids (duplicate checks).
    bool bloom = std::string_view(name) == "state" || std::string_view(name) == "txids";
    families.emplace_back(name, FamilyOptions(cache, bloom));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_open_files = kOpenFilesMax;
  db_options.keep_log_file_num = kInfoLogFilesMax;
  auto core = std::make_shared<LedgerCore>();
  core->dir = dir;
  MILK_RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::Open(db_options, dir, families, &core->handles, &core->db), "open", dir));
  MILK_CHECK(core->handles.size() == std::size(kFamilyNames));
  core->state = core->handles[1];
  core->history = core->handles[2];
  core->blocks = core->handles[3];
  core->txids = core->handles[4];
  core->meta = core->handles[5];
  MILK_RETURN_IF_ERROR(CheckLayout(core.get()));
  return std::unique_ptr<LedgerDb>(std::make_unique<LedgerDbImpl>(std::move(core), options));
}

}  // namespace milk::node
