// `milk_swap_bench swaps`: cross-chain swaps carried by `milk relay` (docs/swaps.md). Items, in
// turn: a sell locked on brand.a, a sell locked on brand.b, a buy of BTA on the center, a buy of
// BTB. A sell is final when brand.a/b commits its `finish` (the center decided it before); a buy
// when the brand chain commits its `deliver`. The clock of each runs from the submit of its lock
// (or buy) to the arrival of that final event (swap_finished / swap_delivered on the brand chain's
// event stream); the center's events (swap_decided, trade) split the time into its legs.
//
// Setup (not measured): the network, TICA's inventory on both markets, customers' points. Measured:
// the items submitted by `concurrency` clients (open loop at --rate when given), and the relay
// running throughout. The window runs from the first submit to the last final event. After: the
// conservation check across the three chains must hold with nothing in flight.
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <thread>

#include "bench/swaps/bench_world.h"
#include "bench/swaps/scenarios.h"
#include "chaincode/swap/swap.h"
#include "crypto/clock.h"
#include "tests/integration/economy.h"

namespace milk::bench::swaps {
namespace {

using integration::CrossChain;

constexpr size_t kKinds = 4;  // sell on A, sell on B, buy BTA, buy BTB
// The run ends when every item is final, or when none became final for this long.
constexpr int64_t kStallMs = 60'000;
constexpr int64_t kWaitPollMs = 50;
constexpr int64_t kRelayStopWaitMs = 10'000;

struct Item {
  bool sell = false;
  std::string chain;  // the brand chain
  std::string key;    // the swap id, or the purchase's tx id
  CallResult submit;  // the lock or the buy
};

struct Clocks {
  std::unique_ptr<EventClock> center;
  std::map<std::string, std::unique_ptr<EventClock>> brand;  // by chain id
};

Item RunItem(size_t i, const std::vector<Customer> &customers, const BenchOptions &options,
             const std::map<std::string, std::unique_ptr<Transactor>> &brands,
             const Transactor &center, int64_t deadline_ms) {
  Item item;
  const size_t kind = i % kKinds;
  item.sell = kind < 2;
  item.chain = kind % 2 == 0 ? integration::kSwapChainA : integration::kSwapChainB;
  const Customer &customer = customers[CustomerOf(i, options)];
  const client::Signer &wallet = customer.wallet;
  if (item.sell) {
    const std::string ref = "bench-swap-" + std::to_string(i);
    item.key = chaincode::SwapId(item.chain, customer.address, ref);
    item.submit = brands.at(item.chain)
                      ->Call(wallet, "swap", "sell",
                             {ref, std::to_string(kSellBase + i % kSellSpread), "0",
                              std::to_string(deadline_ms)});
  } else {
    item.submit = center.Call(
        wallet, "exchange", "buy",
        {CrossChain::SymbolOf(item.chain), std::to_string(kBuyBase + i % kBuySpread), kMaxMlk});
    item.key = item.submit.tx_id;
  }
  return item;
}

int64_t FinalAt(const Item &item, const Clocks &clocks) {
  return clocks.brand.at(item.chain)
      ->When(item.sell ? "swap_finished" : "swap_delivered", item.key);
}

// Waits until every submitted item is final, or nothing moved for kStallMs.
void WaitFinal(const std::vector<Item> &items, const Clocks &clocks) {
  size_t final_count = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - last_progress < std::chrono::milliseconds(kStallMs)) {
    size_t now_final = 0, expected = 0;
    for (const Item &item : items) {
      if (!item.submit.valid()) continue;
      ++expected;
      if (FinalAt(item, clocks) != 0) ++now_final;
    }
    if (now_final == expected) return;
    if (now_final != final_count) {
      final_count = now_final;
      last_progress = std::chrono::steady_clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kWaitPollMs));
  }
}

void AddPercentiles(Report &report, const std::string &name, std::vector<int64_t> samples) {
  const Percentiles p = Summarize(std::move(samples));
  report.figures[name + "_p50_ms"] = p.p50_ms;
  report.figures[name + "_p99_ms"] = p.p99_ms;
}

Report Summarise(const std::vector<Item> &items, const Clocks &clocks, int64_t start_us,
                 const BenchOptions &options, size_t customers) {
  Report report;
  report.scenario = "swaps/cross-chain";
  report.latency_what = "lock submit to final commit on the other chain";
  LatencyRecorder end_to_end;
  std::vector<int64_t> lock_commit, to_decision, decision_to_final, buy_to_delivery;
  std::map<std::string, uint64_t> final_per_chain;
  int64_t last_final_us = start_us;
  for (const Item &item : items) {
    if (!item.submit.valid()) {
      ++report.outcomes["submit " + item.submit.outcome];
      continue;
    }
    const int64_t final_us = FinalAt(item, clocks);
    if (final_us == 0) {
      ++report.outcomes["unfinished"];
      continue;
    }
    ++report.outcomes[item.sell ? "sell final" : "buy delivered"];
    ++report.committed;
    ++final_per_chain[item.chain];
    last_final_us = std::max(last_final_us, final_us);
    end_to_end.Add(final_us - item.submit.submit_us);
    if (!item.sell) {
      buy_to_delivery.push_back(final_us - item.submit.commit_us);
      continue;
    }
    lock_commit.push_back(item.submit.latency_us());
    const int64_t decided_us = clocks.center->When("swap_decided", item.key);
    if (decided_us == 0) continue;
    to_decision.push_back(decided_us - item.submit.commit_us);
    decision_to_final.push_back(final_us - decided_us);
  }
  report.seconds = static_cast<double>(last_final_us - start_us) / 1e6;
  report.latency = Summarize(end_to_end.Samples());
  AddPercentiles(report, "sell_lock_submit_to_commit", lock_commit);
  AddPercentiles(report, "sell_lock_commit_to_center_decision", to_decision);
  AddPercentiles(report, "sell_center_decision_to_brand_finish", decision_to_final);
  AddPercentiles(report, "buy_commit_to_brand_delivery", buy_to_delivery);
  for (const auto &[chain, n] : final_per_chain) {
    report.figures["final_per_s_" + chain] =
        report.seconds > 0 ? static_cast<double>(n) / report.seconds : 0;
  }
  report.params = {{"customers", std::to_string(customers)},
                   {"count", std::to_string(items.size())},
                   {"concurrency", std::to_string(options.concurrency)},
                   {"rate_per_s", options.rate_per_s > 0 ? std::to_string(options.rate_per_s)
                                                         : "as fast as taken"},
                   {"relay_in_flight_max", std::to_string(options.relay_in_flight)},
                   {"relay_poll_ms", std::to_string(options.relay_poll_ms)},
                   {"mix", "sell on brand.a, sell on brand.b, buy BTA, buy BTB, in turn"}};
  return report;
}

}  // namespace

Report RunSwaps(const BenchOptions &options) {
  const std::vector<std::string> customers = CustomerNames(options);
  CrossChain world(customers);
  world.Bootstrap();
  StockBothMarkets(world, kStock);
  const size_t per_customer = static_cast<size_t>(options.count) / customers.size() + 1;
  const std::string points = std::to_string(per_customer * (kSellBase + kSellSpread));
  IssuePoints(world, integration::kSwapChainA, customers, points);
  IssuePoints(world, integration::kSwapChainB, customers, points);

  const Transactor center(world.net(), "tica", integration::kCenterChain, "TICA", "gateway");
  std::map<std::string, std::unique_ptr<Transactor>> brands;
  Clocks clocks;
  Result<uint64_t> center_height = center.Height();
  REQUIRE(center_height.ok());
  clocks.center =
      std::make_unique<EventClock>(world.net().Client("tica", "TICA", "gateway"),
                                   integration::kCenterChain, "exchange", *center_height);
  for (const std::string chain : {integration::kSwapChainA, integration::kSwapChainB}) {
    const std::string node = CrossChain::NodeOf(chain);
    const std::string org = CrossChain::OrgOf(chain);
    brands[chain] = std::make_unique<Transactor>(world.net(), node, chain, org, "gateway");
    Result<uint64_t> height = brands[chain]->Height();
    REQUIRE(height.ok());
    clocks.brand[chain] = std::make_unique<EventClock>(world.net().Client(node, org, "gateway"),
                                                       chain, "swap", *height);
  }
  std::unique_ptr<integration::ChildProcess> relay =
      StartBenchRelay(world, {options.relay_in_flight, options.relay_poll_ms}, "bench");

  const size_t total = static_cast<size_t>(options.count);
  std::vector<Item> items(total);
  const int64_t deadline_ms = SystemClock::Instance().NowMs() + kDeadlineAheadMs;
  const std::vector<Customer> loaded = LoadCustomers(world.net(), customers);
  const std::map<std::string, double> cpu_before = CpuSecondsByProcess(world.net().dir());
  const int64_t start_us = NowMicros();
  RunStriped(total, options.concurrency, [&](size_t i) {
    if (options.rate_per_s > 0) {
      const int64_t due_us =
          start_us + static_cast<int64_t>(static_cast<double>(i) * 1e6 / options.rate_per_s);
      const int64_t wait_us = due_us - NowMicros();
      if (wait_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
    }
    items[i] = RunItem(i, loaded, options, brands, center, deadline_ms);
  });
  WaitFinal(items, clocks);
  const std::map<std::string, double> cpu_after = CpuSecondsByProcess(world.net().dir());
  Report report = Summarise(items, clocks, start_us, options, customers.size());
  AddCpuFigures(cpu_before, cpu_after, report);
  for (const auto &[outcome, n] : report.outcomes) {
    if (outcome.rfind("submit ", 0) != 0) continue;
    for (const Item &item : items) {
      if ("submit " + item.submit.outcome != outcome) continue;
      std::fprintf(stderr, "first %s: %s\n", outcome.c_str(), item.submit.detail.c_str());
      break;
    }
  }

  relay->SignalAndWait(SIGTERM, kRelayStopWaitMs);
  const CrossChain::Progress progress = world.ReadProgress();
  INFO(progress.Describe() << "\n" << world.RelayLog("bench"));
  REQUIRE(progress.done());
  const swap::ConservationReport conservation = world.StopAndCheck();
  REQUIRE(conservation.quiescent);
  size_t refunded = 0;
  for (const auto &brand : conservation.brands) {
    INFO(brand.chain_id << ": TICA's account " << brand.platform_balance << ", inventory "
                        << brand.inventory);
    REQUIRE(brand.platform_balance == brand.inventory);
    refunded += brand.swaps_refunded;
  }
  report.figures["swaps_refunded"] = static_cast<double>(refunded);
  report.params["conservation"] = "holds";
  return report;
}

}  // namespace milk::bench::swaps
