// `milk_swap_bench trades`: one hot market. Every trade of the run touches the market BTA on the
// center chain (its inventory, price and fees), TICA's liquidity account and the fee account: half
// are `buy`s by customers, half `settle_swap`s of sells locked on brand.a (the relay's call,
// carrying a real endorsed view of the lock from brand.a's node). Both are sequenced
// (docs/chaincode.md), so none should abort: the run counts every non-VALID outcome.
//
// Setup (not measured): the network, TICA's inventory (stock swaps), customers' points, the sells
// locked on brand.a and their proofs fetched. Measured: the trades, `concurrency` at a time, each
// endorsed, submitted and waited for. After: a relay finishes the settled sells and delivers the
// purchases, and the conservation check must hold.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/swaps/bench_world.h"
#include "bench/swaps/scenarios.h"
#include "chaincode/swap/swap.h"
#include "crypto/clock.h"
#include "tests/integration/economy.h"

namespace milk::bench::swaps {
namespace {

using integration::CrossChain;
using Json = nlohmann::json;

constexpr int kSetupThreads = 16;
// How long the relay may take to finish every settled sell and deliver every purchase.
constexpr int64_t kFinishWaitMs = 300'000;
constexpr int64_t kWaitPollMs = 200;
constexpr int64_t kRelayStopWaitMs = 10'000;

struct Sell {
  std::string id;
  std::string proof;
};

// Locks count sells on brand.a (customer CustomerOf(i)), then fetches a proof of each.
std::vector<Sell> LockSells(CrossChain &world, const std::vector<std::string> &customers,
                            size_t count, const BenchOptions &options) {
  const Transactor brand(world.net(), "a", integration::kSwapChainA, integration::kBrandA,
                         "gateway");
  const int64_t deadline_ms = SystemClock::Instance().NowMs() + kDeadlineAheadMs;
  std::vector<Sell> sells(count);
  std::vector<CallResult> locks(count);
  const std::vector<Customer> loaded = LoadCustomers(world.net(), customers);
  RunStriped(count, options.concurrency, [&](size_t i) {
    const Customer &customer = loaded[CustomerOf(i, options)];
    const std::string ref = "bench-sell-" + std::to_string(i);
    locks[i] = brand.CallUntilValid(
        customer.wallet, "swap", "sell",
        {ref, std::to_string(kSellBase + i % kSellSpread), "0", std::to_string(deadline_ms)});
    sells[i].id = chaincode::SwapId(integration::kSwapChainA, customer.address, ref);
  });
  for (const CallResult &lock : locks) {
    INFO("lock: " << lock.outcome << " " << lock.detail);
    REQUIRE(lock.valid());
  }
  std::vector<std::string> errors(count);
  RunStriped(count, kSetupThreads, [&](size_t i) {
    Result<std::string> proof = brand.View("swap", "swap", {sells[i].id});
    if (proof.ok())
      sells[i].proof = *proof;
    else
      errors[i] = proof.status().ToString();
  });
  for (const std::string &error : errors) {
    INFO("proof of a lock: " << error);
    REQUIRE(error.empty());
  }
  return sells;
}

// Waits until nothing is open on brand.a and `purchases` deliveries arrived there.
void FinishEverything(CrossChain &world, const EventClock &deliveries, size_t purchases) {
  const RelaySettings relay_settings;
  std::unique_ptr<integration::ChildProcess> relay =
      StartBenchRelay(world, relay_settings, "finish");
  const CrossChain::Progress progress = world.WaitUntilDone(kFinishWaitMs);
  INFO(progress.Describe() << "\n" << world.RelayLog("finish"));
  REQUIRE(progress.done());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kFinishWaitMs);
  while (deliveries.Count("swap_delivered") < purchases &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kWaitPollMs));
  }
  INFO(world.RelayLog("finish"));
  REQUIRE(deliveries.Count("swap_delivered") == purchases);
  relay->SignalAndWait(SIGTERM, kRelayStopWaitMs);
}

}  // namespace

Report RunTrades(const BenchOptions &options) {
  const std::vector<std::string> customers = CustomerNames(options);
  CrossChain world(customers);
  world.Bootstrap();
  StockBothMarkets(world, kStock);
  const size_t sells_count = static_cast<size_t>(options.count) / 2;
  const size_t sells_per_customer = sells_count / customers.size() + 1;
  IssuePoints(world, integration::kSwapChainA, customers,
              std::to_string(sells_per_customer * (kSellBase + kSellSpread)));
  const std::vector<Sell> sells = LockSells(world, customers, sells_count, options);

  const Transactor center(world.net(), "tica", integration::kCenterChain, "TICA", "gateway");
  const Transactor brand_a(world.net(), "a", integration::kSwapChainA, integration::kBrandA,
                           "gateway");
  Result<uint64_t> height_a = brand_a.Height();
  REQUIRE(height_a.ok());
  EventClock deliveries(world.net().Client("a", integration::kBrandA, "gateway"),
                        integration::kSwapChainA, "swap", *height_a);

  // The trades: sell, buy, sell, buy... all on BTA.
  const client::Signer relay = world.net().Member("TICA", "relay");
  std::vector<client::Signer> wallets;
  for (const std::string &customer : customers) wallets.push_back(world.net().Wallet(customer));
  const size_t total = static_cast<size_t>(options.count);
  std::vector<CallResult> results(total);
  std::atomic<size_t> next{0};
  const std::map<std::string, double> cpu_before = CpuSecondsByProcess(world.net().dir());
  const int64_t start_us = NowMicros();
  std::vector<std::thread> workers;
  for (int w = 0; w < options.concurrency; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < total; i = next++) {
        if (i % 2 == 0 && i / 2 < sells.size()) {
          const Sell &sell = sells[i / 2];
          results[i] = center.Call(relay, "exchange", "settle_swap",
                                   {integration::kSwapChainA, sell.id, sell.proof});
        } else {
          results[i] =
              center.Call(wallets[CustomerOf(i, options)], "exchange", "buy",
                          {integration::kBtA, std::to_string(kBuyBase + i % kBuySpread), kMaxMlk});
        }
      }
    });
  }
  for (std::thread &worker : workers) worker.join();
  const int64_t end_us = NowMicros();
  const std::map<std::string, double> cpu_after = CpuSecondsByProcess(world.net().dir());

  Report report;
  report.scenario = "trades/hot-market";
  report.seconds = static_cast<double>(end_us - start_us) / 1e6;
  LatencyRecorder latencies;
  uint64_t purchases = 0, sells_aborted = 0, answers_not_ok = 0;
  for (size_t i = 0; i < total; ++i) {
    const CallResult &r = results[i];
    ++report.outcomes[r.outcome];
    if (r.submit_us != 0 && r.commit_us != 0) latencies.Add(r.latency_us());
    if (!r.valid()) continue;
    if (r.sequenced.status() != 200) {
      ++answers_not_ok;
      continue;
    }
    ++report.committed;
    const bool sell = i % 2 == 0 && i / 2 < sells.size();
    if (!sell) ++purchases;
    if (sell &&
        Json::parse(r.sequenced.payload(), nullptr, false).value("state", "") != "settled") {
      ++sells_aborted;  // decided aborted: a refund, not a trade
    }
  }
  report.latency = Summarize(latencies.Samples());
  AddCpuFigures(cpu_before, cpu_after, report);
  report.figures["sells_decided_aborted"] = static_cast<double>(sells_aborted);
  report.figures["valid_answers_not_200"] = static_cast<double>(answers_not_ok);
  report.params = {{"customers", std::to_string(customers.size())},
                   {"count", std::to_string(total)},
                   {"concurrency", std::to_string(options.concurrency)},
                   {"market", integration::kBtA},
                   {"mix", "50% settle_swap (sell), 50% buy"}};
  for (const auto &[outcome, n] : report.outcomes) {
    if (outcome == "VALID") continue;
    for (size_t i = 0; i < total; ++i) {
      if (results[i].outcome != outcome) continue;
      std::fprintf(stderr, "first %s: %s\n", outcome.c_str(), results[i].detail.c_str());
      break;
    }
  }

  FinishEverything(world, deliveries, purchases);
  const swap::ConservationReport conservation = world.StopAndCheck();
  REQUIRE(conservation.quiescent);
  for (const auto &brand : conservation.brands) {
    INFO(brand.chain_id << ": TICA's account " << brand.platform_balance << ", inventory "
                        << brand.inventory);
    REQUIRE(brand.platform_balance == brand.inventory);
  }
  report.params["conservation"] = "holds";
  return report;
}

}  // namespace milk::bench::swaps
