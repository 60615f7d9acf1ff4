// The swap protocol under a failing relay and a failing brand chain (docs/swaps.md, issue 5's
// acceptance): hundreds of swaps in flight while `milk relay` is killed at each of its fault
// points in turn and restarted, then finished by two relays running at once; and a brand
// chain's node killed mid-swap. At the end every swap is settled on both chains or refunded on
// both, none applied twice, and the conservation check across all chains holds
// (swap::CheckCrossChainConservation over the committed states).
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "crypto/clock.h"
#include "tests/integration/crosschain.h"

namespace milk::integration {
namespace {

constexpr int64_t kMinuteMs = 60'000;
const std::string kE18 = "000000000000000000";
// Every fault point of `milk relay --list-faults`, in protocol order.
const std::vector<std::string> kFaultPoints = {
    "settle.proof_fetched", "settle.submitted",      "finish.proof_fetched",
    "finish.submitted",     "deliver.proof_fetched", "deliver.submitted"};
// How long one relay run may take to reach a fault point, and all of them to finish the work,
// on a loaded 2-core machine.
constexpr int64_t kFaultWaitMs = 60'000;
constexpr int64_t kFinishWaitMs = 180'000;

std::vector<std::string> Customers(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back("c" + std::to_string(i));
  return names;
}

// Waits until relay exits; its exit status (-9 when a fault point killed it).
int WaitForExit(ChildProcess& relay, int64_t timeout_ms) {
  const int64_t deadline = SystemClock::Instance().NowMs() + timeout_ms;
  while (relay.Running() && SystemClock::Instance().NowMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (relay.Running()) return 0;
  return relay.exit_status().value_or(0);
}

}  // namespace

TEST_CASE("every swap ends settled on both chains or refunded on both while the relay is killed at "
          "every step and two relays run at once",
          "[integration][relay]") {
  const std::vector<std::string> customers = Customers(20);
  CrossChain world(customers);
  world.Bootstrap();

  // TICA's opening inventory on both brands, through stock swaps (the relay settles them).
  world.LockStock(kSwapChainA, "stock-a", "200000");
  world.LockStock(kSwapChainB, "stock-b", "200000");
  {
    std::unique_ptr<ChildProcess> relay = world.StartRelay("stock");
    const CrossChain::Progress progress = world.WaitUntilDone(kFinishWaitMs);
    INFO(progress.Describe() << "\n" << world.RelayLog("stock"));
    REQUIRE(progress.done());
    relay->SignalAndWait(SIGTERM, 10'000);
  }

  // Hundreds of swaps in flight: every customer's points on both chains, then 6 sells each on
  // both chains (one of which asks an impossible minimum, so it is aborted and refunded) and 3
  // purchases of each brand.
  const int64_t now = SystemClock::Instance().NowMs();
  int sells = 0;
  for (const std::string& customer : customers) {
    for (const std::string chain : {kSwapChainA, kSwapChainB}) {
      world.Issue(chain, world.net().Address(customer), "10000", "points-" + customer);
      for (int i = 0; i < 6; ++i) {
        const std::string min_mlk = i == 0 ? "1000000" + kE18 : "0";
        world.LockSell(chain, customer, "sell-" + std::to_string(i), std::to_string(100 + i),
                       min_mlk, now + 30 * kMinuteMs);
        ++sells;
      }
      for (int i = 0; i < 3; ++i) world.Buy(chain, customer, std::to_string(50 + i), "1000" + kE18);
    }
  }
  REQUIRE(sells == 240);
  REQUIRE(world.buys().size() == 120);

  // The relay killed at every fault point in turn (the third time it gets there, so it dies with
  // work of other swaps in flight), restarted each time.
  for (const std::string& point : kFaultPoints) {
    std::unique_ptr<ChildProcess> relay = world.StartRelay(point, {"--fault", point + ":3"});
    const int status = WaitForExit(*relay, kFaultWaitMs);
    INFO("fault point " << point << "\n" << world.RelayLog(point));
    CHECK(status == -SIGKILL);
    CHECK(world.RelayLog(point).find(point) != std::string::npos);
  }
  CrossChain::Progress after_faults = world.ReadProgress();
  INFO("after the fault rounds: " << after_faults.Describe());
  CHECK_FALSE(after_faults.done());  // work was left for the relays below

  // Two relays at once finish everything; one of them is also killed on its way.
  std::unique_ptr<ChildProcess> first = world.StartRelay("first", {"--fault", "finish.submitted:20"});
  std::unique_ptr<ChildProcess> second = world.StartRelay("second");
  const CrossChain::Progress progress = world.WaitUntilDone(kFinishWaitMs);
  INFO(progress.Describe() << "\nfirst relay:\n" << world.RelayLog("first") << "\nsecond relay:\n"
                           << world.RelayLog("second"));
  REQUIRE(progress.done());
  second->SignalAndWait(SIGTERM, 10'000);
  first->Kill9();

  const swap::ConservationReport report = world.StopAndCheck();
  REQUIRE(report.quiescent);
  size_t released = 0, refunded = 0, delivered = 0;
  for (const auto& brand : report.brands) {
    INFO(brand.chain_id << ": TICA's account " << brand.platform_balance << ", inventory "
                        << brand.inventory);
    CHECK(brand.platform_balance == brand.inventory);
    CHECK(brand.swaps_locked == 0);
    released += brand.swaps_released;
    refunded += brand.swaps_refunded;
    delivered += brand.purchases_delivered;
  }
  // 240 sells + 2 stocks; the 40 impossible minimums refunded, everything else released.
  CHECK(refunded == 40);
  CHECK(released == 202);
  CHECK(delivered == 120);
}

TEST_CASE("a brand chain's node killed mid-swap leaves its swaps waiting until it returns",
          "[integration][relay]") {
  const std::vector<std::string> customers = Customers(4);
  CrossChain world(customers);
  world.Bootstrap();
  world.LockStock(kSwapChainA, "stock-a", "50000");
  world.LockStock(kSwapChainB, "stock-b", "50000");
  const int64_t now = SystemClock::Instance().NowMs();
  for (const std::string& customer : customers) {
    for (const std::string chain : {kSwapChainA, kSwapChainB}) {
      world.Issue(chain, world.net().Address(customer), "1000", "points-" + customer);
      for (int i = 0; i < 5; ++i) {
        world.LockSell(chain, customer, "sell-" + std::to_string(i), "10", "0",
                       now + 30 * kMinuteMs);
      }
    }
  }
  // brand.b's only consenter goes down with its swaps locked; the relay starts.
  world.net().Kill9("b");
  std::unique_ptr<ChildProcess> relay = world.StartRelay("relay");

  // brand.a's swaps complete; brand.b's wait (their brand chain cannot prove or apply anything).
  CrossChain::Progress progress;
  const int64_t deadline = SystemClock::Instance().NowMs() + kFinishWaitMs;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    progress = world.ReadProgress();
  } while (progress.open_a != 0 && SystemClock::Instance().NowMs() < deadline);
  INFO(progress.Describe() << "\n" << world.RelayLog("relay"));
  REQUIRE(progress.open_a == 0);
  CHECK(progress.open_b == -1);  // brand.b does not answer
  REQUIRE(relay->Running());

  world.net().Start("b");
  progress = world.WaitUntilDone(kFinishWaitMs);
  INFO(progress.Describe() << "\n" << world.RelayLog("relay"));
  REQUIRE(progress.done());
  relay->SignalAndWait(SIGTERM, 10'000);

  const swap::ConservationReport report = world.StopAndCheck();
  REQUIRE(report.quiescent);
  for (const auto& brand : report.brands) {
    CHECK(brand.platform_balance == brand.inventory);
    CHECK(brand.swaps_released == 21);  // 20 sells + the stock
  }
}

}  // namespace milk::integration
