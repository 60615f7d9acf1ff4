#include "node/ops/metrics.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <functional>
#include <limits>
#include <thread>
#include <vector>

namespace milk::ops {
namespace {

// Runs fn in a forked child and reports whether it died of SIGABRT (a MILK_CHECK firing).
bool Aborts(const std::function<void()>& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    // Die of the abort itself, not through Catch's fatal-signal reporter, and keep the child's
    // expected "invariant broken" line out of the test output.
    signal(SIGABRT, SIG_DFL);
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    fn();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

TEST_CASE("RenderText of a small registry is exact and sorted", "[metrics]") {
  Registry registry;
  // Created out of order: rendering sorts families by name and series by label values.
  Gauge& height =
      registry.GetGauge("milk_chain_height", "Blocks in the chain.", {{"chain", "mlk"}});
  Counter& committed_b = registry.GetCounter("milk_blocks_committed_total", "Blocks committed.",
                                             {{"chain", "brand.b"}});
  Counter& committed_a =
      registry.GetCounter("milk_blocks_committed_total", "ignored help", {{"chain", "brand.a"}});
  Histogram& latency =
      registry.GetHistogram("milk_commit_latency_ms", "Commit latency.", {1, 2.5, 10});
  Counter& plain = registry.GetCounter("milk_aaa_total", "No labels.");

  height.Set(42);
  committed_b.Inc();
  committed_a.Inc(3);
  plain.Inc(0);
  latency.Observe(0.5);
  latency.Observe(2.5);  // equal to a bound: counted in that bucket (le)
  latency.Observe(7);
  latency.Observe(100);

  const std::string expected =
      "# HELP milk_aaa_total No labels.\n"
      "# TYPE milk_aaa_total counter\n"
      "milk_aaa_total 0\n"
      "# HELP milk_blocks_committed_total Blocks committed.\n"
      "# TYPE milk_blocks_committed_total counter\n"
      "milk_blocks_committed_total{chain=\"brand.a\"} 3\n"
      "milk_blocks_committed_total{chain=\"brand.b\"} 1\n"
      "# HELP milk_chain_height Blocks in the chain.\n"
      "# TYPE milk_chain_height gauge\n"
      "milk_chain_height{chain=\"mlk\"} 42\n"
      "# HELP milk_commit_latency_ms Commit latency.\n"
      "# TYPE milk_commit_latency_ms histogram\n"
      "milk_commit_latency_ms_bucket{le=\"1\"} 1\n"
      "milk_commit_latency_ms_bucket{le=\"2.5\"} 2\n"
      "milk_commit_latency_ms_bucket{le=\"10\"} 3\n"
      "milk_commit_latency_ms_bucket{le=\"+Inf\"} 4\n"
      "milk_commit_latency_ms_sum 110\n"
      "milk_commit_latency_ms_count 4\n";
  CHECK(registry.RenderText() == expected);
}

TEST_CASE("Get returns the same series for the same labels in any order", "[metrics]") {
  Registry registry;
  Counter& first = registry.GetCounter("milk_tx_total", "h", {{"chain", "mlk"}, {"code", "VALID"}});
  Counter& again = registry.GetCounter("milk_tx_total", "h", {{"code", "VALID"}, {"chain", "mlk"}});
  Counter& other = registry.GetCounter("milk_tx_total", "h", {{"chain", "mlk"}, {"code", "MVCC"}});
  CHECK(&first == &again);
  CHECK(&first != &other);
  first.Inc(2);
  again.Inc();
  CHECK(first.Value() == 3);
  // Labels render sorted by name, series sorted by values.
  CHECK(registry.RenderText() ==
        "# HELP milk_tx_total h\n"
        "# TYPE milk_tx_total counter\n"
        "milk_tx_total{chain=\"mlk\",code=\"MVCC\"} 0\n"
        "milk_tx_total{chain=\"mlk\",code=\"VALID\"} 3\n");
}

TEST_CASE("histogram with labels puts le last and keeps counts cumulative", "[metrics]") {
  Registry registry;
  Histogram& h =
      registry.GetHistogram("milk_block_bytes", "Block sizes.", {100, 1000}, {{"chain", "mlk"}});
  h.Observe(50);
  h.Observe(50);
  h.Observe(5000);
  CHECK(h.Count() == 3);
  CHECK(h.CumulativeCounts() == std::vector<uint64_t>{2, 2, 3});
  CHECK(registry.RenderText() ==
        "# HELP milk_block_bytes Block sizes.\n"
        "# TYPE milk_block_bytes histogram\n"
        "milk_block_bytes_bucket{chain=\"mlk\",le=\"100\"} 2\n"
        "milk_block_bytes_bucket{chain=\"mlk\",le=\"1000\"} 2\n"
        "milk_block_bytes_bucket{chain=\"mlk\",le=\"+Inf\"} 3\n"
        "milk_block_bytes_sum{chain=\"mlk\"} 5100\n"
        "milk_block_bytes_count{chain=\"mlk\"} 3\n");
}

TEST_CASE("label values and help text are escaped", "[metrics]") {
  CHECK(EscapeLabelValue("plain") == "plain");
  CHECK(EscapeLabelValue("a\"b") == "a\\\"b");
  CHECK(EscapeLabelValue("a\\b") == "a\\\\b");
  CHECK(EscapeLabelValue("a\nb") == "a\\nb");

  Registry registry;
  registry.GetGauge("milk_g", "line one\nback\\slash \"quotes stay\"", {{"v", "x\"y\\z\nw"}})
      .Set(-1.5);
  CHECK(registry.RenderText() ==
        "# HELP milk_g line one\\nback\\\\slash \"quotes stay\"\n"
        "# TYPE milk_g gauge\n"
        "milk_g{v=\"x\\\"y\\\\z\\nw\"} -1.5\n");
}

TEST_CASE("values format as Prometheus expects", "[metrics]") {
  CHECK(FormatMetricValue(0) == "0");
  CHECK(FormatMetricValue(3) == "3");
  CHECK(FormatMetricValue(0.25) == "0.25");
  CHECK(FormatMetricValue(1e21) == "1e+21");
  CHECK(FormatMetricValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatMetricValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatMetricValue(std::nan("")) == "NaN");
}

TEST_CASE("gauge Set, Add, Inc and Dec", "[metrics]") {
  Gauge gauge;
  gauge.Set(10);
  gauge.Add(2.5);
  gauge.Inc();
  gauge.Dec();
  gauge.Dec();
  CHECK(gauge.Value() == 11.5);
  gauge.Add(-20);
  CHECK(gauge.Value() == -8.5);
}

TEST_CASE("NaN observations land in +Inf", "[metrics]") {
  Histogram h({1});
  h.Observe(std::nan(""));
  CHECK(h.CumulativeCounts() == std::vector<uint64_t>{0, 1});
  CHECK(std::isnan(h.Sum()));
}

TEST_CASE("bucket helpers", "[metrics]") {
  CHECK(ExponentialBuckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  std::vector<double> latency = DefaultLatencyBucketsMs();
  CHECK(latency.size() == 15);
  CHECK(latency.front() == 1);
  CHECK(latency.back() == 16384);
}

TEST_CASE("series beyond the per-family bound share one overflow series", "[metrics]") {
  Registry registry;
  for (size_t i = 0; i < kSeriesPerFamilyMax; ++i) {
    registry.GetCounter("milk_c_total", "h", {{"id", std::to_string(i)}}).Inc();
  }
  Counter& extra_a = registry.GetCounter("milk_c_total", "h", {{"id", "new-a"}});
  Counter& extra_b = registry.GetCounter("milk_c_total", "h", {{"id", "new-b"}});
  CHECK(&extra_a == &extra_b);
  // An existing series is still found after the bound is reached.
  Counter& existing = registry.GetCounter("milk_c_total", "h", {{"id", "7"}});
  CHECK(existing.Value() == 1);
  extra_a.Inc(5);
  std::string text = registry.RenderText();
  CHECK(text.find("milk_c_total{id=\"_overflow\"} 5\n") != std::string::npos);
  CHECK(text.find("new-a") == std::string::npos);
}

TEST_CASE("misuse of the registry is a programming error that crashes", "[metrics]") {
  // The control: a correct use does not abort, so the checks below can fail.
  CHECK_FALSE(Aborts([] { Registry().GetCounter("milk_ok_total", "h", {{"chain", "x"}}); }));
  CHECK(Aborts([] {
    Registry registry;
    registry.GetCounter("milk_x", "h");
    registry.GetGauge("milk_x", "h");  // same name, other type
  }));
  CHECK(Aborts([] {
    Registry registry;
    registry.GetCounter("milk_x", "h", {{"chain", "a"}});
    registry.GetCounter("milk_x", "h", {{"org", "a"}});  // other label names
  }));
  CHECK(Aborts([] {
    Registry registry;
    registry.GetHistogram("milk_h", "h", {1, 2});
    registry.GetHistogram("milk_h", "h", {1, 3});  // other buckets
  }));
  CHECK(Aborts([] { Registry().GetCounter("1_starts_with_digit", "h"); }));
  CHECK(Aborts([] { Registry().GetCounter("milk-dash", "h"); }));
  CHECK(Aborts([] { Registry().GetCounter("milk_x", "h", {{"__reserved", "a"}}); }));
  CHECK(Aborts([] { Registry().GetCounter("milk_x", "h", {{"a:b", "a"}}); }));
  CHECK(Aborts([] { Registry().GetCounter("milk_x", "h", {{"a", "1"}, {"a", "2"}}); }));
  CHECK(Aborts([] { Registry().GetHistogram("milk_h", "h", {1}, {{"le", "a"}}); }));
  CHECK(Aborts([] { Registry().GetHistogram("milk_h", "h", {2, 1}); }));
  CHECK(Aborts([] { Registry().GetHistogram("milk_h", "h", {1, 1}); }));
  CHECK(Aborts([] { Histogram h({std::numeric_limits<double>::infinity()}); }));
  CHECK(Aborts([] { Histogram h(std::vector<double>(kHistogramBucketsMax + 1, 1)); }));
}

TEST_CASE("concurrent updates from several threads add up", "[metrics]") {
  Registry registry;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry] {
      // Each thread looks the series up itself: creation must be thread-safe too.
      Counter& counter = registry.GetCounter("milk_ops_total", "h", {{"chain", "mlk"}});
      Gauge& gauge = registry.GetGauge("milk_depth", "h");
      Histogram& histogram = registry.GetHistogram("milk_lat_ms", "h", {10});
      for (int i = 0; i < kPerThread; ++i) {
        counter.Inc();
        gauge.Add(1);
        histogram.Observe(i % 2 == 0 ? 1 : 100);
        if (i % 10000 == 0) (void)registry.RenderText();  // renders race with updates
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const uint64_t total = uint64_t{kThreads} * kPerThread;
  CHECK(registry.GetCounter("milk_ops_total", "h", {{"chain", "mlk"}}).Value() == total);
  CHECK(registry.GetGauge("milk_depth", "h").Value() == static_cast<double>(total));
  Histogram& histogram = registry.GetHistogram("milk_lat_ms", "h", {10});
  CHECK(histogram.Count() == total);
  CHECK(histogram.CumulativeCounts() == std::vector<uint64_t>{total / 2, total});
  CHECK(histogram.Sum() == static_cast<double>(total / 2) * 101);
}

}  // namespace
}  // namespace milk::ops
