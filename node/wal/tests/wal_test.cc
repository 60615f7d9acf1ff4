// Saving, reopening, suffix overwrite, snapshot marks, rollover, compaction and refusals.
#include "node/wal/wal.h"

#include <sys/resource.h>

#include <csignal>

#include "node/wal/tests/wal_test_util.h"
#include "node/wal/wal_format.h"

namespace milk::node::wal {
namespace {

using namespace testing;  // NOLINT

WalRecovery Reopen(const std::string& dir, const WalOptions& options = {}) {
  WalRecovery recovery;
  MustOpen(dir, &recovery, options);
  return recovery;
}

TEST_CASE("a new WAL is empty and has one segment") {
  TempDir dir;
  WalRecovery recovery;
  auto wal = MustOpen(dir.Sub("wal"), &recovery);
  CHECK_FALSE(recovery.hard_state);
  CHECK_FALSE(recovery.snapshot_mark);
  CHECK(recovery.entries.empty());
  CHECK(wal->LastIndex() == 0);
  REQUIRE(SegmentFiles(dir.Sub("wal")).size() == 1);
  CHECK(SegmentFiles(dir.Sub("wal"))[0] ==
        dir.Sub("wal") + "/wal-0000000000000000-0000000000000001.log");
}

TEST_CASE("saved hard state and entries come back after reopen") {
  TempDir dir;
  WalHardState hard_state{3, 2, 4};
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), WalHardState{1, 0, 0}, Entries(1, 3, 1));
    MustSave(wal.get(), hard_state, Entries(4, 6, 3, 5000));
    CHECK(wal->LastIndex() == 6);
    CHECK(wal->hard_state() == hard_state);
  }
  WalRecovery recovery = Reopen(dir.path());
  CHECK(recovery.hard_state == hard_state);
  std::vector<WalEntry> expected = Entries(1, 3, 1);
  for (WalEntry& entry : Entries(4, 6, 3, 5000)) expected.push_back(entry);
  CHECK(recovery.entries == expected);
  CHECK(recovery.truncated_bytes == 0);
}

TEST_CASE("saving nothing new writes nothing") {
  TempDir dir;
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery);
  MustSave(wal.get(), WalHardState{2, 1, 0}, Entries(1, 2, 2));
  uint64_t bytes = FileBytes(SegmentFiles(dir.path())[0]);
  MustSave(wal.get(), std::nullopt, {});
  MustSave(wal.get(), WalHardState{2, 1, 0}, {});  // same hard state as saved
  CHECK(FileBytes(SegmentFiles(dir.path())[0]) == bytes);
}

TEST_CASE("entries overwriting a suffix replace it, also after reopen") {
  TempDir dir;
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), WalHardState{1, 1, 3}, Entries(1, 10, 1));
    // A new leader of term 2 disagrees from index 6 on.
    MustSave(wal.get(), WalHardState{2, 0, 3}, Entries(6, 7, 2));
    CHECK(wal->LastIndex() == 7);
  }
  WalRecovery recovery = Reopen(dir.path());
  std::vector<WalEntry> expected = Entries(1, 5, 1);
  expected.push_back(Entry(6, 2));
  expected.push_back(Entry(7, 2));
  CHECK(recovery.entries == expected);
  {
    // Appending continues after the new suffix, and an overwrite of the last entry works.
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), std::nullopt, Entries(8, 9, 2));
    MustSave(wal.get(), WalHardState{3, 0, 3}, Entries(9, 9, 3));
  }
  recovery = Reopen(dir.path());
  REQUIRE(recovery.entries.size() == 9);
  CHECK(recovery.entries[7] == Entry(8, 2));
  CHECK(recovery.entries[8] == Entry(9, 3));
}

TEST_CASE("entries the log already holds are skipped, later ones are kept") {
  TempDir dir;
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), WalHardState{1, 1, 5}, Entries(1, 8, 1));
    uint64_t bytes = FileBytes(SegmentFiles(dir.path())[0]);
    MustSave(wal.get(), std::nullopt, Entries(3, 5, 1));  // committed, but the same entries
    CHECK(FileBytes(SegmentFiles(dir.path())[0]) == bytes);
    CHECK(wal->LastIndex() == 8);
    MustSave(wal.get(), std::nullopt, Entries(7, 9, 1));                     // only 9 is new
    MustSave(wal.get(), WalHardState{2, 0, 5}, {Entry(8, 1), Entry(9, 2)});  // conflict at 9
    CHECK(wal->LastIndex() == 9);
  }
  WalRecovery recovery = Reopen(dir.path());
  std::vector<WalEntry> expected = Entries(1, 8, 1);
  expected.push_back(Entry(9, 2));
  CHECK(recovery.entries == expected);
}

TEST_CASE("refused saves write nothing and leave the WAL usable") {
  TempDir dir;
  WalOptions options;
  options.record_bytes_max = 4096;
  options.write_bytes_max = 16384;
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery, options);
  MustSave(wal.get(), WalHardState{2, 7, 3}, Entries(1, 5, 2));
  REQUIRE(wal->SaveSnapshotMark(WalSnapshotMark{2, 2, "conf"}).ok());
  std::string file = SegmentFiles(dir.path())[0];
  uint64_t bytes = FileBytes(file);

  auto refused = [&](const std::optional<WalHardState>& hard_state,
                     const std::vector<WalEntry>& entries, const std::string& why) {
    Status status = wal->Save(hard_state, entries);
    INFO(status.ToString());
    CHECK(status.code() == Code::kInvalidArgument);
    CHECK(status.message().find(why) != std::string::npos);
    CHECK(FileBytes(file) == bytes);
    CHECK(wal->LastIndex() == 5);
  };
  refused(std::nullopt, Entries(7, 8, 2), "gap");
  refused(std::nullopt, Entries(2, 3, 2), "at or below the snapshot mark");
  refused(std::nullopt, {Entry(6, 2), Entry(8, 2)}, "not contiguous");
  refused(std::nullopt, {Entry(6, 3), Entry(7, 2)}, "lower term");
  refused(std::nullopt, Entries(6, 6, 1), "below the term");
  refused(std::nullopt, Entries(3, 4, 3), "committed");
  refused(WalHardState{1, 7, 3}, {}, "term goes back");
  refused(WalHardState{2, 8, 3}, {}, "vote changes");
  refused(WalHardState{2, 7, 2}, {}, "commit goes back");
  refused(std::nullopt, Entries(6, 6, 2, 5000), "record_bytes_max");
  refused(std::nullopt, Entries(6, 10, 2, 4000), "write_bytes_max");

  MustSave(wal.get(), WalHardState{3, 1, 4}, Entries(6, 6, 3));
  wal.reset();
  recovery = Reopen(dir.path(), options);  // the refused saves left no trace
  CHECK(recovery.entries ==
        std::vector<WalEntry>{Entry(3, 2), Entry(4, 2), Entry(5, 2), Entry(6, 3)});
}

TEST_CASE("a snapshot mark drops the entries it covers") {
  TempDir dir;
  WalSnapshotMark mark{4, 1, "voters=1,2,3"};
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), WalHardState{1, 1, 6}, Entries(1, 8, 1));
    REQUIRE(wal->SaveSnapshotMark(mark).ok());
    REQUIRE(wal->SaveSnapshotMark(mark).ok());  // the same mark again is harmless
    CHECK(wal->LastIndex() == 8);
    CHECK(wal->snapshot_mark() == mark);
  }
  WalRecovery recovery = Reopen(dir.path());
  CHECK(recovery.snapshot_mark == mark);
  CHECK(recovery.entries == Entries(5, 8, 1));
}

TEST_CASE("a snapshot mark beyond the log starts the log after it") {
  TempDir dir;
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), WalHardState{1, 0, 2}, Entries(1, 3, 1));
    REQUIRE(wal->SaveSnapshotMark(WalSnapshotMark{100, 5, ""}).ok());
    CHECK(wal->LastIndex() == 100);
    CHECK(wal->Save(std::nullopt, Entries(3, 3, 5)).code() == Code::kInvalidArgument);
    MustSave(wal.get(), WalHardState{5, 0, 100}, Entries(101, 102, 5));
  }
  WalRecovery recovery = Reopen(dir.path());
  CHECK(recovery.snapshot_mark->index == 100);
  CHECK(recovery.entries == Entries(101, 102, 5));
}

TEST_CASE("a snapshot mark that disagrees with the log replaces the log") {
  TempDir dir;
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery);
    MustSave(wal.get(), WalHardState{2, 0, 3}, Entries(1, 10, 2));
    // The leader's snapshot has index 7 in term 3: our entries 4.. were never committed.
    REQUIRE(wal->SaveSnapshotMark(WalSnapshotMark{7, 3, ""}).ok());
    CHECK(wal->LastIndex() == 7);
  }
  WalRecovery recovery = Reopen(dir.path());
  CHECK(recovery.entries.empty());
  auto wal = MustOpen(dir.path(), &recovery);
  CHECK(wal->LastIndex() == 7);
  MustSave(wal.get(), std::nullopt, Entries(8, 8, 3));
}

TEST_CASE("invalid snapshot marks are refused") {
  TempDir dir;
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery);
  MustSave(wal.get(), WalHardState{2, 0, 5}, Entries(1, 8, 2));
  REQUIRE(wal->SaveSnapshotMark(WalSnapshotMark{4, 2, ""}).ok());
  uint64_t bytes = FileBytes(SegmentFiles(dir.path())[0]);
  CHECK(wal->SaveSnapshotMark(WalSnapshotMark{0, 0, ""}).code() == Code::kInvalidArgument);
  CHECK(wal->SaveSnapshotMark(WalSnapshotMark{3, 2, ""}).code() == Code::kInvalidArgument);
  CHECK(wal->SaveSnapshotMark(WalSnapshotMark{4, 3, ""}).code() == Code::kInvalidArgument);
  CHECK(wal->SaveSnapshotMark(WalSnapshotMark{5, 1, ""}).code() == Code::kInvalidArgument);
  Status committed = wal->SaveSnapshotMark(WalSnapshotMark{5, 3, ""});  // entry 5 is committed
  CHECK(committed.code() == Code::kInvalidArgument);
  CHECK(committed.message().find("committed") != std::string::npos);
  CHECK(FileBytes(SegmentFiles(dir.path())[0]) == bytes);
  CHECK(wal->LastIndex() == 8);
}

WalOptions SmallSegments() {
  WalOptions options;
  options.segment_bytes_max = 4096;
  options.record_bytes_max = 8192;
  return options;
}

TEST_CASE("writes roll over into new segments and all of them are read back") {
  TempDir dir;
  WalOptions options = SmallSegments();
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery, options);
    for (uint64_t i = 1; i <= 100; ++i) {
      MustSave(wal.get(), WalHardState{1, 1, i - 1}, {Entry(i, 1, 200)});
    }
    CHECK(wal->segment_count() > 3);
    // A write larger than a segment goes alone into a fresh one.
    MustSave(wal.get(), std::nullopt, Entries(101, 101, 1, 6000));
    MustSave(wal.get(), std::nullopt, Entries(102, 102, 1, 10));
  }
  std::vector<std::string> files = SegmentFiles(dir.path());
  REQUIRE(files.size() > 4);
  for (size_t i = 0; i + 2 < files.size(); ++i) CHECK(FileBytes(files[i]) <= 4096);
  CHECK(FileBytes(files[files.size() - 2]) > 6000);
  // Names carry contiguous seqs and the first index each segment was started for.
  CHECK(files[0].substr(files[0].size() - 41) == "wal-0000000000000000-0000000000000001.log");
  CHECK(files[1].find("wal-0000000000000001-") != std::string::npos);
  WalRecovery recovery = Reopen(dir.path(), options);
  std::vector<WalEntry> expected = Entries(1, 100, 1, 200);
  expected.push_back(Entry(101, 1, 6000));
  expected.push_back(Entry(102, 1, 10));
  CHECK(recovery.entries == expected);
  CHECK(recovery.hard_state == WalHardState{1, 1, 99});
}

TEST_CASE("compaction deletes only segments wholly covered by the snapshot mark") {
  TempDir dir;
  WalOptions options = SmallSegments();
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery, options);
  // The only hard state and the only mark are written early; later segments repeat them.
  MustSave(wal.get(), WalHardState{1, 1, 150}, {Entry(1, 1, 200)});
  for (uint64_t i = 2; i <= 200; ++i) MustSave(wal.get(), std::nullopt, {Entry(i, 1, 200)});
  CHECK(wal->Compact(1).code() == Code::kFailedPrecondition);  // no mark yet
  REQUIRE(wal->SaveSnapshotMark(WalSnapshotMark{150, 1, "conf"}).ok());
  CHECK(wal->Compact(151).code() == Code::kFailedPrecondition);
  size_t before = wal->segment_count();
  REQUIRE(wal->Compact(150).ok());
  size_t after = wal->segment_count();
  CHECK(after < before);
  CHECK(after >= 2);
  // The oldest remaining segment holds entry 151 or starts before it.
  std::vector<std::string> files = SegmentFiles(dir.path());
  REQUIRE(files.size() == after);
  std::string first_name = files[0].substr(files[0].size() - 20, 16);
  CHECK(std::stoull(first_name, nullptr, 16) <= 151);
  REQUIRE(wal->Compact(150).ok());  // nothing more to delete
  CHECK(wal->segment_count() == after);
  wal.reset();

  recovery = Reopen(dir.path(), options);
  CHECK(recovery.hard_state == WalHardState{1, 1, 150});
  CHECK(recovery.snapshot_mark == WalSnapshotMark{150, 1, "conf"});
  CHECK(recovery.entries == Entries(151, 200, 1, 200));
  wal = MustOpen(dir.path(), &recovery, options);
  MustSave(wal.get(), std::nullopt, {Entry(201, 1)});
}

TEST_CASE("compaction may delete the segment that recorded the newest mark and hard state") {
  TempDir dir;
  WalOptions options = SmallSegments();
  WalSnapshotMark mark{60, 1, "conf"};
  WalHardState hard_state{1, 1, 60};
  {
    WalRecovery recovery;
    auto wal = MustOpen(dir.path(), &recovery, options);
    for (uint64_t i = 1; i <= 60; ++i) MustSave(wal.get(), std::nullopt, {Entry(i, 1, 200)});
    MustSave(wal.get(), hard_state, {});
    REQUIRE(wal->SaveSnapshotMark(mark).ok());
    size_t recorded_in = wal->segment_count();
    // Too big to share the segment: the segment holding the mark gets no entry above 60.
    MustSave(wal.get(), std::nullopt, {Entry(61, 1, 3500)});
    for (uint64_t i = 62; i <= 120; ++i) MustSave(wal.get(), std::nullopt, {Entry(i, 1, 200)});
    REQUIRE(wal->Compact(60).ok());
    // Every segment up to the one holding the mark and hard state records is gone.
    CHECK(SegmentFiles(dir.path())[0].find(format::SegmentFileName(recorded_in, 61)) !=
          std::string::npos);
  }
  WalRecovery recovery = Reopen(dir.path(), options);
  CHECK(recovery.snapshot_mark == mark);
  CHECK(recovery.hard_state == hard_state);
  std::vector<WalEntry> expected = {Entry(61, 1, 3500)};
  for (WalEntry& entry : Entries(62, 120, 1, 200)) expected.push_back(entry);
  CHECK(recovery.entries == expected);
}

TEST_CASE("a failed rollover leaves the WAL on its segment and usable") {
  TempDir dir;
  WalOptions options = SmallSegments();
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery, options);
  MustSave(wal.get(), WalHardState{1, 1, 0}, Entries(1, 1, 1, 3000));
  // Something in the way of the next segment's temporary file.
  std::string blocker = dir.path() + "/wal-0000000000000001-0000000000000002.log.tmp";
  std::filesystem::create_directory(blocker);
  Status failed = wal->Save(std::nullopt, Entries(2, 2, 1, 3000));
  CHECK(failed.code() == Code::kUnavailable);
  CHECK(wal->LastIndex() == 1);
  CHECK(wal->segment_count() == 1);
  std::filesystem::remove(blocker);
  MustSave(wal.get(), std::nullopt, Entries(2, 2, 1, 3000));
  CHECK(wal->segment_count() == 2);
  wal.reset();
  recovery = Reopen(dir.path(), options);
  CHECK(recovery.entries == Entries(1, 2, 1, 3000));
}

TEST_CASE("compaction never deletes the active segment") {
  TempDir dir;
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery);
  MustSave(wal.get(), WalHardState{1, 0, 5}, Entries(1, 5, 1));
  REQUIRE(wal->SaveSnapshotMark(WalSnapshotMark{5, 1, ""}).ok());
  REQUIRE(wal->Compact(5).ok());
  CHECK(wal->segment_count() == 1);
  wal.reset();
  recovery = Reopen(dir.path());
  CHECK(recovery.entries.empty());
  CHECK(recovery.snapshot_mark->index == 5);
}

TEST_CASE("a WAL directory can be open only once at a time") {
  TempDir dir;
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery);
  auto second = Wal::Open(dir.path(), {}, &recovery);
  CHECK(second.status().code() == Code::kFailedPrecondition);
  wal.reset();
  MustOpen(dir.path(), &recovery);
}

TEST_CASE("options out of range are refused") {
  TempDir dir;
  WalRecovery recovery;
  WalOptions options;
  options.record_bytes_max = 10;
  CHECK(Wal::Open(dir.path(), options, &recovery).status().code() == Code::kInvalidArgument);
  options = WalOptions{};
  options.segment_bytes_max = 0;
  CHECK(Wal::Open(dir.path(), options, &recovery).status().code() == Code::kInvalidArgument);
}

// Lowers the file size limit of this process, so that writes past it fail with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t bytes) {
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = saved_;
    limit.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  struct rlimit saved_;
  void (*old_handler_)(int);
};

TEST_CASE("a failed write is cut back and the WAL stays usable") {
  TempDir dir;
  WalRecovery recovery;
  auto wal = MustOpen(dir.path(), &recovery);
  MustSave(wal.get(), WalHardState{1, 0, 0}, Entries(1, 3, 1));
  std::string file = SegmentFiles(dir.path())[0];
  uint64_t bytes = FileBytes(file);
  {
    FileSizeLimit limit(bytes + 100);
    Status failed = wal->Save(std::nullopt, Entries(4, 4, 1, 1000));
    CHECK(failed.code() == Code::kUnavailable);
    CHECK(FileBytes(file) == bytes);
    CHECK(wal->LastIndex() == 3);
  }
  MustSave(wal.get(), std::nullopt, Entries(4, 4, 1, 1000));
  wal.reset();
  recovery = Reopen(dir.path());
  CHECK(recovery.truncated_bytes == 0);
  std::vector<WalEntry> expected = Entries(1, 3, 1);
  expected.push_back(Entry(4, 1, 1000));
  CHECK(recovery.entries == expected);
}

}  // namespace
}  // namespace milk::node::wal
