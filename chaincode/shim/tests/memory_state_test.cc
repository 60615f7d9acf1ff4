#include "chaincode/shim/memory_state.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace milk::chaincode {
namespace {

std::vector<std::string> ScanKeys(MemoryState& state, const std::string& ns,
                                  const std::string& start, const std::string& end,
                                  size_t stop_after = 1000) {
  std::vector<std::string> keys;
  Status s = state.Scan(ns, start, end, [&](const std::string& key, const VersionedValue&) {
    keys.push_back(key);
    return keys.size() < stop_after;
  });
  REQUIRE(s.ok());
  return keys;
}

TEST_CASE("MemoryState stores values with versions per namespace", "[memory_state]") {
  MemoryState state;
  state.Put("cc", "k", "v1", Version{1, 0});
  state.Put("cc", "k", "v2", Version{2, 3});
  state.Put("other", "k", "x", Version{1, 1});

  auto got = state.Get("cc", "k");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->value == "v2");
  CHECK((*got)->version == Version{2, 3});
  CHECK((*state.Get("other", "k"))->value == "x");
  CHECK_FALSE(state.Get("cc", "missing")->has_value());
  CHECK_FALSE(state.Get("nobody", "k")->has_value());
  CHECK(state.Size() == 2);

  state.Delete("cc", "k", Version{3, 0});
  CHECK_FALSE(state.Get("cc", "k")->has_value());
  CHECK(state.Size() == 1);
  state.Delete("cc", "never", Version{3, 1});  // deleting an absent key is harmless
  CHECK(state.Size() == 1);
}

TEST_CASE("MemoryState scans [start, end) in byte order and stops when asked", "[memory_state]") {
  MemoryState state;
  for (const char* key : {"d", "a", "c", "b", "\xff"}) state.Put("cc", key, "v", Version{1, 0});
  state.Put("other", "b2", "v", Version{1, 0});

  CHECK(ScanKeys(state, "cc", "b", "d") == std::vector<std::string>{"b", "c"});
  CHECK(ScanKeys(state, "cc", "", "") == std::vector<std::string>{"a", "b", "c", "d", "\xff"});
  CHECK(ScanKeys(state, "cc", "bb", "") == std::vector<std::string>{"c", "d", "\xff"});
  CHECK(ScanKeys(state, "cc", "", "", 2) == std::vector<std::string>{"a", "b"});
  CHECK(ScanKeys(state, "cc", "x", "y").empty());
  CHECK(ScanKeys(state, "none", "", "").empty());
}

TEST_CASE("MemoryState keeps history, oldest first, including deletes", "[memory_state]") {
  MemoryState state;
  state.Put("cc", "k", "v1", Version{1, 0}, "tx1", 100);
  state.Delete("cc", "k", Version{2, 0}, "tx2", 200);
  state.Put("cc", "k", "v3", Version{3, 1}, "tx3", 300);

  auto history = state.History("cc", "k");
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK((*history)[0].tx_id == "tx1");
  CHECK((*history)[0].value == "v1");
  CHECK_FALSE((*history)[0].is_delete);
  CHECK((*history)[1].is_delete);
  CHECK((*history)[1].timestamp_ms == 200);
  CHECK((*history)[2].version == Version{3, 1});
  CHECK(state.History("cc", "unknown")->empty());
}

TEST_CASE("MemoryState applies a read/write set", "[memory_state]") {
  MemoryState state;
  state.Put("cc", "gone", "old", Version{1, 0});
  milkpb::TxReadWriteSet rwset;
  auto* ns = rwset.add_ns_rwset();
  ns->set_namespace_("cc");
  auto* put = ns->add_writes();
  put->set_key("new");
  put->set_value("v");
  auto* del = ns->add_writes();
  del->set_key("gone");
  del->set_is_delete(true);

  state.Apply(rwset, Version{2, 5}, "tx", 42);
  auto got = state.Get("cc", "new");
  REQUIRE(got->has_value());
  CHECK((*got)->version == Version{2, 5});
  CHECK_FALSE(state.Get("cc", "gone")->has_value());
  CHECK(state.History("cc", "gone")->back().tx_id == "tx");
}

TEST_CASE("MemoryState injects read failures until cleared", "[memory_state]") {
  MemoryState state;
  state.Put("cc", "k", "v", Version{1, 0});
  state.FailReadsWith(IoError("disk on fire"));
  CHECK(state.Get("cc", "k").status().code() == Code::kUnavailable);
  CHECK_FALSE(
      state.Scan("cc", "", "", [](const std::string&, const VersionedValue&) { return true; })
          .ok());
  CHECK_FALSE(state.History("cc", "k").ok());
  state.FailReadsWith(Status::Ok());
  CHECK(state.Get("cc", "k").ok());
}

}  // namespace
}  // namespace milk::chaincode
