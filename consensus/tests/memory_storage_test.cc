#include <catch2/catch.hpp>

#include "consensus/storage.h"

namespace milk::consensus {
namespace {

milkpb::RaftEntry E(uint64_t index, uint64_t term, std::string data = "") {
  milkpb::RaftEntry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(std::move(data));
  return e;
}

std::vector<uint64_t> Indices(const std::vector<milkpb::RaftEntry>& es) {
  std::vector<uint64_t> out;
  for (const auto& e : es) out.push_back(e.index());
  return out;
}

TEST_CASE("MemoryStorage starts empty at index 0") {
  MemoryStorage s;
  CHECK(s.FirstIndex() == 1);
  CHECK(s.LastIndex() == 0);
  CHECK(s.Term(0).value() == 0);
  CHECK(s.Term(1).status().code() == Code::kUnavailable);
  CHECK(s.Snapshot()->meta().index() == 0);
}

TEST_CASE("MemoryStorage appends, overwrites a conflicting tail and refuses gaps") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1), E(3, 2)}).ok());
  CHECK(s.LastIndex() == 3);
  CHECK(s.Term(3).value() == 2);

  // A new leader's entries replace the tail from index 2.
  REQUIRE(s.Append({E(2, 3), E(3, 3), E(4, 3)}).ok());
  CHECK(s.LastIndex() == 4);
  CHECK(s.Term(2).value() == 3);

  Status gap = s.Append({E(6, 3)});
  CHECK(gap.code() == Code::kInvalidArgument);
  Status holes = s.Append({E(5, 3), E(7, 3)});
  CHECK(holes.code() == Code::kInvalidArgument);
  CHECK(s.LastIndex() == 4);  // nothing changed
}

TEST_CASE("MemoryStorage returns entries within a byte budget, at least one") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1, "aaaa"), E(2, 1, "bbbb"), E(3, 1, "cccc")}).ok());
  CHECK(Indices(s.Entries(1, 4, 100).value()) == std::vector<uint64_t>{1, 2, 3});
  CHECK(Indices(s.Entries(1, 4, 8).value()) == std::vector<uint64_t>{1, 2});
  CHECK(Indices(s.Entries(1, 4, 0).value()) == std::vector<uint64_t>{1});
  CHECK(s.Entries(1, 5, 100).status().code() == Code::kUnavailable);
}

TEST_CASE("MemoryStorage snapshots, compacts and reports compacted indices") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1), E(3, 2), E(4, 2)}).ok());
  milkpb::RaftConfState conf;
  conf.add_voters(1);
  auto snap = s.CreateSnapshot(3, conf, "state@3");
  REQUIRE(snap.ok());
  CHECK(snap->meta().term() == 2);
  CHECK(s.FirstIndex() == 1);  // creating a snapshot keeps the entries

  CHECK(s.Compact(4).code() == Code::kFailedPrecondition);  // past the snapshot
  REQUIRE(s.Compact(2).ok());
  CHECK(s.FirstIndex() == 3);
  CHECK(s.Term(2).value() == 1);  // the term just before the first entry is kept
  CHECK(IsCompacted(s.Term(1).status()));
  CHECK(IsCompacted(s.Entries(2, 4, 100).status()));
  CHECK(IsCompacted(s.Compact(2)));

  CHECK(s.CreateSnapshot(3, conf, "again").status().code() == Code::kFailedPrecondition);
  CHECK(s.CreateSnapshot(9, conf, "ahead").status().code() == Code::kOutOfRange);
}

TEST_CASE("MemoryStorage installs a newer snapshot and refuses an older one") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1)}).ok());
  milkpb::RaftSnapshot snap;
  snap.mutable_meta()->set_index(10);
  snap.mutable_meta()->set_term(4);
  snap.mutable_meta()->mutable_conf_state()->add_voters(7);
  REQUIRE(s.ApplySnapshot(snap).ok());
  CHECK(s.FirstIndex() == 11);
  CHECK(s.LastIndex() == 10);
  CHECK(s.Term(10).value() == 4);
  CHECK(s.InitialState()->conf_state.voters(0) == 7);

  milkpb::RaftSnapshot old;
  old.mutable_meta()->set_index(5);
  CHECK(s.ApplySnapshot(old).code() == Code::kFailedPrecondition);
  CHECK(s.FirstIndex() == 11);

  // Entries at or below the snapshot are skipped on append.
  REQUIRE(s.Append({E(10, 4), E(11, 4)}).ok());
  CHECK(s.LastIndex() == 11);
}

}  // namespace
}  // namespace milk::consensus
