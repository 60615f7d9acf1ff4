// The deterministic Raft simulator (docs/consensus.md, "The simulator"). One seed gives one
// exact run: every random choice (faults, delays, proposals, election timeouts) comes from
// PRNGs seeded by it, and nothing reads a clock or iterates a hash container.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace milk::consensus::sim {

// Bounds of a run.
inline constexpr uint32_t kNodesMin = 3;
inline constexpr uint32_t kNodesMax = 7;

struct SimOptions {
  uint64_t seed = 1;
  uint32_t nodes = 5;     // initial voters, kNodesMin..kNodesMax
  uint32_t steps = 1000;  // steps with faults; one step is one tick of every node's clock
  bool verbose = false;   // log every event to `log`
};

struct SimStats {
  uint64_t steps = 0;      // including the heal phase
  uint64_t delivered = 0;  // messages
  uint64_t dropped = 0;    // lost, partitioned or to a crashed node
  uint64_t duplicated = 0;
  uint64_t leaders = 0;  // distinct (term, leader) pairs
  uint64_t max_term = 0;
  uint64_t proposed = 0;      // proposals the leader accepted
  uint64_t acknowledged = 0;  // proposals seen applied by the node they were proposed to
  uint64_t crashes = 0;
  uint64_t torn_crashes = 0;  // crashes in the middle of persisting a Ready
  uint64_t partitions = 0;
  uint64_t conf_changes = 0;      // membership changes applied by some node
  uint64_t snapshots = 0;         // snapshots installed from a leader
  uint64_t heal_ticks = 0;        // ticks from the end of faults to full progress
  uint64_t heal_stall_ticks = 0;  // longest stretch of them without progress (see below)
};

struct SimResult {
  bool ok = true;
  std::string failure;  // which check failed, at which step, and why
  SimStats stats;
  uint64_t trace_hash = 0;  // fingerprint of the run: equal seeds give equal hashes
};

// Liveness once the faults stop. Progress means some node's log, commit index or applied index
// passes its high-water mark; a stretch of kHealStallTicksMax ticks without any (no leader
// elected, or one elected that cannot replicate) fails the run. That covers elections (each
// [election, 2 * election) ticks, a few rounds if votes split) with a wide margin; the worst stall
// measured is in docs/consensus.md. Within kHealTicksMax ticks in all a fresh proposal must commit
// and every committed proposal be applied on every live member: the backlog left by the faults
// drains at the pace of the run's window and message sizes (one entry per message with a window of
// one in some runs), so this total bound is loose; the stall bound is the sharp one.
inline constexpr uint64_t kHealStallTicksMax = 500;
inline constexpr uint64_t kHealTicksMax = 10000;

// Runs one simulation. REQUIRES: kNodesMin <= nodes <= kNodesMax. `log` gets the event trace
// when options.verbose (may be null otherwise).
SimResult RunSimulation(const SimOptions& options, std::ostream* log);

}  // namespace milk::consensus::sim
