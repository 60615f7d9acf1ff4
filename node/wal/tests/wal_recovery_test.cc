// Recovery: torn tails are cut, every other kind of damage is refused with kDataLoss.
#include <fstream>

#include "node/wal/tests/wal_test_util.h"
#include "node/wal/wal.h"
#include "node/wal/wal_format.h"

namespace milk::node::wal {
namespace {

using namespace testing;  // NOLINT

constexpr uint64_t kEntryRecordBytes = 12 + 22 + 40;  // frame, entry prefix, Entry() data

void Overwrite(const std::string& path, uint64_t offset, const std::string& bytes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::string bytes = ReadWholeFile(path);
  Overwrite(path, offset, std::string(1, static_cast<char>(bytes.at(offset) ^ 0x5A)));
}

void Append(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::app);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Three writes into one segment: ends[0] is the end of the header, ends[i] the end of write i.
struct Written {
  std::string file;
  std::vector<uint64_t> ends;
};

Written WriteThree(const std::string& dir) {
  WalRecovery recovery;
  auto wal = MustOpen(dir, &recovery);
  Written out;
  out.file = SegmentFiles(dir).at(0);
  out.ends.push_back(FileBytes(out.file));
  MustSave(wal.get(), WalHardState{1, 1, 0}, Entries(1, 3, 1));  // one write of 4 records
  out.ends.push_back(FileBytes(out.file));
  MustSave(wal.get(), std::nullopt, Entries(4, 6, 1));
  out.ends.push_back(FileBytes(out.file));
  MustSave(wal.get(), WalHardState{1, 1, 2}, Entries(7, 8, 1));
  out.ends.push_back(FileBytes(out.file));
  return out;
}

std::vector<uint64_t> Indexes(const WalRecovery& recovery) {
  std::vector<uint64_t> out;
  for (const WalEntry& entry : recovery.entries) out.push_back(entry.index);
  return out;
}

Status OpenStatus(const std::string& dir, WalOptions options = {}) {
  WalRecovery recovery;
  return Wal::Open(dir, options, &recovery).status();
}

TEST_CASE("a torn tail is cut and the WAL continues after it") {
  TempDir dir;
  Written written = WriteThree(dir.path());
  uint64_t second_end = written.ends[2];
  uint64_t keep = 0;
  std::vector<uint64_t> expected = {1, 2, 3, 4, 5, 6};
  WalHardState hard_state{1, 1, 0};  // the third write's hard state is its last record
  SECTION("cut inside a record header") {
    std::filesystem::resize_file(written.file, second_end + 5);
    keep = second_end;
  }
  SECTION("cut inside a payload") {
    std::filesystem::resize_file(written.file, second_end + 30);
    keep = second_end;
  }
  SECTION("cut after a whole record of the last write") {
    std::filesystem::resize_file(written.file, second_end + kEntryRecordBytes + 3);
    keep = second_end + kEntryRecordBytes;
    expected.push_back(7);
  }
  SECTION("garbage appended") {
    std::string garbage;
    for (int i = 0; i < 300; ++i) garbage.push_back(static_cast<char>(i * 37 + 11));
    Append(written.file, garbage);
    keep = written.ends[3];
    expected = {1, 2, 3, 4, 5, 6, 7, 8};
    hard_state = WalHardState{1, 1, 2};
  }
  SECTION("zeros appended") {
    Append(written.file, std::string(8192, '\0'));
    keep = written.ends[3];
    expected = {1, 2, 3, 4, 5, 6, 7, 8};
    hard_state = WalHardState{1, 1, 2};
  }
  SECTION("a magic with a bad record appended") {
    Append(written.file, std::string("MLKW") + std::string(40, '\x01'));
    keep = written.ends[3];
    expected = {1, 2, 3, 4, 5, 6, 7, 8};
    hard_state = WalHardState{1, 1, 2};
  }
  uint64_t file_bytes = FileBytes(written.file);
  WalRecovery recovery;
  {
    auto wal = MustOpen(dir.path(), &recovery);
    CHECK(recovery.truncated_bytes == file_bytes - keep);
    CHECK(FileBytes(written.file) == keep);
    CHECK(Indexes(recovery) == expected);
    CHECK(recovery.hard_state == hard_state);
    MustSave(wal.get(), std::nullopt, {Entry(expected.back() + 1, 1)});
  }
  auto wal = MustOpen(dir.path(), &recovery);
  CHECK(recovery.truncated_bytes == 0);
  CHECK(recovery.entries.size() == expected.size() + 1);
  CHECK(recovery.entries.back() == Entry(expected.back() + 1, 1));
}

TEST_CASE("a bad record inside the last write is a torn tail even with its later records intact") {
  // A multi-page write can reach the disk out of order before a power loss; the whole last
  // write is unacknowledged, so everything from its first bad record on is cut.
  TempDir dir;
  Written written = WriteThree(dir.path());
  FlipByte(written.file, written.ends[2] + kEntryRecordBytes + 20);  // entry 8's payload
  WalRecovery recovery;
  MustOpen(dir.path(), &recovery);
  CHECK(Indexes(recovery) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(recovery.truncated_bytes == written.ends[3] - written.ends[2] - kEntryRecordBytes);
  CHECK(recovery.hard_state == WalHardState{1, 1, 0});
}

TEST_CASE("a bad record followed by an intact later write is corruption and nothing is cut") {
  TempDir dir;
  Written written = WriteThree(dir.path());
  uint64_t second = written.ends[1];  // the second write's first record
  std::string what;
  SECTION("checksum mismatch") {
    FlipByte(written.file, second + 25);
    what = "checksum mismatch";
  }
  SECTION("bad magic") {
    Overwrite(written.file, second, "XXXX");
    what = "bad magic";
  }
  SECTION("oversized length") {
    Overwrite(written.file, second + 4, std::string("\x7f\xff\xff\xff", 4));
    what = "exceeds record_bytes_max";
  }
  SECTION("damaged length within bounds") {
    Overwrite(written.file, second + 4, std::string("\x00\x00\x00\x30", 4));
    what = "checksum mismatch";
  }
  std::string before = ReadWholeFile(written.file);
  Status status = OpenStatus(dir.path());
  INFO(status.ToString());
  CHECK(status.code() == Code::kDataLoss);
  CHECK(status.message().find(written.file + " offset " + std::to_string(second)) !=
        std::string::npos);
  CHECK(status.message().find(what) != std::string::npos);
  CHECK(ReadWholeFile(written.file) == before);
}

WalOptions SmallSegments() {
  WalOptions options;
  options.segment_bytes_max = 2048;
  return options;
}

// Writes entries 1..count, one write each, into small segments.
std::vector<std::string> WriteSegments(const std::string& dir, uint64_t count) {
  WalRecovery recovery;
  auto wal = MustOpen(dir, &recovery, SmallSegments());
  MustSave(wal.get(), WalHardState{1, 1, 0}, {});
  for (uint64_t i = 1; i <= count; ++i) MustSave(wal.get(), std::nullopt, {Entry(i, 1, 200)});
  return SegmentFiles(dir);
}

TEST_CASE("damage at the end of a segment that is not the last is corruption") {
  TempDir dir;
  std::vector<std::string> files = WriteSegments(dir.path(), 40);
  REQUIRE(files.size() >= 3);
  uint64_t bytes = FileBytes(files[1]);
  std::filesystem::resize_file(files[1], bytes - 10);
  Status status = OpenStatus(dir.path(), SmallSegments());
  CHECK(status.code() == Code::kDataLoss);
  CHECK(status.message().find(files[1]) != std::string::npos);
  CHECK(status.message().find("not the last") != std::string::npos);
  CHECK(FileBytes(files[1]) == bytes - 10);
}

TEST_CASE("a damaged or empty segment header is corruption, even in the last segment") {
  TempDir dir;
  std::vector<std::string> files = WriteSegments(dir.path(), 40);
  std::string last = files.back();
  SECTION("flipped byte") { FlipByte(last, 20); }
  SECTION("empty file") { std::filesystem::resize_file(last, 0); }
  SECTION("header cut short") { std::filesystem::resize_file(last, 30); }
  uint64_t bytes = FileBytes(last);
  Status status = OpenStatus(dir.path(), SmallSegments());
  INFO(status.ToString());
  CHECK(status.code() == Code::kDataLoss);
  CHECK(status.message().find(last + " offset 0") != std::string::npos);
  CHECK(FileBytes(last) == bytes);
}

TEST_CASE("a missing segment is corruption") {
  TempDir dir;
  std::vector<std::string> files = WriteSegments(dir.path(), 40);
  REQUIRE(files.size() >= 3);
  SECTION("in the middle") {
    std::filesystem::remove(files[1]);
    CHECK(OpenStatus(dir.path()).message().find("is missing") != std::string::npos);
  }
  SECTION("the first, which compaction was not allowed to delete") {
    std::filesystem::remove(files[0]);
    Status status = OpenStatus(dir.path());
    CHECK(status.code() == Code::kDataLoss);
    CHECK(status.message().find("log entries 1..") != std::string::npos);
  }
  CHECK(OpenStatus(dir.path()).code() == Code::kDataLoss);
}

TEST_CASE("a segment whose name disagrees with its header is corruption") {
  TempDir dir;
  std::vector<std::string> files = WriteSegments(dir.path(), 3);
  REQUIRE(files.size() == 1);
  std::filesystem::rename(files[0], dir.path() + "/wal-0000000000000000-0000000000000002.log");
  Status status = OpenStatus(dir.path());
  CHECK(status.code() == Code::kDataLoss);
  CHECK(status.message().find("does not match the file name") != std::string::npos);
}

TEST_CASE("a segment of another format version is refused") {
  TempDir dir;
  format::SegmentHeader header;
  header.version = 2;
  header.first_index = 1;
  std::string bytes;
  format::AppendRecord(&bytes, format::kFlagWriteStart, header);
  WriteWholeFile(dir.path() + "/wal-0000000000000000-0000000000000001.log", bytes);
  Status status = OpenStatus(dir.path());
  CHECK(status.code() == Code::kFailedPrecondition);
  CHECK(status.message().find("version 2") != std::string::npos);
}

TEST_CASE("an intact record that breaks the log's rules is corruption") {
  TempDir dir;
  Written written = WriteThree(dir.path());  // entries 1..8, commit 2
  std::string record;
  std::string what;
  SECTION("an entry leaving a gap") {
    format::AppendRecord(&record, format::kFlagWriteStart, Entry(10, 1));
    what = "does not follow";
  }
  SECTION("a truncation of committed entries") {
    format::AppendRecord(&record, format::kFlagWriteStart, format::Truncate{2});
    what = "committed";
  }
  SECTION("a hard state whose term goes back") {
    format::AppendRecord(&record, format::kFlagWriteStart, WalHardState{0, 0, 2});
    what = "term goes back";
  }
  SECTION("a second segment header") {
    format::SegmentHeader header;
    header.first_index = 9;
    format::AppendRecord(&record, format::kFlagWriteStart, header);
    what = "segment header inside";
  }
  Append(written.file, record);
  Status status = OpenStatus(dir.path());
  INFO(status.ToString());
  CHECK(status.code() == Code::kDataLoss);
  CHECK(status.message().find(written.file + " offset " + std::to_string(written.ends[3])) !=
        std::string::npos);
  CHECK(status.message().find(what) != std::string::npos);
}

TEST_CASE("a leftover temporary segment is removed on open") {
  TempDir dir;
  WriteThree(dir.path());
  std::string temp = dir.path() + "/wal-0000000000000001-0000000000000009.log.tmp";
  WriteWholeFile(temp, "half-written segment");
  WalRecovery recovery;
  MustOpen(dir.path(), &recovery);
  CHECK(recovery.entries.size() == 8);
  CHECK_FALSE(std::filesystem::exists(temp));
}

}  // namespace
}  // namespace milk::node::wal
