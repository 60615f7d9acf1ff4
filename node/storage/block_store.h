// The block store: append-only segment files holding one record per block.
//
// File layout (docs/storage.md): <dir>/segment-<6-digit index>.blk; each record is
//   u32 magic "MLKB" | u32 payload length | u32 CRC-32C of payload | payload (serialized Block)
// all big-endian. A segment is closed when the next record would pass segment_bytes_max.
//
// Thread-safety: one writer (Append) and any number of concurrent readers (Read, Scan of
// positions below end()) are safe together.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::node {

struct BlockPosition {
  uint32_t segment = 0;
  uint64_t offset = 0;
  bool operator==(const BlockPosition&) const = default;
};

struct BlockLocation {
  BlockPosition position;  // where the record starts
  uint32_t length = 0;     // payload length
};

struct BlockStoreOptions {
  // A segment is closed at this size: small enough to copy and checksum quickly, large enough
  // that a million-transaction chain needs only a few hundred files.
  uint64_t segment_bytes_max = 64ull << 20;
  // A record larger than this is refused (a block is bounded by BatchConfig.max_bytes plus
  // metadata; this is a sanity bound against corrupt length fields).
  uint32_t record_bytes_max = 128u << 20;
  // fsync the segment (and the directory when a segment is created) on every Append.
  bool sync = true;
};

class BlockStore {
 public:
  // Opens or creates the store. Validates every record of the last segment; a torn tail (a final
  // record cut short or failing its checksum and reaching end of file) is truncated and reported
  // through truncated_bytes(). A bad record followed by more data is corruption: kDataLoss naming
  // the segment and offset, and nothing is truncated.
  static Result<std::unique_ptr<BlockStore>> Open(const std::string& dir,
                                                  const BlockStoreOptions& options);
  virtual ~BlockStore() = default;

  // Appends one record; durable on return when options.sync.
  virtual Result<BlockLocation> Append(std::string_view block_bytes) = 0;
  // Reads and checksums one record. kDataLoss on checksum or framing mismatch, naming the place.
  virtual Result<std::string> Read(const BlockLocation& location) const = 0;
  // Calls visit(location, payload) for every record from `from` to the end, in order, stopping
  // early when visit returns false. Checksum failures are kDataLoss.
  virtual Status Scan(
      BlockPosition from,
      const std::function<bool(const BlockLocation&, std::string_view)>& visit) const = 0;
  // Position after the last record.
  virtual BlockPosition end() const = 0;
  // Bytes cut from a torn tail when the store was opened (0 if none).
  virtual uint64_t truncated_bytes() const = 0;
};

}  // namespace milk::node
