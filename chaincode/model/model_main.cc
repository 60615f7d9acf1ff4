// milk-model: runs the model-based random test of the MiL.k chaincodes for many seeds
// (docs/model_test.md). Prints one summary line per seed; on failure, the seed, the operation
// index, the operation and the broken check, and exits 1.
//
//   milk-model [--seeds N (20)] [--first-seed S (1)] [--ops N (2000)] [--verbose]
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "chaincode/model/model.h"

namespace {

// A whole decimal number or nothing.
bool ParseCount(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  out = value;
  return true;
}

int Usage(const std::string& problem) {
  std::cerr << "milk-model: " << problem
            << "\nusage: milk-model [--seeds N] [--first-seed S] [--ops N] [--verbose]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seeds = 20, first_seed = 1, ops = milk::chaincode::model::kDefaultOpsPerSeed;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--verbose") {
      verbose = true;
      continue;
    }
    uint64_t* target = flag == "--seeds"        ? &seeds
                       : flag == "--first-seed" ? &first_seed
                       : flag == "--ops"        ? &ops
                                                : nullptr;
    if (target == nullptr) return Usage("unknown flag " + flag);
    if (i + 1 >= argc || !ParseCount(argv[i + 1], *target)) {
      return Usage(flag + " needs a whole number");
    }
    ++i;
  }
  if (ops > milk::chaincode::model::kOpsPerSeedMax) {
    return Usage("--ops is at most " + std::to_string(milk::chaincode::model::kOpsPerSeedMax));
  }
  uint64_t failed = 0;
  for (uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) {
    milk::chaincode::model::ModelOptions options;
    options.seed = seed;
    options.ops = static_cast<size_t>(ops);
    options.verbose = verbose;
    const auto report = milk::chaincode::model::RunSeed(options, &std::cout);
    if (verbose) {
      for (const auto& [name, count] : report.by_function) {
        std::cout << "  " << name << ": " << count.first << " accepted, " << count.second
                  << " refused\n";
      }
    }
    std::cout << milk::chaincode::model::Summary(report) << std::endl;
    if (report.failure) {
      ++failed;
      std::cout << "reproduce: milk-model --first-seed " << seed << " --seeds 1 --ops "
                << report.ops_run << " --verbose" << std::endl;
    }
  }
  std::cout << seeds - failed << " of " << seeds << " seeds passed" << std::endl;
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
