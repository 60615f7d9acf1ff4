#include "node/wal/wal_reader.h"

#include <algorithm>
#include <cstring>

#include "crypto/bytes.h"
#include "node/storage/segment_file.h"

namespace milk::node::wal {

namespace {

// Read granularity: few system calls for a segment of small records, bounded memory whatever
// the size of a damaged region being searched.
constexpr uint64_t kReadChunkBytes = 1u << 20;

}  // namespace

Result<std::string_view> SegmentReader::View(uint64_t offset, uint64_t n) {
  if (offset < buffer_offset_ || offset + n > buffer_offset_ + buffer_.size()) {
    uint64_t want = std::min(std::max(n, kReadChunkBytes), file_bytes_ - offset);
    MILK_RETURN_IF_ERROR(segment::PReadExact(fd_, path_, offset, want, &buffer_));
    buffer_offset_ = offset;
  }
  return std::string_view(buffer_).substr(offset - buffer_offset_, n);
}

Result<std::string> SegmentReader::ReadAt(uint64_t offset, std::string_view* payload,
                                          uint64_t* record_bytes) {
  if (file_bytes_ - offset < format::kFrameBytes) return std::string("short header");
  MILK_ASSIGN_OR_RETURN(std::string_view frame_bytes, View(offset, format::kFrameBytes));
  format::Frame frame = format::ParseFrame(frame_bytes.data());
  if (frame.magic != format::kRecordMagic) return std::string("bad magic");
  if (frame.length > record_bytes_max_) {
    return "length " + std::to_string(frame.length) + " exceeds record_bytes_max";
  }
  if (frame.length > file_bytes_ - offset - format::kFrameBytes) {
    return std::string("payload runs past end of file");
  }
  MILK_ASSIGN_OR_RETURN(std::string_view record, View(offset, format::kFrameBytes + frame.length));
  std::string_view body = record.substr(format::kFrameBytes);
  if (format::FrameCrc(body) != frame.crc) return std::string("checksum mismatch");
  *payload = body;
  *record_bytes = format::kFrameBytes + frame.length;
  return std::string();
}

Result<bool> SegmentReader::WriteStartsAfter(uint64_t offset) {
  std::string magic;
  PutFixed32BE(&magic, format::kRecordMagic);
  std::string chunk;
  for (uint64_t start = offset + 1; start + format::kFrameBytes <= file_bytes_;
       start += kReadChunkBytes) {
    // Overlap by 3 bytes so that a magic split across two chunks is still seen.
    uint64_t n = std::min<uint64_t>(kReadChunkBytes + 3, file_bytes_ - start);
    MILK_RETURN_IF_ERROR(segment::PReadExact(fd_, path_, start, n, &chunk));
    uint64_t candidates = std::min<uint64_t>(kReadChunkBytes, n - 3);
    for (uint64_t i = 0; i < candidates; ++i) {
      if (std::memcmp(chunk.data() + i, magic.data(), 4) != 0) continue;
      std::string_view payload;
      uint64_t record_bytes = 0;
      MILK_ASSIGN_OR_RETURN(std::string problem, ReadAt(start + i, &payload, &record_bytes));
      if (problem.empty() && payload.size() >= format::kPayloadPrefixBytes &&
          (static_cast<uint8_t>(payload[1]) & format::kFlagWriteStart) != 0) {
        return true;
      }
    }
  }
  return false;
}

Result<SegmentScan> ScanSegment(
    SegmentReader* reader, const std::function<Status(uint64_t, const format::Record&)>& visit) {
  uint64_t offset = 0;
  while (offset < reader->file_bytes()) {
    std::string_view payload;
    uint64_t record_bytes = 0;
    MILK_ASSIGN_OR_RETURN(std::string problem, reader->ReadAt(offset, &payload, &record_bytes));
    if (!problem.empty()) return SegmentScan{offset, problem};
    std::string context = reader->path() + " offset " + std::to_string(offset);
    Result<format::Record> record = format::DecodePayload(payload);
    if (!record.ok()) return record.status().WithContext(context);
    Status visited = visit(offset, *record);
    if (!visited.ok()) return visited.WithContext(context);
    offset += record_bytes;
  }
  return SegmentScan{offset, ""};
}

}  // namespace milk::node::wal
