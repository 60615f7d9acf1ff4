// Deterministic fault points for the relay fault test (docs/relay.md, "Fault points"): named
// places between the protocol's steps where `milk relay --fault NAME[:N]` kills the process the
// N-th time it gets there, so a test can stop the relay at every step in turn and check that a
// restarted relay (or another copy) still finishes every swap exactly once.
//
// Thread-safety: FaultPoints is thread-safe; Reach may be called from every worker at once and
// exactly one call is the N-th.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace milk::relay {

// In protocol order. "submitted" points are after the submit returned and before the relay reads
// what it decided, the window where a crash leaves the most for the next relay to work out.
inline constexpr std::array<std::string_view, 6> kFaultPointNames = {
    "settle.proof_fetched", "settle.submitted",      "finish.proof_fetched",
    "finish.submitted",     "deliver.proof_fetched", "deliver.submitted"};

struct FaultSpec {
  std::string name;  // one of kFaultPointNames
  uint64_t hit = 1;  // fire on the hit-th time the relay reaches it (1 = the first)
};

// "NAME" or "NAME:N" (N a decimal from 1 to kFaultHitMax). kInvalidArgument naming the problem
// (an unknown name lists the known ones).
Result<FaultSpec> ParseFaultSpec(std::string_view text);

// A fault point that fires with N above this is a typo: no test drives a million steps.
inline constexpr uint64_t kFaultHitMax = 1000000;

class FaultPoints {
 public:
  // Called when a point fires, with its name and hit number. Production passes KillProcess.
  using Action = std::function<void(const std::string& name, uint64_t hit)>;

  // No specs: Reach only counts.
  FaultPoints() = default;
  FaultPoints(std::vector<FaultSpec> specs, Action fire);

  // Counts one more arrival at `name`; when that is a spec's hit-th, logs it and runs the action.
  // REQUIRES: name is one of kFaultPointNames.
  void Reach(std::string_view name);

  // How often the relay has reached `name` so far.
  uint64_t Count(std::string_view name) const;

 private:
  mutable std::mutex mu_;
  std::vector<FaultSpec> specs_;
  Action fire_;
  std::map<std::string, uint64_t, std::less<>> counts_;  // guarded by mu_
};

// Logs "fault point reached" and raise(SIGKILL): the process dies as a crash would, without
// flushing or unwinding anything.
void KillProcess(const std::string& name, uint64_t hit);

}  // namespace milk::relay
