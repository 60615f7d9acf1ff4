// Private to node/wal: the record encoding of WAL segment files (docs/wal.md, format 1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/status.h"
#include "node/wal/wal.h"

namespace milk::node::wal::format {

// "MLKW" read as a big-endian u32: marks the start of every record, so a reader searching
// damaged bytes for a later record has a cheap first filter.
inline constexpr uint32_t kRecordMagic = 0x4D4C4B57;
// Carried in every segment header; a reader refuses a version it does not know.
inline constexpr uint32_t kFormatVersion = 1;
// magic | payload length | CRC-32C of (length, payload), each u32 big-endian.
inline constexpr uint64_t kFrameBytes = 12;
// type | flags, in front of every body.
inline constexpr uint64_t kPayloadPrefixBytes = 2;
// Bytes of a record's payload besides its data or conf state: prefix plus fixed fields.
inline constexpr uint64_t kEntryOverheadBytes = kPayloadPrefixBytes + 20;
inline constexpr uint64_t kMarkOverheadBytes = kPayloadPrefixBytes + 16;
inline constexpr uint64_t kSegmentHeaderOverheadBytes = kPayloadPrefixBytes + 62;
// Whole records (frame included) of the fixed-size types.
inline constexpr uint64_t kHardStateRecordBytes = kFrameBytes + kPayloadPrefixBytes + 24;
inline constexpr uint64_t kTruncateRecordBytes = kFrameBytes + kPayloadPrefixBytes + 8;

enum class RecordType : uint8_t {
  kSegmentHeader = 1,
  kEntry = 2,
  kHardState = 3,
  kSnapshotMark = 4,
  kTruncate = 5,
};

// Set on the first record of every write (one Save, one SaveSnapshotMark, one segment
// header): recovery tells a torn last write from damage before it by the records that start a
// write (docs/wal.md "Torn tail versus corruption").
inline constexpr uint8_t kFlagWriteStart = 0x01;

// First record of every segment: the state when the segment was created.
struct SegmentHeader {
  uint32_t version = kFormatVersion;
  uint64_t seq = 0;
  uint64_t first_index = 0;  // last index of the log when the segment was created, plus one
  std::optional<WalHardState> hard_state;
  std::optional<WalSnapshotMark> snapshot_mark;
  bool operator==(const SegmentHeader&) const = default;
};

// Drops every entry with index >= index.
struct Truncate {
  uint64_t index = 0;
  bool operator==(const Truncate&) const = default;
};

using Body = std::variant<SegmentHeader, WalEntry, WalHardState, WalSnapshotMark, Truncate>;

struct Record {
  uint8_t flags = 0;
  Body body;
};

// Append one framed record to *out (one overload per body type, so that an entry's data is
// copied once, straight into the output).
void AppendRecord(std::string* out, uint8_t flags, const SegmentHeader& header);
void AppendRecord(std::string* out, uint8_t flags, const WalEntry& entry);
void AppendRecord(std::string* out, uint8_t flags, const WalHardState& hard_state);
void AppendRecord(std::string* out, uint8_t flags, const WalSnapshotMark& mark);
void AppendRecord(std::string* out, uint8_t flags, const Truncate& truncate);

// Decodes a payload whose framing and checksum were verified. kDataLoss for an unknown type or
// flag or a malformed body, kFailedPrecondition for a segment header of another version.
Result<Record> DecodePayload(std::string_view payload);

// Frame fields of the kFrameBytes at p. REQUIRES: p points at kFrameBytes readable bytes.
struct Frame {
  uint32_t magic = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
};
Frame ParseFrame(const char* p);
// The checksum a frame carries for payload.
uint32_t FrameCrc(std::string_view payload);

// "wal-0000000000000003-00000000000004d2.log"
std::string SegmentFileName(uint64_t seq, uint64_t first_index);
// True (and the numbers) when name is exactly a segment file name.
bool ParseSegmentFileName(std::string_view name, uint64_t* seq, uint64_t* first_index);
// A segment being created is written under its name plus this suffix, then renamed.
inline constexpr std::string_view kTempSuffix = ".tmp";

}  // namespace milk::node::wal::format
