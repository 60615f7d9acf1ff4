// A milkd node: the chains it has joined, their orderers, and the gateway operations the RPC
// layer calls. Business logic lives here and below; node/server only translates.
//
// Thread-safety: all public methods are safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "chaincode/shim/chaincode.h"
#include "crypto/clock.h"
#include "crypto/status.h"
#include "milk/services.pb.h"
#include "milk/view.pb.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/thread_pool.h"
#include "node/ops/metrics.h"
#include "node/orderer/orderer.h"
#include "node/raft/cluster_transport.h"
#include "node/raft/fault_hook.h"
#include "node/raft/peer_client.h"
#include "node/submit_calls.h"

namespace milk::node {

class RaftConsenter;

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
  // SHA-256 of the TLS certificate peer_credentials present (empty = plaintext): a chain that
  // binds another certificate to this node's consenter gets a warning when it is opened.
  std::string tls_fingerprint_sha256;
  // Test-only (node.yaml testing.fault_injection): allows SetClusterFaults. Never in production.
  bool fault_injection = false;
  // Benchmark-only, and not a node.yaml key: allows OrderUnchecked, which orders bytes without
  // checking them. Set only by the in-process ordering benchmark (bench/ordering).
  bool unchecked_ordering = false;
};

// Who sent a Raft message, as the Cluster stream's TLS handshake established it.
struct RaftSender {
  // False on a node serving plaintext (no node.yaml tls section): nothing is authenticated.
  bool tls = false;
  // SHA-256 of the DER of the client certificate the handshake verified (32 raw bytes); empty
  // when the client presented none.
  std::string fingerprint_sha256;
};

// What became of a Raft message (RouteRaftMessage).
enum class RaftRouting {
  kRouted,
  kUnknownChain,      // the chain is not joined here, or this node does not order it
  kUnknownSender,     // message.from() is not a consenter of the chain
  kNoCertificate,     // TLS: the sender presented no client certificate
  kUnboundSender,     // TLS: the chain config binds no TLS certificate to message.from()
  kWrongCertificate,  // TLS: the certificate is not the one bound to message.from()
  kStopping,          // the node is stopping: not a refusal (no count, no warning). Keep last.
};
// "routed", "unknown_chain", "unknown_sender", "no_certificate", "unbound_sender",
// "wrong_certificate" (the reason label of milk_raft_messages_refused_total), "stopping".
const char* RaftRoutingName(RaftRouting routing);

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
  // Leaves a chain at run time (Admin.LeaveChain; defined in node_chains.cc): stops its orderer
  // or block puller, closes it, and moves its directory aside (data_dir/chains/.left/, never
  // deleted: an operator removes it). `creator`/`signature` prove an admin of a chain org asked
  // (signature over LeaveChainSigningBytes, node/ledger/formats.h). kNotFound if not joined.
  Status LeaveChain(const std::string& chain_id, int64_t timestamp_ms, const std::string& creator,
                    const std::string& signature);
  // An endorsed view (View.Query; defined in node_view.cc, docs/views.md): evaluates the query on
  // the state of the last committed block and signs the result with this node's peer identity.
  Result<milkpb::ViewProof> View(const milkpb::ViewRequest& request);
  // The identity this node endorses and signs views with.
  const Signer& peer_signer() const { return options_.peer; }
  // The clock the node checks timestamps and certificates at (node/server/access.h).
  const Clock& clock() const { return clock_; }
  // nullptr when the chain is not joined.
  std::shared_ptr<Chain> FindChain(const std::string& chain_id) const;
  Result<std::shared_ptr<Chain>> GetChain(const std::string& chain_id) const;

  Result<milkpb::ProposalResponse> Endorse(const milkpb::SignedProposal& proposal);
  Result<milkpb::Response> Evaluate(const milkpb::SignedProposal& proposal);
  // Answers once the transaction is durably ordered (committed by a quorum of consenters).
  // kAlreadyExists for a committed txid. A consenter that does not lead forwards the envelope to
  // the leader once; `forwarded` marks a request that was already forwarded (never again).
  // Blocks the calling thread until SubmitAsync answers.
  Result<milkpb::SubmitResponse> Submit(const std::string& chain_id, const milkpb::Envelope& envelope,
                                        bool forwarded = false);
  // Submit without a thread waiting (node/submit_calls.h): `done` is called exactly once, with
  // what Submit returns, within submit_timeout_ms (kDeadlineExceeded then) or at Stop
  // (kUnavailable) at the latest. It runs on whichever thread settles the call: this one, before
  // SubmitAsync returns, when the envelope is refused; else the orderer's completer, a gRPC
  // client thread or a committing thread. It must not block.
  void SubmitAsync(const std::string& chain_id, const milkpb::Envelope& envelope, bool forwarded,
                   SubmitCallback done);
  // Benchmark-only (bench/ordering): hands `bytes` to the chain's orderer as they are, with none
  // of Submit's checks, so the ordering path (batching, Raft, the durable block store on every
  // consenter) can be measured with payloads of any size, e.g. etcd's 256-byte puts. The
  // committer marks such envelopes invalid (they prove no txid, so none is indexed). The future
  // answers once the block is committed here. kFailedPrecondition unless
  // NodeOptions.unchecked_ordering; kNotFound for an unknown chain; kUnavailable when this node
  // does not lead the chain or is stopping. tx_id only tells waiters apart: it must be unique
  // among those in flight. `done`, when set and the envelope is accepted, is called with what
  // the future resolves to (OrderedCallback), as Gateway.Submit answers.
  Result<std::shared_future<Result<OrderedTx>>> OrderUnchecked(const std::string& chain_id,
                                                               std::string bytes,
                                                               const std::string& tx_id,
                                                               OrderedCallback done = nullptr);
  // A Raft message from another consenter, handed to the chain's consenter unless refused
  // (RaftRouting says why). On a TLS stream (sender.tls) the message is accepted only when the
  // sender's client certificate is the one the chain config binds to consenter message.from()
  // (docs/tls.md); on a plaintext node message.from() is believed, as long as it is a consenter.
  RaftRouting RouteRaftMessage(const std::string& chain_id, milkpb::RaftMessage message,
                               const RaftSender& sender = {});
  Result<milkpb::ClusterStatusResponse> ClusterStatus(const std::string& chain_id) const;
  // Admin.TransferLeadership (services.proto has the contract). Blocks until the new leader
  // leads or a bound of a few election timeouts passes. Defined in node_roles.cc.
  Result<milkpb::TransferLeadershipResponse> TransferLeadership(
      const milkpb::TransferLeadershipRequest& request);
  // with_sequenced_response: also the response of a sequenced call (reads its block).
  Result<milkpb::CommitStatusResponse> CommitStatus(const std::string& chain_id,
                                                    const std::string& tx_id, bool wait,
                                                    int64_t timeout_ms,
                                                    bool with_sequenced_response = false);
  // Test-only: replaces (or, with heal, clears) the chain's fault rules (node/raft/fault_hook.h).
  // kFailedPrecondition unless options.fault_injection; kNotFound for an unknown chain;
  // kInvalidArgument for a raft id that is not another consenter of the chain, or heal mixed
  // with rules, or no rule at all. Defined in node_faults.cc.
  Status SetClusterFaults(const milkpb::SetClusterFaultsRequest& request);
  // The rules the Cluster service consults for inbound messages. Lives as long as the node.
  const ClusterFaults& cluster_faults() const { return faults_; }

  // Healthy when every chain is open and the node is not stopping.
  bool Healthy() const;
  void Stop();

 private:
  struct ChainRuntime;
  Node(NodeOptions options, const chaincode::Registry& registry, const Clock& clock,
       ops::Registry& metrics);
  Status AddChain(std::shared_ptr<Chain> chain);
  // An exclusive flock on data_dir/LOCK, held for the node's life (docs/storage.md).
  Status LockDataDir();
  // Roles (node_roles.cc): a node orders a chain while the chain's current config names its
  // consenter identity, and otherwise follows it with a block puller. A config update that adds
  // or removes this node's consenter switches the role on the roles thread.
  Status StartRole(ChainRuntime& runtime);
  void ScheduleRoleCheck(const std::string& chain_id);
  void RolesLoop();
  Status CheckRole(const std::string& chain_id);
  uint64_t OwnRaftId(const ledger::ChainConfigView& config) const;

  // To the leader's endpoint; leader 0 = from a non-consenter, to any consenter of the chain.
  // `call` gets the leader's answer once its block is committed on this node too (when the
  // answer says committed), or at its deadline if this node lags.
  void Forward(const std::shared_ptr<Chain>& chain, uint64_t leader,
               const milkpb::Envelope& envelope, std::shared_ptr<SubmitCall> call);
  // A checked envelope on a consenter: to its orderer when this node leads, else forwarded to
  // the leader (answered kUnavailable when `forwarded`: never forwarded twice).
  void Route(const std::shared_ptr<Chain>& chain, RaftConsenter& consenter, std::string bytes,
             const std::string& tx_id, bool is_config, const milkpb::Envelope& envelope,
             bool forwarded, std::shared_ptr<SubmitCall> call);
  // A submit that arrived while its chain had no leader, retried every kLeaderPoll until one is
  // known or `until` passes (then kUnavailable).
  struct WaitingForLeader {
    std::shared_ptr<Chain> chain;
    std::shared_ptr<RaftConsenter> consenter;
    std::string bytes;
    std::string tx_id;
    bool is_config = false;
    milkpb::Envelope envelope;
    bool forwarded = false;
    std::shared_ptr<SubmitCall> call;
    std::chrono::steady_clock::time_point until;
  };
  static constexpr std::chrono::milliseconds kLeaderPoll{10};
  void RouteOnceLed(const std::shared_ptr<WaitingForLeader>& waiting);

  const NodeOptions options_;
  const chaincode::Registry& registry_;
  const Clock& clock_;
  ops::Registry& metrics_;
  ledger::ThreadPool pool_;
  ClusterFaults faults_;  // before transport_, which holds a pointer to it
  ClusterTransport transport_;
  // Channels to other nodes for forwarding, block fetch and pulling (node/raft/peer_client.h).
  const std::shared_ptr<PeerChannels> peer_channels_;
  // Submits waiting for their block, with their deadlines; and those forwarded to a leader.
  const std::unique_ptr<SubmitCalls> submit_calls_;
  const std::unique_ptr<ForwardCalls> forward_calls_;

  // One JoinChain, LeaveChain or role switch at a time: each creates or moves a chain's
  // directory, which is not atomic.
  std::mutex join_mutex_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<ChainRuntime>> chains_;
  bool stopped_ = false;
  int data_lock_fd_ = -1;  // data_dir/LOCK, flocked

  std::mutex roles_mutex_;
  std::condition_variable roles_cv_;
  std::set<std::string> roles_pending_;  // chains whose config changed; guarded by roles_mutex_
  bool roles_stopping_ = false;          // guarded by roles_mutex_
  std::thread roles_thread_;
};

}  // namespace milk::node
