#include "tools/bench/bench_report.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace milk::bench {
namespace {

double Ms(int64_t micros) { return static_cast<double>(micros) / 1000.0; }

// The sample at rank ceil(q * n) (1-based), q in (0, 1].
int64_t NearestRank(const std::vector<int64_t>& sorted, double q) {
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

void LatencyRecorder::Add(int64_t micros) {
  std::lock_guard lock(mutex_);
  samples_.push_back(micros);
}

std::vector<int64_t> LatencyRecorder::Samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

Percentiles Summarize(std::vector<int64_t> samples) {
  Percentiles out;
  if (samples.empty()) return out;
  std::sort(samples.begin(), samples.end());
  out.count = samples.size();
  out.p50_ms = Ms(NearestRank(samples, 0.50));
  out.p90_ms = Ms(NearestRank(samples, 0.90));
  out.p99_ms = Ms(NearestRank(samples, 0.99));
  out.max_ms = Ms(samples.back());
  const double sum = std::accumulate(samples.begin(), samples.end(), 0.0);
  out.mean_ms = sum / static_cast<double>(samples.size()) / 1000.0;
  return out;
}

nlohmann::json ToJson(const Report& report) {
  nlohmann::json latency = {{"what", report.latency_what},  {"count", report.latency.count},
                            {"p50_ms", report.latency.p50_ms}, {"p90_ms", report.latency.p90_ms},
                            {"p99_ms", report.latency.p99_ms}, {"max_ms", report.latency.max_ms},
                            {"mean_ms", report.latency.mean_ms}};
  return {{"scenario", report.scenario}, {"seconds", report.seconds},
          {"committed", report.committed}, {"tx_per_s", report.Rate()},
          {"latency", latency},          {"outcomes", report.outcomes},
          {"figures", report.figures},   {"params", report.params}};
}

void PrintText(const Report& report, std::ostream& out) {
  out << "scenario    " << report.scenario << "\n";
  if (!report.params.empty()) {
    out << "params     ";
    for (const auto& [name, value] : report.params) out << " " << name << "=" << value;
    out << "\n";
  }
  out << "committed   " << report.committed << " in " << Fixed(report.seconds, 2) << " s = "
      << Fixed(report.Rate(), 0) << " tx/s\n";
  out << "latency     (" << report.latency_what << ", " << report.latency.count
      << " samples) p50 " << Fixed(report.latency.p50_ms, 1) << " ms, p90 "
      << Fixed(report.latency.p90_ms, 1) << " ms, p99 " << Fixed(report.latency.p99_ms, 1)
      << " ms, max " << Fixed(report.latency.max_ms, 1) << " ms\n";
  out << "outcomes   ";
  for (const auto& [name, count] : report.outcomes) out << " " << name << "=" << count;
  out << "\n";
  for (const auto& [name, value] : report.figures) {
    out << "figure      " << name << " = " << Fixed(value, 2) << "\n";
  }
}

}  // namespace milk::bench
