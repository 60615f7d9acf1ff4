#include "tests/integration/wal_scan.h"

#include <algorithm>
#include <filesystem>

#include "crypto/bytes.h"
#include "tests/integration/process.h"

namespace milk::integration {
namespace {

// docs/wal.md, record format version 1.
constexpr uint32_t kMagic = 0x4D4C4B57;  // "MLKW"
constexpr size_t kFrameBytes = 12;       // magic, length, crc
constexpr uint8_t kTypeEntry = 2;
constexpr uint8_t kTypeSnapshotMark = 4;
constexpr uint8_t kTypeTruncation = 5;
constexpr size_t kTypeAndFlagsBytes = 2;

// Applies one record's payload to scan.
Status Apply(const std::string& path, uint64_t offset, std::string_view payload, WalScan& scan) {
  if (payload.size() < kTypeAndFlagsBytes) {
    return DataLoss(path + " offset " + std::to_string(offset) + ": empty record");
  }
  const uint8_t type = static_cast<uint8_t>(payload[0]);
  const std::string_view body = payload.substr(kTypeAndFlagsBytes);
  const auto need = [&](size_t bytes) -> Status {
    if (body.size() >= bytes) return Status::Ok();
    return DataLoss(path + " offset " + std::to_string(offset) + ": record of type " +
                    std::to_string(type) + " is too short");
  };
  if (type == kTypeEntry) {
    MILK_RETURN_IF_ERROR(need(16));
    scan.last_entry_index = GetFixed64BE(body.data() + 8);  // after the u64 term
  } else if (type == kTypeSnapshotMark) {
    MILK_RETURN_IF_ERROR(need(8));
    const uint64_t index = GetFixed64BE(body.data());
    if (index > scan.last_entry_index) {
      scan.installed_snapshots.push_back(index);
      scan.last_entry_index = index;
    }
  } else if (type == kTypeTruncation) {
    MILK_RETURN_IF_ERROR(need(8));
    const uint64_t index = GetFixed64BE(body.data());
    if (index > 0) scan.last_entry_index = std::min(scan.last_entry_index, index - 1);
  }
  ++scan.records;
  return Status::Ok();
}

Status ScanSegment(const std::string& path, WalScan& scan) {
  const std::string bytes = ReadFileOrEmpty(path);
  uint64_t offset = 0;
  while (offset + kFrameBytes <= bytes.size()) {
    const char* frame = bytes.data() + offset;
    const uint32_t length = GetFixed32BE(frame + 4);
    if (GetFixed32BE(frame) != kMagic || offset + kFrameBytes + length > bytes.size()) break;
    const std::string_view payload(frame + kFrameBytes, length);
    // The checksum covers the 4 length bytes, then the payload.
    const uint32_t crc = Crc32c(payload, Crc32c(std::string_view(frame + 4, 4)));
    if (crc != GetFixed32BE(frame + 8)) break;
    MILK_RETURN_IF_ERROR(Apply(path, offset, payload, scan));
    offset += kFrameBytes + length;
  }
  return Status::Ok();
}

}  // namespace

Result<WalScan> ScanWal(const std::string& dir) {
  std::vector<std::string> segments;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("wal-", 0) == 0 && name.size() > 4 &&
        name.compare(name.size() - 4, 4, ".log") == 0) {
      segments.push_back(entry.path().string());
    }
  }
  if (ec) return IoError("cannot list " + dir + ": " + ec.message());
  if (segments.empty()) return NotFound("no WAL segment in " + dir);
  std::sort(segments.begin(), segments.end());  // fixed-width hex sequence numbers
  WalScan scan;
  for (const std::string& path : segments) MILK_RETURN_IF_ERROR(ScanSegment(path, scan));
  return scan;
}

}  // namespace milk::integration
