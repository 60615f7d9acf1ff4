// A milkd node: the chains it has joined, their orderers, and the gateway operations the RPC
// layer calls. Business logic lives here and below; node/server only translates.
//
// Thread-safety: all public methods are safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "chaincode/shim/chaincode.h"
#include "crypto/clock.h"
#include "crypto/status.h"
#include "milk/services.pb.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/thread_pool.h"
#include "node/ops/metrics.h"
#include "node/orderer/orderer.h"
#include "node/raft/cluster_transport.h"

namespace milk::node {

struct NodeOptions {
  std::string data_dir;
  Signer peer;                         // endorsing identity (role peer)
  std::optional<Signer> consenter;     // ordering identity (role consenter); none = cannot order
  size_t validation_threads = 0;       // 0 = one per core
  size_t pending_submits_max = 100000;
  // A submit whose block is not durable within this time gets kDeadlineExceeded (its fate is
  // then learnt through CommitStatus).
  int64_t submit_timeout_ms = 30000;
  size_t envelope_bytes_max = 4u << 20;
  ChainOptions chain;
  // Raft: one tick, and the election timeout in ticks (docs/consensus.md).
  int64_t raft_tick_ms = 100;
  uint32_t raft_election_ticks = 10;
  uint64_t raft_snapshot_every_entries = 1000;
  uint64_t raft_snapshot_keep_entries = 200;
  // Credentials for talking to other consenters (Cluster, Deliver, forwarded Submit); null =
  // plaintext (loopback tests only).
  std::shared_ptr<grpc::ChannelCredentials> peer_credentials;
};

class Node {
 public:
  // Opens every chain under data_dir/chains (recovering each) and starts their orderers.
  static Result<std::unique_ptr<Node>> Open(NodeOptions options, const chaincode::Registry& registry,
                                            const Clock& clock, ops::Registry& metrics);
  ~Node();

  // Joins a chain by its genesis block. `creator`/`signature` prove an admin of a chain org asked
  // (signature over the genesis header hash). kAlreadyExists if joined.
  Result<std::string> JoinChain(const milkpb::Block& genesis, const std::string& creator,
                                const std::string& signature);
  std::vector<std::string> ChainIds() const;
  // nullptr when the chain is not joined.
  std::shared_ptr<Chain> FindChain(const std::string& chain_id) const;
  Result<std::shared_ptr<Chain>> GetChain(const std::string& chain_id) const;

  Result<milkpb::ProposalResponse> Endorse(const milkpb::SignedProposal& proposal);
  Result<milkpb::Response> Evaluate(const milkpb::SignedProposal& proposal);
  // Answers once the transaction is durably ordered (committed by a quorum of consenters).
  // kAlreadyExists for a committed txid. A consenter that does not lead forwards the envelope to
  // the leader once; `forwarded` marks a request that was already forwarded (never again).
  Result<milkpb::SubmitResponse> Submit(const std::string& chain_id, const milkpb::Envelope& envelope,
                                        bool forwarded = false);
  // A Raft message from another consenter; false when the chain or sender is unknown.
  bool RouteRaftMessage(const std::string& chain_id, milkpb::RaftMessage message);
  Result<milkpb::ClusterStatusResponse> ClusterStatus(const std::string& chain_id) const;
  Result<milkpb::CommitStatusResponse> CommitStatus(const std::string& chain_id,
                                                    const std::string& tx_id, bool wait,
                                                    int64_t timeout_ms);

  // Healthy when every chain is open and the node is not stopping.
  bool Healthy() const;
  void Stop();

 private:
  struct ChainRuntime;
  Node(NodeOptions options, const chaincode::Registry& registry, const Clock& clock,
       ops::Registry& metrics);
  Status AddChain(std::shared_ptr<Chain> chain);

  Result<milkpb::SubmitResponse> Forward(const ChainRuntime& runtime, const std::string& chain_id,
                                         const milkpb::Envelope& envelope);

  const NodeOptions options_;
  const chaincode::Registry& registry_;
  const Clock& clock_;
  ops::Registry& metrics_;
  ledger::ThreadPool pool_;
  ClusterTransport transport_;

  std::mutex join_mutex_;  // one JoinChain at a time (creating a chain directory is not atomic)
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<ChainRuntime>> chains_;
  bool stopped_ = false;
};

}  // namespace milk::node
