// Private to the simulator: one run. simulator.cc holds the step loop, Ready handling and the
// heal phase; workload.cc the faults and the clients (proposals, membership changes).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include "consensus/prng.h"
#include "consensus/sim/checker.h"
#include "consensus/sim/network.h"
#include "consensus/sim/sim.h"
#include "consensus/sim/sim_node.h"

namespace milk::consensus::sim {

// The knobs of one run, all drawn from its seed so that 1,000 seeds cover calm and violent
// runs, small and large windows, with and without pre-vote and check-quorum.
struct RunParams {
  NetworkFaults faults;
  uint64_t disk_delay_max = 0;    // steps a node may take to handle a Ready (disk latency)
  uint64_t propose_ppm = 0;       // chance per step of a client proposal
  uint64_t conf_change_ppm = 0;   // chance per step of a membership change
  uint64_t crash_ppm = 0;         // per node per step
  uint64_t leader_crash_ppm = 0;  // per step: the adversary aims at the leader
  uint64_t churn_ppm = 0;         // chance a new leader is crashed within a round trip or two
  uint64_t torn_ppm = 0;          // chance a crash hits in the middle of persisting a Ready
  uint64_t restart_ppm = 0;       // per crashed node per step
  uint64_t partition_ppm = 0;
  uint64_t heal_ppm = 0;
  uint64_t tick_skip_ppm = 0;  // clock drift: a node misses a tick
  uint64_t compact_every = 0;
  uint64_t compact_keep = 0;
  uint64_t padding_max = 0;  // proposal padding bytes
  Config config;
};

class Simulator {
 public:
  Simulator(const SimOptions& options, std::ostream* log);
  SimResult Run();

 private:
  // simulator.cc
  void Log(const std::string& line);
  void StepOnce(bool faults);
  void Deliver();
  void TickAll();
  void HandleReadies();
  void HandleReady(SimNode& n);
  void CheckStep();
  void Crash(SimNode& n);
  void Restart(SimNode& n);
  SimNode* Find(uint64_t id);
  uint64_t LeaderId();
  bool HealPhase();
  // True when some node's log, commit or applied index passed its high-water mark.
  bool Progressed();
  std::string MissingApplies();

  // workload.cc
  void DrawParams();
  void InjectFaults();
  void Partition();
  void Propose(bool after_faults);
  void ChangeMembership(uint64_t leader);
  SimNode& AddNode(uint64_t id);

  const SimOptions options_;
  std::ostream* log_;
  Prng prng_;
  Network net_;
  Checker checker_;
  RunParams p_;
  SimStats stats_;
  uint64_t now_ = 0;
  bool faults_on_ = true;
  uint64_t trace_ = 0;

  std::map<uint64_t, std::unique_ptr<SimNode>> nodes_;
  std::map<uint64_t, uint64_t> incarnation_;
  std::map<uint64_t, uint64_t> ready_due_;  // node -> step by which it handles its Ready
  std::map<uint64_t, uint64_t> crash_due_;  // node -> step the adversary crashes it
  std::map<uint64_t, std::array<uint64_t, 3>> high_water_;  // node -> last, commit, applied
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> last_term_commit_;  // per incarnation
  std::set<uint64_t> removed_;  // ids a committed change removed
  uint64_t next_node_id_ = 0;

  uint64_t next_proposal_ = 1;
  std::map<uint64_t, uint64_t> proposer_;  // proposal id -> node it was proposed to
  std::set<uint64_t> acked_;
  std::set<uint64_t> committed_ids_;  // applied somewhere, hence committed
};

}  // namespace milk::consensus::sim
