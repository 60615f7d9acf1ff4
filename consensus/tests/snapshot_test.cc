// Scenario tests of snapshots and log compaction.
#include <catch2/catch.hpp>

#include "consensus/tests/test_cluster.h"

namespace milk::consensus {
namespace {

using testing::TestCluster;
using M = milkpb::RaftMessage;

const std::vector<std::string> kFive = {"a", "b", "c", "d", "e"};

// Node 3 misses five entries, then the leader compacts them away.
void BehindAndCompacted(TestCluster& c) {
  REQUIRE(c.Elect(1));
  c.Isolate(3);
  for (const std::string& s : kFive) REQUIRE(c.node(1).Propose(s).ok());
  c.Stabilize();
  c.CompactAt(1);
  REQUIRE(c.storage(1).FirstIndex() == 7);
  c.HealAll();
}

TEST_CASE("Snapshot: a follower that needs compacted entries gets a snapshot, then entries") {
  TestCluster c({1, 2, 3});
  BehindAndCompacted(c);
  c.Tick(1);
  c.Stabilize();
  CHECK(c.snapshots_sent() == 1);
  CHECK(c.applied(3) == kFive);
  CHECK(c.storage(3).FirstIndex() == 7);  // its log starts after the snapshot
  REQUIRE(c.node(1).Propose("f").ok());
  c.Stabilize();
  CHECK(c.applied(3).back() == "f");
  // After a restart it resumes from the snapshot and re-applies only what follows it.
  c.Crash(3);
  c.Restart(3);
  c.Tick(1);
  c.Stabilize();
  CHECK(c.applied(3) == std::vector<std::string>{"a", "b", "c", "d", "e", "f"});
}

TEST_CASE("Snapshot: a lost snapshot is reported and sent again after a heartbeat") {
  TestCluster c({1, 2, 3});
  BehindAndCompacted(c);
  int dropped = 0;
  c.SetDropFilter([&dropped](const M& m) {
    if (m.type() == M::SNAPSHOT && dropped == 0) return ++dropped, true;
    return false;
  });
  c.Tick(1);
  c.Stabilize();
  CHECK(dropped == 1);
  CHECK(c.applied(3).empty());
  for (const PeerStatus& p : c.status(1).progress) {
    if (p.id == 3) CHECK(p.state == ProgressState::kProbe);  // the failure report took it back
  }
  c.Tick(1);
  c.Stabilize();
  CHECK(c.snapshots_sent() == 1);
  CHECK(c.applied(3) == kFive);
}

TEST_CASE("Snapshot: one the follower already covers changes nothing") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  REQUIRE(c.node(1).Propose("a").ok());
  c.Stabilize();
  const RaftStatus before = c.status(2);
  M m = testing::Msg(M::SNAPSHOT, 1, 2, before.term);
  m.mutable_snapshot()->mutable_meta()->set_index(1);
  m.mutable_snapshot()->mutable_meta()->set_term(1);
  REQUIRE(c.node(2).Step(m).ok());
  Ready rd = c.node(2).GetReady();
  CHECK_FALSE(rd.snapshot.has_value());
  REQUIRE(rd.messages.size() == 1);
  CHECK(rd.messages[0].type() == M::APPEND_RESPONSE);
  CHECK(rd.messages[0].index() == before.commit);
  c.node(2).Advance(rd);
  CHECK(c.status(2).last_index == before.last_index);
}

TEST_CASE("Snapshot: a follower holding the snapshot's last entry keeps its log") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  // Node 2 holds entries 2..3 but does not know they are committed.
  c.SetDropFilter([](const M& m) { return m.to() == 2 && m.type() == M::HEARTBEAT; });
  c.Cut(1, 3);
  REQUIRE(c.node(1).Propose("a").ok());
  REQUIRE(c.node(1).Propose("b").ok());
  c.Stabilize();
  c.ClearDropFilter();
  REQUIRE(c.status(2).last_index == 3);
  M m = testing::Msg(M::SNAPSHOT, 1, 2, c.status(1).term);
  m.mutable_snapshot()->mutable_meta()->set_index(2);
  m.mutable_snapshot()->mutable_meta()->set_term(c.status(1).term);
  REQUIRE(c.node(2).Step(m).ok());
  CHECK(c.status(2).commit >= 2);
  CHECK(c.status(2).last_index == 3);
  Ready rd = c.node(2).GetReady();
  CHECK_FALSE(rd.snapshot.has_value());
  c.node(2).Advance(rd);
}

}  // namespace
}  // namespace milk::consensus
