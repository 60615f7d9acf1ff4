// chaincode/model: one seed from set-up to the last operation, and its summary line.
#include "chaincode/model/model.h"

#include <ostream>

#include "chaincode/model/model_world.h"

namespace milk::chaincode::model {

// Whether the exchange chaincode is linked in (model_exchange.cc or its stub).
bool ExchangeBuilt();

SeedReport RunSeed(const ModelOptions& options, std::ostream* log) {
  SeedReport report;
  report.seed = options.seed;
  World world(options.seed, ExchangeBuilt(), options.verbose ? log : nullptr);
  const size_t ops = options.ops < kOpsPerSeedMax ? options.ops : kOpsPerSeedMax;
  if (world.SetUp()) {
    for (size_t i = 0; i < ops; ++i) {
      ++report.ops_run;
      if (!world.Step(static_cast<int64_t>(i))) break;
    }
  }
  if (!world.failed()) {
    // No personal data in any chain's state (issue 5): scanned once per seed, at its end.
    std::vector<std::pair<std::string, MemoryState*>> states;
    for (Chain& chain : world.chains) states.emplace_back(chain.id, &chain.state);
    const std::string found = ScanPersonalData(states);
    if (!found.empty()) world.Fail(found);
  }
  report.exchange_enabled = world.exchange_enabled;
  report.by_function = world.counts();
  for (const auto& [name, count] : report.by_function) {
    report.accepted += count.first;
    report.refused += count.second;
  }
  report.failure = world.failure();
  return report;
}

std::string Summary(const SeedReport& report) {
  std::string text = "seed " + std::to_string(report.seed) + ": " + std::to_string(report.ops_run) +
                     " ops, " + std::to_string(report.accepted) + " accepted, " +
                     std::to_string(report.refused) + " refused" +
                     (report.exchange_enabled ? "" : " (exchange not built)");
  if (report.failure) {
    text += "\n  FAILED at operation " + std::to_string(report.failure->op_index) + ": " +
            report.failure->operation + "\n  broken: " + report.failure->what;
  }
  return text;
}

}  // namespace milk::chaincode::model
