// A small Prometheus-style metrics registry (counters, gauges, histograms) rendered in the text
// exposition format 0.0.4 for GET /metrics (ARCHITECTURE.md section 10).
//
// Usage: look a series up once, keep the reference, and update it on the hot path:
//
//   Counter& committed = registry.GetCounter("milk_blocks_committed_total",
//                                            "Blocks committed to the ledger.", {{"chain", id}});
//   ...
//   committed.Inc();  // one relaxed atomic add
//
// A family is a metric name with its help text, type and label names (and, for histograms, bucket
// bounds). The first Get* call for a name creates the family; later calls with the same name must
// agree on type, label names and buckets (a mismatch is a programming error and crashes through
// MILK_CHECK, as do invalid metric or label names). Help text of later calls is ignored.
//
// Thread-safety: Registry is thread-safe. Counter, Gauge and Histogram updates are lock-free and
// may race with each other and with RenderText(); a render sees each value at some point during
// the render. Series live as long as the registry: references returned by Get* stay valid until
// the registry is destroyed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace milk::ops {

// Label name/value pairs for one series, e.g. {{"chain", "mlk"}, {"code", "VALID"}}. Order does not
// matter: labels are sorted by name. Values may hold any bytes; they are escaped when rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

// Distinct label sets per family. Label values come from chain ids, chaincode names and result
// codes: a node hosts tens of chains, so 1000 leaves ample room while stopping a label fed by
// untrusted input from growing memory and scrape size without bound. Beyond it every new label
// set shares one series whose label values are all kOverflowLabelValue.
inline constexpr size_t kSeriesPerFamilyMax = 1000;
inline constexpr std::string_view kOverflowLabelValue = "_overflow";
// Bucket bounds per histogram: more than this makes every scrape heavy for little insight.
inline constexpr size_t kHistogramBucketsMax = 64;

// A monotonically increasing count. Lock-free.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (queue depth, height, peers connected). Integers up to 2^53 are
// held exactly. Lock-free.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Inc() { Add(1); }
  void Dec() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (latencies, sizes). Lock-free: Observe is a bucket
// search plus two relaxed atomic adds.
class Histogram {
 public:
  // REQUIRES: upper_bounds strictly increasing, finite, at most kHistogramBucketsMax.
  explicit Histogram(std::vector<double> upper_bounds);

  // Counts value into the first bucket whose bound is >= value (the +Inf bucket past the last).
  // NaN is counted in +Inf and poisons the sum, as in other Prometheus clients.
  void Observe(double value);

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Cumulative counts, one per bound plus the +Inf bucket last (which equals Count()).
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> upper_bounds_;
  // Non-cumulative per-bucket counts; the last slot is +Inf. Count() is their total, so a render
  // is always self-consistent (+Inf bucket == _count) even while observations race with it.
  const std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;
  std::atomic<double> sum_{0};
};

// `count` bounds start, start*factor, start*factor^2, ...  REQUIRES: start > 0, factor > 1,
// 1 <= count <= kHistogramBucketsMax.
std::vector<double> ExponentialBuckets(double start, double factor, size_t count);
// Latency buckets in milliseconds, 1 ms to about 16 s: covers a local commit up to a stuck Raft
// round with 15 buckets.
std::vector<double> DefaultLatencyBucketsMs();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the series with these labels, creating the family and series on first use.
  // REQUIRES: name matches [a-zA-Z_:][a-zA-Z0-9_:]*; label names match [a-zA-Z_][a-zA-Z0-9_]*,
  // do not start with "__", are distinct, and (histograms) are not "le"; an existing family of this
  // name has the same type, label names and buckets.
  Counter& GetCounter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          std::vector<double> upper_bounds, Labels labels = {});

  // Prometheus text exposition format 0.0.4: per family "# HELP", "# TYPE", then its series.
  // Families are sorted by name and series by label values, so equal states render equal text.
  std::string RenderText() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<std::string> label_names;               // sorted
    std::vector<double> upper_bounds;                   // histograms only
    std::map<std::vector<std::string>, Series> series;  // by label values, in label_names order
  };

  // Finds or creates the series; the caller fills in a new (empty) Series. mu_ must be held.
  Series& FindSeries(Type type, std::string_view name, std::string_view help, Labels labels,
                     const std::vector<double>& upper_bounds);
  static void RenderFamily(const std::string& name, const Family& family, std::string& out);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mu_
};

// Escapes a label value for the text format: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);
// Formats a sample value as Prometheus does: shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string FormatMetricValue(double value);

}  // namespace milk::ops
