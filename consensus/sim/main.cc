// milk-raft-sim: runs the deterministic Raft simulator.
//
//   milk-raft-sim --seeds N [--first-seed S] [--nodes K] [--steps M (default 1000)]
//   milk-raft-sim --seed S [--nodes K] [--steps M] [--verbose]
//
// Without --nodes, seed S runs with 3 + S % 5 nodes, so a range of seeds covers 3 to 7.
// A failing seed prints one "REPLAY:" line that reruns it exactly; the exit status is 1.
#include <limits.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "consensus/sim/sim.h"

namespace {

using milk::consensus::sim::kNodesMax;
using milk::consensus::sim::kNodesMin;

// Bounds on the command line: a typo should not start a week-long run.
constexpr uint64_t kSeedsMax = 100000000;
constexpr uint64_t kStepsMax = 1000000;

struct Args {
  std::optional<uint64_t> seed;
  uint64_t seeds = 0;
  uint64_t first_seed = 1;
  std::optional<uint32_t> nodes;
  uint32_t steps = 1000;
  bool verbose = false;
};

int Usage(const std::string& error) {
  std::cerr << "milk-raft-sim: " << error << "\n"
            << "usage: milk-raft-sim --seeds N [--first-seed S] [--nodes 3..7] [--steps M]\n"
            << "       milk-raft-sim --seed S [--nodes 3..7] [--steps M] [--verbose]\n";
  return 2;
}

std::optional<uint64_t> ParseNumber(const char* text, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v > max) return std::nullopt;
  return v;
}

std::string SelfPath(const char* argv0) {
  char buf[PATH_MAX];
  if (realpath(argv0, buf) != nullptr) return buf;
  return argv0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--verbose") {
      a.verbose = true;
      continue;
    }
    if (i + 1 >= argc) return Usage("missing value after " + flag);
    const char* value = argv[++i];
    std::optional<uint64_t> n = ParseNumber(value, UINT64_MAX);
    if (!n) return Usage("bad number '" + std::string(value) + "' for " + flag);
    if (flag == "--seed") {
      a.seed = *n;
    } else if (flag == "--seeds") {
      if (*n == 0 || *n > kSeedsMax)
        return Usage("--seeds must be in 1.." + std::to_string(kSeedsMax));
      a.seeds = *n;
    } else if (flag == "--first-seed") {
      a.first_seed = *n;
    } else if (flag == "--nodes") {
      if (*n < kNodesMin || *n > kNodesMax) return Usage("--nodes must be in 3..7");
      a.nodes = static_cast<uint32_t>(*n);
    } else if (flag == "--steps") {
      if (*n == 0 || *n > kStepsMax)
        return Usage("--steps must be in 1.." + std::to_string(kStepsMax));
      a.steps = static_cast<uint32_t>(*n);
    } else {
      return Usage("unknown flag " + flag);
    }
  }
  if (a.seed.has_value() == (a.seeds != 0)) return Usage("give exactly one of --seed and --seeds");
  if (a.verbose && !a.seed) return Usage("--verbose needs --seed");

  const uint64_t first = a.seed ? *a.seed : a.first_seed;
  const uint64_t count = a.seed ? 1 : a.seeds;
  const std::string self = SelfPath(argv[0]);
  uint64_t passed = 0, failed = 0, heal_ticks_max = 0, worst_seed = 0, stall_max = 0,
           stall_seed = 0, leaders = 0, crashes = 0, acked = 0;
  for (uint64_t k = 0; k < count; ++k) {
    milk::consensus::sim::SimOptions o;
    o.seed = first + k;
    o.nodes = a.nodes ? *a.nodes
                      : static_cast<uint32_t>(kNodesMin + o.seed % (kNodesMax - kNodesMin + 1));
    o.steps = a.steps;
    o.verbose = a.verbose;
    const milk::consensus::sim::SimResult r = milk::consensus::sim::RunSimulation(o, &std::cout);
    if (r.ok) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL seed " << o.seed << ": " << r.failure << "\n"
                << "REPLAY: " << self << " --seed " << o.seed << " --nodes " << o.nodes
                << " --steps " << o.steps << "\n";
    }
    if (r.stats.heal_stall_ticks > stall_max) {
      stall_max = r.stats.heal_stall_ticks;
      stall_seed = o.seed;
    }
    if (r.stats.heal_ticks > heal_ticks_max) {
      heal_ticks_max = r.stats.heal_ticks;
      worst_seed = o.seed;
    }
    leaders += r.stats.leaders;
    crashes += r.stats.crashes;
    acked += r.stats.acknowledged;
    if (a.seed) {
      const auto& s = r.stats;
      std::cout << "seed " << o.seed << ": steps " << s.steps << ", delivered " << s.delivered
                << ", dropped " << s.dropped << ", duplicated " << s.duplicated << ", leaders "
                << s.leaders << ", max term " << s.max_term << ", proposed " << s.proposed
                << ", acknowledged " << s.acknowledged << ", crashes " << s.crashes << " ("
                << s.torn_crashes << " torn), partitions " << s.partitions
                << ", membership changes applied " << s.conf_changes << ", snapshots installed "
                << s.snapshots << ", heal ticks " << s.heal_ticks << " (longest stall "
                << s.heal_stall_ticks << ")"
                << ", trace " << std::hex << r.trace_hash << std::dec << "\n";
    }
  }
  std::cout << "milk-raft-sim: seeds " << first << ".." << (first + count - 1) << ": leaders "
            << leaders << ", crashes " << crashes << ", acknowledged " << acked
            << ", slowest recovery " << heal_ticks_max << " ticks (seed " << worst_seed
            << "), longest stall " << stall_max << " ticks (seed " << stall_seed << ")\n"
            << "milk-raft-sim: " << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
