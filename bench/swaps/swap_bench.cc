// milk_swap_bench: the hot-market and cross-chain swap benchmarks of issue 6 on three real milkd
// processes over mutual TLS (the integration harness's CrossChain: center chain "mlk", brand chains
// brand.a and brand.b) with the real `milk relay`. docs/PERFORMANCE.md says what the figures mean;
// scenarios.h what each scenario does.
//
//   milk_swap_bench trades|swaps [--customers N] [--count N] [--concurrency N] [--rate R]
//                   [--relay-in-flight N] [--relay-poll-ms MS] [--json]
//
// The harness reports failures through Catch2, so the scenario runs as the one (hidden) test case
// of a Catch2 session whose own output goes to stderr; stdout holds only the figures
// (milk::bench::PrintText, or with --json one JSON object as the last line).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <charconv>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "bench/swaps/scenarios.h"

namespace milk::bench::swaps {
namespace {

// Bounds on the command line: beyond them a run only measures the machine's swap space.
constexpr int kCountMax = 1'000'000;
constexpr int kConcurrencyMax = 1024;
constexpr int kCustomersMax = 10'000;
constexpr int kRelayInFlightMax = 256;  // milk relay's own maximum
constexpr const char *kTestName = "milk_swap_bench scenario";

std::string g_scenario;
BenchOptions g_options;
std::optional<Report> g_report;

constexpr const char *kUsage =
    "usage: milk_swap_bench trades|swaps [options]\n"
    "  trades: buys and settle_swap sells on one market (BTA) of the center "
    "chain\n"
    "  swaps:  sells locked on brand.a/brand.b and buys on the center, carried "
    "by milk relay\n"
    "options:\n"
    "  --customers N        wallets trading (default 64; rounded up to a "
    "multiple of\n"
    "                       --concurrency)\n"
    "  --count N            trades or swaps (default 2000)\n"
    "  --concurrency N      client threads (default 64)\n"
    "  --rate R             swaps: items offered per second, open loop "
    "(default: as fast as\n"
    "                       the clients go)\n"
    "  --relay-in-flight N  swaps: the relay's in_flight_max (default 128)\n"
    "  --relay-poll-ms MS   swaps: the relay's poll_ms (default 100)\n"
    "  --json               the report as one JSON object, the last stdout "
    "line\n";

bool ParseInt(const char *text, int64_t low, int64_t high, int64_t &out) {
  const char *end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && ptr == end && out >= low && out <= high;
}

// Parses argv into g_scenario/g_options; an error message, "" when fine.
std::string ParseArgs(int argc, char **argv, bool &json) {
  if (argc < 2) return "a scenario is required";
  g_scenario = argv[1];
  if (g_scenario != "trades" && g_scenario != "swaps") {
    return "unknown scenario '" + g_scenario + "'";
  }
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--json") {
      json = true;
      continue;
    }
    if (i + 1 >= argc) return flag + " needs a value (or is unknown)";
    const char *value = argv[++i];
    int64_t n = 0;
    auto number = [&](int64_t low, int64_t high) {
      return ParseInt(value, low, high, n) ? ""
                                           : flag + ": want an integer in [" + std::to_string(low) +
                                                 ", " + std::to_string(high) + "]";
    };
    std::string error;
    if (flag == "--customers") {
      if ((error = number(1, kCustomersMax)).empty()) g_options.customers = static_cast<int>(n);
    } else if (flag == "--count") {
      if ((error = number(2, kCountMax)).empty()) g_options.count = static_cast<int>(n);
    } else if (flag == "--concurrency") {
      if ((error = number(1, kConcurrencyMax)).empty()) g_options.concurrency = static_cast<int>(n);
    } else if (flag == "--rate") {
      if ((error = number(1, kCountMax)).empty()) g_options.rate_per_s = static_cast<double>(n);
    } else if (flag == "--relay-in-flight") {
      if ((error = number(1, kRelayInFlightMax)).empty()) {
        g_options.relay_in_flight = static_cast<int>(n);
      }
    } else if (flag == "--relay-poll-ms") {
      if ((error = number(10, 60'000)).empty()) g_options.relay_poll_ms = n;
    } else {
      error = "unknown option " + flag;
    }
    if (!error.empty()) return error;
  }
  return "";
}

}  // namespace

int CustomersFor(const BenchOptions &options) {
  const int per_worker = (options.customers + options.concurrency - 1) / options.concurrency;
  return per_worker * options.concurrency;
}

std::vector<std::string> CustomerNames(const BenchOptions &options) {
  std::vector<std::string> names;
  for (int i = 0; i < CustomersFor(options); ++i) names.push_back("c" + std::to_string(i));
  return names;
}

int CustomerOf(size_t item, const BenchOptions &options) {
  const size_t workers = static_cast<size_t>(options.concurrency);
  const size_t per_worker = static_cast<size_t>(CustomersFor(options)) / workers;
  return static_cast<int>(item % workers + workers * ((item / workers) % per_worker));
}

}  // namespace milk::bench::swaps

TEST_CASE("milk_swap_bench scenario", "[.][bench]") {
  using namespace milk::bench::swaps;
  g_report = g_scenario == "trades" ? RunTrades(g_options) : RunSwaps(g_options);
}

int main(int argc, char **argv) {
  using namespace milk::bench::swaps;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << kUsage;
      return 0;
    }
  }
  bool json = false;
  const std::string error = ParseArgs(argc, argv, json);
  if (!error.empty()) {
    std::cerr << "milk_swap_bench: " << error << "\n" << kUsage;
    return 2;
  }
  // Catch2 writes its report to std::cout: send it to stderr while the scenario runs, so that
  // stdout holds the figures alone.
  const char *catch_argv[] = {argv[0], kTestName};
  Catch::Session session;
  if (session.applyCommandLine(2, catch_argv) != 0) return 2;
  std::streambuf *const stdout_buffer = std::cout.rdbuf(std::cerr.rdbuf());
  const int failed = session.run();
  std::cout.rdbuf(stdout_buffer);
  if (failed != 0 || !g_report.has_value()) {
    std::cerr << "milk_swap_bench: the " << g_scenario << " run failed (see above)\n";
    return 1;
  }
  if (json) {
    std::cout << milk::bench::ToJson(*g_report).dump() << std::endl;
  } else {
    milk::bench::PrintText(*g_report, std::cout);
  }
  return 0;
}
