#include "node/wal/wal_format.h"

#include <cstdio>

#include "crypto/bytes.h"

namespace milk::node::wal::format {

namespace {

constexpr std::string_view kNamePrefix = "wal-";
constexpr std::string_view kNameSuffix = ".log";
constexpr size_t kNameDigits = 16;
// Fixed part of a segment header body: version, seq, first index, has_hard_state, hard state,
// has_snapshot_mark, mark index, mark term; the conf state fills the rest.
constexpr size_t kHeaderFixedBytes = 4 + 8 + 8 + 1 + 24 + 1 + 16;
static_assert(kSegmentHeaderOverheadBytes == kPayloadPrefixBytes + kHeaderFixedBytes);

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void PutHardState(std::string* out, const WalHardState& hard_state) {
  PutFixed64BE(out, hard_state.term);
  PutFixed64BE(out, hard_state.vote);
  PutFixed64BE(out, hard_state.commit);
}

// Appends the body of each record type (after the type and flags bytes).
struct BodyWriter {
  std::string* out;
  void operator()(const SegmentHeader& header) const {
    PutFixed32BE(out, header.version);
    PutFixed64BE(out, header.seq);
    PutFixed64BE(out, header.first_index);
    PutU8(out, header.hard_state ? 1 : 0);
    PutHardState(out, header.hard_state.value_or(WalHardState{}));
    PutU8(out, header.snapshot_mark ? 1 : 0);
    WalSnapshotMark mark = header.snapshot_mark.value_or(WalSnapshotMark{});
    PutFixed64BE(out, mark.index);
    PutFixed64BE(out, mark.term);
    out->append(mark.conf_state);
  }
  void operator()(const WalEntry& entry) const {
    PutFixed64BE(out, entry.term);
    PutFixed64BE(out, entry.index);
    PutFixed32BE(out, entry.type);
    out->append(entry.data);
  }
  void operator()(const WalHardState& hard_state) const { PutHardState(out, hard_state); }
  void operator()(const WalSnapshotMark& mark) const {
    PutFixed64BE(out, mark.index);
    PutFixed64BE(out, mark.term);
    out->append(mark.conf_state);
  }
  void operator()(const Truncate& truncate) const { PutFixed64BE(out, truncate.index); }
};

// Frames type, flags and body as one record at the end of *out.
template <typename T>
void AppendFramed(std::string* out, uint8_t flags, RecordType type, const T& body) {
  size_t frame_at = out->size();
  out->append(kFrameBytes, '\0');
  PutU8(out, static_cast<uint8_t>(type));
  PutU8(out, flags);
  BodyWriter{out}(body);
  std::string_view payload = std::string_view(*out).substr(frame_at + kFrameBytes);
  std::string frame;
  PutFixed32BE(&frame, kRecordMagic);
  PutFixed32BE(&frame, static_cast<uint32_t>(payload.size()));
  PutFixed32BE(&frame, FrameCrc(payload));
  out->replace(frame_at, kFrameBytes, frame);
}

WalHardState GetHardState(const char* p) {
  return WalHardState{GetFixed64BE(p), GetFixed64BE(p + 8), GetFixed64BE(p + 16)};
}

Status Malformed(const std::string& what) { return DataLoss("malformed " + what + " record"); }

Result<Body> DecodeHeader(std::string_view body) {
  if (body.size() < 4) return Malformed("segment header");
  SegmentHeader header;
  header.version = GetFixed32BE(body.data());
  if (header.version != kFormatVersion) {
    return FailedPrecondition("WAL format version " + std::to_string(header.version) +
                              " is not supported (this binary reads version " +
                              std::to_string(kFormatVersion) + ")");
  }
  if (body.size() < kHeaderFixedBytes) return Malformed("segment header");
  const char* p = body.data();
  header.seq = GetFixed64BE(p + 4);
  header.first_index = GetFixed64BE(p + 12);
  uint8_t has_hard_state = static_cast<uint8_t>(p[20]);
  uint8_t has_mark = static_cast<uint8_t>(p[45]);
  if (has_hard_state > 1 || has_mark > 1) return Malformed("segment header");
  if (has_hard_state == 1) header.hard_state = GetHardState(p + 21);
  if (has_mark == 1) {
    header.snapshot_mark = WalSnapshotMark{GetFixed64BE(p + 46), GetFixed64BE(p + 54),
                                           std::string(body.substr(kHeaderFixedBytes))};
  } else if (body.size() != kHeaderFixedBytes) {
    return Malformed("segment header");
  }
  return Body(std::move(header));
}

Result<Body> DecodeBody(RecordType type, std::string_view body) {
  const char* p = body.data();
  switch (type) {
    case RecordType::kSegmentHeader:
      return DecodeHeader(body);
    case RecordType::kEntry:
      if (body.size() < 20) return Malformed("entry");
      return Body(WalEntry{GetFixed64BE(p), GetFixed64BE(p + 8), GetFixed32BE(p + 16),
                           std::string(body.substr(20))});
    case RecordType::kHardState:
      if (body.size() != 24) return Malformed("hard state");
      return Body(GetHardState(p));
    case RecordType::kSnapshotMark:
      if (body.size() < 16) return Malformed("snapshot mark");
      return Body(
          WalSnapshotMark{GetFixed64BE(p), GetFixed64BE(p + 8), std::string(body.substr(16))});
    case RecordType::kTruncate:
      if (body.size() != 8) return Malformed("truncation");
      return Body(Truncate{GetFixed64BE(p)});
  }
  return DataLoss("unknown record type " + std::to_string(static_cast<int>(type)));
}

}  // namespace

void AppendRecord(std::string* out, uint8_t flags, const SegmentHeader& header) {
  AppendFramed(out, flags, RecordType::kSegmentHeader, header);
}
void AppendRecord(std::string* out, uint8_t flags, const WalEntry& entry) {
  AppendFramed(out, flags, RecordType::kEntry, entry);
}
void AppendRecord(std::string* out, uint8_t flags, const WalHardState& hard_state) {
  AppendFramed(out, flags, RecordType::kHardState, hard_state);
}
void AppendRecord(std::string* out, uint8_t flags, const WalSnapshotMark& mark) {
  AppendFramed(out, flags, RecordType::kSnapshotMark, mark);
}
void AppendRecord(std::string* out, uint8_t flags, const Truncate& truncate) {
  AppendFramed(out, flags, RecordType::kTruncate, truncate);
}

Result<Record> DecodePayload(std::string_view payload) {
  if (payload.size() < kPayloadPrefixBytes) return DataLoss("record shorter than its prefix");
  uint8_t type = static_cast<uint8_t>(payload[0]);
  uint8_t flags = static_cast<uint8_t>(payload[1]);
  if ((flags & ~kFlagWriteStart) != 0) {
    return DataLoss("unknown record flags " + std::to_string(flags));
  }
  if (type < static_cast<uint8_t>(RecordType::kSegmentHeader) ||
      type > static_cast<uint8_t>(RecordType::kTruncate)) {
    return DataLoss("unknown record type " + std::to_string(type));
  }
  MILK_ASSIGN_OR_RETURN(
      Body body, DecodeBody(static_cast<RecordType>(type), payload.substr(kPayloadPrefixBytes)));
  return Record{flags, std::move(body)};
}

Frame ParseFrame(const char* p) {
  return Frame{GetFixed32BE(p), GetFixed32BE(p + 4), GetFixed32BE(p + 8)};
}

uint32_t FrameCrc(std::string_view payload) {
  // The length is covered too, so a damaged length field is caught even when the bytes it
  // points at happen to form a valid-looking payload.
  std::string length;
  PutFixed32BE(&length, static_cast<uint32_t>(payload.size()));
  return Crc32c(payload, Crc32c(length));
}

std::string SegmentFileName(uint64_t seq, uint64_t first_index) {
  char digits[40];
  std::snprintf(digits, sizeof(digits), "%016llx-%016llx", static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(first_index));
  return std::string(kNamePrefix) + digits + std::string(kNameSuffix);
}

bool ParseSegmentFileName(std::string_view name, uint64_t* seq, uint64_t* first_index) {
  if (name.size() != kNamePrefix.size() + 2 * kNameDigits + 1 + kNameSuffix.size()) return false;
  if (name.substr(0, kNamePrefix.size()) != kNamePrefix) return false;
  if (name.substr(name.size() - kNameSuffix.size()) != kNameSuffix) return false;
  std::string_view digits = name.substr(kNamePrefix.size(), 2 * kNameDigits + 1);
  if (digits[kNameDigits] != '-') return false;
  uint64_t values[2] = {0, 0};
  for (int part = 0; part < 2; ++part) {
    for (char c : digits.substr(part * (kNameDigits + 1), kNameDigits)) {
      int nibble;
      if (c >= '0' && c <= '9') {
        nibble = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        nibble = c - 'a' + 10;
      } else {
        return false;
      }
      values[part] = (values[part] << 4) | static_cast<uint64_t>(nibble);
    }
  }
  *seq = values[0];
  *first_index = values[1];
  return true;
}

}  // namespace milk::node::wal::format
