// The simulator: deterministic, passing on a sample of seeds, and with checkers that do fail on
// the violations they look for.
#include "consensus/sim/sim.h"

#include <catch2/catch.hpp>

#include "consensus/sim/checker.h"

namespace milk::consensus::sim {
namespace {

TEST_CASE("Simulator: one seed gives one exact run") {
  SimOptions o;
  o.seed = 77;
  o.nodes = 5;
  o.steps = 400;
  const SimResult a = RunSimulation(o, nullptr);
  const SimResult b = RunSimulation(o, nullptr);
  REQUIRE(a.ok);
  CHECK(a.trace_hash == b.trace_hash);
  CHECK(a.stats.delivered == b.stats.delivered);
  CHECK(a.stats.acknowledged == b.stats.acknowledged);
  o.seed = 78;
  CHECK(RunSimulation(o, nullptr).trace_hash != a.trace_hash);
}

TEST_CASE("Simulator: a sample of seeds over 3 to 7 nodes passes every check") {
  for (uint64_t seed = 1000; seed < 1025; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.nodes = static_cast<uint32_t>(kNodesMin + seed % 5);
    o.steps = 500;
    const SimResult r = RunSimulation(o, nullptr);
    INFO("seed " << seed << ": " << r.failure);
    CHECK(r.ok);
    CHECK(r.stats.acknowledged > 0);
  }
}

TEST_CASE("Checker: election safety fails on two leaders in one term") {
  Checker c;
  c.OnLeader(1, 5);
  c.OnLeader(1, 5);
  c.OnLeader(2, 6);
  CHECK_FALSE(c.failed());
  c.OnLeader(3, 5);
  CHECK(c.failed());
  CHECK(c.failure().find("election safety") != std::string::npos);
}

TEST_CASE("Checker: log matching fails on one (index, term) with two histories") {
  Checker c;
  c.OnPersisted(1, 4, 2, 0xAAAA);
  c.OnPersisted(2, 4, 2, 0xAAAA);
  c.OnPersisted(2, 4, 3, 0xBBBB);  // another term at the same index is fine
  CHECK_FALSE(c.failed());
  c.OnPersisted(3, 4, 2, 0xCCCC);
  CHECK(c.failure().find("log matching") != std::string::npos);
}

TEST_CASE("Checker: state machine safety fails on two entries applied at one index") {
  Checker c;
  c.OnApplied(1, 7, 0x1);
  c.OnApplied(2, 7, 0x1);
  CHECK_FALSE(c.failed());
  c.OnApplied(3, 7, 0x2);
  CHECK(c.failure().find("state machine safety") != std::string::npos);
}

TEST_CASE("Checker: leader completeness fails when a leader lacks an earlier-term commit") {
  auto chain_of = [](uint64_t i) -> std::optional<uint64_t> { return i * 10; };
  Checker ok;
  ok.OnCommitted(1, 5, 50, 3);
  ok.OnBecameLeader(2, 4, 6, chain_of);  // holds index 5 with the same chain
  ok.OnBecameLeader(2, 3, 2, chain_of);  // committed in term 3: a term-3 leader need not hold it
  CHECK_FALSE(ok.failed());

  Checker short_log;
  short_log.OnCommitted(1, 5, 50, 3);
  short_log.OnBecameLeader(2, 4, 4, chain_of);
  CHECK(short_log.failure().find("leader completeness") != std::string::npos);

  Checker other_entry;
  other_entry.OnCommitted(1, 5, 51, 3);
  other_entry.OnBecameLeader(2, 4, 9, chain_of);
  CHECK(other_entry.failure().find("leader completeness") != std::string::npos);
}

TEST_CASE("Checker: vote safety fails on two votes in one term") {
  Checker c;
  c.OnVote(1, 3, 2);
  c.OnVote(1, 3, 2);
  c.OnVote(1, 4, 3);
  c.OnVote(1, 4, 0);  // no vote is not a vote
  CHECK_FALSE(c.failed());
  c.OnVote(1, 3, 3);
  CHECK(c.failure().find("vote safety") != std::string::npos);
}

}  // namespace
}  // namespace milk::consensus::sim
