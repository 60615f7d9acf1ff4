// Bad input from the network is refused or ignored; it never crashes a node and a refused
// message changes nothing.
#include <catch2/catch.hpp>

#include "consensus/prng.h"
#include "consensus/tests/test_cluster.h"

namespace milk::consensus {
namespace {

using testing::Msg;
using testing::TestCluster;
using M = milkpb::RaftMessage;

struct Snapshot {
  uint64_t term, vote, leader, commit, last;
  Role role;
  bool operator==(const Snapshot& o) const {
    return term == o.term && vote == o.vote && leader == o.leader && commit == o.commit &&
           last == o.last && role == o.role;
  }
};
Snapshot Of(const RaftStatus& s) {
  return {s.term, s.vote, s.leader, s.commit, s.last_index, s.role};
}

milkpb::RaftEntry E(uint64_t index, uint64_t term) {
  milkpb::RaftEntry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data("d");
  return e;
}

TEST_CASE("Malformed messages are refused with kInvalidArgument and change nothing") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  const uint64_t t = c.status(2).term;
  std::vector<std::pair<std::string, M>> bad;
  bad.push_back({"unknown type", Msg(static_cast<M::Type>(77), 1, 2, t)});
  bad.push_back({"unspecified type", Msg(M::TYPE_UNSPECIFIED, 1, 2, t)});
  bad.push_back({"addressed elsewhere", Msg(M::HEARTBEAT, 1, 3, t)});
  bad.push_back({"sender 0", Msg(M::HEARTBEAT, 0, 2, t)});
  bad.push_back({"from self", Msg(M::HEARTBEAT, 2, 2, t)});
  bad.push_back({"term 0", Msg(M::HEARTBEAT, 1, 2, 0)});
  M gap = Msg(M::APPEND, 1, 2, t + 1);
  gap.set_index(1);
  gap.set_log_term(1);
  *gap.add_entries() = E(3, t + 1);  // should be index 2
  bad.push_back({"entries not contiguous", gap});
  M future = Msg(M::APPEND, 1, 2, t);
  future.set_index(1);
  future.set_log_term(1);
  *future.add_entries() = E(2, t + 5);  // entry term above the message's
  bad.push_back({"entry from the future", future});
  M backwards = Msg(M::APPEND, 1, 2, t);
  backwards.set_index(1);
  backwards.set_log_term(t);
  *backwards.add_entries() = E(2, t - 1 == 0 ? 0 : t - 1);
  bad.push_back({"entry terms going down", backwards});
  M zero_prev = Msg(M::APPEND, 1, 2, t);
  zero_prev.set_index(0);
  zero_prev.set_log_term(1);
  bad.push_back({"index 0 with a term", zero_prev});
  M log_term = Msg(M::VOTE, 3, 2, t);
  log_term.set_log_term(t + 1);
  bad.push_back({"log term above term", log_term});
  M stray = Msg(M::HEARTBEAT, 1, 2, t);
  *stray.add_entries() = E(2, t);
  bad.push_back({"entries on a heartbeat", stray});
  M snap = Msg(M::SNAPSHOT, 1, 2, t);
  bad.push_back({"empty snapshot", snap});
  M snap_conf = Msg(M::SNAPSHOT, 1, 2, t);
  snap_conf.mutable_snapshot()->mutable_meta()->set_index(5);
  snap_conf.mutable_snapshot()->mutable_meta()->set_term(t);
  snap_conf.mutable_snapshot()->mutable_meta()->mutable_conf_state()->add_voters(0);
  bad.push_back({"snapshot naming node 0", snap_conf});
  M huge = Msg(M::APPEND, 1, 2, t);
  huge.set_index(~0ull - 1);
  huge.set_log_term(1);
  bad.push_back({"index near 2^64", huge});

  for (const auto& [what, m] : bad) {
    INFO(what);
    const Snapshot before = Of(c.status(2));
    CHECK(c.node(2).Step(m).code() == Code::kInvalidArgument);
    CHECK(Of(c.status(2)) == before);
    CHECK_FALSE(c.node(2).HasReady());
  }
}

TEST_CASE("Messages of a stale term or from unknown peers are dropped without effect") {
  Config cfg = testing::TestConfig();
  cfg.check_quorum = false;  // so that node 2 can take over without waiting out leases
  TestCluster c({1, 2, 3}, cfg);
  REQUIRE(c.Elect(1));
  REQUIRE(c.Elect(2));  // term moves on; node 1 follows 2
  c.Stabilize();
  const uint64_t t = c.status(1).term;
  const Snapshot before = Of(c.status(3));
  // An old leader's append, an old vote: refused quietly (the append gets our term back).
  M old = Msg(M::APPEND, 1, 3, t - 1);
  REQUIRE(c.node(3).Step(old).ok());
  REQUIRE(c.node(3).Step(Msg(M::VOTE_RESPONSE, 1, 3, t - 1)).ok());
  CHECK(Of(c.status(3)) == before);
  // A response from a node the leader has never heard of.
  M unknown = Msg(M::APPEND_RESPONSE, 9, 2, t);
  unknown.set_index(1);
  REQUIRE(c.node(2).Step(unknown).ok());
  M ack_too_far = Msg(M::APPEND_RESPONSE, 3, 2, t);
  ack_too_far.set_index(1000);  // acknowledges entries never sent
  REQUIRE(c.node(2).Step(ack_too_far).ok());
  for (const PeerStatus& p : c.status(2).progress) CHECK(p.match <= c.status(2).last_index);
}

TEST_CASE("Input that contradicts Raft is refused with kFailedPrecondition") {
  TestCluster c({1, 2, 3});
  REQUIRE(c.Elect(1));
  const uint64_t t = c.status(1).term;
  // A second leader of our own term.
  CHECK(c.node(1).Step(Msg(M::HEARTBEAT, 2, 1, t)).code() == Code::kFailedPrecondition);
  CHECK(c.status(1).role == Role::kLeader);
  // A heartbeat committing past the follower's log.
  M hb = Msg(M::HEARTBEAT, 1, 2, t);
  hb.set_commit(500);
  CHECK(c.node(2).Step(hb).code() == Code::kFailedPrecondition);
  CHECK(c.status(2).commit == 1);
}

TEST_CASE("Fuzz: random messages never crash a node, whatever its role") {
  Prng prng(20240601);
  const M::Type types[] = {M::PRE_VOTE,
                           M::PRE_VOTE_RESPONSE,
                           M::VOTE,
                           M::VOTE_RESPONSE,
                           M::APPEND,
                           M::APPEND_RESPONSE,
                           M::HEARTBEAT,
                           M::HEARTBEAT_RESPONSE,
                           M::SNAPSHOT,
                           M::TIMEOUT_NOW,
                           static_cast<M::Type>(42)};
  int refused = 0;
  for (int round = 0; round < 40; ++round) {
    TestCluster c({1, 2, 3});
    if (round % 2 == 0) REQUIRE(c.Elect(1 + round % 3));
    for (int k = 0; k < 300; ++k) {
      const uint64_t to = prng.Range(1, 3);
      const uint64_t term = c.status(to).term;
      M m = Msg(types[prng.Uniform(11)], prng.Range(0, 5), prng.Chance(950000) ? to : 4,
                prng.Range(term == 0 ? 0 : term - 1, term + 2));
      m.set_index(prng.Range(0, c.status(to).last_index + 3));
      m.set_log_term(prng.Range(0, m.term()));
      m.set_commit(prng.Range(0, c.status(to).last_index + 2));
      m.set_reject(prng.Chance(300000));
      m.set_reject_hint(prng.Range(0, 10));
      if (m.type() == M::APPEND) {
        const uint64_t n = prng.Range(0, 3);
        uint64_t et = m.log_term() == 0 ? 1 : m.log_term();
        for (uint64_t j = 0; j < n; ++j) {
          if (prng.Chance(300000) && et < m.term()) ++et;
          *m.add_entries() = E(m.index() + 1 + j, std::min(et, m.term()));
        }
      }
      if (m.type() == M::SNAPSHOT) {
        auto* meta = m.mutable_snapshot()->mutable_meta();
        meta->set_index(prng.Range(0, 12));
        meta->set_term(prng.Range(0, m.term()));
        for (uint64_t id = 1; id <= 3; ++id) meta->mutable_conf_state()->add_voters(id);
      }
      if (!c.node(to).Step(m).ok()) ++refused;
      c.Flush();
      if (prng.Chance(200000)) c.Tick(to);
      c.queue().clear();  // replies go nowhere
    }
  }
  CHECK(refused > 0);  // the generator does produce bad input
}

}  // namespace
}  // namespace milk::consensus
