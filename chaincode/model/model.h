// The model-based random test of the MiL.k chaincodes (docs/model_test.md). One seed drives a
// center chain (alliance, mlk, lzm, pack and, when built, the exchange, registered together on
// one MemoryState) and two brand chains (brandtoken each) through thousands of random
// operations by random callers with random, often bad, arguments, on an injected clock that
// jumps forward by random steps across lock dates, expiries and UTC days. After every operation
// it runs every chaincode's Check*Invariants, the cross-chaincode conservation checks and the
// comparison of the committed state with a reference model it keeps itself; a refused operation
// must change nothing.
//
// Deterministic: the same options give the same operations, answers and report (no wall clock,
// no unseeded randomness, no unordered iteration). Not thread-safe per call; separate RunSeed
// calls share nothing and may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

namespace milk::chaincode::model {

// A humane run is 2000 operations; tests/run uses 20 seeds of that (~2 minutes in total).
inline constexpr size_t kDefaultOpsPerSeed = 2000;
// An operation count beyond this is a typo, not a test: one seed's state would grow past what
// the per-operation full checks can scan quickly.
inline constexpr size_t kOpsPerSeedMax = 1'000'000;

struct ModelOptions {
  uint64_t seed = 1;
  size_t ops = kDefaultOpsPerSeed;
  bool verbose = false;  // logs every operation and its answer to the log stream
};

// The first broken check of a seed: which operation (0-based index among the generated ones;
// the set-up operations have index -1) and what broke.
struct ModelFailure {
  int64_t op_index = -1;
  std::string operation;  // "chain chaincode.function(args...) by caller @ time"
  std::string what;       // the check that failed and the values it saw
};

struct SeedReport {
  uint64_t seed = 0;
  size_t ops_run = 0;
  size_t accepted = 0;  // answered 200
  size_t refused = 0;   // any other status
  // "chaincode.function" -> {accepted, refused}: shows which operations were exercised.
  std::map<std::string, std::pair<size_t, size_t>> by_function;
  bool exchange_enabled = false;
  std::optional<ModelFailure> failure;
};

// Runs one seed: set-up, options.ops random operations, checks after each one. Stops at the
// first failure (reported in SeedReport::failure). log, when non-null, receives the verbose
// trace; it is not owned.
SeedReport RunSeed(const ModelOptions& options, std::ostream* log = nullptr);

// "seed S: N ops, A accepted, R refused" plus, on failure, the operation and the broken check.
std::string Summary(const SeedReport& report);

}  // namespace milk::chaincode::model
