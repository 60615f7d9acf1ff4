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

// magic + length + checksum, in front of every payload.
inline constexpr uint32_t kRecordHeaderBytes = 12;

struct BlockLocation {
  BlockPosition position;  // where the record starts
  uint32_t length = 0;     // payload length
};

// The position right after a record.
inline BlockPosition EndOf(const BlockLocation& location) {
  return {location.position.segment, location.position.offset + kRecordHeaderBytes + location.length};
}

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
  // Opens or creates the store (and its directory). Validates every record of the last segment;
  // a torn tail (a bad record - short header, bad magic, oversized length, payload past end of
  // file or checksum mismatch - after which no intact record begins anywhere in the file) is
  // truncated, fsynced and reported through truncated_bytes(). A bad record followed by an
  // intact one is corruption: kDataLoss "<dir>/segment-000003.blk offset 12345: checksum
  // mismatch", and nothing is truncated. Closed segments are checked when read, not here.
  static Result<std::unique_ptr<BlockStore>> Open(const std::string& dir,
                                                  const BlockStoreOptions& options);
  virtual ~BlockStore() = default;

  // Appends one record; durable on return when options.sync. A block over record_bytes_max is
  // kInvalidArgument. After a failed write or fsync that cannot be undone, every later Append
  // fails: the file's durable contents are then unknown.
  virtual Result<BlockLocation> Append(std::string_view block_bytes) = 0;
  // Reads and checksums one record. kDataLoss on checksum or framing mismatch (or a length that
  // differs from location.length), naming the place; kOutOfRange past end().
  virtual Result<std::string> Read(const BlockLocation& location) const = 0;
  // Calls visit(location, payload) for every record from `from` to end() as it was when the
  // scan began, in order, stopping early when visit returns false. Checksum failures are
  // kDataLoss; `from` past end() is kOutOfRange. payload is valid only during the call.
  virtual Status Scan(
      BlockPosition from,
      const std::function<bool(const BlockLocation&, std::string_view)>& visit) const = 0;
  // Position after the last record.
  virtual BlockPosition end() const = 0;
  // Bytes cut from a torn tail when the store was opened (0 if none).
  virtual uint64_t truncated_bytes() const = 0;
};

}  // namespace milk::node
