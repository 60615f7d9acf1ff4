// Crash recovery, the main acceptance test (ARCHITECTURE.md sections 3, 4 and 9): under load,
// kill -9 the node, restart it on the same data directory, and prove that nothing reported was
// lost or duplicated and that the state is exactly what the blocks say.
//
// The clients do what client::Invoke does (endorse, submit, CommitStatus with wait) step by step,
// because a client that loses the node midway must know the txid it was trying and how far it
// got: Invoke returns no txid with an error.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include "crypto/clock.h"
#include "tests/integration/harness.h"
#include "tests/integration/ledger_scan.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

constexpr int kClients = 8;
constexpr int kTransfers = 2000;
constexpr int kTransfersPerClient = kTransfers / kClients;
static_assert(kTransfersPerClient * kClients == kTransfers);
constexpr int kKillAfterCommits = 800;
// Each sender's funding: every transfer moves 1, and an attempt of unknown fate may commit
// besides its retry, so this leaves room for far more retries than a kill can cause.
constexpr uint64_t kFunding = 1000;
// The whole load takes about 10 s on 2 cores; past this something is stuck.
constexpr int64_t kLoadTimeoutMs = 100000;
// How long the main thread waits for the first kKillAfterCommits commits.
constexpr int64_t kKillWaitTimeoutMs = 60000;
// The kill waits (at most this long) until this many clients are inside Submit, so it lands on
// transactions being ordered rather than between blocks, when every client is between calls.
constexpr int kSubmitsInFlightAtKill = kClients / 2;
constexpr int64_t kInFlightWaitTimeoutMs = 5000;
// Per call; a commit waits at most a batch timeout plus a commit under load.
constexpr int64_t kCallDeadlineMs = 10000;
// Between attempts after an error, while the node is down or restarting.
constexpr auto kRetryBackoff = std::chrono::milliseconds(20);
constexpr auto kPollInterval = std::chrono::milliseconds(2);

// How far an attempt got, which decides what the ledger must show for its txid.
enum class Fate {
  kNotSubmitted,  // endorsement failed: never in any block
  kUnknown,       // Submit failed: in the ledger at most once
  kAcknowledged,  // Submit acknowledged (durably ordered), commit status lost: exactly once
  kReported,      // CommitStatus answered: exactly once, in that block with that code
};

struct Attempt {
  std::string tx_id;
  Fate fate = Fate::kNotSubmitted;
  milkpb::CommitStatusResponse status;  // kReported only
  std::string error;                    // the failed step's status, otherwise
};

struct ClientRun {
  std::vector<Attempt> attempts;
  int completed = 0;
  std::string fatal;  // a failure no retry can fix (building the transaction)
};

// One sender wallet sending kTransfersPerClient transfers of 1 to its receiver. Runs on its own
// thread; reads only the node's endpoint from the harness.
class TransferClient {
 public:
  // reported counts commits reported to all clients; in_submit the clients inside Submit.
  TransferClient(const TestNode& node, client::Signer sender, std::string receiver,
                 std::atomic<int>& reported, std::atomic<int>& in_submit)
      : node_(node), sender_(std::move(sender)), receiver_(std::move(receiver)),
        reported_(reported), in_submit_(in_submit) {}

  void Run(const std::stop_token& stop, ClientRun& run) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kLoadTimeoutMs);
    while (run.completed < kTransfersPerClient && run.fatal.empty() && !stop.stop_requested()) {
      if (std::chrono::steady_clock::now() > deadline) {
        run.fatal = "load timed out after " + std::to_string(run.completed) + " transfers";
        return;
      }
      Attempt attempt = TryOnce(run);
      const bool done = attempt.fate == Fate::kReported;
      run.attempts.push_back(std::move(attempt));
      if (done) {
        ++run.completed;
        reported_.fetch_add(1);
      } else {
        std::this_thread::sleep_for(kRetryBackoff);  // pacing only: the node may be restarting
      }
    }
  }

 private:
  // A client of the node's current endpoint (a restarted node listens on a new port).
  const client::GatewayClient& Current() {
    const std::string endpoint = node_.grpc_endpoint();
    if (!gateway_.has_value() || gateway_->endpoint() != endpoint) {
      client::GatewayOptions options;
      options.deadline_ms = kCallDeadlineMs;
      gateway_.emplace(endpoint, options);
    }
    return *gateway_;
  }

  Attempt TryOnce(ClientRun& run) {
    Attempt attempt;
    const client::GatewayClient& peer = Current();
    auto built = client::BuildProposal(sender_, kChainId, kTokenChaincode, "transfer",
                                       {receiver_, "1"}, SystemClock::Instance().NowMs());
    if (!built.ok()) {
      run.fatal = "BuildProposal: " + built.status().ToString();
      return attempt;
    }
    attempt.tx_id = built->tx_id;
    auto endorsed = peer.Endorse(built->signed_proposal);
    if (!endorsed.ok()) {
      attempt.error = "Endorse: " + endorsed.status().ToString();
      return attempt;
    }
    auto envelope = client::BuildEnvelope(sender_, built->signed_proposal.proposal(), {*endorsed});
    if (!envelope.ok()) {
      run.fatal = "BuildEnvelope: " + envelope.status().ToString();
      return attempt;
    }
    attempt.fate = Fate::kUnknown;
    in_submit_.fetch_add(1);
    auto submitted = peer.Submit(kChainId, *envelope);
    in_submit_.fetch_sub(1);
    if (!submitted.ok()) {
      attempt.error = "Submit: " + submitted.status().ToString();
      return attempt;
    }
    attempt.fate = Fate::kAcknowledged;
    auto status = peer.CommitStatus(kChainId, attempt.tx_id, /*wait=*/true);
    if (!status.ok()) {
      attempt.error = "CommitStatus: " + status.status().ToString();
      return attempt;
    }
    attempt.fate = Fate::kReported;
    attempt.status = *status;
    return attempt;
  }

  const TestNode& node_;
  const client::Signer sender_;
  const std::string receiver_;
  std::atomic<int>& reported_;
  std::atomic<int>& in_submit_;
  std::optional<client::GatewayClient> gateway_;
};

std::vector<std::string> WalletNames() {
  std::vector<std::string> names;
  for (int i = 0; i < kClients; ++i) {
    names.push_back("sender" + std::to_string(i));
    names.push_back("receiver" + std::to_string(i));
  }
  return names;
}

struct LoadRun {
  std::vector<ClientRun> clients;
  int reported_at_kill = 0;
  int submits_in_flight_at_kill = 0;
};

// Polls (bounded) until done() holds; false at the deadline.
template <typename Predicate>
bool PollUntil(int64_t timeout_ms, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

// Runs the load, kills the node after kKillAfterCommits reported commits while submits are in
// flight, restarts it at once, and returns every client's attempts once all are done.
LoadRun RunLoadWithCrash(TestNode& node) {
  std::atomic<int> reported{0};
  std::atomic<int> in_submit{0};
  std::vector<TransferClient> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(node, node.Wallet("sender" + std::to_string(i)),
                         node.Address("receiver" + std::to_string(i)), reported, in_submit);
  }
  LoadRun run;
  run.clients.resize(kClients);
  {
    // jthreads ask to stop and join when this scope ends, also when a REQUIRE throws.
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < clients.size(); ++i) {
      threads.emplace_back([&clients, &run, i](std::stop_token stop) {
        clients[i].Run(stop, run.clients[i]);
      });
    }
    const bool enough = PollUntil(kKillWaitTimeoutMs,
                                  [&] { return reported.load() >= kKillAfterCommits; });
    INFO("reported commits before the kill: " << reported.load());
    REQUIRE(enough);
    // Best effort: if the clients never line up, kill anyway (the checks hold either way).
    (void)PollUntil(kInFlightWaitTimeoutMs,
                    [&] { return in_submit.load() >= kSubmitsInFlightAtKill; });
    run.submits_in_flight_at_kill = in_submit.load();
    node.Kill9();
    run.reported_at_kill = reported.load();
    node.Restart();
    for (std::jthread& t : threads) t.join();
  }
  return run;
}

void CheckAttemptsAgainstLedger(const LoadRun& load, const LedgerScan& scan) {
  const std::vector<ClientRun>& runs = load.clients;
  std::map<Fate, int> by_fate;
  std::map<std::string, int> errors;  // first words of the failed step's status
  int unknown_in_ledger = 0;
  for (const ClientRun& run : runs) {
    for (const Attempt& a : run.attempts) {
      ++by_fate[a.fate];
      if (!a.error.empty()) ++errors[a.error.substr(0, a.error.find(':', a.error.find(':') + 1))];
      const size_t seen = scan.OccurrencesOf(a.tx_id);
      INFO("tx " << a.tx_id << " fate " << static_cast<int>(a.fate) << " error " << a.error);
      switch (a.fate) {
        case Fate::kNotSubmitted: CHECK(seen == 0); break;
        case Fate::kUnknown:
          CHECK(seen <= 1);
          unknown_in_ledger += static_cast<int>(seen);
          break;
        case Fate::kAcknowledged: CHECK(seen == 1); break;
        case Fate::kReported: {
          REQUIRE(seen == 1);
          const LedgerTx& tx = scan.transactions[scan.by_tx_id.at(a.tx_id).front()];
          CHECK(tx.block_number == a.status.block_number());
          CHECK(tx.tx_index == a.status.tx_index());
          CHECK(tx.code == a.status.code());
          // One sender per client, one transfer in flight at a time: nothing can conflict.
          CHECK(a.status.code() == milkpb::VALID);
          break;
        }
      }
    }
  }
  std::string summary;
  for (const auto& [error, count] : errors) summary += "\n  " + error + " x" + std::to_string(count);
  WARN("killed at " << load.reported_at_kill << " reported commits with "
                    << load.submits_in_flight_at_kill << " submits in flight; "
                    << "attempts: reported " << by_fate[Fate::kReported] << ", acknowledged "
                             << by_fate[Fate::kAcknowledged] << ", unknown "
                             << by_fate[Fate::kUnknown] << " (" << unknown_in_ledger
                             << " of them in the ledger), not submitted "
                             << by_fate[Fate::kNotSubmitted] << "; errors:" << summary);
  CHECK(by_fate[Fate::kReported] == kTransfers);
  // The kill lands while 8 clients have calls in flight: some attempts must have failed, or the
  // test did not test a crash under load.
  CHECK(by_fate[Fate::kNotSubmitted] + by_fate[Fate::kUnknown] + by_fate[Fate::kAcknowledged] > 0);
  // No txid is in the ledger twice: every attempt had a fresh nonce.
  for (const auto& [tx_id, indices] : scan.by_tx_id) {
    INFO("tx " << tx_id);
    CHECK(indices.size() == 1);
  }
}

// The node's answers equal the replay of the valid transactions of its blocks.
void CheckStateAgainstReplay(const TestNode& node, const LedgerScan& scan,
                             const std::vector<std::string>& wallets) {
  auto replayed = ReplayTokenState(scan);
  INFO(replayed.status().ToString());
  REQUIRE(replayed.ok());
  CHECK(replayed->supply == kFunding * kClients);
  const client::GatewayClient peer = node.Client();
  const client::Signer issuer = node.Member("issuer");
  uint64_t sum = 0;
  for (const std::string& name : wallets) {
    const std::string address = node.Address(name);
    auto balance = QueryToken(peer, issuer, "balance", {address});
    INFO(name << " " << address << ": " << balance.status().ToString());
    REQUIRE(balance.ok());
    auto it = replayed->balances.find(address);
    const uint64_t expected = it == replayed->balances.end() ? 0 : it->second;
    CHECK(*balance == std::to_string(expected));
    sum += expected;
  }
  CHECK(sum == replayed->supply);
  CHECK(replayed->balances.size() == wallets.size());  // nobody else ever received anything
  auto supply = QueryToken(peer, issuer, "supply", {});
  INFO(supply.status().ToString());
  REQUIRE(supply.ok());
  CHECK(*supply == std::to_string(replayed->supply));
}

void CheckLedgerVerifies(TestNode& node) {
  CommandResult online = node.RunMilk({"--peer", node.grpc_endpoint(), "ledger", "verify", "-C",
                                       kChainId, "--scratch-dir", node.dir() + "/verify-online"});
  INFO("milk ledger verify --peer: " << online.out << online.err);
  CHECK(online.exit_code == 0);
  node.Terminate();
  CommandResult offline = node.RunMilk({"ledger", "verify", "-C", kChainId, "--data-dir",
                                        node.data_dir(), "--scratch-dir",
                                        node.dir() + "/verify-offline"});
  INFO("milk ledger verify --data-dir: " << offline.out << offline.err);
  CHECK(offline.exit_code == 0);
}

TEST_CASE("kill -9 under load loses no reported commit and state equals a replay of the blocks",
          "[integration][crash]") {
  HarnessOptions options;
  options.wallets = WalletNames();
  TestNode node(options);
  {
    const client::GatewayClient peer = node.Client();
    const client::Signer issuer = node.Member("issuer");
    for (int i = 0; i < kClients; ++i) {
      auto issued = InvokeToken(peer, issuer, "issue",
                                {node.Address("sender" + std::to_string(i)),
                                 std::to_string(kFunding)});
      INFO(issued.status().ToString());
      REQUIRE(issued.ok());
      REQUIRE(issued->code == milkpb::VALID);
    }
  }

  const LoadRun load = RunLoadWithCrash(node);
  for (const ClientRun& run : load.clients) {
    INFO(run.fatal);
    REQUIRE(run.fatal.empty());
    REQUIRE(run.completed == kTransfersPerClient);
  }

  auto scan = ScanLedger(node.Client(), kChainId);
  INFO(scan.status().ToString());
  REQUIRE(scan.ok());
  CheckAttemptsAgainstLedger(load, *scan);
  CheckStateAgainstReplay(node, *scan, options.wallets);
  CheckLedgerVerifies(node);
}

}  // namespace
}  // namespace milk::integration
