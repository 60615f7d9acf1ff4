// The integration tests' harness: one real milkd process serving the chain "demo" with the
// token chaincode, in a fresh temporary directory, driven over gRPC and through the real `milk`
// binary. The flow is the one deploy/local/up shows a person: crypto generate, chain create
// (genesis block), milkd with a node.yaml, chain join, then invoke and query.
//
// Failures inside the harness are Catch2 REQUIREs (the test stops); on any failed assertion of
// the test the node's log is printed and the directory kept (its path is printed too).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tests/integration/process.h"
#include "tools/client/gateway_client.h"
#include "tools/client/invoke.h"
#include "tools/client/signer.h"

namespace milk::integration {

inline constexpr char kChainId[] = "demo";
inline constexpr char kTokenChaincode[] = "token";
inline constexpr char kOrg[] = "TICA";

// What a test chain holds besides TICA's peer, consenter, admin and issuer: more TICA members,
// more orgs (partners), and the genesis chaincodes. The default is the token chain of the demo.
struct ExtraMember {
  std::string name;
  std::string role;  // a crypto.yaml member role: admin, client, relay, oracle...
};
struct ExtraOrg {
  std::string name;
  std::vector<ExtraMember> members;
};
struct ChainContent {
  std::vector<ExtraMember> tica_members;
  std::vector<ExtraOrg> orgs;  // each also joins the genesis as a chain org
  // The profile's "chaincodes:" section, given the crypto directory (wallet addresses are in
  // <crypto_dir>/wallets/<name>/address). Null: the token chaincode.
  std::function<std::string(const std::string& crypto_dir)> chaincodes_yaml;
};

// Pieces of crypto.yaml and of the genesis profile for content, shared by both harnesses:
// TICA's extra member lines, the extra orgs' crypto entries, their profile org entries, and the
// chaincodes section.
std::string ExtraTicaMembersYaml(const ChainContent& content);
std::string ExtraOrgsCryptoYaml(const ChainContent& content);
std::string ExtraOrgsProfileYaml(const ChainContent& content, const std::string& crypto_dir);
std::string ChaincodesYaml(const ChainContent& content, const std::string& crypto_dir);

struct HarnessOptions {
  // The chain's batch timeout. Small, so a lone transaction commits quickly and tests stay fast.
  int64_t batch_timeout_ms = 20;
  // Customer wallets to generate (wallets/<name>/), besides the org members peer0 (peer),
  // orderer0 (consenter), admin (admin) and issuer (client).
  std::vector<std::string> wallets = {"alice", "bob", "carol"};
  ChainContent content;
};

// Not thread-safe, except where noted: the test's main thread drives it (it forks milkd, and the
// child is tied to the forking thread's life). Client threads may call the const accessors
// marked thread-safe.
class TestNode {
 public:
  // Makes the directory, the crypto material, the genesis block and node.yaml, starts milkd and
  // joins it to the chain.
  explicit TestNode(HarnessOptions options = {});
  // Kills milkd if it still runs; removes the directory unless a check of the test failed.
  ~TestNode();
  TestNode(const TestNode&) = delete;
  TestNode& operator=(const TestNode&) = delete;

  const std::string& dir() const { return dir_; }
  std::string crypto_dir() const { return dir_ + "/crypto"; }
  std::string data_dir() const { return dir_ + "/data"; }  // node.data_dir
  std::string chain_dir() const { return data_dir() + "/chains/" + kChainId; }
  std::string genesis_path() const { return dir_ + "/demo.block"; }
  std::string member_dir(const std::string& name) const;
  std::string wallet_dir(const std::string& name) const;
  const milkpb::Block& genesis() const { return genesis_; }

  // Thread-safe. The node's current gRPC "127.0.0.1:port"; it changes on every start (port 0).
  std::string grpc_endpoint() const;
  std::string operations_endpoint() const;

  // Signers loaded from the generated files.
  client::Signer Member(const std::string& name) const;
  client::Signer OrgMember(const std::string& org, const std::string& name) const;
  client::Signer Wallet(const std::string& name) const;
  std::string Address(const std::string& wallet_name) const;

  // Spawns milkd on the same config and data directory and waits (bounded) until it serves.
  void Start();
  void Restart() { Start(); }
  // Spawns milkd and waits (bounded) for it to exit without becoming ready, as it must when its
  // data is damaged. Returns the exit status; fails the test if the node starts serving.
  int StartExpectingExit();
  // kill -9: no shutdown code runs in the node.
  void Kill9();
  // SIGTERM, then waits (bounded) for a clean exit with code 0.
  void Terminate();
  bool running() { return process_.Running(); }

  // Runs the milk binary with args (global flags are the caller's business).
  CommandResult RunMilk(const std::vector<std::string>& args) const;
  // The node's log so far (every start appends to the same file).
  std::string Log() const;

  // A client of the current endpoint. Thread-safe.
  client::GatewayClient Client(client::GatewayOptions options = {}) const;

 private:
  void WriteInputs();
  std::string ready_path() const { return dir_ + "/ready.json"; }
  void Spawn();  // starts milkd; does not wait
  void JoinChain();

  HarnessOptions options_;
  std::string dir_;
  milkpb::Block genesis_;
  ChildProcess process_;
  int starts_ = 0;
  mutable std::mutex mutex_;
  std::string grpc_endpoint_;        // GUARDED_BY(mutex_)
  std::string operations_endpoint_;  // GUARDED_BY(mutex_)
};

// client::Invoke with the node as the one endorser and the submitter. Thread-safe.
Result<client::InvokeResult> InvokeToken(const client::GatewayClient& peer,
                                         const client::Signer& signer,
                                         const std::string& function,
                                         const std::vector<std::string>& args);

// token.function(args) by signer, endorsed by the node and signed into an envelope, not
// submitted. Failures are REQUIREs. Thread-safe.
struct EndorsedTx {
  std::string tx_id;
  milkpb::Envelope envelope;
};
EndorsedTx EndorseToken(const client::GatewayClient& peer, const client::Signer& signer,
                        const std::string& function, const std::vector<std::string>& args);

// Evaluates token.function(args) and returns the payload; a non-200 answer is kFailedPrecondition
// with the chaincode's message. Thread-safe.
Result<std::string> QueryToken(const client::GatewayClient& peer, const client::Signer& signer,
                               const std::string& function,
                               const std::vector<std::string>& args);

// GET path from "host:port" over plain HTTP/1.0; the response body, or an error. Bounded by
// socket timeouts.
Result<std::string> HttpGet(const std::string& endpoint, const std::string& path);

// The node's milk_rpc_requests_total counters from /metrics, by (method, code).
using RpcCounts = std::map<std::pair<std::string, std::string>, double>;
RpcCounts ReadRpcCounts(const TestNode& node);

// True when a check of the running test case has failed (set by a Catch2 listener).
bool CurrentTestFailed();

}  // namespace milk::integration
