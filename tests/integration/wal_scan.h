// What the integration tests read from a consenter's Raft WAL directory, independently of
// node/wal and following only docs/wal.md (record format version 1): whether the consenter
// ever installed a snapshot sent by a leader. Read-only; safe while the node runs (a record
// being appended is simply not seen yet).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"

namespace milk::integration {

struct WalScan {
  uint64_t last_entry_index = 0;  // the log's last index after every record read
  // Indices of snapshot marks past the end of the log when they were written: a local
  // compaction always marks an index the log holds, so these are snapshots from a leader.
  std::vector<uint64_t> installed_snapshots;
  size_t records = 0;
};

// Reads the segments wal-*.log of dir in sequence order, stopping in each at the first record
// that is incomplete or fails its checksum (the tail a running node is writing). kNotFound
// when dir holds no segment; kDataLoss when a record does not decode.
Result<WalScan> ScanWal(const std::string& dir);

}  // namespace milk::integration
