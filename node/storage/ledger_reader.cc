// State reads over the ledger database, at the latest state or at a RocksDB snapshot.
#include <utility>

#include "node/storage/ledger_core.h"
#include "node/storage/ledger_format.h"

namespace milk::node {

namespace format = ledger_format;

LedgerCore::~LedgerCore() {
  if (db == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    // Closing a handle only fails for a handle this DB did not create: a bug.
    MILK_CHECK(db->DestroyColumnFamilyHandle(handle).ok());
  }
  // A failed close leaves nothing to do: every commit was already written through the WAL.
  (void)db->Close();
  delete db;
}

Status FromRocks(const rocksdb::Status& status, const std::string& op, const std::string& dir) {
  if (status.ok()) return Status::Ok();
  std::string message = "ledger database " + op + " " + dir + ": " + status.ToString();
  if (status.IsCorruption()) return DataLoss(message);
  if (status.IsIOError()) return IoError(message);
  if (status.IsInvalidArgument()) return FailedPrecondition(message);
  return Internal(message);
}

Result<std::optional<std::string>> GetRaw(const LedgerCore& core,
                                          rocksdb::ColumnFamilyHandle* family,
                                          const rocksdb::Snapshot* snapshot,
                                          const std::string& key) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  rocksdb::Status status = core.db->Get(read, family, key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  MILK_RETURN_IF_ERROR(FromRocks(status, "read", core.dir));
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<chaincode::VersionedValue>> ReadState(const LedgerCore& core,
                                                           const rocksdb::Snapshot* snapshot,
                                                           const std::string& ns,
                                                           const std::string& key) {
  MILK_RETURN_IF_ERROR(format::CheckNamespace(ns));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                        GetRaw(core, core.state, snapshot, format::StateKey(ns, key)));
  if (!raw.has_value()) return std::optional<chaincode::VersionedValue>();
  MILK_ASSIGN_OR_RETURN(chaincode::VersionedValue value, format::DecodeStateValue(*raw));
  return std::optional<chaincode::VersionedValue>(std::move(value));
}

Status ScanState(
    const LedgerCore& core, const rocksdb::Snapshot* snapshot, const std::string& ns,
    const std::string& start, const std::string& end,
    const std::function<bool(const std::string& key, const chaincode::VersionedValue&)>& visit) {
  MILK_RETURN_IF_ERROR(format::CheckNamespace(ns));
  if (!end.empty() && end <= start) return Status::Ok();  // an empty range
  std::string lower = format::StateKey(ns, start);
  std::string upper = end.empty() ? format::StateNamespaceEnd(ns) : format::StateKey(ns, end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(core.db->NewIterator(read, core.state));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    rocksdb::Slice raw_key = it->key();
    MILK_ASSIGN_OR_RETURN(chaincode::VersionedValue value,
                          format::DecodeStateValue(it->value().ToStringView()));
    std::string key(format::UserKey(ns, raw_key.ToStringView()));
    if (!visit(key, value)) return Status::Ok();
  }
  return FromRocks(it->status(), "scan", core.dir);
}

Result<std::vector<chaincode::HistoryEntry>> ReadHistory(const LedgerCore& core,
                                                         const rocksdb::Snapshot* snapshot,
                                                         const std::string& ns,
                                                         const std::string& key) {
  MILK_RETURN_IF_ERROR(format::CheckNamespace(ns));
  std::string prefix = format::HistoryPrefix(ns, key);
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(core.db->NewIterator(read, core.history));
  std::vector<chaincode::HistoryEntry> entries;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    MILK_ASSIGN_OR_RETURN(chaincode::Version version,
                          format::DecodeHistoryVersion(prefix, it->key().ToStringView()));
    MILK_ASSIGN_OR_RETURN(chaincode::HistoryEntry entry,
                          format::DecodeHistoryValue(it->value().ToStringView(), version));
    entries.push_back(std::move(entry));
  }
  MILK_RETURN_IF_ERROR(FromRocks(it->status(), "history scan", core.dir));
  return entries;
}

namespace {

class SnapshotReader final : public chaincode::StateReader {
 public:
  explicit SnapshotReader(std::shared_ptr<LedgerCore> core)
      : core_(std::move(core)), snapshot_(core_->db->GetSnapshot()) {}
  ~SnapshotReader() override { core_->db->ReleaseSnapshot(snapshot_); }
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  Result<std::optional<chaincode::VersionedValue>> Get(const std::string& ns,
                                                       const std::string& key) override {
    return ReadState(*core_, snapshot_, ns, key);
  }
  Status Scan(const std::string& ns, const std::string& start, const std::string& end,
              const std::function<bool(const std::string& key, const chaincode::VersionedValue&)>&
                  visit) override {
    return ScanState(*core_, snapshot_, ns, start, end, visit);
  }
  Result<std::vector<chaincode::HistoryEntry>> History(const std::string& ns,
                                                       const std::string& key) override {
    return ReadHistory(*core_, snapshot_, ns, key);
  }
  const rocksdb::Snapshot* snapshot() const { return snapshot_; }

 private:
  const std::shared_ptr<LedgerCore> core_;
  const rocksdb::Snapshot* const snapshot_;
};

}  // namespace

std::unique_ptr<chaincode::StateReader> MakeSnapshotReader(std::shared_ptr<LedgerCore> core) {
  return std::make_unique<SnapshotReader>(std::move(core));
}

Result<std::pair<std::unique_ptr<chaincode::StateReader>, std::optional<std::string>>>
MakeSnapshotReaderWithSavepoint(std::shared_ptr<LedgerCore> core) {
  auto reader = std::make_unique<SnapshotReader>(core);
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> savepoint,
                        GetRaw(*core, core->meta, reader->snapshot(),
                               std::string(format::kSavepointKey)));
  return std::make_pair(std::unique_ptr<chaincode::StateReader>(std::move(reader)),
                        std::move(savepoint));
}

}  // namespace milk::node
