// The multi-process harness: N real milkd processes (3 by default) ordering the chain "demo"
// with Raft, each a peer and a consenter, in one temporary directory. The flow is a three-node
// deployment's: crypto for org TICA (peer0..N-1, orderer0..N-1, admin, issuer, wallets), a
// genesis block naming the N consenters with their gRPC endpoints, one node.yaml per node, then
// JoinChain on every node and a wait until all agree on one leader. By default (ClusterOptions
// tls) every node serves mutual TLS and the genesis binds each consenter's TLS certificate, so
// every cluster test runs over authenticated Raft (docs/tls.md).
//
// Ports: the N gRPC ports are picked up front (bind 127.0.0.1:0, read, close) because the
// genesis block must name them, and each node keeps its port across restarts (consenters find
// each other only there). Operations endpoints use port 0.
//
// Faults: Kill9 (no shutdown code runs), Stop (SIGTERM, clean exit), Restart (same config and
// data), Pause/Resume (SIGSTOP/SIGCONT: the process is alive but silent, as a hung consenter
// looks to the others), and SetClusterFaults (the node stops talking to chosen consenters while
// its clients' RPCs still work: a network partition). Every node.yaml sets
// testing.fault_injection: true for the last one.
//
// Failures inside the harness are Catch2 REQUIREs. When a check of the test failed, the
// destructor prints the tail of every node's log and keeps the directory (also kept when the
// environment variable MILK_KEEP_TEST_DIRS is set, for looking at a passing run).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "milk/services.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/process.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"

namespace milk::integration {

struct ClusterOptions {
  size_t nodes = 3;
  // The chain's batch timeout: small so a lone transaction commits quickly.
  int64_t batch_timeout_ms = 20;
  // Customer wallets to generate besides the org members.
  std::vector<std::string> wallets = {"alice", "bob", "carol"};
  // Raft timing for tests: a 20 ms tick and 10-tick elections (200-400 ms) make a failover take
  // well under a second while leaving room for a busy 2-core machine's scheduling hiccups.
  int64_t raft_tick_ms = 20;
  uint32_t raft_election_ticks = 10;
  // Unset = the node's defaults (no compaction within a test's load). Tests of catching up from
  // a snapshot set small values (20 and 5) so the log is compacted within seconds.
  std::optional<uint64_t> snapshot_every_entries;
  std::optional<uint64_t> snapshot_keep_entries;
  // Nodes prepared (crypto, port, node.yaml) but neither in the genesis nor started: indexes
  // nodes .. nodes + spare_nodes - 1, for tests that add a consenter (StartSpare).
  size_t spare_nodes = 0;
  // Mutual TLS between the nodes and towards clients (docs/tls.md): each node serves with its
  // consenter's TLS certificate (orderer<i>/tls.crt), which the genesis config binds to raft id
  // i + 1. The harness's clients (Client, Status, RunMilk, SetClusterFaults) trust the org's TLS
  // CA. false: plaintext nodes, as before TLS.
  bool tls = true;
  // More members, orgs and the genesis chaincodes (harness.h); default: the token chain.
  ChainContent content;
};

// Not thread-safe except where marked: the test's main thread drives it (the children are tied
// to the forking thread's life). Load threads may call the methods marked thread-safe.
class TestCluster {
 public:
  // Writes every input, starts all nodes, joins the chain on each and waits for a leader.
  explicit TestCluster(ClusterOptions options = {});
  // Kills every node (also paused ones); removes the directory unless a check failed.
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  size_t size() const { return nodes_.size(); }
  const std::string& dir() const { return dir_; }
  std::string crypto_dir() const { return dir_ + "/crypto"; }
  std::string node_dir(size_t i) const { return dir_ + "/node" + std::to_string(i); }
  std::string data_dir(size_t i) const { return node_dir(i) + "/data"; }
  // Node i's Raft WAL of the chain (docs/wal.md).
  std::string wal_dir(size_t i) const { return data_dir(i) + "/chains/" + kChainId + "/wal"; }
  const milkpb::Block& genesis() const { return genesis_; }

  // Thread-safe. Node i's gRPC endpoint, fixed for the cluster's life; its raft id is i + 1.
  const std::string& endpoint(size_t i) const { return endpoints_.at(i); }
  std::vector<std::string> endpoints() const { return endpoints_; }

  // Thread-safe. Signers loaded from the generated files.
  client::Signer Member(const std::string& name) const;
  client::Signer OrgMember(const std::string& org, const std::string& name) const;
  client::Signer Wallet(const std::string& name) const;
  std::string Address(const std::string& wallet_name) const;

  // Thread-safe. A client of node i, reconnecting quickly after the node comes back; with TLS
  // (unless options.credentials is set) it trusts the org's TLS CA and presents the TLS
  // certificate of the org's admin (a TLS node requires a chain org's client certificate).
  client::GatewayClient Client(size_t i, client::GatewayOptions options = {}) const;
  // Thread-safe. Whether the nodes serve TLS; the org's TLS CA file; channel credentials
  // trusting it (null when plaintext).
  bool tls() const { return options_.tls; }
  std::string tls_ca_file() const { return crypto_dir() + "/orgs/" + kOrg + "/tls/ca.crt"; }
  // The member whose TLS certificate the harness's clients present (TICA's admin).
  std::string client_member_dir() const {
    return crypto_dir() + "/orgs/" + kOrg + "/members/admin";
  }
  std::shared_ptr<grpc::ChannelCredentials> ClientCredentials() const {
    return client_credentials_;
  }
  // Thread-safe. Node i's operations endpoint ("127.0.0.1:port", /metrics and /healthz) as its
  // last start reported it.
  std::string OperationsEndpoint(size_t i) const;
  // Thread-safe. One ClusterStatus call to node i with a short deadline.
  Result<milkpb::ClusterStatusResponse> Status(size_t i) const;
  // Thread-safe. The chain's height on node i (ChainInfo).
  Result<uint64_t> Height(size_t i) const;
  // Thread-safe. Node i's Raft applied index; 0 when it does not answer.
  uint64_t Applied(size_t i) const;
  // Thread-safe. Admin.SetClusterFaults on node i; the node's answer.
  milk::Status SetClusterFaults(size_t i, const milkpb::SetClusterFaultsRequest& request) const;

  // Starts spare node i and joins it to the chain by the genesis block: it follows the chain
  // (block puller) until a config update makes its consenter (raft id i + 1) a member.
  void StartSpare(size_t i);
  // Whether LeaderIndex expects node i to be a consenter (true for the genesis nodes). A test
  // sets it when a config update adds or removes node i's consenter.
  void SetConsenter(size_t i, bool consenter) { nodes_.at(i)->consenter = consenter; }
  bool consenter(size_t i) const { return nodes_.at(i)->consenter; }

  // kill -9. REQUIRES: node i runs.
  void Kill9(size_t i);
  // SIGTERM, then waits (bounded) for a clean exit with code 0. REQUIRES: node i runs.
  void Stop(size_t i);
  // Starts node i again on its config and data and waits (bounded) until it serves.
  // REQUIRES: node i does not run.
  void Restart(size_t i);
  // SIGSTOP / SIGCONT. REQUIRES: node i runs (and, for Resume, is paused).
  void Pause(size_t i);
  void Resume(size_t i);
  bool running(size_t i) { return nodes_.at(i)->process.Running(); }
  bool paused(size_t i) const { return nodes_.at(i)->paused; }

  // Waits (bounded) until every running, unpaused node reports the same term and the same
  // leader, and that leader is one of them and says it leads; returns the leader's index.
  // Fails the test at the deadline with what each node reported.
  size_t LeaderIndex(int64_t timeout_ms = 15000);

  // Runs the milk binary with args (global flags are the caller's).
  // With TLS, `--tls-ca <org TLS CA> --tls-cert/--tls-key <admin's>` come first unless
  // with_tls_ca is false.
  CommandResult RunMilk(const std::vector<std::string>& args, bool with_tls_ca = true) const;
  // Node i's log so far (every start appends to the same file).
  std::string Log(size_t i) const;

 private:
  struct Node {
    ChildProcess process;
    bool paused = false;
    int starts = 0;
    bool consenter = true;
  };

  void WriteInputs();
  void Spawn(size_t i);
  void WaitUntilServing(size_t i);
  void JoinChain(size_t i);
  std::string ready_path(size_t i) const { return node_dir(i) + "/ready.json"; }
  std::string log_path(size_t i) const { return node_dir(i) + "/milkd.log"; }

  ClusterOptions options_;
  std::string dir_;
  std::vector<std::string> endpoints_;  // immutable after the constructor
  std::shared_ptr<grpc::ChannelCredentials> client_credentials_;  // likewise; null = plaintext
  milkpb::Block genesis_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

// Polls (every few milliseconds, bounded) until done() holds; false at the deadline.
template <typename Predicate>
bool PollUntil(int64_t timeout_ms, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Picks count distinct free TCP ports on 127.0.0.1 (bind to port 0, read, close). A port may be
// taken by someone else before it is used; the caller then fails to start with a clear error.
std::vector<int> PickFreePorts(size_t count);

// Admin.SetClusterFaults on the node at endpoint ("host:port"), with a short deadline; the
// node's answer. credentials null = plaintext. Thread-safe.
Status SetClusterFaultsAt(const std::string& endpoint,
                          const milkpb::SetClusterFaultsRequest& request,
                          std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace milk::integration
