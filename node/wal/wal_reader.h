// Private to node/wal: reading and checking the records of one segment file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "node/wal/wal_format.h"

namespace milk::node::wal {

// Reads the records of one segment file through a bounded buffer. Does not own fd.
class SegmentReader {
 public:
  SegmentReader(int fd, std::string path, uint64_t file_bytes, uint32_t record_bytes_max)
      : fd_(fd),
        path_(std::move(path)),
        file_bytes_(file_bytes),
        record_bytes_max_(record_bytes_max) {}

  // Checks the frame of the record at offset: "" when it is intact (then *payload views its
  // payload, valid until the next call, and *record_bytes is its size with the frame), else
  // the problem: short header, bad magic, oversized length, past end of file, bad checksum.
  Result<std::string> ReadAt(uint64_t offset, std::string_view* payload, uint64_t* record_bytes);
  // Whether an intact record with kFlagWriteStart begins anywhere after offset.
  Result<bool> WriteStartsAfter(uint64_t offset);

  const std::string& path() const { return path_; }
  uint64_t file_bytes() const { return file_bytes_; }

 private:
  // Makes [offset, offset + n) available in buffer_ and returns a view of it.
  Result<std::string_view> View(uint64_t offset, uint64_t n);

  const int fd_;
  const std::string path_;
  const uint64_t file_bytes_;
  const uint32_t record_bytes_max_;
  std::string buffer_;
  uint64_t buffer_offset_ = 0;
};

struct SegmentScan {
  uint64_t valid_bytes = 0;  // end of the last intact record
  std::string problem;       // why the record at valid_bytes is bad; "" when the file ended there
};

// Reads the records from offset 0, calling visit(offset, record) for each intact one, until the
// end of the file or the first bad frame (reported, not judged: the caller knows whether it may
// be a torn tail). An undecodable payload or a visit error is returned with the context
// "<path> offset N".
Result<SegmentScan> ScanSegment(
    SegmentReader* reader, const std::function<Status(uint64_t, const format::Record&)>& visit);

}  // namespace milk::node::wal
