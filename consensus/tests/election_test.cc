// Scenario tests of leader election: each reads as a script of steps and expected outcomes.
#include <catch2/catch.hpp>

#include "consensus/tests/test_cluster.h"

namespace milk::consensus {
namespace {

using testing::TestCluster;
using testing::TestConfig;
using M = milkpb::RaftMessage;

TEST_CASE("Election: a three-node cluster elects one leader, which commits a no-op") {
  TestCluster c({1, 2, 3});
  // Given no leader, when node 1's election timeout fires,
  REQUIRE(c.Elect(1));
  // then it leads term 1, the others follow it, and its no-op of term 1 is committed everywhere.
  CHECK(c.status(1).term == 1);
  for (uint64_t id : {2, 3}) {
    CHECK(c.status(id).role == Role::kFollower);
    CHECK(c.status(id).leader == 1);
    CHECK(c.status(id).commit == 1);
  }
  // A proposal is applied by all three.
  REQUIRE(c.node(1).Propose("a").ok());
  c.Stabilize();
  for (uint64_t id : {1, 2, 3}) CHECK(c.applied(id) == std::vector<std::string>{"a"});
}

TEST_CASE("Election: the randomized timeout is in [election, 2 * election) and follows the seed") {
  auto ticks_to_campaign = [](uint64_t seed) {
    Config cfg = TestConfig();
    cfg.seed = seed;
    TestCluster c({1, 2, 3}, cfg);
    int ticks = 0;
    while (c.status(1).role == Role::kFollower) {
      c.Tick(1);
      ++ticks;
    }
    return ticks;
  };
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const int t = ticks_to_campaign(seed);
    CHECK(t >= 10);
    CHECK(t < 20);
    CHECK(ticks_to_campaign(seed) == t);  // same seed, same timeout
  }
}

TEST_CASE("Election: a candidate with a stale log gets no vote") {
  Config cfg = TestConfig();
  cfg.check_quorum = false;  // no lease: node 2 answers on the merits of the logs alone
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  // Node 3 misses an entry that 1 and 2 commit; then the leader crashes.
  c.Isolate(3);
  REQUIRE(c.node(1).Propose("a").ok());
  c.Stabilize();
  c.Crash(1);
  c.HealAll();
  // Node 3 campaigns again and again: node 2 holds a longer log and refuses it.
  CHECK_FALSE(c.Elect(3));
  CHECK(c.status(2).term == c.status(3).term);  // pre-vote: nobody's term moved
  // Node 2 wins with node 3's vote, and the entry survives.
  REQUIRE(c.Elect(2));
  c.Stabilize();
  CHECK(c.applied(3) == std::vector<std::string>{"a"});
}

TEST_CASE("Election: a node votes at most once per term") {
  Config cfg = TestConfig();
  cfg.pre_vote = false;
  TestCluster c({1, 2, 3}, cfg);
  M vote = testing::Msg(M::VOTE, 1, 3, 1);
  REQUIRE(c.node(3).Step(vote).ok());
  M rival = testing::Msg(M::VOTE, 2, 3, 1);
  REQUIRE(c.node(3).Step(rival).ok());
  c.Flush();
  int granted = 0;
  for (const M& m : c.queue()) {
    if (m.type() == M::VOTE_RESPONSE && !m.reject()) ++granted;
  }
  CHECK(granted == 1);
  CHECK(c.status(3).vote == 1);
  // The vote is durable: after a restart node 3 still refuses node 2 in term 1.
  c.queue().clear();
  c.Crash(3);
  c.Restart(3);
  REQUIRE(c.node(3).Step(rival).ok());
  c.Flush();
  REQUIRE(c.queue().size() == 1);
  CHECK(c.queue()[0].reject());
}

TEST_CASE("Pre-vote: a node rejoining after a partition does not disrupt the leader") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  const uint64_t term = c.status(1).term;
  // Node 3 is cut off and times out again and again: with pre-vote it never raises its term.
  c.Isolate(3);
  for (int t = 0; t < 100; ++t) {
    c.TickAll();
    c.Stabilize();
  }
  CHECK(c.status(3).term == term);
  CHECK(c.status(3).role != Role::kLeader);
  // When it returns, the leader keeps its term and leadership.
  c.HealAll();
  c.TickAll(1);
  c.Stabilize();
  CHECK(c.Leader() == 1);
  CHECK(c.status(1).term == term);
  CHECK(c.status(3).leader == 1);
}

TEST_CASE("Without pre-vote a rejoining node's higher term deposes the leader") {
  // The contrast to the test above: it shows what pre-vote prevents.
  Config cfg = TestConfig();
  cfg.pre_vote = false;
  cfg.check_quorum = false;
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  const uint64_t term = c.status(1).term;
  c.Isolate(3);
  c.Tick(3, 40);  // campaigns alone, raising its term
  c.Stabilize();
  CHECK(c.status(3).term > term);
  c.HealAll();
  c.Tick(3, 20);  // it campaigns again, now reachable, with a term above the leader's
  c.Stabilize();
  CHECK(c.status(1).term > term);
  CHECK(c.Leader() != 1);
}

TEST_CASE("Check-quorum: a leader cut off from its quorum steps down within an election timeout") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  c.Isolate(1);
  // Within one election timeout (10 ticks) plus one round, it notices nobody answers.
  for (int t = 0; t < 21 && c.status(1).role == Role::kLeader; ++t) {
    c.Tick(1);
    c.Stabilize();
  }
  CHECK(c.status(1).role == Role::kFollower);
  CHECK(c.node(1).Propose("x").code() == Code::kUnavailable);
}

TEST_CASE("Check-quorum: followers that hear a leader ignore vote requests") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  const uint64_t term = c.status(1).term;
  // A (buggy or stale) node asks for votes at a much higher term while the leader is alive.
  M vote = testing::Msg(M::VOTE, 3, 2, term + 5);
  vote.set_index(100);
  vote.set_log_term(term);
  REQUIRE(c.node(2).Step(vote).ok());
  CHECK(c.status(2).term == term);
  CHECK(c.status(2).leader == 1);
}

TEST_CASE("Election: restart keeps term and vote, and an elected leader survives a restart") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(2));
  const uint64_t term = c.status(2).term;
  REQUIRE(c.node(2).Propose("a").ok());
  c.Stabilize();
  for (uint64_t id : {1, 2, 3}) {
    c.Crash(id);
    c.Restart(id);
    CHECK(c.status(id).term == term);
    CHECK(c.status(id).role == Role::kFollower);
  }
  CHECK(c.status(2).vote == 2);
  REQUIRE(c.Elect(3));
  REQUIRE(c.node(3).Propose("b").ok());
  c.Stabilize();
  for (uint64_t id : {1, 2, 3}) CHECK(c.applied(id) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Election: a single voter elects itself and commits alone") {
  TestCluster c({1});
  REQUIRE(c.Elect(1));
  REQUIRE(c.node(1).Propose("solo").ok());
  c.Stabilize();
  CHECK(c.applied(1) == std::vector<std::string>{"solo"});
}

}  // namespace
}  // namespace milk::consensus
