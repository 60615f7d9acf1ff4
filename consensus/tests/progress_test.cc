#include "consensus/progress.h"

#include <catch2/catch.hpp>

namespace milk::consensus {
namespace {

TEST_CASE("Inflights fill by count and by bytes and free by ack") {
  Inflights by_count(3, 0);
  by_count.Add(1, 100);
  by_count.Add(2, 100);
  CHECK_FALSE(by_count.Full());
  by_count.Add(5, 100);
  CHECK(by_count.Full());
  by_count.FreeLE(2);
  CHECK(by_count.count() == 1);
  CHECK(by_count.bytes() == 100);

  Inflights by_bytes(100, 50);
  by_bytes.Add(1, 30);
  CHECK_FALSE(by_bytes.Full());
  by_bytes.Add(2, 30);
  CHECK(by_bytes.Full());
  by_bytes.FreeFirst();
  CHECK_FALSE(by_bytes.Full());
}

TEST_CASE("Progress ignores stale rejections and never moves next below match + 1") {
  Progress pr(10, 4, 0);
  pr.match = 5;
  pr.BecomeReplicate();
  CHECK(pr.next == 6);
  pr.next = 9;
  CHECK_FALSE(pr.MaybeDecrease(5, 3));  // at or below match: a late duplicate
  CHECK(pr.MaybeDecrease(8, 3));
  CHECK(pr.next == 6);  // clamped to match + 1

  Progress probe(10, 4, 0);
  CHECK_FALSE(probe.MaybeDecrease(7, 3));  // not the probe we sent (next - 1 == 9)
  CHECK(probe.MaybeDecrease(9, 4));
  CHECK(probe.next == 4);
}

TEST_CASE("Quorum match is the largest index a majority holds") {
  ProgressTracker t(8, 0);
  milkpb::RaftConfState conf;
  for (uint64_t id : {1, 2, 3, 4, 5}) conf.add_voters(id);
  conf.add_learners(6);
  t.Reset(conf, 1);
  const uint64_t matches[] = {9, 7, 7, 3, 1};
  for (uint64_t id = 1; id <= 5; ++id) t.Get(id)->match = matches[id - 1];
  t.Get(6)->match = 100;  // learners do not count
  CHECK(t.QuorumMatch() == 7);
  CHECK(t.Quorum() == 3);
}

TEST_CASE("Vote tally wins with a majority, loses when a majority is out of reach") {
  ProgressTracker t(8, 0);
  milkpb::RaftConfState conf;
  for (uint64_t id : {1, 2, 3, 4}) conf.add_voters(id);
  t.Reset(conf, 1);
  t.RecordVote(1, true);
  t.RecordVote(9, true);  // not a voter
  t.RecordVote(2, true);
  CHECK(t.TallyVotes() == ProgressTracker::VoteResult::kPending);
  t.RecordVote(2, false);  // a duplicate cannot change an answer
  t.RecordVote(3, false);
  CHECK(t.TallyVotes() == ProgressTracker::VoteResult::kPending);
  t.RecordVote(4, false);
  CHECK(t.TallyVotes() == ProgressTracker::VoteResult::kLost);
}

TEST_CASE("Quorum activity counts the leader itself") {
  ProgressTracker t(8, 0);
  milkpb::RaftConfState conf;
  for (uint64_t id : {1, 2, 3}) conf.add_voters(id);
  t.Reset(conf, 1);
  t.ResetRecentActive(1);
  CHECK_FALSE(t.QuorumActive(1));
  t.Get(3)->recent_active = true;
  CHECK(t.QuorumActive(1));
}

}  // namespace
}  // namespace milk::consensus
