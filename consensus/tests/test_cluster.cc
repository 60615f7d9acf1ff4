#include "consensus/tests/test_cluster.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"

namespace milk::consensus::testing {

namespace {
// Loops that must settle: a scenario that does not is a failing test, not a hang.
constexpr int kStabilizeRoundsMax = 10000;

std::string EncodeApplied(const std::vector<std::string>& applied) {
  std::string out;
  for (const std::string& s : applied) PutLengthPrefixed(&out, s);
  return out;
}

std::vector<std::string> DecodeApplied(const std::string& data) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos + 4 <= data.size()) {
    const uint32_t len = GetFixed32BE(data.data() + pos);
    out.push_back(data.substr(pos + 4, len));
    pos += 4 + len;
  }
  return out;
}
}  // namespace

Config TestConfig() {
  Config c;
  c.election_ticks = 10;
  c.heartbeat_ticks = 1;
  c.seed = 42;
  return c;
}

milkpb::RaftMessage Msg(milkpb::RaftMessage::Type type, uint64_t from, uint64_t to, uint64_t term) {
  milkpb::RaftMessage m;
  m.set_type(type);
  m.set_from(from);
  m.set_to(to);
  m.set_term(term);
  return m;
}

TestCluster::TestCluster(std::vector<uint64_t> voters, Config config) : config_(config) {
  for (uint64_t id : voters) genesis_.add_voters(id);
  for (uint64_t id : voters) AddNode(id);
}

TestCluster::Node& TestCluster::Make(uint64_t id) {
  Node& n = nodes_[id];
  Config c = config_;
  c.id = id;
  c.seed = config_.seed * 1000 + id;
  c.applied = n.applied_index;
  auto raft = RawNode::Create(c, n.storage.get());
  REQUIRE(raft.ok());
  n.raft = std::move(raft).value();
  return n;
}

void TestCluster::AddNode(uint64_t id) {
  Node& n = nodes_[id];
  n.storage = std::make_unique<MemoryStorage>();
  milkpb::RaftSnapshot genesis;
  *genesis.mutable_meta()->mutable_conf_state() = genesis_;
  REQUIRE(n.storage->ApplySnapshot(genesis).ok());
  n.conf = genesis_;
  Make(id);
}

void TestCluster::Crash(uint64_t id) { nodes_.at(id).raft.reset(); }

void TestCluster::Restart(uint64_t id) {
  Node& n = nodes_.at(id);
  // The application restarts from its last snapshot and re-applies the log after it.
  Result<milkpb::RaftSnapshot> snap = n.storage->Snapshot();
  REQUIRE(snap.ok());
  n.applied = DecodeApplied(snap->data());
  n.applied_index = snap->meta().index();
  n.conf = snap->meta().conf_state();
  Make(id);
}

void TestCluster::HandleReady(uint64_t id, Node& n) {
  Ready rd = n.raft->GetReady();
  if (rd.snapshot) {
    REQUIRE(n.storage->ApplySnapshot(*rd.snapshot).ok());
    n.applied = DecodeApplied(rd.snapshot->data());
    n.applied_index = rd.snapshot->meta().index();
    n.conf = rd.snapshot->meta().conf_state();
  }
  REQUIRE(n.storage->Append(rd.entries).ok());
  if (rd.hard_state) n.storage->SetHardState(*rd.hard_state);
  for (milkpb::RaftMessage& m : rd.messages) {
    REQUIRE(m.from() == id);
    queue_.push_back(std::move(m));
  }
  for (const milkpb::RaftEntry& e : rd.committed_entries) {
    REQUIRE(e.index() == n.applied_index + 1);
    n.applied_index = e.index();
    if (e.type() == milkpb::RaftEntry::CONF_CHANGE) {
      milkpb::RaftConfChange cc;
      REQUIRE(cc.ParseFromString(e.data()));
      n.conf = n.raft->ApplyConfChange(cc);
    } else if (!e.data().empty()) {
      n.applied.push_back(e.data());
    }
  }
  n.raft->Advance(rd);
}

void TestCluster::Flush() {
  for (auto& [id, n] : nodes_) {
    if (n.raft && n.raft->HasReady()) HandleReady(id, n);
  }
}

int TestCluster::DeliverOnce() {
  Flush();
  std::vector<milkpb::RaftMessage> batch;
  batch.swap(queue_);
  int delivered = 0;
  for (const milkpb::RaftMessage& m : batch) {
    const bool lost = cut_.count({m.from(), m.to()}) > 0 || nodes_.count(m.to()) == 0 ||
                      !up(m.to()) || (drop_ && drop_(m));
    if (m.type() == milkpb::RaftMessage::SNAPSHOT && up(m.from())) {
      // The transport tells the sender how the snapshot went.
      if (!lost) ++snapshots_sent_;
      if (lost) node(m.from()).ReportSnapshot(m.to(), false);
    }
    if (lost) continue;
    REQUIRE(node(m.to()).Step(m).ok());
    if (m.type() == milkpb::RaftMessage::SNAPSHOT && up(m.from())) {
      node(m.from()).ReportSnapshot(m.to(), true);
    }
    ++delivered;
  }
  Flush();
  return delivered;
}

int TestCluster::Stabilize() {
  int delivered = 0;
  for (int round = 0; round < kStabilizeRoundsMax; ++round) {
    Flush();
    if (queue_.empty()) return delivered;
    delivered += DeliverOnce();
  }
  FAIL("cluster did not settle");
  return delivered;
}

void TestCluster::Cut(uint64_t a, uint64_t b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

void TestCluster::Isolate(uint64_t id) {
  for (auto& [other, n] : nodes_) {
    if (other != id) Cut(id, other);
  }
}

void TestCluster::Tick(uint64_t id, int times) {
  for (int k = 0; k < times; ++k) node(id).Tick();
}

void TestCluster::TickAll(int times) {
  for (int k = 0; k < times; ++k) {
    for (auto& [id, n] : nodes_) {
      if (n.raft) n.raft->Tick();
    }
  }
}

bool TestCluster::Elect(uint64_t id) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    // Tick until it starts a new campaign (pre-vote or vote), then let the votes flow.
    for (uint32_t k = 0; k < 2 * config_.election_ticks; ++k) {
      const RaftStatus before = status(id);
      node(id).Tick();
      const RaftStatus after = status(id);
      const bool campaigning = after.role == Role::kPreCandidate || after.role == Role::kCandidate;
      if (campaigning && (after.role != before.role || after.term != before.term)) break;
    }
    Stabilize();
    if (status(id).role == Role::kLeader) return true;
  }
  return false;
}

uint64_t TestCluster::RunUntilLeader(int rounds, uint64_t not_this) {
  for (int r = 0; r < rounds; ++r) {
    const uint64_t leader = Leader();
    if (leader != 0 && leader != not_this) return leader;
    TickAll();
    Stabilize();
  }
  const uint64_t leader = Leader();
  return leader != not_this ? leader : 0;
}

uint64_t TestCluster::Leader() {
  uint64_t best = 0;
  uint64_t term = 0;
  for (auto& [id, n] : nodes_) {
    if (!n.raft) continue;
    const RaftStatus st = n.raft->GetStatus();
    if (st.role == Role::kLeader && st.term >= term) {
      best = id;
      term = st.term;
    }
  }
  return best;
}

void TestCluster::CompactAt(uint64_t id) {
  Node& n = nodes_.at(id);
  auto snap = n.storage->CreateSnapshot(n.applied_index, n.conf, EncodeApplied(n.applied));
  REQUIRE(snap.ok());
  REQUIRE(n.storage->Compact(n.applied_index).ok());
}

}  // namespace milk::consensus::testing
