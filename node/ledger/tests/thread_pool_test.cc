// ThreadPool: every index runs exactly once, also when several threads (the committers of
// different chains on one node) call ParallelFor on the same pool at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "node/ledger/thread_pool.h"

namespace milk::ledger {
namespace {

TEST_CASE("ParallelFor runs each index once", "[thread_pool]") {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  pool.ParallelFor(hits.size(), [&](size_t i) { hits[i]++; });
  for (const auto& h : hits) REQUIRE(h.load() == 1);
}

TEST_CASE("ParallelFor from several threads at once on one pool", "[thread_pool]") {
  constexpr size_t kCallers = 6;
  constexpr size_t kRounds = 300;
  constexpr size_t kCount = 64;
  ThreadPool pool(2);
  std::vector<std::vector<std::atomic<int>>> hits(kCallers);
  for (auto& h : hits) h = std::vector<std::atomic<int>>(kCount);
  std::vector<std::thread> callers;
  for (size_t c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (size_t round = 0; round < kRounds; ++round) {
        pool.ParallelFor(kCount, [&](size_t i) {
          // A little work per index (a signature check's worth would be far more), so the
          // callers' loops overlap.
          volatile uint64_t spin = 0;
          for (int k = 0; k < 2000; ++k) spin = spin + static_cast<uint64_t>(k);
          hits[c][i]++;
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  for (const auto& caller : hits) {
    for (const auto& h : caller) REQUIRE(h.load() == static_cast<int>(kRounds));
  }
}

}  // namespace
}  // namespace milk::ledger
