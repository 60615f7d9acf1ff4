#include "node/ops/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "crypto/status.h"

namespace milk::ops {
namespace {

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

bool IsLabelName(std::string_view name) {
  if (name.find(':') != std::string_view::npos) return false;
  return IsMetricName(name) && name.substr(0, 2) != "__";
}

// Help text escapes only backslash and newline (format 0.0.4).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` with an optional extra label (the histogram's le) last; "" when empty.
std::string RenderLabels(const std::vector<std::string>& names,
                         const std::vector<std::string>& values, std::string_view extra_name = {},
                         std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + EscapeLabelValue(extra_value) + "\"";
  }
  out += '}';
  return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      bucket_counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  MILK_CHECK(upper_bounds_.size() <= kHistogramBucketsMax);
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    MILK_CHECK(std::isfinite(upper_bounds_[i]));
    MILK_CHECK(i == 0 || upper_bounds_[i - 1] < upper_bounds_[i]);
  }
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) bucket_counts_[i].store(0);
}

void Histogram::Observe(double value) {
  // lower_bound: first bound >= value, so a value equal to a bound lands in that bucket (le).
  // A NaN compares false everywhere and lands at end(), the +Inf bucket.
  auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  if (std::isnan(value)) it = upper_bounds_.end();
  size_t index = static_cast<size_t>(it - upper_bounds_.begin());
  bucket_counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(upper_bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    running += bucket_counts_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

uint64_t Histogram::Count() const { return CumulativeCounts().back(); }

std::vector<double> ExponentialBuckets(double start, double factor, size_t count) {
  MILK_CHECK(start > 0 && factor > 1 && count >= 1 && count <= kHistogramBucketsMax);
  std::vector<double> out;
  out.reserve(count);
  double bound = start;
  for (size_t i = 0; i < count; ++i) {
    out.push_back(bound);
    bound *= factor;
  }
  return out;
}

std::vector<double> DefaultLatencyBucketsMs() { return ExponentialBuckets(1, 2, 15); }

Counter& Registry::GetCounter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& series = FindSeries(Type::kCounter, name, help, std::move(labels), {});
  if (!series.counter) series.counter = std::make_unique<Counter>();
  return *series.counter;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& series = FindSeries(Type::kGauge, name, help, std::move(labels), {});
  if (!series.gauge) series.gauge = std::make_unique<Gauge>();
  return *series.gauge;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help,
                                  std::vector<double> upper_bounds, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [label_name, value] : labels) MILK_CHECK(label_name != "le");
  Series& series = FindSeries(Type::kHistogram, name, help, std::move(labels), upper_bounds);
  if (!series.histogram) series.histogram = std::make_unique<Histogram>(std::move(upper_bounds));
  return *series.histogram;
}

Registry::Series& Registry::FindSeries(Type type, std::string_view name, std::string_view help,
                                       Labels labels, const std::vector<double>& upper_bounds) {
  MILK_CHECK(IsMetricName(name));
  std::sort(labels.begin(), labels.end());
  std::vector<std::string> label_names;
  std::vector<std::string> label_values;
  for (auto& [label_name, value] : labels) {
    MILK_CHECK(IsLabelName(label_name));
    MILK_CHECK(label_names.empty() || label_names.back() != label_name);
    label_names.push_back(std::move(label_name));
    label_values.push_back(std::move(value));
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    Family family{type, std::string(help), label_names, upper_bounds, {}};
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  Family& family = it->second;
  MILK_CHECK(family.type == type);
  MILK_CHECK(family.label_names == label_names);
  MILK_CHECK(family.upper_bounds == upper_bounds);
  if (family.series.size() >= kSeriesPerFamilyMax && !family.series.count(label_values)) {
    label_values.assign(label_values.size(), std::string(kOverflowLabelValue));
  }
  return family.series[label_values];
}

std::string Registry::RenderText() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) RenderFamily(name, family, out);
  return out;
}

void Registry::RenderFamily(const std::string& name, const Family& family, std::string& out) {
  out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
  const char* type_name = family.type == Type::kCounter ? "counter"
                          : family.type == Type::kGauge ? "gauge"
                                                        : "histogram";
  out += "# TYPE " + name + " " + type_name + "\n";
  for (const auto& [values, series] : family.series) {
    std::string labels = RenderLabels(family.label_names, values);
    switch (family.type) {
      case Type::kCounter:
        out += name + labels + " " + std::to_string(series.counter->Value()) + "\n";
        break;
      case Type::kGauge:
        out += name + labels + " " + FormatMetricValue(series.gauge->Value()) + "\n";
        break;
      case Type::kHistogram: {
        const Histogram& histogram = *series.histogram;
        std::vector<uint64_t> counts = histogram.CumulativeCounts();
        for (size_t i = 0; i < counts.size(); ++i) {
          std::string le = i < family.upper_bounds.size()
                               ? FormatMetricValue(family.upper_bounds[i])
                               : std::string("+Inf");
          out += name + "_bucket" + RenderLabels(family.label_names, values, "le", le) + " " +
                 std::to_string(counts[i]) + "\n";
        }
        out += name + "_sum" + labels + " " + FormatMetricValue(histogram.Sum()) + "\n";
        out += name + "_count" + labels + " " + std::to_string(counts.back()) + "\n";
        break;
      }
    }
  }
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  MILK_CHECK(result.ec == std::errc());
  return std::string(buffer, result.ptr);
}

}  // namespace milk::ops
