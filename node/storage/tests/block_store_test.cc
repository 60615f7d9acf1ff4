#include "node/storage/block_store.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "node/storage/tests/temp_dir.h"

namespace milk::node {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
using testing::WriteWholeFile;

constexpr uint64_t kHeaderBytes = 12;

std::unique_ptr<BlockStore> MustOpen(const std::string& dir, const BlockStoreOptions& options) {
  auto store = BlockStore::Open(dir, options);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::string Payload(int i) { return "block-" + std::to_string(i) + std::string(i * 3, 'x'); }

std::string SegmentPath(const std::string& dir, int index) {
  char name[32];
  std::snprintf(name, sizeof(name), "/segment-%06d.blk", index);
  return dir + name;
}

// Every (location, payload) the store holds from `from`, via Scan.
std::vector<std::pair<BlockLocation, std::string>> ScanAll(const BlockStore& store,
                                                           BlockPosition from = {}) {
  std::vector<std::pair<BlockLocation, std::string>> out;
  Status status = store.Scan(from, [&](const BlockLocation& location, std::string_view payload) {
    out.emplace_back(location, std::string(payload));
    return true;
  });
  INFO(status.ToString());
  REQUIRE(status.ok());
  return out;
}

std::vector<BlockLocation> AppendMany(BlockStore* store, int count) {
  std::vector<BlockLocation> locations;
  for (int i = 0; i < count; ++i) {
    auto location = store->Append(Payload(i));
    REQUIRE(location.ok());
    locations.push_back(*location);
  }
  return locations;
}

BlockStoreOptions SmallSegments() {
  BlockStoreOptions options;
  options.segment_bytes_max = 100;
  return options;
}

TEST_CASE("block store: append then read and scan round trip across segments") {
  TempDir dir;
  auto store = MustOpen(dir.Sub("blocks"), SmallSegments());
  CHECK(store->end() == BlockPosition{0, 0});
  std::vector<BlockLocation> locations = AppendMany(store.get(), 12);
  REQUIRE(locations.back().position.segment >= 3);
  for (size_t i = 0; i < locations.size(); ++i) {
    CHECK(locations[i].length == Payload(static_cast<int>(i)).size());
    // Every segment holds whole records and stays within its bound unless a record is alone.
    uint64_t record_end = locations[i].position.offset + kHeaderBytes + locations[i].length;
    CHECK((record_end <= 100 || locations[i].position.offset == 0));
    auto read = store->Read(locations[i]);
    REQUIRE(read.ok());
    CHECK(*read == Payload(static_cast<int>(i)));
  }
  const BlockLocation& last = locations.back();
  CHECK(store->end() ==
        BlockPosition{last.position.segment, last.position.offset + kHeaderBytes + last.length});

  auto all = ScanAll(*store);
  REQUIRE(all.size() == locations.size());
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].first.position == locations[i].position);
    CHECK(all[i].first.length == locations[i].length);
    CHECK(all[i].second == Payload(static_cast<int>(i)));
  }
  auto tail = ScanAll(*store, locations[5].position);
  REQUIRE(tail.size() == 7);
  CHECK(tail.front().second == Payload(5));
  CHECK(ScanAll(*store, store->end()).empty());

  int visited = 0;
  REQUIRE(
      store->Scan({}, [&](const BlockLocation&, std::string_view) { return ++visited < 3; }).ok());
  CHECK(visited == 3);
}

TEST_CASE("block store: a record larger than a segment goes alone into a fresh one") {
  TempDir dir;
  auto store = MustOpen(dir.path(), SmallSegments());
  REQUIRE(store->Append("small").ok());
  auto big = store->Append(std::string(500, 'b'));
  REQUIRE(big.ok());
  CHECK(big->position == BlockPosition{1, 0});
  auto next = store->Append("after");
  REQUIRE(next.ok());
  CHECK(next->position == BlockPosition{2, 0});
  CHECK(ScanAll(*store).size() == 3);
}

TEST_CASE("block store: reopening keeps every record and appends continue") {
  TempDir dir;
  std::vector<BlockLocation> locations;
  BlockPosition end;
  {
    auto store = MustOpen(dir.path(), SmallSegments());
    locations = AppendMany(store.get(), 9);
    end = store->end();
  }
  auto store = MustOpen(dir.path(), SmallSegments());
  CHECK(store->truncated_bytes() == 0);
  CHECK(store->end() == end);
  auto all = ScanAll(*store);
  REQUIRE(all.size() == 9);
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i].first.position == locations[i].position);
  auto more = store->Append("more");
  REQUIRE(more.ok());
  CHECK(ScanAll(*store).back().second == "more");
}

TEST_CASE("block store: a torn tail is truncated and appends continue after it") {
  TempDir dir;
  BlockStoreOptions options;  // one segment
  std::vector<BlockLocation> locations;
  {
    auto store = MustOpen(dir.path(), options);
    locations = AppendMany(store.get(), 3);
  }
  const std::string path = SegmentPath(dir.path(), 0);
  const std::string intact = ReadWholeFile(path);
  const uint64_t last_start = locations[2].position.offset;
  std::string damaged;
  uint64_t expected_valid = last_start;
  SECTION("cut inside the last header") { damaged = intact.substr(0, last_start + 5); }
  SECTION("cut inside the last payload") { damaged = intact.substr(0, intact.size() - 3); }
  SECTION("checksum of the last record broken") {
    damaged = intact;
    damaged.back() ^= 0x01;
  }
  SECTION("garbage bytes appended") {
    damaged = intact + "\x13garbage\x7f that is not a record";
    expected_valid = intact.size();
  }
  SECTION("zero bytes appended") {
    damaged = intact + std::string(4096, '\0');
    expected_valid = intact.size();
  }
  SECTION("a header claiming a huge length appended") {
    damaged = intact + std::string("MLKB\xff\xff\xff\xff\0\0\0\0", 12);
    expected_valid = intact.size();
  }
  WriteWholeFile(path, damaged);

  auto store = MustOpen(dir.path(), options);
  CHECK(store->truncated_bytes() == damaged.size() - expected_valid);
  CHECK(store->end() == BlockPosition{0, expected_valid});
  CHECK(std::filesystem::file_size(path) == expected_valid);
  size_t kept = expected_valid == intact.size() ? 3 : 2;
  CHECK(ScanAll(*store).size() == kept);

  auto next = store->Append("after the tear");
  REQUIRE(next.ok());
  CHECK(next->position == BlockPosition{0, expected_valid});
  store.reset();
  store = MustOpen(dir.path(), options);
  CHECK(store->truncated_bytes() == 0);
  auto all = ScanAll(*store);
  REQUIRE(all.size() == kept + 1);
  CHECK(all.back().second == "after the tear");
}

TEST_CASE("block store: a bad record followed by good ones in the last segment is corruption") {
  TempDir dir;
  BlockStoreOptions options;
  std::vector<BlockLocation> locations;
  {
    auto store = MustOpen(dir.path(), options);
    locations = AppendMany(store.get(), 3);
  }
  const std::string path = SegmentPath(dir.path(), 0);
  std::string bytes = ReadWholeFile(path);
  const uint64_t middle = locations[1].position.offset;
  std::string expected;
  SECTION("payload byte flipped") {
    bytes[middle + kHeaderBytes + 2] ^= 0x40;
    expected = "segment-000000.blk offset " + std::to_string(middle) + ": checksum mismatch";
  }
  SECTION("magic byte flipped") {
    bytes[middle] ^= 0x01;
    expected = "segment-000000.blk offset " + std::to_string(middle) + ": bad magic";
  }
  WriteWholeFile(path, bytes);

  auto store = BlockStore::Open(dir.path(), options);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kDataLoss);
  CHECK_THAT(store.status().message(), Catch::Contains(expected));
  CHECK(ReadWholeFile(path) == bytes);  // nothing truncated
}

TEST_CASE("block store: reads checksum records of closed segments") {
  TempDir dir;
  std::vector<BlockLocation> locations;
  {
    auto store = MustOpen(dir.path(), SmallSegments());
    locations = AppendMany(store.get(), 12);
  }
  // The second record of segment 0 (closed): Open does not look at it, Read and Scan must.
  REQUIRE(locations[1].position.segment == 0);
  REQUIRE(locations.back().position.segment > 0);
  const std::string path = SegmentPath(dir.path(), 0);
  std::string bytes = ReadWholeFile(path);
  bytes[locations[1].position.offset + kHeaderBytes] ^= 0x20;
  WriteWholeFile(path, bytes);

  auto store = MustOpen(dir.path(), SmallSegments());
  auto read = store->Read(locations[1]);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == Code::kDataLoss);
  CHECK_THAT(read.status().message(),
             Catch::Contains("segment-000000.blk offset " +
                             std::to_string(locations[1].position.offset) + ": checksum mismatch"));
  CHECK(store->Read(locations[0]).ok());
  CHECK(store->Read(locations[2]).ok());
  Status scanned = store->Scan({}, [](const BlockLocation&, std::string_view) { return true; });
  CHECK(scanned.code() == Code::kDataLoss);
}

TEST_CASE("block store: bad requests are refused and change nothing") {
  TempDir dir;
  BlockStoreOptions options;
  options.record_bytes_max = 64;
  auto store = MustOpen(dir.path(), options);
  auto first = store->Append("first");
  REQUIRE(first.ok());
  const BlockPosition end = store->end();

  auto too_big = store->Append(std::string(65, 'x'));
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == Code::kInvalidArgument);
  CHECK(store->end() == end);
  CHECK(std::filesystem::file_size(SegmentPath(dir.path(), 0)) == end.offset);

  auto past_end = store->Read(BlockLocation{end, 4});
  CHECK(past_end.status().code() == Code::kOutOfRange);
  auto wrong_length = store->Read(BlockLocation{first->position, 3});
  CHECK(wrong_length.status().code() == Code::kDataLoss);
  auto not_a_record = store->Read(BlockLocation{BlockPosition{0, 1}, 4});
  CHECK(not_a_record.status().code() == Code::kDataLoss);
  Status scan = store->Scan(BlockPosition{0, end.offset + 1},
                            [](const BlockLocation&, std::string_view) { return true; });
  CHECK(scan.code() == Code::kOutOfRange);
}

TEST_CASE("block store: a missing segment file is corruption") {
  TempDir dir;
  {
    auto store = MustOpen(dir.path(), SmallSegments());
    AppendMany(store.get(), 12);
  }
  std::filesystem::remove(SegmentPath(dir.path(), 1));
  auto store = BlockStore::Open(dir.path(), SmallSegments());
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kDataLoss);
  CHECK_THAT(store.status().message(), Catch::Contains("segment-000001.blk is missing"));
}

TEST_CASE("block store: open fails with the path when the directory cannot be made") {
  TempDir dir;
  WriteWholeFile(dir.Sub("file"), "not a directory");
  auto store = BlockStore::Open(dir.Sub("file") + "/blocks", BlockStoreOptions{});
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.status().message(), Catch::Contains(dir.Sub("file")));
}

TEST_CASE("block store: readers see whole records while a writer appends") {
  TempDir dir;
  BlockStoreOptions options;
  options.segment_bytes_max = 4096;
  options.sync = false;
  auto store = MustOpen(dir.path(), options);
  constexpr int kBlocks = 300;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!done.load()) {
      int index = 0;
      Status status = store->Scan({}, [&](const BlockLocation&, std::string_view payload) {
        if (payload != Payload(index % 40)) failures.fetch_add(1);
        ++index;
        return true;
      });
      if (!status.ok()) failures.fetch_add(1);
    }
  });
  for (int i = 0; i < kBlocks; ++i) REQUIRE(store->Append(Payload(i % 40)).ok());
  done.store(true);
  reader.join();
  CHECK(failures.load() == 0);
  CHECK(ScanAll(*store).size() == kBlocks);
}

}  // namespace
}  // namespace milk::node
