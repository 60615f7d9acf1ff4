// The simulator's adversary and clients: faults, proposals and membership changes.
#include <algorithm>
#include <vector>

#include "consensus/sim/hash.h"
#include "consensus/sim/simulator.h"

namespace milk::consensus::sim {

namespace {
// Nodes ever created in a run: the initial ones plus joiners. Keeps a run's size bounded.
constexpr uint64_t kJoinersMax = 4;
// Voters kept at least: fewer would make most faults fatal to progress and teach little.
constexpr uint64_t kVotersMin = 3;
}  // namespace

void Simulator::DrawParams() {
  Prng& r = prng_;
  p_.faults.loss_ppm = r.Range(0, 200000);
  p_.faults.duplicate_ppm = r.Range(0, 50000);
  // Raft's timing requirement: a round trip must be well below the election timeout, or
  // candidates keep colliding (liveness only; safety never depends on timing).
  p_.config.election_ticks = static_cast<uint32_t>(r.Range(10, 20));
  p_.faults.delay_max_steps = r.Range(1, p_.config.election_ticks / 4);
  p_.disk_delay_max = r.Range(0, 3);
  p_.propose_ppm = r.Range(100000, 700000);
  p_.conf_change_ppm = r.Range(0, 20000);
  p_.crash_ppm = r.Range(0, 8000);
  p_.leader_crash_ppm = r.Range(0, 30000);
  // Short-lived leaders leave entries of many terms on a few nodes each: the histories of
  // Figure 8 of the Raft paper.
  p_.churn_ppm = r.Chance(500000) ? 0 : r.Range(100000, 800000);
  p_.torn_ppm = r.Range(0, 1000000);
  p_.restart_ppm = r.Range(20000, 150000);
  p_.partition_ppm = r.Range(0, 20000);
  p_.heal_ppm = r.Range(10000, 60000);
  p_.tick_skip_ppm = r.Range(0, 100000);
  p_.compact_every = r.Range(4, 40);
  p_.compact_keep = r.Range(0, 5);
  p_.padding_max = r.Range(0, 64);
  Config& c = p_.config;
  c.heartbeat_ticks = static_cast<uint32_t>(r.Range(1, 3));
  c.max_inflight_msgs = r.Range(1, 8);
  c.max_inflight_bytes = r.Chance(500000) ? 0 : r.Range(16, 400);
  // One entry per append in some runs: replication then advances entry by entry, which is
  // where commit-rule bugs (Figure 8 of the Raft paper) show.
  c.max_bytes_per_msg = r.Chance(300000) ? 1 : r.Range(32, 600);
  c.max_uncommitted_entries_bytes = r.Range(100, 3000);
  c.max_apply_bytes_per_ready = r.Range(64, 2000);
  c.pre_vote = r.Chance(800000);
  c.check_quorum = r.Chance(800000);
  Log("params: loss " + std::to_string(p_.faults.loss_ppm) + "ppm, dup " +
      std::to_string(p_.faults.duplicate_ppm) +
      "ppm, delay <= " + std::to_string(p_.faults.delay_max_steps) + ", inflight " +
      std::to_string(c.max_inflight_msgs) + ", pre_vote " + std::to_string(c.pre_vote) +
      ", check_quorum " + std::to_string(c.check_quorum));
}

SimNode& Simulator::AddNode(uint64_t id) {
  auto node = std::make_unique<SimNode>(id, p_.config, Genesis(options_.nodes));
  SimNode& n = *node;
  nodes_.emplace(id, std::move(node));
  Restart(n);
  return n;
}

void Simulator::Partition() {
  std::vector<uint64_t> ids;
  for (auto& [id, n] : nodes_) ids.push_back(id);
  switch (prng_.Uniform(3)) {
    case 0: {  // symmetric: two sides that cannot talk
      std::vector<bool> side(ids.size());
      for (size_t k = 0; k < ids.size(); ++k) side[k] = prng_.Chance(500000);
      for (size_t a = 0; a < ids.size(); ++a) {
        for (size_t b = 0; b < ids.size(); ++b) {
          if (side[a] != side[b]) net_.Cut(ids[a], ids[b]);
        }
      }
      Log("partition: symmetric split");
      break;
    }
    case 1: {  // one node can only send, or only receive
      const uint64_t a = ids[prng_.Uniform(ids.size())];
      const bool deaf = prng_.Chance(500000);
      for (uint64_t b : ids) {
        if (b == a) continue;
        deaf ? net_.Cut(b, a) : net_.Cut(a, b);
      }
      Log("partition: node " + std::to_string(a) + (deaf ? " cannot hear" : " cannot speak"));
      break;
    }
    default: {  // a few one-way link failures
      const uint64_t links = prng_.Range(1, ids.size());
      for (uint64_t k = 0; k < links; ++k) {
        net_.Cut(ids[prng_.Uniform(ids.size())], ids[prng_.Uniform(ids.size())]);
      }
      Log("partition: " + std::to_string(links) + " one-way links cut");
      break;
    }
  }
  ++stats_.partitions;
}

void Simulator::InjectFaults() {
  if (!net_.partitioned() && prng_.Chance(p_.partition_ppm)) {
    Partition();
  } else if (net_.partitioned() && prng_.Chance(p_.heal_ppm)) {
    net_.HealAll();
    Log("partition heals");
  }
  for (auto& [id, n] : nodes_) {
    if (removed_.count(id)) continue;
    auto due = crash_due_.find(id);
    if (due != crash_due_.end() && due->second <= now_) {
      crash_due_.erase(due);
      Crash(*n);
    } else if (n->up() && prng_.Chance(p_.crash_ppm)) {
      Crash(*n);
    } else if (!n->up() && prng_.Chance(p_.restart_ppm)) {
      Restart(*n);
    }
  }
  const uint64_t leader = LeaderId();
  if (leader != 0 && prng_.Chance(p_.leader_crash_ppm)) {
    Crash(*Find(leader));
  } else if (leader != 0 && prng_.Chance(p_.conf_change_ppm)) {
    ChangeMembership(leader);
  }
}

void Simulator::Propose(bool after_faults) {
  if (after_faults || !prng_.Chance(p_.propose_ppm)) return;
  uint64_t target = LeaderId();
  if (target == 0 || prng_.Chance(100000)) {
    // Now and then a client picks a node at random: a follower must refuse cleanly.
    auto it = nodes_.begin();
    std::advance(it, static_cast<long>(prng_.Uniform(nodes_.size())));
    if (!it->second->up()) return;
    target = it->first;
  }
  const uint64_t id = next_proposal_++;
  Status st = Find(target)->raft().Propose(EncodeProposal(id, prng_.Range(0, p_.padding_max)));
  if (st.ok()) {
    proposer_[id] = target;
    ++stats_.proposed;
  } else if (st.code() != Code::kFailedPrecondition && st.code() != Code::kUnavailable &&
             st.code() != Code::kResourceExhausted) {
    checker_.Fail("proposal refused with an unexpected status: " + st.ToString());
  }
}

void Simulator::ChangeMembership(uint64_t leader) {
  const RaftStatus st = Find(leader)->raft().GetStatus();
  const auto& voters = st.conf_state.voters();
  const auto& learners = st.conf_state.learners();
  milkpb::RaftConfChange cc;
  const uint64_t choice = prng_.Uniform(3);
  if (choice == 0 && static_cast<uint64_t>(voters.size()) > kVotersMin) {
    cc.set_type(milkpb::RaftConfChange::REMOVE_NODE);
    cc.set_node_id(voters[static_cast<int>(prng_.Uniform(voters.size()))]);
  } else if (choice == 1 && !learners.empty()) {
    cc.set_type(milkpb::RaftConfChange::ADD_NODE);
    cc.set_node_id(learners[static_cast<int>(prng_.Uniform(learners.size()))]);
  } else if (next_node_id_ <= options_.nodes + kJoinersMax &&
             static_cast<uint64_t>(voters.size() + learners.size()) < kNodesMax) {
    cc.set_type(prng_.Chance(500000) ? milkpb::RaftConfChange::ADD_LEARNER
                                     : milkpb::RaftConfChange::ADD_NODE);
    cc.set_node_id(next_node_id_);
  } else {
    return;
  }
  Status s = Find(leader)->raft().ProposeConfChange(cc);
  Log("propose " + milkpb::RaftConfChange::Type_Name(cc.type()) + " " +
      std::to_string(cc.node_id()) + ": " + s.ToString());
  if (s.ok() && cc.node_id() == next_node_id_) AddNode(next_node_id_++);  // the joiner starts
}

}  // namespace milk::consensus::sim
