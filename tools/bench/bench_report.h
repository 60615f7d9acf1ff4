// What every benchmark prints (docs/PERFORMANCE.md): throughput, submit-to-commit latency
// percentiles and the count of each outcome, as a table for a person or one JSON object
// (--json) for bench/compare. Shared by `milk bench` and the bench/ programs so their figures
// read the same.
//
// Thread-safety: LatencyRecorder is thread-safe; Report and the functions are plain values.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace milk::bench {

// Latencies of one run, in microseconds. Add is thread-safe (one mutex; a run records at most a
// few hundred thousand samples, far below the cost of the calls measured).
class LatencyRecorder {
 public:
  void Add(int64_t micros);
  // The samples so far (a copy).
  std::vector<int64_t> Samples() const;

 private:
  mutable std::mutex mutex_;
  std::vector<int64_t> samples_;
};

struct Percentiles {
  uint64_t count = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};
// Nearest-rank percentiles of samples (microseconds). All zero when samples is empty.
Percentiles Summarize(std::vector<int64_t> samples);

struct Report {
  std::string scenario;  // e.g. "transfers/one-node"
  double seconds = 0;    // the measured window, wall clock
  // Transactions committed VALID in the window: what the throughput counts.
  uint64_t committed = 0;
  // Every outcome by name: validation codes ("VALID", "MVCC_READ_CONFLICT", ...) and client-side
  // failures ("error:UNAVAILABLE", ...). Their sum is the number of transactions attempted.
  std::map<std::string, uint64_t> outcomes;
  Percentiles latency;                        // submit-to-commit, or as `latency_what` says
  std::string latency_what = "submit to commit";
  std::map<std::string, double> figures;      // further named figures (units in the name)
  std::map<std::string, std::string> params;  // how the run was configured

  double Rate() const { return seconds > 0 ? static_cast<double>(committed) / seconds : 0; }
};

nlohmann::json ToJson(const Report& report);
// A few aligned lines: scenario, parameters, rate, latency, outcomes, figures.
void PrintText(const Report& report, std::ostream& out);

}  // namespace milk::bench
