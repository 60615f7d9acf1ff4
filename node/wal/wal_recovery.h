// Private to node/wal: reading a WAL directory back (docs/wal.md "Recovery"). Changes nothing
// on disk: the caller cuts the torn tail and removes leftover temporary files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "node/wal/wal.h"
#include "node/wal/wal_model.h"

namespace milk::node::wal {

struct SegmentInfo {
  uint64_t seq = 0;
  uint64_t first_index = 0;
  std::string path;
  uint64_t max_entry_index = 0;  // highest index of any entry record in it (0 if none)
  bool has_writes = false;       // holds records besides its header
};

struct Recovered {
  LogModel model{/*keep_data=*/true};
  std::vector<SegmentInfo> segments;    // by seq; empty for a new WAL
  uint64_t valid_bytes = 0;             // of the last segment, up to its last intact record
  uint64_t torn_bytes = 0;              // after valid_bytes in the last segment
  std::vector<std::string> temp_files;  // segments whose creation was interrupted
};

// Reads and validates every segment of dir in order.
Result<Recovered> Recover(const std::string& dir, const WalOptions& options);

}  // namespace milk::node::wal
