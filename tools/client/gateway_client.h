// A connection to one milkd node: its Gateway, Deliver and Admin services (proto/milk/
// services.proto). The C++ counterpart of Fabric's Go gateway SDK, used by the CLI, the
// integration tests and the benchmarks.
//
// Thread-safe: every method is const and may be called from many threads at once (gRPC stubs
// are thread-safe). Movable, not copyable.
//
// Errors: the server's gRPC status becomes a milk::Status with the same code and the server's
// message. Connection failures (UNAVAILABLE) and timeouts (DEADLINE_EXCEEDED) are prefixed
// with the endpoint, e.g. "127.0.0.1:7051: connection refused".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/services.grpc.pb.h"
#include "milk/services.pb.h"
#include "tools/client/answered_stream.h"
#include "tools/client/signer.h"

namespace grpc {
class Channel;
class ChannelCredentials;
class ClientContext;
class Status;
}  // namespace grpc

namespace milk::client {

struct GatewayOptions {
  // Per call. Long enough for CommitStatus(wait) to see a block cut and committed under load.
  int64_t deadline_ms = 30000;
  // gRPC's own default; a block of the default batch (4 MiB of envelopes) plus its header is
  // refused above this, so raise both together.
  int max_message_bytes = 4 * 1024 * 1024;
  // Longest pause between reconnection attempts to a node that refused or dropped the
  // connection; 0 keeps gRPC's default (backoff growing to 2 minutes). Callers that watch a
  // node restart (tests, tools polling a cluster) set it low so they see it back at once.
  int reconnect_backoff_max_ms = 0;
  // The first such pause (capped by reconnect_backoff_max_ms), when that is set: gRPC's own
  // default. A relay that must notice a restarted node at once sets it lower.
  int reconnect_backoff_initial_ms = 1000;
  // A TCP connection of this channel's own instead of one shared by every channel to the same
  // endpoint (gRPC's global subchannel pool): load generators open a few so that neither end
  // funnels every call through one connection.
  bool own_connection = false;
  // How the channel is secured: crypto::tls::ChannelCredentials for a node that serves TLS
  // (the node.yaml tls section; docs/tls.md), null for plaintext (a node without TLS, local
  // development only). A mismatch fails every call with UNAVAILABLE.
  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
};

// A channel to endpoint as options say (message limits, reconnection pauses, credentials): the
// one every client of a node (GatewayClient, ViewClient, the relay) is built on.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& endpoint,
                                           const GatewayOptions& options);

// Return false from a stream callback to stop the stream; the call then returns OK.
using BlockCallback = std::function<bool(const milkpb::Block&)>;
using EventsCallback = std::function<bool(const milkpb::ChaincodeEventsResponse&)>;

// Gateway.SubmitStream's client side (tools/client/answered_stream.h).
using SubmitStream =
    AnsweredStream<milkpb::SubmitRequest, milkpb::SubmitStreamResponse, milkpb::SubmitStreamAnswer>;

class GatewayClient {
 public:
  // endpoint: "host:port". Connects lazily, on the first call, with options.credentials.
  explicit GatewayClient(std::string endpoint, GatewayOptions options = {});
  ~GatewayClient();
  GatewayClient(GatewayClient&&) noexcept;
  GatewayClient& operator=(GatewayClient&&) noexcept;
  GatewayClient(const GatewayClient&) = delete;
  GatewayClient& operator=(const GatewayClient&) = delete;

  const std::string& endpoint() const { return endpoint_; }

  // Gateway. Evaluate runs a query and returns the chaincode's response (any status).
  Result<milkpb::Response> Evaluate(const milkpb::SignedProposal& proposal) const;
  Result<milkpb::ProposalResponse> Endorse(const milkpb::SignedProposal& proposal) const;
  // Returns once the envelope is durably ordered.
  Result<milkpb::SubmitResponse> Submit(const std::string& chain_id,
                                        const milkpb::Envelope& envelope) const;
  // A Gateway.SubmitStream of its own. deadline_ms > 0 bounds the whole stream; 0, none (each
  // request is answered within the node's submit timeout).
  std::unique_ptr<SubmitStream> OpenSubmitStream(int64_t deadline_ms = 0) const;
  // Submits every envelope on one Gateway.SubmitStream, at most `in_flight` waiting for their
  // answers at once. Result i is what Submit would have returned for envelopes[i]. When no
  // answer arrives for the deadline, the stream is cancelled and what is unanswered gets
  // kDeadlineExceeded.
  std::vector<Result<milkpb::SubmitResponse>> SubmitAll(
      const std::string& chain_id, const std::vector<milkpb::Envelope>& envelopes,
      size_t in_flight = 1024) const;
  // wait: block until the transaction commits, bounded by the deadline.
  // sequenced_response: also the response of a sequenced call (CommitStatusRequest).
  Result<milkpb::CommitStatusResponse> CommitStatus(const std::string& chain_id,
                                                    const std::string& tx_id, bool wait,
                                                    bool sequenced_response = false) const;
  // Streams chaincode events from start_block on, with no deadline, until the callback
  // returns false or the server ends the stream.
  Status ChaincodeEvents(const std::string& chain_id, const std::string& chaincode,
                         uint64_t start_block, const EventsCallback& on_events) const;

  // Deliver. The deadline applies unless request.follow() (a follow stream has no end).
  Status Blocks(const milkpb::DeliverRequest& request, const BlockCallback& on_block) const;
  // One block. kNotFound when the chain has no such block.
  Result<milkpb::Block> FetchBlock(const std::string& chain_id, uint64_t number) const;

  // Admin. JoinChain returns the joined chain's id.
  Result<std::string> JoinChain(const milkpb::JoinChainRequest& request) const;
  Result<std::vector<milkpb::ChainSummary>> ListChains() const;
  Result<milkpb::ChainInfoResponse> ChainInfo(const std::string& chain_id) const;
  // This node's view of the chain's Raft cluster (role, term, leader, indices; per-consenter
  // progress when it leads). kFailedPrecondition when the node is not a consenter of the chain.
  Result<milkpb::ClusterStatusResponse> ClusterStatus(const std::string& chain_id) const;
  // Admin.TransferLeadership, signed by admin (to 0 = the most caught-up other consenter).
  Result<milkpb::TransferLeadershipResponse> TransferLeadership(const std::string& chain_id,
                                                                uint64_t to, const Signer& admin,
                                                                int64_t now_ms) const;
  // Admin.LeaveChain, signed by admin at now_ms (the node refuses a timestamp further than the
  // chain's max_timestamp_skew_ms from its clock).
  Status LeaveChain(const std::string& chain_id, const Signer& admin, int64_t now_ms) const;

 private:
  // One call with the deadline; the mapped status.
  template <typename Stub, typename Request, typename Response>
  Status UnaryCall(Stub* stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, Response* response) const;

  std::string endpoint_;
  GatewayOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<milkpb::Gateway::Stub> gateway_;
  std::unique_ptr<milkpb::Deliver::Stub> deliver_;
  std::unique_ptr<milkpb::Admin::Stub> admin_;
};

// status with "endpoint: " in front of its message, unless the message already starts with it
// (connection failures do). For callers that talk to several nodes.
Status WithEndpoint(const Status& status, const std::string& endpoint);

// The mapping described at the top of this file. deadline_ms goes into timeout messages.
Status FromGrpcStatus(const grpc::Status& status, const std::string& endpoint, int64_t deadline_ms);

}  // namespace milk::client
