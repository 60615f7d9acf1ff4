// A multi-org, multi-chain network of real milkd processes over mutual TLS, in one temporary
// directory: the shape of ARCHITECTURE.md section 1 in miniature (a center chain ordered by TICA,
// brand chains ordered by their partners with a TICA peer). Used by the privacy tests and the
// relay fault test.
//
// What it builds, from NetworkOptions:
// - crypto (with TLS): every org of options.orgs with its listed members plus an `admin` (admin)
//   if none is listed; per node, in the node's org, `peer-<node>` (peer) and `consenter-<node>`
//   (consenter, hosts 127.0.0.1); the wallets. A bundle of every org's TLS CA (tls_ca_bundle()).
// - per chain, a genesis block (<dir>/<chain>.block) naming the chain's orgs, one consenter per
//   node of NetworkChain::consenters (raft id = position + 1, its TLS certificate bound), the
//   chaincodes section, and signed by the admin of the chain's first org.
// - per node, node.yaml: identity peer-<node>, consenter identity consenter-<node>, TLS with the
//   consenter's certificate, trusting the TLS CA of its own org and of every org of every chain
//   it serves (so a stranger org's certificate fails the handshake).
// Then it starts every node, joins each chain on its consenters and then its peers (signed by
// the chain's first org's admin, over that admin's TLS certificate) and waits until every chain
// has a leader and every peer has the genesis block.
//
// Ports: gRPC ports are picked up front (the genesis names them) and kept across restarts.
// Failures inside are Catch2 REQUIREs. When a check of the test failed, the destructor prints
// the tail of every node's log and keeps the directory (MILK_KEEP_TEST_DIRS keeps it always).
//
// Not thread-safe except where marked: the test's main thread drives it (children are tied to
// the forking thread's life).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/process.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"

namespace milk::integration {

struct NetworkNode {
  std::string name;  // [a-z0-9-]: used in member names and directories
  std::string org;   // one of NetworkOptions::orgs
};

struct NetworkChain {
  std::string id;
  std::vector<std::string> orgs;        // member orgs; the first one's admin signs the genesis
  std::vector<std::string> consenters;  // node names that order it (at least one)
  std::vector<std::string> peers;       // node names that only follow it (block puller)
  // The profile's whole "chaincodes:" section; "@CRYPTO@" is replaced by the crypto directory.
  // Empty: the token chaincode of harness.h (endorsed by TICA's peers, so TICA must be an org).
  std::string chaincodes_yaml;
  // When set, the section instead, computed from the crypto directory once it exists (wallet
  // addresses and root keys in chaincodes' genesis parameters).
  std::function<std::string(const std::string& crypto_dir)> chaincodes_yaml_for;
};

struct NetworkOptions {
  std::vector<ExtraOrg> orgs;
  std::vector<NetworkNode> nodes;
  std::vector<NetworkChain> chains;
  std::vector<std::string> wallets;
  // Small, so a lone transaction commits quickly.
  int64_t batch_timeout_ms = 20;
  // Raft timing of cluster_harness.h: failovers well under a second, room for a busy machine.
  int64_t raft_tick_ms = 20;
  uint32_t raft_election_ticks = 10;
};

class Network {
 public:
  explicit Network(NetworkOptions options);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const std::string& dir() const { return dir_; }
  std::string crypto_dir() const { return dir_ + "/crypto"; }
  std::string node_dir(const std::string& node) const { return dir_ + "/nodes/" + node; }
  std::string data_dir(const std::string& node) const { return node_dir(node) + "/data"; }
  std::string member_dir(const std::string& org, const std::string& member) const;
  // One PEM file holding every org's TLS CA: what a client trusts to reach any node.
  std::string tls_ca_bundle() const { return dir_ + "/tls-ca-bundle.crt"; }
  std::string genesis_path(const std::string& chain) const { return dir_ + "/" + chain + ".block"; }
  const milkpb::Block& genesis(const std::string& chain) const { return genesis_.at(chain); }

  // Thread-safe. The node's gRPC "127.0.0.1:port", fixed for the network's life.
  const std::string& endpoint(const std::string& node) const;
  // Thread-safe. The node's operations endpoint as its last start reported it.
  std::string OperationsEndpoint(const std::string& node) const;

  // Thread-safe. Signers loaded from the generated files.
  client::Signer Member(const std::string& org, const std::string& name) const;
  client::Signer Wallet(const std::string& name) const;
  std::string Address(const std::string& wallet_name) const;

  // Thread-safe. A client of node over mutual TLS, presenting org member's TLS certificate and
  // trusting every org's TLS CA. member empty: no client certificate.
  client::GatewayClient Client(const std::string& node, const std::string& org,
                               const std::string& member,
                               client::GatewayOptions options = {}) const;
  // Runs milk with --tls-ca <bundle> --tls-cert/--tls-key <org member's> and then args.
  CommandResult RunMilk(const std::string& org, const std::string& member,
                        const std::vector<std::string>& args) const;

  // Joins chain on node (Admin.JoinChain signed by the chain's first org's admin); the status.
  Status JoinChain(const std::string& node, const std::string& chain) const;
  // Polls (bounded) until the chain's height on node is at least height; the last height seen.
  uint64_t WaitForHeight(const std::string& node, const std::string& chain, uint64_t height,
                         int64_t timeout_ms = 15000) const;

  // kill -9; SIGTERM and a clean exit; start again on the same config and data (waits until
  // serving). REQUIRES: running, running, not running.
  void Kill9(const std::string& node);
  void Terminate(const std::string& node);
  void Start(const std::string& node);
  bool running(const std::string& node);
  // The node's log so far (every start appends).
  std::string Log(const std::string& node) const;

 private:
  struct Process {
    ChildProcess process;
    int starts = 0;
  };

  void WriteInputs();
  void WriteGenesis(const NetworkChain& chain, int64_t now_ms);
  std::string NodeYaml(const NetworkNode& node) const;
  void Spawn(const std::string& node);
  void WaitUntilServing(const std::string& node);
  const NetworkNode& FindNode(const std::string& node) const;
  const NetworkChain& FindChain(const std::string& chain) const;
  std::string ready_path(const std::string& node) const { return node_dir(node) + "/ready.json"; }
  std::string log_path(const std::string& node) const { return node_dir(node) + "/milkd.log"; }

  NetworkOptions options_;
  std::string dir_;
  std::map<std::string, std::string> endpoints_;   // immutable after the constructor
  std::map<std::string, milkpb::Block> genesis_;   // likewise
  std::map<std::string, std::unique_ptr<Process>> processes_;
};

}  // namespace milk::integration
