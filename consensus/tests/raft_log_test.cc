#include "consensus/raft_log.h"

#include <catch2/catch.hpp>

namespace milk::consensus {
namespace {

milkpb::RaftEntry E(uint64_t index, uint64_t term, std::string data = "") {
  milkpb::RaftEntry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(std::move(data));
  return e;
}

TEST_CASE("RaftLog reads through storage and the unstable tail") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1)}).ok());
  RaftLog log(&s, 1 << 20);
  CHECK(log.LastIndex() == 2);
  log.Append({E(3, 2), E(4, 2)});
  CHECK(log.LastIndex() == 4);
  CHECK(log.LastTerm() == 2);
  CHECK(log.Term(1).value() == 1);
  CHECK(log.Term(4).value() == 2);
  CHECK(log.Slice(1, 5, 1 << 20)->size() == 4);
  CHECK(log.unstable_entries().size() == 2);

  // Overwrite from index 2 (a new leader): storage's entry 2 is shadowed.
  log.Append({E(2, 3)});
  CHECK(log.LastIndex() == 2);
  CHECK(log.Term(2).value() == 3);
  CHECK(log.unstable_entries().size() == 1);

  // Persisting the old tail does not stabilise the new one (term differs).
  log.StableTo(2, 1);
  CHECK(log.unstable_entries().size() == 1);
  REQUIRE(s.Append(log.unstable_entries()).ok());
  log.StableTo(2, 3);
  CHECK(log.unstable_entries().empty());
  CHECK(log.Term(2).value() == 3);
}

TEST_CASE("RaftLog finds conflicts and hints by term") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1), E(3, 2), E(4, 2), E(5, 3)}).ok());
  RaftLog log(&s, 1 << 20);
  CHECK(log.FindConflict({E(2, 1), E(3, 2)}) == 0);
  CHECK(log.FindConflict({E(4, 2), E(5, 4)}) == 5);
  CHECK(log.FindConflict({E(5, 3), E(6, 3)}) == 6);  // new entries conflict with nothing but count
  // The largest index <= 5 whose term is <= 2 is 4; <= 1 gives 2; term 0 gives 0.
  CHECK(log.FindConflictByTerm(5, 2) == 4);
  CHECK(log.FindConflictByTerm(5, 1) == 2);
  CHECK(log.FindConflictByTerm(5, 0) == 0);
  CHECK(log.FindConflictByTerm(9, 3) == 5);
}

TEST_CASE("RaftLog up-to-date comparison is by last term, then length") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 2)}).ok());
  RaftLog log(&s, 1 << 20);
  CHECK(log.IsUpToDate(2, 2));
  CHECK(log.IsUpToDate(5, 2));
  CHECK(log.IsUpToDate(1, 3));
  CHECK_FALSE(log.IsUpToDate(1, 2));
  CHECK_FALSE(log.IsUpToDate(9, 1));
}

TEST_CASE("RaftLog commits only entries of the given term via MaybeCommit") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1), E(3, 2)}).ok());
  RaftLog log(&s, 1 << 20);
  CHECK_FALSE(log.MaybeCommit(2, 2));  // entry 2 is of term 1
  CHECK(log.committed() == 0);
  CHECK(log.MaybeCommit(3, 2));
  CHECK(log.committed() == 3);
  CHECK_FALSE(log.MaybeCommit(2, 1));  // never backwards
}

TEST_CASE("RaftLog hands out committed entries within the apply budget") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1, "aaaa"), E(2, 1, "bbbb"), E(3, 1, "cccc")}).ok());
  RaftLog log(&s, 6);
  log.CommitTo(3);
  auto first = log.NextCommittedEntries();
  REQUIRE(first.size() == 1);  // 4 + 4 > 6
  log.AppliedTo(1);
  CHECK(log.NextCommittedEntries().front().index() == 2);
  log.AppliedTo(3);
  CHECK_FALSE(log.HasNextCommittedEntries());
}

TEST_CASE("RaftLog restores from a snapshot and applies after it") {
  MemoryStorage s;
  REQUIRE(s.Append({E(1, 1), E(2, 1)}).ok());
  RaftLog log(&s, 1 << 20);
  milkpb::RaftSnapshot snap;
  snap.mutable_meta()->set_index(20);
  snap.mutable_meta()->set_term(5);
  log.Restore(snap);
  CHECK(log.FirstIndex() == 21);
  CHECK(log.LastIndex() == 20);
  CHECK(log.committed() == 20);
  CHECK(log.Term(20).value() == 5);
  CHECK(IsCompacted(log.Term(19).status()));
  CHECK_FALSE(log.HasNextCommittedEntries());  // nothing after the snapshot yet
  log.Append({E(21, 5)});
  log.CommitTo(21);
  CHECK(log.NextCommittedEntries().front().index() == 21);
  log.StableSnapshotTo(20);
  CHECK_FALSE(log.unstable_snapshot().has_value());
}

}  // namespace
}  // namespace milk::consensus
