// Token-transfer load against a TestCluster and the checks that follow it: client threads, each
// with its own sender wallet, send transfers of 1 through the Gateway of any node (followers
// forward Submit to the leader), record how far every attempt got, and retry an attempt whose
// fate is unknown with a new proposal (a new txid). Afterwards the ledger must hold every
// acknowledged transaction exactly once and every unknown one at most once, and all nodes must
// hold byte-identical blocks.
//
// The clients do what client::Invoke does (endorse, submit, CommitStatus with wait) step by step,
// because a client that loses its node midway must know the txid it was trying and how far it
// got.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "milk/services.pb.h"
#include "tests/integration/cluster_harness.h"
#include "tests/integration/ledger_scan.h"

namespace milk::integration {

// How far an attempt got, which decides what the ledger must show for its txid.
enum class Fate {
  kNotSubmitted,  // endorsement failed: never in any block
  kUnknown,       // Submit failed: in the ledger at most once
  kAcknowledged,  // Submit acknowledged (durably ordered), commit status lost: exactly once
  kReported,      // CommitStatus answered: exactly once, in that block with that code
};

struct Attempt {
  std::string tx_id;
  size_t node = 0;  // the node whose Gateway the client used
  Fate fate = Fate::kNotSubmitted;
  milkpb::CommitStatusResponse status;  // kReported only
  std::string error;                    // the failed step's status, otherwise
};

struct ClientRun {
  std::vector<Attempt> attempts;
  int completed = 0;  // transfers reported VALID
  std::string fatal;  // a failure no retry can fix (building the transaction)
};

struct LoadOptions {
  int clients = 6;
  // The nodes the clients use, each client starting at a different one and moving to the next
  // after a failed attempt. Empty = every node.
  std::vector<size_t> nodes;
};

// Each sender's funding: every transfer moves 1, so this bounds the transfers of a test.
inline constexpr uint64_t kSenderFunding = 100000;

// Wallet names for clients senders and receivers: sender0, receiver0, sender1, ...
std::vector<std::string> LoadWalletNames(int clients);

// Issues kSenderFunding to every sender through node `via` (REQUIREs success).
void FundSenders(const TestCluster& cluster, size_t via, int clients);

// Runs the clients on their own threads from construction until Finish (or destruction).
// Thread-safe accessors; Finish and the destructor belong to the thread that constructed it.
class ClusterLoad {
 public:
  ClusterLoad(const TestCluster& cluster, LoadOptions options);
  ~ClusterLoad();
  ClusterLoad(const ClusterLoad&) = delete;
  ClusterLoad& operator=(const ClusterLoad&) = delete;

  // Transfers reported VALID so far, by all clients.
  int reported() const { return reported_.load(); }
  // From now on, remember when the first attempt that started after this call is reported
  // VALID: that transaction was ordered entirely after the mark (e.g. by a new leader).
  void Mark();
  // Milliseconds from the last Mark() to that first report; -1 while there is none.
  int64_t FirstReportAfterMarkMs() const;
  // Asks the clients to stop after their current attempt, joins them, and returns every
  // client's attempts. Call once.
  std::vector<ClientRun> Finish();

 private:
  class Client;
  int64_t NowUs() const;
  // A client's attempt that started at started_us was just reported VALID.
  void NoteReport(int64_t started_us);

  const TestCluster& cluster_;
  const LoadOptions options_;
  const std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();
  std::atomic<int> reported_{0};
  std::atomic<int64_t> mark_us_{-1};
  std::atomic<int64_t> first_after_mark_us_{-1};
  std::vector<ClientRun> runs_;
  std::vector<std::jthread> threads_;
};

// Every attempt against the ledger (see Fate), and no txid twice. Returns a one-line summary
// for WARN.
std::string CheckAttemptsAgainstLedger(const std::vector<ClientRun>& runs, const LedgerScan& scan);

// Waits (bounded) until the given nodes report the same height, block hash and commit hash
// through ChainInfo, then checks that they serve byte-identical blocks (Deliver, serialized).
// Returns the common height.
uint64_t CheckNodesConverge(const TestCluster& cluster, const std::vector<size_t>& nodes,
                            int64_t timeout_ms);

// Each node's token balances of the wallets and supply equal the replay of the scanned blocks.
void CheckStateOnNodes(const TestCluster& cluster, const std::vector<size_t>& nodes,
                       const LedgerScan& scan, const std::vector<std::string>& wallets);

// `milk ledger verify -C demo --peer <node>` passes on each node.
void CheckLedgerVerifies(const TestCluster& cluster, const std::vector<size_t>& nodes);

// After a load of `clients` clients on converged nodes: no client hit a fatal error and each
// completed transfers, every attempt's fate holds in the ledger (scanned through node
// nodes.front()), the state on each node equals the replay, and `milk ledger verify` passes on
// each.
void CheckAfterLoad(const TestCluster& cluster, const std::vector<ClientRun>& runs,
                    const std::vector<size_t>& nodes, int clients);

}  // namespace milk::integration
