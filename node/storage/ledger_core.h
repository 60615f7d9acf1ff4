// Private to node/storage: the open RocksDB database shared by a LedgerDb and the snapshots it
// hands out, and the state reads both perform.
#pragma once

#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/shim/state.h"
#include "crypto/status.h"

namespace milk::node {

// Owns the DB and its column family handles. Shared (std::shared_ptr) so that a snapshot may
// outlive the LedgerDb that made it: the database closes when the last holder lets go.
// Thread-safety: immutable after construction; rocksdb::DB is thread-safe.
struct LedgerCore {
  LedgerCore() = default;
  ~LedgerCore();
  LedgerCore(const LedgerCore&) = delete;
  LedgerCore& operator=(const LedgerCore&) = delete;

  std::string dir;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // all, for cleanup
  rocksdb::ColumnFamilyHandle* state = nullptr;
  rocksdb::ColumnFamilyHandle* history = nullptr;
  rocksdb::ColumnFamilyHandle* blocks = nullptr;
  rocksdb::ColumnFamilyHandle* txids = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
};

// "<op> <dir>: <rocksdb status>" with a code that says whether the disk or the data failed.
Status FromRocks(const rocksdb::Status& status, const std::string& op, const std::string& dir);

// Point read of one column family; nullopt when absent. snapshot may be null (latest).
Result<std::optional<std::string>> GetRaw(const LedgerCore& core,
                                          rocksdb::ColumnFamilyHandle* family,
                                          const rocksdb::Snapshot* snapshot,
                                          const std::string& key);

// The StateReader operations over the view at snapshot (null = latest committed).
Result<std::optional<chaincode::VersionedValue>> ReadState(const LedgerCore& core,
                                                           const rocksdb::Snapshot* snapshot,
                                                           const std::string& ns,
                                                           const std::string& key);
Status ScanState(
    const LedgerCore& core, const rocksdb::Snapshot* snapshot, const std::string& ns,
    const std::string& start, const std::string& end,
    const std::function<bool(const std::string& key, const chaincode::VersionedValue&)>& visit);
Result<std::vector<chaincode::HistoryEntry>> ReadHistory(const LedgerCore& core,
                                                         const rocksdb::Snapshot* snapshot,
                                                         const std::string& ns,
                                                         const std::string& key);

// A StateReader over a RocksDB snapshot taken now; the snapshot is released on destruction.
std::unique_ptr<chaincode::StateReader> MakeSnapshotReader(std::shared_ptr<LedgerCore> core);
// MakeSnapshotReader, and the raw meta/savepoint record as that snapshot sees it (nullopt when
// absent).
Result<std::pair<std::unique_ptr<chaincode::StateReader>, std::optional<std::string>>>
MakeSnapshotReaderWithSavepoint(std::shared_ptr<LedgerCore> core);

}  // namespace milk::node
