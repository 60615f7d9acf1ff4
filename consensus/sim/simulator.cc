#include "consensus/sim/simulator.h"

#include <algorithm>
#include <array>
#include <iostream>

#include "consensus/sim/hash.h"

namespace milk::consensus::sim {

Simulator::Simulator(const SimOptions& options, std::ostream* log)
    : options_(options), log_(log), prng_(Mix(options.seed, 1)), net_(Mix(options.seed, 2)) {
  MILK_CHECK(options.nodes >= kNodesMin && options.nodes <= kNodesMax);
}

void Simulator::Log(const std::string& line) {
  if (options_.verbose && log_ != nullptr) *log_ << "[" << now_ << "] " << line << "\n";
}

namespace {
std::string Describe(const RaftStatus& st);
}  // namespace

SimNode* Simulator::Find(uint64_t id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

uint64_t Simulator::LeaderId() {
  uint64_t best = 0;
  uint64_t best_term = 0;
  for (auto& [id, n] : nodes_) {
    if (!n->up()) continue;
    const RaftStatus st = n->raft().GetStatus();
    if (st.role == Role::kLeader && st.term >= best_term) {
      best = id;
      best_term = st.term;
    }
  }
  return best;
}

void Simulator::Crash(SimNode& n) {
  if (!n.up()) return;
  if (prng_.Chance(p_.torn_ppm) && n.raft().HasReady()) {
    // Power cut while writing a Ready: a prefix of its writes reached the disk, nothing was
    // sent and nothing applied.
    Ready rd = n.raft().GetReady();
    const size_t items = SimNode::PersistItems(rd);
    const size_t cut = items == 0 ? 0 : prng_.Uniform(items);
    n.Persist(rd, cut, checker_);
    ++stats_.torn_crashes;
    Log("node " + std::to_string(n.id()) + " crashes after " + std::to_string(cut) + " of " +
        std::to_string(items) + " writes");
  } else {
    Log("node " + std::to_string(n.id()) + " crashes");
  }
  n.Crash();
  net_.LoseInFlightFrom(n.id(), 500000);
  ready_due_.erase(n.id());
  ++stats_.crashes;
}

void Simulator::Restart(SimNode& n) {
  const uint64_t incarnation = ++incarnation_[n.id()];
  Status st = n.Start(Mix(Mix(options_.seed, n.id()), incarnation));
  if (!st.ok())
    return checker_.Fail("restart of node " + std::to_string(n.id()) + ": " + st.ToString());
  last_term_commit_.erase(n.id());
  Log("node " + std::to_string(n.id()) + " restarts at term " +
      std::to_string(n.raft().GetStatus().term));
}

void Simulator::Deliver() {
  auto is_up = [this](uint64_t id) {
    SimNode* n = Find(id);
    return n != nullptr && n->up();
  };
  for (const milkpb::RaftMessage& m : net_.TakeDue(now_, is_up)) {
    trace_ =
        Mix(Mix(Mix(trace_, m.type()), m.from() * 64 + m.to()), m.term() * 1000003 + m.index());
    if (options_.verbose) {
      Log("deliver " + milkpb::RaftMessage::Type_Name(m.type()) + " " + std::to_string(m.from()) +
          "->" + std::to_string(m.to()) + " term " + std::to_string(m.term()) + " index " +
          std::to_string(m.index()) + " log_term " + std::to_string(m.log_term()) + " entries " +
          std::to_string(m.entries_size()) + " commit " + std::to_string(m.commit()) +
          (m.reject() ? " reject hint " + std::to_string(m.reject_hint()) : ""));
    }
    Status st = Find(m.to())->raft().Step(m);
    if (!st.ok()) {
      // Every message comes from a correct node: a refusal means one of them broke Raft.
      checker_.Fail("node " + std::to_string(m.to()) + " refused a message: " + st.ToString());
    }
  }
  for (const TransportReport& r : net_.TakeReports()) {
    SimNode* n = Find(r.from);
    if (n == nullptr || !n->up()) continue;
    if (r.kind == TransportReport::Kind::kUnreachable) {
      n->raft().ReportUnreachable(r.to);
    } else {
      n->raft().ReportSnapshot(r.to, r.kind == TransportReport::Kind::kSnapshotOk);
    }
  }
}

void Simulator::TickAll() {
  for (auto& [id, n] : nodes_) {
    if (n->up() && !prng_.Chance(p_.tick_skip_ppm)) n->raft().Tick();
  }
}

void Simulator::HandleReady(SimNode& n) {
  Ready rd = n.raft().GetReady();
  const RaftStatus st = n.raft().GetStatus();
  if (options_.verbose) {
    Log("ready node " + std::to_string(n.id()) + ": " + std::to_string(rd.entries.size()) +
        " to persist, " + std::to_string(rd.committed_entries.size()) + " to apply, " +
        std::to_string(rd.messages.size()) + " to send" + (rd.snapshot ? ", a snapshot" : ""));
  }
  n.Persist(rd, SIZE_MAX, checker_);
  if (rd.soft_state && rd.soft_state->role == Role::kLeader) {
    checker_.OnBecameLeader(n.id(), st.term, n.LastIndex(),
                            [&n](uint64_t i) { return n.ChainAt(i); });
    Log("node " + std::to_string(n.id()) + " leads term " + std::to_string(st.term));
    if (faults_on_ && prng_.Chance(p_.churn_ppm)) {
      crash_due_[n.id()] = now_ + prng_.Range(1, 2 * p_.faults.delay_max_steps + 1);
    }
  }
  if (rd.snapshot) ++stats_.snapshots;
  for (const milkpb::RaftMessage& m : rd.messages) net_.Send(m, now_);
  for (uint64_t id : n.Apply(rd, checker_, &stats_.conf_changes)) {
    committed_ids_.insert(id);
    auto it = proposer_.find(id);
    if (it != proposer_.end() && it->second == n.id() && acked_.insert(id).second) {
      ++stats_.acknowledged;
    }
    trace_ = Mix(trace_, id);
  }
  bool removed_self = false;
  for (const milkpb::RaftEntry& e : rd.committed_entries) {
    milkpb::RaftConfChange cc;
    if (e.type() != milkpb::RaftEntry::CONF_CHANGE || !cc.ParseFromString(e.data())) continue;
    Log("node " + std::to_string(n.id()) + " applies " +
        milkpb::RaftConfChange::Type_Name(cc.type()) + " " + std::to_string(cc.node_id()));
    if (cc.type() == milkpb::RaftConfChange::REMOVE_NODE) {
      removed_.insert(cc.node_id());
      removed_self = removed_self || cc.node_id() == n.id();
    }
  }
  n.raft().Advance(rd);
  n.MaybeCompact(p_.compact_every, p_.compact_keep);
  if (removed_self) {
    Log("node " + std::to_string(n.id()) + " shuts down: removed");
    n.Crash();  // as milkd leaves a chain it was removed from
  }
}

void Simulator::HandleReadies() {
  for (auto& [id, n] : nodes_) {
    if (!n->up() || !n->raft().HasReady()) continue;
    auto due = ready_due_.find(id);
    if (due == ready_due_.end()) {
      due = ready_due_.emplace(id, now_ + prng_.Range(0, p_.disk_delay_max)).first;
    }
    if (due->second > now_) continue;
    ready_due_.erase(due);
    HandleReady(*n);
  }
}

namespace {
std::string Describe(const RaftStatus& st) {
  std::string out = "node " + std::to_string(st.id) + " " + RoleName(st.role) + " term " +
                    std::to_string(st.term) + " vote " + std::to_string(st.vote) + " leader " +
                    std::to_string(st.leader) + " commit " + std::to_string(st.commit) +
                    " applied " + std::to_string(st.applied) + " last " +
                    std::to_string(st.last_index);
  for (const PeerStatus& p : st.progress) {
    out += "\n    peer " + std::to_string(p.id) + " " + ProgressStateName(p.state) + " match " +
           std::to_string(p.match) + " next " + std::to_string(p.next) + " inflight " +
           std::to_string(p.inflight_msgs) + "/" + std::to_string(p.inflight_bytes) + "B" +
           (p.recent_active ? " active" : "");
  }
  return out;
}
}  // namespace

void Simulator::CheckStep() {
  const bool dump = options_.verbose && now_ % 50 == 0;
  for (auto& [id, n] : nodes_) {
    if (!n->up()) continue;
    const RaftStatus st = n->raft().GetStatus();
    if (dump) Log(Describe(st));
    if (st.role == Role::kLeader) checker_.OnLeader(id, st.term);
    stats_.max_term = std::max(stats_.max_term, st.term);
    auto [it, inserted] = last_term_commit_.emplace(id, std::make_pair(st.term, st.commit));
    if (!inserted) {
      if (st.term < it->second.first || st.commit < it->second.second) {
        checker_.Fail("node " + std::to_string(id) + " moved its term or commit backwards");
      }
      it->second = {st.term, st.commit};
    }
  }
}

void Simulator::StepOnce(bool faults) {
  ++now_;
  ++stats_.steps;
  faults_on_ = faults;
  if (faults) InjectFaults();
  Propose(!faults);
  Deliver();
  TickAll();
  HandleReadies();
  CheckStep();
}

std::string Simulator::MissingApplies() {
  const uint64_t leader = LeaderId();
  if (leader == 0) return "no leader";
  const RaftStatus st = Find(leader)->raft().GetStatus();
  std::vector<uint64_t> members(st.conf_state.voters().begin(), st.conf_state.voters().end());
  members.insert(members.end(), st.conf_state.learners().begin(), st.conf_state.learners().end());
  for (uint64_t id : members) {
    SimNode* n = Find(id);
    if (n == nullptr || !n->up()) return "member " + std::to_string(id) + " is down";
    for (uint64_t p : committed_ids_) {
      if (n->app().ids.count(p) == 0) {
        return "member " + std::to_string(id) + " has not applied proposal " + std::to_string(p) +
               (acked_.count(p) ? " (acknowledged)" : "");
      }
    }
  }
  return "";
}

bool Simulator::HealPhase() {
  // Faults stop: links heal, loss and duplication end, every node that was not removed restarts
  // and removed ones are stopped (an operator would). Delays and disk latency remain.
  net_.HealAll();
  NetworkFaults calm = p_.faults;
  calm.loss_ppm = 0;
  calm.duplicate_ppm = 0;
  net_.SetFaults(calm);
  for (auto& [id, n] : nodes_) {
    if (removed_.count(id)) {
      n->Crash();
    } else if (!n->up()) {
      Restart(*n);
    }
  }
  Log("faults stop");
  uint64_t probe = 0;
  Progressed();
  uint64_t last_progress_tick = 0;
  for (uint64_t tick = 1; tick <= kHealTicksMax && !checker_.failed(); ++tick) {
    // A fresh proposal must commit: keep proposing until one is acknowledged (a proposal to a
    // leader that is deposed before it commits may be lost, which Raft allows).
    const uint64_t leader = LeaderId();
    if (leader != 0 && (probe == 0 || proposer_[probe] != leader) && !acked_.count(probe)) {
      const uint64_t id = next_proposal_++;
      if (Find(leader)->raft().Propose(EncodeProposal(id, 0)).ok()) {
        probe = id;
        proposer_[id] = leader;
      }
    }
    StepOnce(false);
    if (Progressed()) last_progress_tick = tick;
    stats_.heal_stall_ticks = std::max(stats_.heal_stall_ticks, tick - last_progress_tick);
    if (probe != 0 && acked_.count(probe) && MissingApplies().empty()) {
      stats_.heal_ticks = tick;
      return true;
    }
    if (tick - last_progress_tick > kHealStallTicksMax) {
      checker_.Fail("liveness: no log grew and nothing committed or applied for " +
                    std::to_string(kHealStallTicksMax) + " ticks after the faults stopped; " +
                    MissingApplies());
      return false;
    }
  }
  if (!checker_.failed()) {
    checker_.Fail("liveness: " + std::to_string(kHealTicksMax) +
                  " ticks after the faults stopped " +
                  (probe != 0 && acked_.count(probe) ? "" : "no fresh proposal committed; ") +
                  MissingApplies());
  }
  return false;
}

bool Simulator::Progressed() {
  bool moved = false;
  for (auto& [id, n] : nodes_) {
    if (!n->up()) continue;
    const RaftStatus st = n->raft().GetStatus();
    std::array<uint64_t, 3>& marks = high_water_[id];
    const std::array<uint64_t, 3> now = {st.last_index, st.commit, st.applied};
    for (size_t k = 0; k < marks.size(); ++k) {
      if (now[k] > marks[k]) {
        marks[k] = now[k];
        moved = true;
      }
    }
  }
  return moved;
}

SimResult Simulator::Run() {
  DrawParams();
  net_.SetFaults(p_.faults);
  next_node_id_ = options_.nodes + 1;
  for (uint64_t id = 1; id <= options_.nodes; ++id) AddNode(id);
  for (uint64_t step = 0; step < options_.steps && !checker_.failed(); ++step) StepOnce(true);
  if (!checker_.failed()) HealPhase();
  SimResult result;
  result.ok = !checker_.failed();
  if (!result.ok) result.failure = "step " + std::to_string(now_) + ": " + checker_.failure();
  stats_.delivered = net_.delivered;
  stats_.dropped = net_.dropped;
  stats_.duplicated = net_.duplicated;
  stats_.leaders = checker_.leaders();
  result.stats = stats_;
  result.trace_hash = trace_;
  return result;
}

SimResult RunSimulation(const SimOptions& options, std::ostream* log) {
  Simulator sim(options, log);
  return sim.Run();
}

}  // namespace milk::consensus::sim
