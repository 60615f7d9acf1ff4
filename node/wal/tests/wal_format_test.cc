// Record encoding and file names (docs/wal.md, format 1).
#include "node/wal/wal_format.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"

namespace milk::node::wal::format {
namespace {

// Encodes body, checks the frame, and decodes the payload back.
template <typename T>
Record RoundTrip(const T& body, uint8_t flags) {
  std::string bytes;
  AppendRecord(&bytes, flags, body);
  REQUIRE(bytes.size() >= kFrameBytes);
  Frame frame = ParseFrame(bytes.data());
  CHECK(frame.magic == kRecordMagic);
  CHECK(frame.length == bytes.size() - kFrameBytes);
  std::string_view payload = std::string_view(bytes).substr(kFrameBytes);
  CHECK(frame.crc == FrameCrc(payload));
  Result<Record> record = DecodePayload(payload);
  INFO(record.status().ToString());
  REQUIRE(record.ok());
  CHECK(record->flags == flags);
  return std::move(record).value();
}

TEST_CASE("every record type survives encoding and decoding") {
  SegmentHeader header{kFormatVersion, 7, 1234, WalHardState{5, 2, 1200},
                       WalSnapshotMark{1100, 4, std::string("conf\0state", 10)}};
  CHECK(std::get<SegmentHeader>(RoundTrip(header, kFlagWriteStart).body) == header);
  SegmentHeader bare{kFormatVersion, 0, 1, std::nullopt, std::nullopt};
  CHECK(std::get<SegmentHeader>(RoundTrip(bare, kFlagWriteStart).body) == bare);
  WalEntry entry{9, 1234, 2, std::string("\0\xff data", 7)};
  CHECK(std::get<WalEntry>(RoundTrip(entry, 0).body) == entry);
  WalEntry empty{1, 1, 0, ""};
  CHECK(std::get<WalEntry>(RoundTrip(empty, kFlagWriteStart).body) == empty);
  WalHardState hard_state{UINT64_MAX, 3, 17};
  CHECK(std::get<WalHardState>(RoundTrip(hard_state, 0).body) == hard_state);
  WalSnapshotMark mark{55, 6, "voters"};
  CHECK(std::get<WalSnapshotMark>(RoundTrip(mark, 0).body) == mark);
  CHECK(std::get<Truncate>(RoundTrip(Truncate{42}, 0).body) == Truncate{42});
}

TEST_CASE("the encoding is big-endian with the documented layout") {
  std::string bytes;
  AppendRecord(&bytes, kFlagWriteStart, Truncate{0x0102030405060708});
  REQUIRE(bytes.size() == kFrameBytes + 2 + 8);
  CHECK(ToHex(bytes.substr(0, 8)) == "4d4c4b570000000a");    // "MLKW", length 10
  CHECK(ToHex(bytes.substr(12)) == "05010102030405060708");  // type 5, flags 1, index
  // The checksum covers the length too.
  std::string payload = bytes.substr(12);
  CHECK(FrameCrc(payload) != Crc32c(payload));
}

TEST_CASE("malformed payloads are refused") {
  auto decode = [](const std::string& payload) { return DecodePayload(payload).status(); };
  CHECK(decode("").code() == Code::kDataLoss);
  CHECK(decode(std::string("\x09\x00", 2)).message().find("unknown record type") !=
        std::string::npos);
  CHECK(decode(std::string("\x02\x04", 2) + std::string(20, '\0')).message().find("flags") !=
        std::string::npos);
  CHECK(decode(std::string("\x03\x00", 2) + std::string(23, '\0')).code() == Code::kDataLoss);
  CHECK(decode(std::string("\x05\x00", 2) + std::string(9, '\0')).code() == Code::kDataLoss);
  CHECK(decode(std::string("\x02\x00", 2) + std::string(19, '\0')).code() == Code::kDataLoss);
  CHECK(decode(std::string("\x04\x00", 2) + std::string(15, '\0')).code() == Code::kDataLoss);
  // A header without a mark has no conf state after its fixed fields.
  std::string bytes;
  AppendRecord(&bytes, kFlagWriteStart, SegmentHeader{});
  CHECK(decode(bytes.substr(kFrameBytes) + "x").code() == Code::kDataLoss);
  CHECK(decode(bytes.substr(kFrameBytes, 30)).code() == Code::kDataLoss);
}

TEST_CASE("segment file names round-trip and strangers are ignored") {
  std::string name = SegmentFileName(0x1f, 0xabcdef0123);
  CHECK(name == "wal-000000000000001f-000000abcdef0123.log");
  uint64_t seq = 0;
  uint64_t first_index = 0;
  REQUIRE(ParseSegmentFileName(name, &seq, &first_index));
  CHECK(seq == 0x1f);
  CHECK(first_index == 0xabcdef0123);
  CHECK(ParseSegmentFileName(SegmentFileName(UINT64_MAX, UINT64_MAX), &seq, &first_index));
  CHECK(seq == UINT64_MAX);
  for (const char* stranger :
       {"wal-000000000000001F-000000abcdef0123.log", "wal-000000000000001f_000000abcdef0123.log",
        "wal-000000000000001f-000000abcdef0123.log.tmp", "wal-1-2.log", "LOCK",
        "xal-000000000000001f-000000abcdef0123.log"}) {
    CHECK_FALSE(ParseSegmentFileName(stranger, &seq, &first_index));
  }
}

}  // namespace
}  // namespace milk::node::wal::format
