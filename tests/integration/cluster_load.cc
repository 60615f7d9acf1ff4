#include "tests/integration/cluster_load.h"

#include <catch2/catch.hpp>
#include <map>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/clock.h"
#include "tests/integration/harness.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

// Per call: a commit waits at most a batch timeout, an election and a commit under load.
constexpr int64_t kCallDeadlineMs = 10000;
// No load of these tests runs this long; past it a client gives up with a fatal error.
constexpr int64_t kLoadTimeoutMs = 120000;
// Between attempts after an error, while a node is down or a leader is being elected.
constexpr auto kRetryBackoff = std::chrono::milliseconds(20);
// A client's channel retries a node that refused it at least this often, so a restarted node
// gets load again at once.
constexpr int kReconnectBackoffMaxMs = 200;
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// Reading a whole chain (a few hundred blocks) through Deliver.
constexpr int64_t kDeliverDeadlineMs = 30000;

bool SameSummary(const milkpb::ChainSummary& a, const milkpb::ChainSummary& b) {
  return a.height() == b.height() && a.current_block_hash() == b.current_block_hash() &&
         a.commit_hash() == b.commit_hash();
}

}  // namespace

class ClusterLoad::Client {
 public:
  Client(ClusterLoad& load, size_t index, client::Signer sender, std::string receiver)
      : load_(load), sender_(std::move(sender)), receiver_(std::move(receiver)) {
    nodes_ = load.options_.nodes;
    if (nodes_.empty()) {
      for (size_t i = 0; i < load.cluster_.size(); ++i) nodes_.push_back(i);
    }
    position_ = index % nodes_.size();
    client::GatewayOptions options;
    options.deadline_ms = kCallDeadlineMs;
    options.reconnect_backoff_max_ms = kReconnectBackoffMaxMs;
    options.credentials = load.cluster_.ClientCredentials();  // null when the cluster is plaintext
    for (size_t node : nodes_) gateways_.emplace_back(load.cluster_.endpoint(node), options);
  }

  void Run(const std::stop_token& stop, ClientRun& run) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kLoadTimeoutMs);
    while (run.fatal.empty() && !stop.stop_requested()) {
      if (std::chrono::steady_clock::now() > deadline) {
        run.fatal = "load ran past " + std::to_string(kLoadTimeoutMs) + " ms";
        return;
      }
      const int64_t started_us = load_.NowUs();
      Attempt attempt = TryOnce(run);
      const bool valid = attempt.fate == Fate::kReported && attempt.status.code() == milkpb::VALID;
      run.attempts.push_back(std::move(attempt));
      if (valid) {
        ++run.completed;
        load_.reported_.fetch_add(1);
        load_.NoteReport(started_us);
        continue;
      }
      position_ = (position_ + 1) % nodes_.size();  // that node may be down: try the next
      std::this_thread::sleep_for(kRetryBackoff);
    }
  }

 private:
  Attempt TryOnce(ClientRun& run) {
    Attempt attempt;
    attempt.node = nodes_[position_];
    const client::GatewayClient& peer = gateways_[position_];
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
    auto submitted = peer.Submit(kChainId, *envelope);
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

  ClusterLoad& load_;
  const client::Signer sender_;
  const std::string receiver_;
  std::vector<size_t> nodes_;
  std::vector<client::GatewayClient> gateways_;  // parallel to nodes_
  size_t position_ = 0;
};

std::vector<std::string> LoadWalletNames(int clients) {
  std::vector<std::string> names;
  for (int i = 0; i < clients; ++i) {
    names.push_back("sender" + std::to_string(i));
    names.push_back("receiver" + std::to_string(i));
  }
  return names;
}

void FundSenders(const TestCluster& cluster, size_t via, int clients) {
  const client::GatewayClient peer = cluster.Client(via);
  const client::Signer issuer = cluster.Member("issuer");
  for (int i = 0; i < clients; ++i) {
    auto issued = InvokeToken(
        peer, issuer, "issue",
        {cluster.Address("sender" + std::to_string(i)), std::to_string(kSenderFunding)});
    INFO(issued.status().ToString());
    REQUIRE(issued.ok());
    REQUIRE(issued->code == milkpb::VALID);
  }
}

ClusterLoad::ClusterLoad(const TestCluster& cluster, LoadOptions options)
    : cluster_(cluster), options_(std::move(options)) {
  REQUIRE(options_.clients > 0);
  std::vector<std::shared_ptr<Client>> clients;
  for (int i = 0; i < options_.clients; ++i) {
    clients.push_back(std::make_shared<Client>(*this, static_cast<size_t>(i),
                                               cluster.Wallet("sender" + std::to_string(i)),
                                               cluster.Address("receiver" + std::to_string(i))));
  }
  runs_.resize(clients.size());
  for (size_t i = 0; i < clients.size(); ++i) {
    threads_.emplace_back(
        [client = clients[i], run = &runs_[i]](std::stop_token stop) { client->Run(stop, *run); });
  }
}

ClusterLoad::~ClusterLoad() {
  for (std::jthread& t : threads_) t.request_stop();
  threads_.clear();  // joins
}

int64_t ClusterLoad::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               origin_)
      .count();
}

void ClusterLoad::Mark() {
  first_after_mark_us_.store(-1);
  mark_us_.store(NowUs());
}

void ClusterLoad::NoteReport(int64_t started_us) {
  const int64_t mark = mark_us_.load();
  if (mark < 0 || started_us < mark) return;
  int64_t none = -1;
  first_after_mark_us_.compare_exchange_strong(none, NowUs() - mark);
}

int64_t ClusterLoad::FirstReportAfterMarkMs() const {
  const int64_t us = first_after_mark_us_.load();
  return us < 0 ? -1 : us / 1000;
}

std::vector<ClientRun> ClusterLoad::Finish() {
  for (std::jthread& t : threads_) t.request_stop();
  threads_.clear();
  return std::move(runs_);
}

std::string CheckAttemptsAgainstLedger(const std::vector<ClientRun>& runs, const LedgerScan& scan) {
  std::map<Fate, int> by_fate;
  std::map<std::string, int> errors;  // the failed step and the start of its status
  int unknown_in_ledger = 0;
  for (const ClientRun& run : runs) {
    for (const Attempt& a : run.attempts) {
      ++by_fate[a.fate];
      if (!a.error.empty()) ++errors[a.error.substr(0, a.error.find(':', a.error.find(':') + 1))];
      const size_t seen = scan.OccurrencesOf(a.tx_id);
      INFO("tx " << a.tx_id << " via node" << a.node << " fate " << static_cast<int>(a.fate)
                 << " error " << a.error);
      switch (a.fate) {
        case Fate::kNotSubmitted:
          CHECK(seen == 0);
          break;
        case Fate::kUnknown:
          CHECK(seen <= 1);
          unknown_in_ledger += static_cast<int>(seen);
          break;
        case Fate::kAcknowledged:
          CHECK(seen == 1);
          break;
        case Fate::kReported: {
          REQUIRE(seen == 1);
          const LedgerTx& tx = scan.transactions[scan.by_tx_id.at(a.tx_id).front()];
          CHECK(tx.block_number == a.status.block_number());
          CHECK(tx.tx_index == a.status.tx_index());
          CHECK(tx.code == a.status.code());
          // A client may endorse on a node one block behind the one that reported its last
          // transfer (after switching nodes): a read conflict then, never anything else.
          CHECK(
              (a.status.code() == milkpb::VALID || a.status.code() == milkpb::MVCC_READ_CONFLICT));
          break;
        }
      }
    }
  }
  for (const auto& [tx_id, indices] : scan.by_tx_id) {
    INFO("tx " << tx_id);
    CHECK(indices.size() == 1);  // every attempt had a fresh nonce
  }
  std::string summary = "attempts: reported " + std::to_string(by_fate[Fate::kReported]) +
                        ", acknowledged " + std::to_string(by_fate[Fate::kAcknowledged]) +
                        ", unknown " + std::to_string(by_fate[Fate::kUnknown]) + " (" +
                        std::to_string(unknown_in_ledger) + " in the ledger), not submitted " +
                        std::to_string(by_fate[Fate::kNotSubmitted]) + "; errors:";
  for (const auto& [error, count] : errors)
    summary += "\n  " + error + " x" + std::to_string(count);
  return summary;
}

uint64_t CheckNodesConverge(const TestCluster& cluster, const std::vector<size_t>& nodes,
                            int64_t timeout_ms) {
  REQUIRE(!nodes.empty());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<milkpb::ChainSummary> summaries;
  while (true) {
    summaries.clear();
    std::string report;
    for (size_t i : nodes) {
      auto info = cluster.Client(i).ChainInfo(kChainId);
      summaries.push_back(info.ok() ? info->summary() : milkpb::ChainSummary());
      report += "\n  node" + std::to_string(i) + ": " +
                (info.ok() ? "height " + std::to_string(info->summary().height()) +
                                 " commit hash " + ToHex(info->summary().commit_hash())
                           : info.status().ToString());
    }
    bool same = summaries.front().height() > 0;
    for (const auto& s : summaries) same = same && SameSummary(s, summaries.front());
    if (same) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("the nodes did not converge within " << timeout_ms << " ms:" << report);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  const uint64_t height = summaries.front().height();
  client::GatewayOptions options;
  options.deadline_ms = kDeliverDeadlineMs;
  std::vector<std::string> reference;
  for (size_t i : nodes) {
    milkpb::DeliverRequest request;
    request.set_chain_id(kChainId);
    request.set_start_block(0);
    request.set_stop_block(height - 1);
    uint64_t next = 0;
    const Status streamed = cluster.Client(i, options).Blocks(request, [&](const milkpb::Block& b) {
      const std::string bytes = b.SerializeAsString();
      INFO("node" << i << " block " << next);
      CHECK(b.header().number() == next);
      if (reference.size() <= next) {
        reference.push_back(bytes);
      } else {
        CHECK(bytes == reference[next]);
      }
      ++next;
      return true;
    });
    INFO("node" << i << ": " << streamed.ToString());
    REQUIRE(streamed.ok());
    CHECK(next == height);
  }
  return height;
}

void CheckStateOnNodes(const TestCluster& cluster, const std::vector<size_t>& nodes,
                       const LedgerScan& scan, const std::vector<std::string>& wallets) {
  auto replayed = ReplayTokenState(scan);
  INFO(replayed.status().ToString());
  REQUIRE(replayed.ok());
  const client::Signer issuer = cluster.Member("issuer");
  for (size_t i : nodes) {
    const client::GatewayClient peer = cluster.Client(i);
    for (const std::string& name : wallets) {
      const std::string address = cluster.Address(name);
      auto balance = QueryToken(peer, issuer, "balance", {address});
      INFO("node" << i << " " << name << " " << address << ": " << balance.status().ToString());
      REQUIRE(balance.ok());
      auto it = replayed->balances.find(address);
      CHECK(*balance == std::to_string(it == replayed->balances.end() ? 0 : it->second));
    }
    auto supply = QueryToken(peer, issuer, "supply", {});
    INFO("node" << i << ": " << supply.status().ToString());
    REQUIRE(supply.ok());
    CHECK(*supply == std::to_string(replayed->supply));
  }
}

void CheckLedgerVerifies(const TestCluster& cluster, const std::vector<size_t>& nodes) {
  for (size_t i : nodes) {
    const CommandResult verified =
        cluster.RunMilk({"--peer", cluster.endpoint(i), "ledger", "verify", "-C", kChainId,
                         "--scratch-dir", cluster.dir() + "/verify-node" + std::to_string(i)});
    INFO("milk ledger verify --peer node" << i << ": " << verified.out << verified.err);
    CHECK(verified.exit_code == 0);
  }
}

void CheckAfterLoad(const TestCluster& cluster, const std::vector<ClientRun>& runs,
                    const std::vector<size_t>& nodes, int clients) {
  for (const ClientRun& run : runs) {
    INFO(run.fatal);
    REQUIRE(run.fatal.empty());
    CHECK(run.completed > 0);
  }
  auto scan = ScanLedger(cluster.Client(nodes.front()), kChainId);
  INFO(scan.status().ToString());
  REQUIRE(scan.ok());
  WARN(CheckAttemptsAgainstLedger(runs, *scan));
  CheckStateOnNodes(cluster, nodes, *scan, LoadWalletNames(clients));
  CheckLedgerVerifies(cluster, nodes);
}

}  // namespace milk::integration
