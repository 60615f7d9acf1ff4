// The table bench/compare prints (docs/PERFORMANCE.md): each system's figure from the JSON its
// benchmark printed, the ratios the targets are stated in, and whether each target holds.
// Pure: reads the given JSON objects, writes text.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/status.h"

namespace milk::bench {

// Each input is the JSON object one benchmark printed last; absent ones are null (their rows say
// "not run").
struct CompareInputs {
  nlohmann::json signatures;       // milk bench signatures
  nlohmann::json one_node;         // milk bench transfers, one consenter, as fast as it goes
  nlohmann::json one_node_half;    // the same at half that rate
  nlohmann::json three_consenters; // milk bench transfers, three consenters
  nlohmann::json postgresql;       // bench/pg/run
  nlohmann::json etcd;             // bench/etcd/run
  nlohmann::json ordering;         // milk_ordering_bench (bench/ordering), three consenters
  // Signature verifications the node does per committed transfer (docs/PERFORMANCE.md).
  int verifications_per_tx = 3;
};

// kInvalidArgument when an input that is present lacks the field the table needs.
Status PrintCompareTable(const CompareInputs& inputs, std::ostream& out);

}  // namespace milk::bench
