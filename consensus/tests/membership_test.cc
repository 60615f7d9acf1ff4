// Scenario tests of single-server membership changes.
#include <algorithm>
#include <catch2/catch.hpp>

#include "consensus/tests/test_cluster.h"

namespace milk::consensus {
namespace {

using testing::TestCluster;
using testing::TestConfig;
using CC = milkpb::RaftConfChange;

CC Change(CC::Type type, uint64_t id) {
  CC cc;
  cc.set_type(type);
  cc.set_node_id(id);
  return cc;
}

std::vector<uint64_t> Voters(const RaftStatus& st) {
  return {st.conf_state.voters().begin(), st.conf_state.voters().end()};
}

TEST_CASE("Membership: an added node catches up, then counts towards the quorum") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  REQUIRE(c.node(1).Propose("before").ok());
  c.Stabilize();
  c.AddNode(4);  // starts from the genesis membership, not yet a member
  REQUIRE(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 4)).ok());
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  CHECK(Voters(c.status(1)) == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(Voters(c.status(4)) == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(c.applied(4) == std::vector<std::string>{"before"});
  // Quorum is now 3 of 4: with 2 and 3 down, 1 and 4 cannot commit...
  c.Crash(2);
  c.Crash(3);
  REQUIRE(c.node(1).Propose("after").ok());
  c.Stabilize();
  CHECK(c.applied(4).size() == 1);
  // ... and with 3 back they can.
  c.Restart(3);
  c.Tick(1);
  c.Stabilize();
  CHECK(c.applied(4) == std::vector<std::string>{"before", "after"});
}

TEST_CASE("Membership: removing a node shrinks the quorum") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  REQUIRE(c.node(1).ProposeConfChange(Change(CC::REMOVE_NODE, 3)).ok());
  c.Stabilize();
  CHECK(Voters(c.status(1)) == std::vector<uint64_t>{1, 2});
  c.Crash(3);
  REQUIRE(c.node(1).Propose("x").ok());
  c.Stabilize();
  CHECK(c.applied(2) == std::vector<std::string>{"x"});
}

TEST_CASE("Membership: one change at a time") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  c.AddNode(4);
  c.AddNode(5);
  REQUIRE(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 4)).ok());
  CHECK(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 5)).code() == Code::kFailedPrecondition);
  c.Stabilize();  // the first is committed and applied
  CHECK(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 5)).ok());
}

TEST_CASE("Membership: a new leader changes nothing before its first entry is applied") {
  TestCluster c({1});
  while (c.status(1).role != Role::kLeader) c.Tick(1);  // a single voter wins at once
  CHECK(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 2)).code() == Code::kFailedPrecondition);
  c.Flush();  // the no-op commits and is applied
  CHECK(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 2)).ok());
}

TEST_CASE("Membership: a leader that removes itself steps down once the change applies") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  REQUIRE(c.node(1).ProposeConfChange(Change(CC::REMOVE_NODE, 1)).ok());
  c.Stabilize();
  CHECK(c.status(1).role == Role::kFollower);
  CHECK(Voters(c.status(2)) == std::vector<uint64_t>{2, 3});
  // It never campaigns again; the remaining two elect a leader and commit.
  const uint64_t leader = c.RunUntilLeader(100);
  CHECK((leader == 2 || leader == 3));
  CHECK(c.status(1).role == Role::kFollower);
  REQUIRE(c.node(leader).Propose("x").ok());
  c.Stabilize();
  CHECK(c.applied(3) == std::vector<std::string>{"x"});
}

TEST_CASE("Membership: malformed or pointless changes are refused and change nothing") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  const uint64_t last = c.status(1).last_index;
  CHECK(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 0)).code() == Code::kInvalidArgument);
  CHECK(c.node(1).ProposeConfChange(Change(CC::TYPE_UNSPECIFIED, 4)).code() ==
        Code::kInvalidArgument);
  CHECK(c.node(1).ProposeConfChange(Change(static_cast<CC::Type>(99), 4)).code() ==
        Code::kInvalidArgument);
  CHECK(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 2)).code() == Code::kInvalidArgument);
  CHECK(c.node(1).ProposeConfChange(Change(CC::REMOVE_NODE, 9)).code() == Code::kInvalidArgument);
  CHECK(c.node(2).ProposeConfChange(Change(CC::ADD_NODE, 4)).code() == Code::kFailedPrecondition);
  CHECK(c.status(1).last_index == last);

  TestCluster solo({1});
  REQUIRE(solo.Elect(1));
  CHECK(solo.node(1).ProposeConfChange(Change(CC::REMOVE_NODE, 1)).code() ==
        Code::kInvalidArgument);
  CHECK(solo.node(1).ProposeConfChange(Change(CC::ADD_LEARNER, 1)).code() ==
        Code::kInvalidArgument);
  // An applied change naming node 0 (a corrupt entry) is a no-op rather than a crash.
  CHECK(Voters(solo.status(1)) == std::vector<uint64_t>{1});
  milkpb::RaftConfState conf = solo.node(1).ApplyConfChange(Change(CC::ADD_NODE, 0));
  CHECK(conf.voters_size() == 1);
}

TEST_CASE("Membership: learners get the log but neither vote nor campaign") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  c.AddNode(4);
  REQUIRE(c.node(1).ProposeConfChange(Change(CC::ADD_LEARNER, 4)).ok());
  c.Stabilize();
  c.Tick(1);
  c.Stabilize();
  REQUIRE(c.status(1).conf_state.learners_size() == 1);
  REQUIRE(c.node(1).Propose("x").ok());
  c.Stabilize();
  CHECK(c.applied(4) == std::vector<std::string>{"x"});
  c.Tick(4, 100);
  CHECK(c.status(4).role == Role::kFollower);
  // Its acks do not make a quorum: with 2 and 3 down nothing commits.
  c.Crash(2);
  c.Crash(3);
  REQUIRE(c.node(1).Propose("y").ok());
  c.Stabilize();
  CHECK(c.applied(4).size() == 1);
  c.Restart(2);
  c.Restart(3);
  c.Tick(1);
  c.Stabilize();
  // Promoted, it becomes a voter.
  REQUIRE(c.node(1).ProposeConfChange(Change(CC::ADD_NODE, 4)).ok());
  c.Stabilize();
  CHECK(Voters(c.status(1)) == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(c.status(1).conf_state.learners_size() == 0);
}

}  // namespace
}  // namespace milk::consensus
