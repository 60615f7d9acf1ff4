// The two scenarios of milk_swap_bench (swap_bench.cc), each run inside one Catch2 test case (the
// integration harness reports its failures through Catch2) and returning the figures to print.
// docs/PERFORMANCE.md, "Hot market and cross-chain swaps".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench/bench_report.h"

namespace milk::bench::swaps {

// What both scenarios trade with.
inline const std::string kE18 = "000000000000000000";
// TICA's opening inventory: far more than the buys of a run take, far below the depth at which
// selling halts (kDepthUnits), so no sell is decided aborted for the price.
inline const std::string kStock = "200000";
// A sell locks kSellBase + (i % kSellSpread) BT; a buy asks kBuyBase + (i % kBuySpread) BT.
inline constexpr int kSellBase = 100;
inline constexpr int kSellSpread = 100;
inline constexpr int kBuyBase = 50;
inline constexpr int kBuySpread = 100;
// A buyer's limit: far above any price (an MLK is 500 KRW, a BT at most 0.95 KRW).
inline const std::string kMaxMlk = "100" + kE18;
// Swap deadlines: far beyond any run.
inline constexpr int64_t kDeadlineAheadMs = 30 * 60'000;

struct BenchOptions {
  int customers = 64;           // wallets trading; rounded up to a multiple of concurrency
  int count = 2000;             // trades, or swaps
  int concurrency = 64;         // client threads, each with its own customers
  double rate_per_s = 0;        // swaps: locks offered per second (open loop); 0 = as fast as taken
  int relay_in_flight = 128;    // swaps: the relay's in_flight_max
  int64_t relay_poll_ms = 100;  // swaps: the relay's poll_ms
};

// `trades`: buys and settled sells interleaved on the one market BTA of the center chain, as fast
// as the chain takes them ("trades/hot-market").
Report RunTrades(const BenchOptions &options);
// `swaps`: sells locked on both brand chains and buys on the center, carried to the end by `milk
// relay` ("swaps/cross-chain").
Report RunSwaps(const BenchOptions &options);

// Customers rounded up so that worker w owns customers w, w + concurrency, ...: a customer's locks
// (which read and write its own lots) never race each other.
int CustomersFor(const BenchOptions &options);
// Their names, "c0" .. "c<CustomersFor - 1>".
std::vector<std::string> CustomerNames(const BenchOptions &options);
// The customer index item i uses (items striped over `concurrency` workers).
int CustomerOf(size_t item, const BenchOptions &options);

}  // namespace milk::bench::swaps
