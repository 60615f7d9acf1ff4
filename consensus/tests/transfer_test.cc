// Scenario tests of leader transfer.
#include <catch2/catch.hpp>

#include "consensus/tests/test_cluster.h"

namespace milk::consensus {
namespace {

using testing::TestCluster;

TEST_CASE("Transfer: an up-to-date follower takes over in the next term") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  const uint64_t term = c.status(1).term;
  // Followers are within their lease (check-quorum): the transfer's campaign must still work.
  REQUIRE(c.node(1).TransferLeadership(2).ok());
  c.Stabilize();
  CHECK(c.Leader() == 2);
  CHECK(c.status(2).term == term + 1);
  CHECK(c.status(1).role == Role::kFollower);
  CHECK(c.status(1).leader == 2);
}

TEST_CASE("Transfer: a lagging target is caught up first") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  c.Cut(1, 3);
  REQUIRE(c.node(1).Propose("a").ok());
  REQUIRE(c.node(1).Propose("b").ok());
  c.Stabilize();
  c.HealAll();
  REQUIRE(c.node(1).TransferLeadership(3).ok());
  c.Tick(1);  // the probe to 3 was paused; a heartbeat round resumes it
  c.Stabilize();
  CHECK(c.Leader() == 3);
  CHECK(c.applied(3) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Transfer: proposals are refused meanwhile, and an unreachable target is given up") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  c.Isolate(3);
  REQUIRE(c.node(1).TransferLeadership(3).ok());
  CHECK(c.status(1).lead_transferee == 3);
  CHECK(c.node(1).Propose("x").code() == Code::kUnavailable);
  // After an election timeout without the target taking over, the leader carries on.
  for (int t = 0; t < 10; ++t) {
    c.Tick(1);
    c.Stabilize();
  }
  CHECK(c.status(1).role == Role::kLeader);
  CHECK(c.status(1).lead_transferee == 0);
  CHECK(c.node(1).Propose("x").ok());
}

TEST_CASE("Transfer: refused from a follower and to a non-voter") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  CHECK(c.node(2).TransferLeadership(3).code() == Code::kFailedPrecondition);
  CHECK(c.node(1).TransferLeadership(9).code() == Code::kInvalidArgument);
  CHECK(c.node(1).TransferLeadership(1).ok());  // already the leader: nothing to do
  CHECK(c.status(1).lead_transferee == 0);
}

}  // namespace
}  // namespace milk::consensus
