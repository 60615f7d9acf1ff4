// Issue 4, acceptance 3, with the swaps of issue 5: 1,000 trades on one market (BTB), submitted
// in parallel so they land in a few blocks, all commit VALID with a 200 answer (sequenced: no
// MVCC conflict), and every one of three consenters (each validates and executes the blocks
// itself) ends with the same market, the same balances, the same commit hash; an auditor's replay
// (`milk ledger verify`) reproduces every result. The 500 sells are settle_swap calls carrying
// proofs of swaps locked on brand-b, which the fixture signs standing in for brand-b's peer.
#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/clock.h"
#include "tests/integration/cluster_harness.h"
#include "tests/integration/cluster_load.h"
#include "tests/integration/economy.h"
#include "tools/client/price_announcements.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

using Json = nlohmann::json;

constexpr int kCustomers = 20;
constexpr int kSells = 500;  // settle_swap of BTB sells locked on brand-b, and
constexpr int kBuys = 500;   // buys of BTB from TICA's inventory, all interleaved
constexpr int kThreads = 16;
// Submit returns once its envelope is ordered, so each submitting thread has one transaction in
// the orderer at a time: enough of them put the whole crowd in a few blocks.
constexpr int kSubmitThreads = 256;
constexpr int64_t kDayMs = 86'400'000;
// Blocks hold up to 500 transactions: 1,000 trades need at least 2; "a few" allows the cutter
// some partial batches while submissions trickle in.
constexpr uint64_t kTradeBlocksMax = 12;
constexpr int64_t kConvergeTimeoutMs = 30000;

struct Call {
  client::Signer signer;
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
};

struct Outcome {
  std::string error;  // empty when the call reached its commit status
  milkpb::TxValidationCode code = milkpb::NOT_VALIDATED;
  uint64_t block = 0;
  milkpb::Response response;  // the sequenced answer (or the endorsement's for others)
};

// Runs f(i) for i in [0, n) on `threads_count` threads.
template <typename F>
void Parallel(size_t n, F f, int threads_count = kThreads) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_count; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) f(i);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// Endorses every call first, then submits all the envelopes at once, then waits for each:
// the calls reach the orderer together, as a crowd of customers' would.
std::vector<Outcome> RunTogether(const client::GatewayClient& peer,
                                 const std::vector<Call>& calls) {
  std::vector<Outcome> outcomes(calls.size());
  std::vector<milkpb::Envelope> envelopes(calls.size());
  std::vector<std::string> tx_ids(calls.size());
  const int64_t now_ms = SystemClock::Instance().NowMs();
  Parallel(calls.size(), [&](size_t i) {
    const Call& call = calls[i];
    auto built = client::BuildProposal(call.signer, kChainId, call.chaincode, call.function,
                                       call.args, now_ms);
    if (!built.ok()) {
      outcomes[i].error = built.status().ToString();
      return;
    }
    tx_ids[i] = built->tx_id;
    auto endorsed = peer.Endorse(built->signed_proposal);
    if (!endorsed.ok()) {
      outcomes[i].error = endorsed.status().ToString();
      return;
    }
    if (endorsed->response().status() != 200) {
      outcomes[i].error = "endorsement answered " + endorsed->response().message();
      return;
    }
    auto envelope =
        client::BuildEnvelope(call.signer, built->signed_proposal.proposal(), {*endorsed});
    if (!envelope.ok()) {
      outcomes[i].error = envelope.status().ToString();
      return;
    }
    envelopes[i] = *envelope;
  });
  Parallel(
      calls.size(),
      [&](size_t i) {
        if (!outcomes[i].error.empty()) return;
        auto submitted = peer.Submit(kChainId, envelopes[i]);
        if (!submitted.ok()) outcomes[i].error = "submit: " + submitted.status().ToString();
      },
      kSubmitThreads);
  Parallel(calls.size(), [&](size_t i) {
    if (!outcomes[i].error.empty()) return;
    auto status = peer.CommitStatus(kChainId, tx_ids[i], /*wait=*/true, /*sequenced=*/true);
    if (!status.ok()) {
      outcomes[i].error = "commit status: " + status.status().ToString();
      return;
    }
    outcomes[i].code = status->code();
    outcomes[i].block = status->block_number();
    outcomes[i].response = status->sequenced_response();
  });
  return outcomes;
}

std::string Customer(int i) { return "c" + std::to_string(i); }

std::string QueryOn(const TestCluster& cluster, size_t node, const std::string& chaincode,
                    const std::string& function, const std::vector<std::string>& args) {
  Economy view(cluster.Client(node), cluster.crypto_dir(), {}, {});
  auto payload = view.Query(cluster.Member("admin"), chaincode, function, args);
  INFO("node" << node << " " << chaincode << "." << function << ": "
              << payload.status().ToString());
  REQUIRE(payload.ok());
  return *payload;
}

TEST_CASE(
    "1000 concurrent trades on one market commit with no MVCC conflict and replay identically",
    "[integration][economy]") {
  std::vector<std::string> customers;
  for (int i = 0; i < kCustomers; ++i) customers.push_back(Customer(i));
  ClusterOptions options;
  options.batch_timeout_ms = 300;  // let concurrent submissions gather into full blocks
  options.wallets = EconomyWallets(customers);
  options.content = EconomyContent(SystemClock::Instance().NowMs() - kDayMs);
  TestCluster cluster(options);
  const size_t leader = cluster.LeaderIndex();
  Economy economy(
      cluster.Client(leader), cluster.crypto_dir(),
      [&](const std::string& org, const std::string& name) { return cluster.OrgMember(org, name); },
      [&](const std::string& name) { return cluster.Wallet(name); });
  economy.Bootstrap();

  // Customers' MLK for buying (a TICA promotion from the operation pool), concurrently too.
  std::vector<Call> setup;
  const client::Signer admin = economy.Tica("admin");
  const client::Signer relay = economy.Tica("relay");
  for (int c = 0; c < kCustomers; ++c) {
    setup.push_back({admin,
                     "mlk",
                     "grant",
                     {"operation", economy.Address(Customer(c)), "1000000000000000000000",
                      "promo-" + Customer(c)}});  // 1,000 MLK
  }
  for (const Outcome& o : RunTogether(economy.peer(), setup)) {
    INFO(o.error);
    REQUIRE(o.error.empty());
    REQUIRE(o.code == milkpb::VALID);
  }

  // The trades: sells and buys interleaved, by every customer, on the one market BTB. Sale s is
  // customer s % kCustomers's swap "sell-s" of 100..299 BTB locked on brand-b (min 1 unit of
  // MLK), which TICA's relay settles with the fixture's proof.
  std::vector<Call> trades;
  for (int t = 0; t < kSells + kBuys; ++t) {
    const int c = t % kCustomers;
    if (t % 2 == 0) {
      const int s = t / 2;
      const LockedSwap sell =
          economy.Sell(kBrandB, Customer(s % kCustomers), "sell-" + std::to_string(s),
                       std::to_string(100 + s % 200), "1");
      trades.push_back({relay, "exchange", "settle_swap", economy.SettleArgs(kBrandB, sell)});
    } else {
      trades.push_back({economy.Wallet(Customer(c)),
                        "exchange",
                        "buy",
                        {kBtB, std::to_string(50 + t % 150), "100000000000000000000"}});  // 100 MLK
    }
  }
  const std::vector<Outcome> outcomes = RunTogether(economy.peer(), trades);
  std::set<uint64_t> blocks;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    INFO("trade " << i << ": " << o.error << " code " << milkpb::TxValidationCode_Name(o.code)
                  << " answer " << o.response.status() << " " << o.response.message());
    REQUIRE(o.error.empty());
    REQUIRE(o.code == milkpb::VALID);
    REQUIRE(o.response.status() == 200);
    if (i % 2 == 0) {  // a sell: decided settled, not aborted
      const Json decision = Json::parse(o.response.payload());
      INFO(o.response.payload());
      REQUIRE(decision.at("state") == "settled");
      CHECK(decision.at("kind") == "sell");
      CHECK(decision.at("chain_id") == kBrandChainB);
    }
    blocks.insert(o.block);
  }
  INFO("blocks used: " << blocks.size());
  CHECK(blocks.size() <= kTradeBlocksMax);

  // Every consenter executed the trades itself: same height, block and commit hashes, same
  // blocks byte for byte, and the same market and balances.
  std::vector<size_t> nodes;
  for (size_t i = 0; i < cluster.size(); ++i) nodes.push_back(i);
  CheckNodesConverge(cluster, nodes, kConvergeTimeoutMs);
  const std::string market = QueryOn(cluster, leader, "exchange", "market", {kBtB});
  const Json m = Json::parse(market);
  INFO(market);
  // 500 sells of 100..299 units each, as locked; 500 buys of 50..199, as asked.
  uint64_t sold = 0, bought = 0;
  for (int s = 0; s < kSells; ++s) sold += 100 + s % 200;
  for (int t = 1; t < kSells + kBuys; t += 2) bought += 50 + t % 150;
  CHECK(m.at("sold").get<std::string>() == std::to_string(sold));
  CHECK(m.at("bought").get<std::string>() == std::to_string(bought));
  CHECK(m.at("inventory").get<std::string>() == std::to_string(kSeedB + sold - bought));
  for (size_t i : nodes) {
    CHECK(QueryOn(cluster, i, "exchange", "market", {kBtB}) == market);
    for (const std::string& who : EconomyWallets(customers)) {
      CHECK(QueryOn(cluster, i, "mlk", "balance", {economy.Address(who)}) ==
            QueryOn(cluster, leader, "mlk", "balance", {economy.Address(who)}));
    }
  }
  CheckLedgerVerifies(cluster, {leader});

  // The price announcements: every block with trades announces BTB, the trades add up, and the
  // last announcement is the market's price now; `milk market watch` prints the same.
  const uint64_t last_block = *blocks.rbegin();
  std::vector<client::PriceAnnouncement> announcements;
  uint32_t announced_trades = 0;
  const Status streamed = economy.peer().ChaincodeEvents(
      kChainId, "exchange", 0, [&](const milkpb::ChaincodeEventsResponse& block) {
        auto announced = client::PriceAnnouncements(block, "exchange");
        REQUIRE(announced.ok());
        for (const client::PriceAnnouncement& a : *announced) {
          if (a.brand != kBtB || blocks.count(a.block_number) == 0) continue;
          announcements.push_back(a);
          announced_trades += a.trades;
        }
        return block.block_number() < last_block;
      });
  INFO(streamed.ToString());
  REQUIRE(streamed.ok());
  CHECK(announcements.size() == blocks.size());
  CHECK(announced_trades == kSells + kBuys);
  REQUIRE_FALSE(announcements.empty());
  CHECK(announcements.back().price_micro_krw == m.at("price_micro_krw").get<std::string>());
  CHECK(announcements.back().inventory == m.at("inventory").get<std::string>());
  const CommandResult watched = cluster.RunMilk(
      {"--peer", cluster.endpoint(leader), "--json", "market", "watch", "-C", kChainId, "--from",
       std::to_string(*blocks.begin()), "--blocks", std::to_string(blocks.size())});
  INFO(watched.out << watched.err);
  REQUIRE(watched.exit_code == 0);
  CHECK_THAT(watched.out, Catch::Contains("\"price_micro_krw\":\"" +
                                          announcements.back().price_micro_krw + "\""));
}

}  // namespace
}  // namespace milk::integration
