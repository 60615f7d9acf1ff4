#include "node/storage/ledger_db.h"

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "node/storage/tests/temp_dir.h"

namespace milk::node {
namespace {

using chaincode::Version;
using testing::TempDir;

std::unique_ptr<LedgerDb> MustOpen(const std::string& dir) {
  auto db = LedgerDb::Open(dir, LedgerDbOptions{});
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

StateWrite Put(std::string ns, std::string key, std::string value, Version version) {
  StateWrite write;
  write.ns = std::move(ns);
  write.key = std::move(key);
  write.value = std::move(value);
  write.version = version;
  write.tx_id =
      "tx-" + std::to_string(version.block_number) + "-" + std::to_string(version.tx_index);
  write.timestamp_ms = 1000 * static_cast<int64_t>(version.block_number) + version.tx_index;
  return write;
}

StateWrite Delete(std::string ns, std::string key, Version version) {
  StateWrite write = Put(std::move(ns), std::move(key), "", version);
  write.is_delete = true;
  return write;
}

// A commit for block `number` with the given writes; one tx record per distinct tx index.
BlockCommit Block(uint64_t number, std::vector<StateWrite> writes) {
  BlockCommit commit;
  commit.number = number;
  commit.location = BlockLocation{BlockPosition{0, number * 100}, 90};
  for (const StateWrite& write : writes) {
    if (commit.txs.empty() || commit.txs.back().first != write.tx_id) {
      commit.txs.emplace_back(write.tx_id, TxRecord{number, write.version.tx_index, 0});
    }
  }
  commit.writes = std::move(writes);
  commit.savepoint.height = number + 1;
  commit.savepoint.next_position = BlockPosition{0, (number + 1) * 100};
  commit.savepoint.last_header_hash = std::string(32, static_cast<char>('a' + number));
  commit.savepoint.commit_hash = std::string(32, static_cast<char>('A' + number));
  return commit;
}

void MustCommit(LedgerDb* db, const BlockCommit& commit) {
  Status status = db->CommitBlock(commit);
  INFO(status.ToString());
  REQUIRE(status.ok());
}

std::optional<chaincode::VersionedValue> MustGet(chaincode::StateReader* reader,
                                                 const std::string& ns, const std::string& key) {
  auto got = reader->Get(ns, key);
  REQUIRE(got.ok());
  return *got;
}

std::optional<chaincode::VersionedValue> MustGet(LedgerDb* db, const std::string& ns,
                                                 const std::string& key) {
  auto got = db->GetState(ns, key);
  REQUIRE(got.ok());
  return *got;
}

std::vector<std::string> ScanKeys(chaincode::StateReader* reader, const std::string& ns,
                                  const std::string& start, const std::string& end) {
  std::vector<std::string> keys;
  Status status =
      reader->Scan(ns, start, end, [&](const std::string& key, const chaincode::VersionedValue&) {
        keys.push_back(key);
        return true;
      });
  REQUIRE(status.ok());
  return keys;
}

TEST_CASE("ledger db: committed writes are readable with their versions") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  CHECK_FALSE(MustGet(db.get(), "cc", "k").has_value());
  MustCommit(db.get(), Block(0, {Put("cc", "k", "v0", {0, 0}), Put("cc", "j", "j0", {0, 1})}));
  auto k = MustGet(db.get(), "cc", "k");
  REQUIRE(k.has_value());
  CHECK(k->value == "v0");
  CHECK(k->version == Version{0, 0});

  MustCommit(db.get(), Block(1, {Put("cc", "k", "v1", {1, 3})}));
  k = MustGet(db.get(), "cc", "k");
  REQUIRE(k.has_value());
  CHECK(k->value == "v1");
  CHECK(k->version == Version{1, 3});
  CHECK(MustGet(db.get(), "cc", "j")->version == Version{0, 1});
}

TEST_CASE("ledger db: later writes of a key in one block win and deletes remove state") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  MustCommit(db.get(), Block(0, {Put("cc", "a", "first", {0, 0}), Put("cc", "a", "second", {0, 1}),
                                 Put("cc", "b", "kept", {0, 1}), Put("cc", "c", "gone", {0, 1}),
                                 Delete("cc", "c", {0, 2})}));
  CHECK(MustGet(db.get(), "cc", "a")->value == "second");
  CHECK(MustGet(db.get(), "cc", "a")->version == Version{0, 1});
  CHECK_FALSE(MustGet(db.get(), "cc", "c").has_value());

  MustCommit(db.get(), Block(1, {Delete("cc", "b", {1, 0})}));
  CHECK_FALSE(MustGet(db.get(), "cc", "b").has_value());
  auto snapshot = db->Snapshot();
  CHECK(ScanKeys(snapshot.get(), "cc", "", "") == std::vector<std::string>{"a"});
}

TEST_CASE("ledger db: scans cover start up to but excluding end and never leave the namespace") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  const std::string zero("\0", 1);
  const std::vector<std::string> keys = {"",  zero, zero + "\xff", "a",       "b",
                                         "c", "d",  "\xff",        "\xff\xff"};
  std::vector<StateWrite> writes;
  for (const std::string& key : keys) writes.push_back(Put("a", key, "in a", {0, 0}));
  // Neighbouring namespaces whose keys sort right next to namespace "a".
  for (const std::string ns : {"a\x01", "a\xff", "ab", "`"}) {
    writes.push_back(Put(ns, "", "other", {0, 0}));
    writes.push_back(Put(ns, zero, "other", {0, 0}));
    writes.push_back(Put(ns, "b", "other", {0, 0}));
  }
  MustCommit(db.get(), Block(0, writes));
  auto reader = db->Snapshot();

  CHECK(ScanKeys(reader.get(), "a", "", "") == keys);
  CHECK(ScanKeys(reader.get(), "a", "b", "d") == std::vector<std::string>{"b", "c"});
  CHECK(ScanKeys(reader.get(), "a", "b", "") ==
        std::vector<std::string>{"b", "c", "d", "\xff", "\xff\xff"});
  CHECK(ScanKeys(reader.get(), "a", "", "a") == std::vector<std::string>{"", zero, zero + "\xff"});
  CHECK(ScanKeys(reader.get(), "a", zero, zero + "\xff") == std::vector<std::string>{zero});
  CHECK(ScanKeys(reader.get(), "a", "\xff", "") == std::vector<std::string>{"\xff", "\xff\xff"});
  CHECK(ScanKeys(reader.get(), "a", "c", "c").empty());
  CHECK(ScanKeys(reader.get(), "a", "d", "b").empty());
  CHECK(ScanKeys(reader.get(), "ab", "", "") == std::vector<std::string>{"", zero, "b"});
  CHECK(ScanKeys(reader.get(), "missing", "", "").empty());

  int visited = 0;
  REQUIRE(reader
              ->Scan("a", "", "",
                     [&](const std::string&, const chaincode::VersionedValue& v) {
                       CHECK(v.value == "in a");
                       return ++visited < 4;
                     })
              .ok());
  CHECK(visited == 4);
}

TEST_CASE("ledger db: a namespace must be non-empty and free of 0x00") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  const std::string bad_ns = GENERATE(std::string(), std::string("a\0b", 3));
  CHECK(db->GetState(bad_ns, "k").status().code() == Code::kInvalidArgument);
  auto reader = db->Snapshot();
  CHECK(reader->Get(bad_ns, "k").status().code() == Code::kInvalidArgument);
  CHECK(reader->History(bad_ns, "k").status().code() == Code::kInvalidArgument);
  Status scan = reader->Scan(
      bad_ns, "", "", [](const std::string&, const chaincode::VersionedValue&) { return true; });
  CHECK(scan.code() == Code::kInvalidArgument);

  Status commit =
      db->CommitBlock(Block(0, {Put("good", "k", "v", {0, 0}), Put(bad_ns, "k", "v", {0, 0})}));
  CHECK(commit.code() == Code::kInvalidArgument);
  CHECK_FALSE(MustGet(db.get(), "good", "k").has_value());
  CHECK_FALSE(db->GetSavepoint()->has_value());
}

TEST_CASE("ledger db: a snapshot keeps its view across later commits") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  MustCommit(db.get(),
             Block(0, {Put("cc", "changed", "old", {0, 0}), Put("cc", "deleted", "here", {0, 0})}));
  auto snapshot = db->Snapshot();
  MustCommit(db.get(),
             Block(1, {Put("cc", "changed", "new", {1, 0}), Delete("cc", "deleted", {1, 0}),
                       Put("cc", "added", "fresh", {1, 0})}));

  CHECK(MustGet(snapshot.get(), "cc", "changed")->value == "old");
  CHECK(MustGet(snapshot.get(), "cc", "deleted")->value == "here");
  CHECK_FALSE(MustGet(snapshot.get(), "cc", "added").has_value());
  CHECK(ScanKeys(snapshot.get(), "cc", "", "") == std::vector<std::string>{"changed", "deleted"});
  CHECK(snapshot->History("cc", "changed")->size() == 1);

  auto latest = db->Snapshot();
  CHECK(MustGet(latest.get(), "cc", "changed")->value == "new");
  CHECK(ScanKeys(latest.get(), "cc", "", "") == std::vector<std::string>{"added", "changed"});

  // A snapshot may outlive the LedgerDb that made it.
  db.reset();
  CHECK(MustGet(snapshot.get(), "cc", "changed")->value == "old");
}

TEST_CASE("ledger db: history lists every modification oldest first including deletes") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  const std::string zero("\0", 1);
  MustCommit(db.get(),
             Block(0, {Put("cc", "k", "v0", {0, 4}), Put("cc", "kk", "other", {0, 4}),
                       Put("cc", "k" + zero, "other", {0, 4}), Put("dd", "k", "other", {0, 4})}));
  MustCommit(db.get(), Block(1, {Put("cc", "k", "v1", {1, 2})}));
  MustCommit(db.get(), Block(2, {Delete("cc", "k", {2, 0})}));
  MustCommit(db.get(), Block(3, {Put("cc", "k", "v3", {3, 1})}));

  auto history = db->Snapshot()->History("cc", "k");
  REQUIRE(history.ok());
  REQUIRE(history->size() == 4);
  const std::vector<Version> versions = {{0, 4}, {1, 2}, {2, 0}, {3, 1}};
  for (size_t i = 0; i < versions.size(); ++i) {
    const chaincode::HistoryEntry& entry = (*history)[i];
    CHECK(entry.version == versions[i]);
    CHECK(entry.tx_id == "tx-" + std::to_string(versions[i].block_number) + "-" +
                             std::to_string(versions[i].tx_index));
    CHECK(entry.timestamp_ms ==
          1000 * static_cast<int64_t>(versions[i].block_number) + versions[i].tx_index);
  }
  CHECK((*history)[0].value == "v0");
  CHECK((*history)[2].is_delete);
  CHECK((*history)[2].value.empty());
  CHECK_FALSE((*history)[3].is_delete);
  CHECK((*history)[3].value == "v3");

  CHECK(db->Snapshot()->History("cc", "kk")->size() == 1);
  CHECK(db->Snapshot()->History("cc", "k" + zero)->size() == 1);
  CHECK(db->Snapshot()->History("cc", "missing")->empty());
}

TEST_CASE("ledger db: tx and block indexes") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  BlockCommit block0 = Block(0, {Put("cc", "k", "v", {0, 0})});
  block0.txs.emplace_back("invalid-tx", TxRecord{0, 1, 11});
  MustCommit(db.get(), block0);
  BlockCommit block1 = Block(1, {Put("cc", "k", "w", {1, 0})});
  block1.txs.emplace_back("invalid-tx", TxRecord{1, 1, 12});  // a replayed tx id
  block1.txs.emplace_back("tx-1-0", TxRecord{1, 2, 12});      // duplicated in one block
  MustCommit(db.get(), block1);

  auto tx = db->GetTx("invalid-tx");
  REQUIRE(tx.ok());
  REQUIRE(tx->has_value());
  CHECK((*tx)->block_number == 0);
  CHECK((*tx)->tx_index == 1);
  CHECK((*tx)->validation_code == 11);
  auto tx10 = db->GetTx("tx-1-0");
  REQUIRE(tx10->has_value());
  CHECK((*tx10)->tx_index == 0);
  CHECK((*tx10)->validation_code == 0);
  CHECK_FALSE(db->GetTx("never")->has_value());

  auto location = db->GetBlockLocation(1);
  REQUIRE(location.ok());
  REQUIRE(location->has_value());
  CHECK((*location)->position == block1.location.position);
  CHECK((*location)->length == block1.location.length);
  CHECK_FALSE(db->GetBlockLocation(2)->has_value());
}

TEST_CASE("ledger db: the savepoint round-trips") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  CHECK_FALSE(db->GetSavepoint()->has_value());
  BlockCommit commit = Block(0, {});
  commit.savepoint.next_position = BlockPosition{7, 123456789012ull};
  MustCommit(db.get(), commit);
  auto savepoint = db->GetSavepoint();
  REQUIRE(savepoint.ok());
  REQUIRE(savepoint->has_value());
  CHECK((*savepoint)->height == 1);
  CHECK((*savepoint)->next_position == BlockPosition{7, 123456789012ull});
  CHECK((*savepoint)->last_header_hash == commit.savepoint.last_header_hash);
  CHECK((*savepoint)->commit_hash == commit.savepoint.commit_hash);
}

TEST_CASE("ledger db: a commit at the wrong height or with bad fields writes nothing") {
  TempDir dir;
  auto db = MustOpen(dir.path());
  Status early = db->CommitBlock(Block(1, {Put("cc", "k", "v", {1, 0})}));
  CHECK(early.code() == Code::kFailedPrecondition);
  CHECK_FALSE(MustGet(db.get(), "cc", "k").has_value());
  CHECK_FALSE(db->GetSavepoint()->has_value());
  CHECK_FALSE(db->GetTx("tx-1-0")->has_value());
  CHECK_FALSE(db->GetBlockLocation(1)->has_value());

  MustCommit(db.get(), Block(0, {Put("cc", "k", "v0", {0, 0})}));
  Status again = db->CommitBlock(Block(0, {Put("cc", "k", "again", {0, 0})}));
  CHECK(again.code() == Code::kFailedPrecondition);
  CHECK(MustGet(db.get(), "cc", "k")->value == "v0");

  BlockCommit bad_savepoint = Block(1, {Put("cc", "k", "v1", {1, 0})});
  bad_savepoint.savepoint.height = 5;
  CHECK(db->CommitBlock(bad_savepoint).code() == Code::kInvalidArgument);
  BlockCommit bad_version = Block(1, {Put("cc", "k", "v1", {0, 0})});
  CHECK(db->CommitBlock(bad_version).code() == Code::kInvalidArgument);
  CHECK(MustGet(db.get(), "cc", "k")->value == "v0");
  CHECK((*db->GetSavepoint())->height == 1);
}

TEST_CASE("ledger db: reopening keeps everything") {
  TempDir dir;
  {
    auto db = MustOpen(dir.path());
    MustCommit(db.get(), Block(0, {Put("cc", "k", "v0", {0, 0})}));
    MustCommit(db.get(), Block(1, {Put("cc", "k", "v1", {1, 0}), Put("cc", "j", "j1", {1, 1})}));
  }
  auto db = MustOpen(dir.path());
  CHECK((*db->GetSavepoint())->height == 2);
  CHECK(MustGet(db.get(), "cc", "k")->value == "v1");
  CHECK(db->Snapshot()->History("cc", "k")->size() == 2);
  CHECK(db->GetTx("tx-1-1")->has_value());
  CHECK(db->GetBlockLocation(0)->has_value());
  MustCommit(db.get(), Block(2, {}));
}

// Opens the raw RocksDB behind a closed LedgerDb to plant bytes in one column family.
void PlantRaw(const std::string& dir, const std::string& family, const std::string& key,
              const std::string& value) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : {"default", "state", "history", "blocks", "txids", "meta"}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, families, &handles, &raw).ok());
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    if (handle->GetName() == family) {
      REQUIRE(raw->Put(rocksdb::WriteOptions(), handle, key, value).ok());
    }
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    REQUIRE(raw->DestroyColumnFamilyHandle(handle).ok());
  }
  delete raw;
}

TEST_CASE("ledger db: unknown formats on disk are refused") {
  TempDir dir;
  MustOpen(dir.path()).reset();
  SECTION("a value with an unknown format byte is kDataLoss") {
    PlantRaw(dir.path(), "state", std::string("cc\0k", 4), std::string("\x09rest", 5));
    auto db = MustOpen(dir.path());
    auto got = db->GetState("cc", "k");
    CHECK(got.status().code() == Code::kDataLoss);
  }
  SECTION("a database with another key layout does not open") {
    PlantRaw(dir.path(), "meta", "format", std::string("\0\0\0\x02", 4));
    auto db = LedgerDb::Open(dir.path(), LedgerDbOptions{});
    CHECK(db.status().code() == Code::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace milk::node
