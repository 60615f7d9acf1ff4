// Scenario tests of log replication, the commit rule and flow control.
#include <catch2/catch.hpp>

#include "consensus/tests/test_cluster.h"

namespace milk::consensus {
namespace {

using testing::TestCluster;
using testing::TestConfig;
using M = milkpb::RaftMessage;

Config PaperConfig() {
  // Raft as in the paper: no pre-vote, no check-quorum (scripts need no lease bookkeeping).
  Config cfg = TestConfig();
  cfg.pre_vote = false;
  cfg.check_quorum = false;
  return cfg;
}

TEST_CASE("Proposals: only the leader accepts them; others name it") {
  TestCluster c({1, 2, 3});
  CHECK(c.node(1).Propose("early").code() == Code::kUnavailable);  // no leader yet
  REQUIRE(c.Elect(1));
  Status st = c.node(2).Propose("x");
  CHECK(st.code() == Code::kFailedPrecondition);
  CHECK(st.message().find("leader=1") != std::string::npos);
  CHECK(c.status(2).last_index == 1);  // nothing appended
}

TEST_CASE("Log repair: a follower's divergent uncommitted entries are overwritten") {
  TestCluster c({1, 2, 3}, PaperConfig());
  REQUIRE(c.Elect(1));
  // The leader is cut off and appends two entries nobody else sees.
  c.Isolate(1);
  REQUIRE(c.node(1).Propose("lost-1").ok());
  REQUIRE(c.node(1).Propose("lost-2").ok());
  c.Stabilize();
  CHECK(c.status(1).last_index == 3);
  CHECK(c.status(1).commit == 1);
  // The others elect node 2, which commits its own entry at the same indices.
  REQUIRE(c.Elect(2));
  REQUIRE(c.node(2).Propose("kept").ok());
  c.Stabilize();
  // Node 1 returns: its entries 2 and 3 conflict and are replaced; it applies only "kept".
  c.HealAll();
  c.Tick(2);
  c.Stabilize();
  CHECK(c.status(1).leader == 2);
  CHECK(c.storage(1).Term(2).value() == c.status(2).term);
  for (uint64_t id : {1, 2, 3}) CHECK(c.applied(id) == std::vector<std::string>{"kept"});
}

TEST_CASE("Figure 8: an entry of an earlier term is not committed by counting replicas") {
  Config cfg = PaperConfig();
  cfg.max_bytes_per_msg = 1;  // one entry per append, so the script controls which arrive
  TestCluster c({1, 2, 3, 4, 5}, cfg);
  REQUIRE(c.Elect(1));  // S1 leads term 1; its no-op is index 1

  // (a) S1 replicates index 2 (term 1) to S2 only.
  c.Cut(1, 3);
  c.Cut(1, 4);
  c.Cut(1, 5);
  REQUIRE(c.node(1).Propose("xy").ok());
  c.Stabilize();
  CHECK(c.storage(2).LastIndex() == 2);
  CHECK(c.status(1).commit == 1);

  // (b) S1 crashes; S5 is elected (term 2) by S3 and S4 and appends its no-op at index 2,
  // which reaches nobody before S5 crashes.
  c.Crash(1);
  c.HealAll();
  c.SetDropFilter([](const M& m) { return m.from() == 5 && m.type() == M::APPEND; });
  REQUIRE(c.Elect(5));
  CHECK(c.status(5).term == 2);
  CHECK(c.storage(3).LastIndex() == 1);
  c.Crash(5);
  c.ClearDropFilter();

  // (c) S1 restarts and is elected (term >= 3); its index 2 (term 1) reaches S3 and S4, but its
  // no-op (index 3) is held back. Index 2 is then on four of five nodes...
  c.Restart(1);
  c.SetDropFilter([&c](const M& m) {
    const bool carries_3 =
        m.type() == M::APPEND && m.entries_size() > 0 && m.entries(0).index() == 3;
    return carries_3 && c.storage(m.to()).LastIndex() >= 2;  // the rejection still gets through
  });
  REQUIRE(c.Elect(1));
  const uint64_t term = c.status(1).term;
  c.Tick(1, 3);
  c.Stabilize();
  for (uint64_t id : {2, 3, 4}) CHECK(c.storage(id).Term(2).value() == 1);
  // ... and yet it is not committed: its term is not the leader's.
  CHECK(c.status(1).commit == 1);

  SECTION("(d) so S5 may still win and overwrite it") {
    c.Crash(1);
    c.ClearDropFilter();
    c.Restart(5);
    REQUIRE(c.Elect(5));
    c.Stabilize();
    for (uint64_t id : {2, 3, 4}) CHECK(c.storage(id).Term(2).value() == 2);
    for (uint64_t id : {2, 3, 4, 5}) CHECK(c.applied(id).empty());  // "xy" never applied
  }
  SECTION("(e) once an entry of S1's term is on a majority, both commit") {
    c.ClearDropFilter();
    c.Tick(1);
    c.Stabilize();
    CHECK(c.status(1).term == term);
    CHECK(c.status(1).commit == 3);
    for (uint64_t id : {1, 2, 3, 4}) CHECK(c.applied(id) == std::vector<std::string>{"xy"});
  }
}

TEST_CASE("Batching: an append carries as many entries as fit in max_bytes_per_msg") {
  Config cfg = TestConfig();
  cfg.max_bytes_per_msg = 10;
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  c.Cut(1, 2);
  for (int k = 0; k < 9; ++k) REQUIRE(c.node(1).Propose("abcd").ok());
  c.Stabilize();
  c.HealAll();
  int max_entries = 0;
  c.SetDropFilter([&max_entries](const M& m) {
    if (m.type() == M::APPEND && m.to() == 2) max_entries = std::max(max_entries, m.entries_size());
    return false;
  });
  c.Tick(1);
  c.Stabilize();
  CHECK(max_entries == 2);  // 4 + 4 bytes fit in 10, a third does not
  CHECK(c.applied(2).size() == 9);
}

TEST_CASE("Flow control: at most max_inflight_msgs appends are outstanding per peer") {
  Config cfg = TestConfig();
  cfg.max_inflight_msgs = 2;
  cfg.max_bytes_per_msg = 1;  // one entry per message
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  c.Tick(1);
  c.Stabilize();  // both followers are in the pipelined (replicate) state

  for (int k = 0; k < 5; ++k) REQUIRE(c.node(1).Propose("e" + std::to_string(k)).ok());
  c.Flush();
  int to_2 = 0;
  for (const M& m : c.queue()) {
    if (m.type() == M::APPEND && m.to() == 2 && m.entries_size() > 0) ++to_2;
  }
  CHECK(to_2 == 2);
  const RaftStatus st = c.status(1);
  for (const PeerStatus& p : st.progress) {
    if (p.id == 2) {
      CHECK(p.state == ProgressState::kReplicate);
      CHECK(p.inflight_msgs == 2);
    }
  }

  SECTION("acks open the window until everything is replicated") {
    c.Stabilize();
    CHECK(c.applied(2).size() == 5);
  }
  SECTION("with every ack lost, each heartbeat response frees one slot") {
    c.SetDropFilter([](const M& m) { return m.type() == M::APPEND_RESPONSE && m.from() == 2; });
    c.Stabilize();
    int sent = 0;
    c.SetDropFilter([&sent](const M& m) {
      if (m.type() == M::APPEND && m.to() == 2 && m.entries_size() > 0) ++sent;
      return m.type() == M::APPEND_RESPONSE && m.from() == 2;
    });
    c.Tick(1);  // one heartbeat round
    c.Stabilize();
    CHECK(sent == 1);
  }
}

TEST_CASE("Flow control: the byte bound pauses a peer too") {
  Config cfg = TestConfig();
  cfg.max_inflight_msgs = 100;
  cfg.max_inflight_bytes = 8;
  cfg.max_bytes_per_msg = 4;
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  c.Tick(1);
  c.Stabilize();
  for (int k = 0; k < 5; ++k) REQUIRE(c.node(1).Propose("abcd").ok());
  c.Flush();
  for (const PeerStatus& p : c.status(1).progress) {
    if (p.id != 1) CHECK(p.inflight_bytes == 8);
  }
  c.Stabilize();
  CHECK(c.applied(3).size() == 5);
}

TEST_CASE("Uncommitted bound: a leader cut off from its quorum stops growing its log") {
  Config cfg = TestConfig();
  cfg.max_uncommitted_entries_bytes = 10;
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  c.Isolate(1);
  REQUIRE(c.node(1).Propose("abcd").ok());
  REQUIRE(c.node(1).Propose("efgh").ok());
  const uint64_t last = c.status(1).last_index;
  CHECK(c.node(1).Propose("ijkl").code() == Code::kResourceExhausted);
  CHECK(c.node(1).Propose(std::string(11, 'x')).code() == Code::kResourceExhausted);
  CHECK(c.status(1).last_index == last);
  // Once they commit and are applied, there is room again.
  c.HealAll();
  c.Tick(1);
  c.Stabilize();
  CHECK(c.node(1).Propose("ijkl").ok());
}

TEST_CASE("Apply budget: one Ready hands out at most max_apply_bytes_per_ready") {
  Config cfg = TestConfig();
  cfg.max_apply_bytes_per_ready = 4;
  TestCluster c({1}, cfg);
  REQUIRE(c.Elect(1));
  for (int k = 0; k < 3; ++k) REQUIRE(c.node(1).Propose("abcd").ok());
  int readies = 0;
  while (c.node(1).HasReady()) {
    Ready rd = c.node(1).GetReady();
    REQUIRE(c.storage(1).Append(rd.entries).ok());
    if (rd.hard_state) c.storage(1).SetHardState(*rd.hard_state);
    CHECK(rd.committed_entries.size() <= 1);
    c.node(1).Advance(rd);
    ++readies;
  }
  CHECK(readies >= 3);
  CHECK(c.status(1).applied == 4);
}

}  // namespace
}  // namespace milk::consensus
