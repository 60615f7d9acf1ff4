#include "node/server/services.h"

#include <map>

#include "node/ledger/formats.h"
#include "node/server/access.h"
#include "node/server/answering_stream.h"
#include "node/server/cluster_service.h"
#include "node/server/view_service.h"

namespace milk::node {
namespace {

// Counts every RPC by method and outcome, so refusals show up in /metrics.
class RpcCounter {
 public:
  explicit RpcCounter(ops::Registry& metrics) : metrics_(metrics) {}
  grpc::Status Done(const char* method, const Status& status) {
    metrics_.GetCounter("milk_rpc_requests_total", "gRPC requests by method and status code.",
                        {{"method", method}, {"code", CodeName(status.code())}})
        .Inc();
    return ToGrpc(status);
  }

 private:
  ops::Registry& metrics_;
};

// Requests past limits.grpc_message_bytes_max are refused here, not by gRPC's own receive limit
// (set higher), so each refusal is counted and explained like any other bad input.
Status CheckSize(const google::protobuf::Message& request, size_t bytes_max) {
  size_t bytes = request.ByteSizeLong();
  if (bytes <= bytes_max) return Status::Ok();
  return ResourceExhausted("request of " + std::to_string(bytes) +
                           " bytes exceeds this node's limit of " + std::to_string(bytes_max) +
                           " bytes (limits.grpc_message_bytes_max)");
}

// The chain a signed proposal names; kInvalidArgument when it does not parse (the node would
// refuse it the same way).
Result<std::string> ProposalChainId(const milkpb::SignedProposal& signed_proposal) {
  milkpb::Proposal proposal;
  if (!proposal.ParseFromString(signed_proposal.proposal())) {
    return InvalidArgument("proposal bytes do not parse as a milk Proposal");
  }
  return proposal.chain_id();
}

// Submit and SubmitStream are served on gRPC's callback API: a submit is answered once its block
// commits, and a thread held per waiting submit meant thousands of threads under load
// (node/submit_calls.h). The other methods are synchronous.
using GatewayBase = milkpb::Gateway::WithCallbackMethod_Submit<
    milkpb::Gateway::WithCallbackMethod_SubmitStream<milkpb::Gateway::Service>>;
using SubmitStreamReactor = AnsweringStream<milkpb::SubmitRequest, milkpb::SubmitStreamResponse,
                                            milkpb::SubmitStreamAnswer>;

class GatewayService final : public GatewayBase {
 public:
  GatewayService(Node& node, ops::Registry& metrics, int64_t poll_ms, size_t bytes_max,
                 size_t stream_in_flight_max)
      : node_(node),
        metrics_(metrics),
        rpc_(metrics),
        poll_ms_(poll_ms),
        bytes_max_(bytes_max),
        stream_in_flight_max_(stream_in_flight_max) {}

  grpc::Status Evaluate(grpc::ServerContext* context, const milkpb::EvaluateRequest* request,
                        milkpb::EvaluateResponse* response) override {
    if (Status s = CheckSize(*request, bytes_max_); !s.ok()) return rpc_.Done("Evaluate", s);
    if (Status s = CheckProposal(*context, request->proposal(), "Evaluate"); !s.ok()) {
      return rpc_.Done("Evaluate", s);
    }
    auto result = node_.Evaluate(request->proposal());
    if (result.ok()) *response->mutable_result() = std::move(result).value();
    return rpc_.Done("Evaluate", result.status());
  }

  grpc::Status Endorse(grpc::ServerContext* context, const milkpb::EndorseRequest* request,
                       milkpb::EndorseResponse* response) override {
    if (Status s = CheckSize(*request, bytes_max_); !s.ok()) return rpc_.Done("Endorse", s);
    if (Status s = CheckProposal(*context, request->proposal(), "Endorse"); !s.ok()) {
      return rpc_.Done("Endorse", s);
    }
    auto result = node_.Endorse(request->proposal());
    if (result.ok()) *response->mutable_response() = std::move(result).value();
    return rpc_.Done("Endorse", result.status());
  }

  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const milkpb::SubmitRequest* request,
                                   milkpb::SubmitResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    Status refused = CheckSize(*request, bytes_max_);
    if (refused.ok()) {
      refused = CheckChainAccess(node_, request->chain_id(), *context, metrics_, "Submit");
    }
    if (refused.ok() && !request->has_envelope()) refused = InvalidArgument("no envelope");
    if (!refused.ok()) {
      reactor->Finish(rpc_.Done("Submit", refused));
      return reactor;
    }
    // gRPC keeps request and response until Finish.
    node_.SubmitAsync(request->chain_id(), request->envelope(), request->forwarded(),
                      [this, reactor, response](Result<milkpb::SubmitResponse> result) {
                        if (result.ok()) *response = std::move(result).value();
                        reactor->Finish(rpc_.Done("Submit", result.status()));
                      });
    return reactor;
  }

  // Each request as Submit would take it, answered on the stream (node/server/answering_stream.h).
  // Refusals are answers: the stream goes on.
  grpc::ServerBidiReactor<milkpb::SubmitRequest, milkpb::SubmitStreamResponse>* SubmitStream(
      grpc::CallbackServerContext* context) override {
    return SubmitStreamReactor::Start(
        [this, context](milkpb::SubmitRequest& request, uint64_t sequence,
                        SubmitStreamReactor::Settle settle) {
          // Answers may come after the stream (and, at shutdown, this service) is gone: nothing
          // of the service is captured but the counter, a handle on the node's registry.
          SubmitCallback answer = [rpc = rpc_, sequence, settle = std::move(settle)](
                                      Result<milkpb::SubmitResponse> result) mutable {
            milkpb::SubmitStreamAnswer out;
            out.set_sequence(sequence);
            const grpc::Status status = rpc.Done("SubmitStream", result.status());
            if (result.ok()) {
              *out.mutable_response() = std::move(result).value();
            } else {
              out.set_code(static_cast<int32_t>(status.error_code()));
              out.set_message(status.error_message());
            }
            settle(std::move(out));
          };
          Status refused = CheckSize(request, bytes_max_);
          if (refused.ok()) {
            refused = CheckChainAccess(node_, request.chain_id(), *context, metrics_,
                                       "SubmitStream");
          }
          if (refused.ok() && !request.has_envelope()) refused = InvalidArgument("no envelope");
          if (!refused.ok()) {
            answer(refused);
            return;
          }
          node_.SubmitAsync(request.chain_id(), request.envelope(), request.forwarded(),
                            std::move(answer));
        },
        stream_in_flight_max_);
  }

  grpc::Status CommitStatus(grpc::ServerContext* context,
                            const milkpb::CommitStatusRequest* request,
                            milkpb::CommitStatusResponse* response) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_, "CommitStatus");
        !s.ok()) {
      return rpc_.Done("CommitStatus", s);
    }
    int64_t timeout_ms = 0;
    if (request->wait()) {
      auto left = context->deadline() - std::chrono::system_clock::now();
      timeout_ms = std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(left).count(), 0, 600000);
    }
    auto result = node_.CommitStatus(request->chain_id(), request->tx_id(), request->wait(),
                                     timeout_ms, request->sequenced_response());
    if (result.ok()) *response = std::move(result).value();
    return rpc_.Done("CommitStatus", result.status());
  }

  grpc::Status ChaincodeEvents(grpc::ServerContext* context,
                               const milkpb::ChaincodeEventsRequest* request,
                               grpc::ServerWriter<milkpb::ChaincodeEventsResponse>* writer) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_,
                                    "ChaincodeEvents");
        !s.ok()) {
      return rpc_.Done("ChaincodeEvents", s);
    }
    auto chain = node_.GetChain(request->chain_id());
    if (!chain.ok()) return rpc_.Done("ChaincodeEvents", chain.status());
    for (uint64_t n = request->start_block(); !context->IsCancelled();) {
      if (!(*chain)->WaitForBlock(n, poll_ms_)) {
        if ((*chain)->closed()) break;  // the node is stopping: end the stream
        continue;
      }
      auto block = (*chain)->GetBlock(n);
      if (!block.ok()) return rpc_.Done("ChaincodeEvents", block.status());
      milkpb::ChaincodeEventsResponse response;
      response.set_block_number(n);
      CollectEvents(*block, request->chaincode(), response);
      if (response.events_size() > 0 && !writer->Write(response)) break;
      ++n;
    }
    return rpc_.Done("ChaincodeEvents", Status::Ok());
  }

 private:
  // Events of the valid transactions of a block, for one chaincode (empty = all).
  static void CollectEvents(const milkpb::Block& block, const std::string& chaincode,
                            milkpb::ChaincodeEventsResponse& out) {
    const std::string& codes = block.metadata().validation_codes();
    // Sequenced calls raise their events when executed at validation (BlockMetadata.sequenced).
    std::map<uint32_t, const milkpb::SequencedOutcome*> sequenced;
    for (const auto& outcome : block.metadata().sequenced()) sequenced[outcome.tx_index()] = &outcome;
    for (int i = 0; i < block.data().envelopes_size(); ++i) {
      if (static_cast<size_t>(i) >= codes.size() || codes[i] != milkpb::VALID) continue;
      if (auto it = sequenced.find(static_cast<uint32_t>(i)); it != sequenced.end()) {
        for (const auto& event : it->second->events()) {
          if (chaincode.empty() || event.chaincode() == chaincode) *out.add_events() = event;
        }
        continue;
      }
      milkpb::Envelope envelope;
      milkpb::Transaction tx;
      milkpb::ProposalResponsePayload payload;
      if (!envelope.ParseFromString(block.data().envelopes(i)) ||
          envelope.type() != milkpb::ENDORSER_TRANSACTION ||
          !tx.ParseFromString(envelope.payload()) ||
          !payload.ParseFromString(tx.response_payload())) {
        continue;
      }
      for (const auto& event : payload.events()) {
        if (chaincode.empty() || event.chaincode() == chaincode) *out.add_events() = event;
      }
    }

  }

  Status CheckProposal(const grpc::ServerContextBase& context, const milkpb::SignedProposal& proposal,
                       const char* method) {
    MILK_ASSIGN_OR_RETURN(std::string chain_id, ProposalChainId(proposal));
    return CheckChainAccess(node_, chain_id, context, metrics_, method);
  }

  Node& node_;
  ops::Registry& metrics_;
  RpcCounter rpc_;
  int64_t poll_ms_;
  size_t bytes_max_;
  size_t stream_in_flight_max_;
};

class DeliverService final : public milkpb::Deliver::Service {
 public:
  DeliverService(Node& node, ops::Registry& metrics, int64_t poll_ms)
      : node_(node), metrics_(metrics), rpc_(metrics), poll_ms_(poll_ms) {}

  grpc::Status Blocks(grpc::ServerContext* context, const milkpb::DeliverRequest* request,
                      grpc::ServerWriter<milkpb::DeliverResponse>* writer) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_, "Deliver");
        !s.ok()) {
      return rpc_.Done("Deliver", s);
    }
    auto chain = node_.GetChain(request->chain_id());
    if (!chain.ok()) return rpc_.Done("Deliver", chain.status());
    uint64_t stop = request->stop_block();
    if (!request->follow() && stop == 0) {
      uint64_t height = (*chain)->height();
      if (request->start_block() >= height) {
        return rpc_.Done("Deliver", OutOfRange("block " + std::to_string(request->start_block()) +
                                                   " is past the chain height " +
                                                   std::to_string(height)));
      }
      stop = height - 1;
    }
    for (uint64_t n = request->start_block(); !context->IsCancelled();) {
      if (stop != 0 && n > stop) break;
      if (!(*chain)->WaitForBlock(n, poll_ms_)) {
        if ((*chain)->closed()) break;  // the node is stopping: end the stream
        continue;
      }
      auto block = (*chain)->GetBlock(n);
      if (!block.ok()) return rpc_.Done("Deliver", block.status());
      milkpb::DeliverResponse response;
      *response.mutable_block() = std::move(block).value();
      if (!writer->Write(response)) break;
      ++n;
    }
    return rpc_.Done("Deliver", Status::Ok());
  }

 private:
  Node& node_;
  ops::Registry& metrics_;
  RpcCounter rpc_;
  int64_t poll_ms_;
};

class AdminService final : public milkpb::Admin::Service {
 public:
  AdminService(Node& node, ops::Registry& metrics)
      : node_(node), metrics_(metrics), rpc_(metrics) {}

  grpc::Status JoinChain(grpc::ServerContext* context, const milkpb::JoinChainRequest* request,
                         milkpb::JoinChainResponse* response) override {
    if (Status s = CheckClientCertificate(*context); !s.ok()) return rpc_.Done("JoinChain", s);
    auto result = node_.JoinChain(request->genesis_block(), request->creator(), request->signature());
    if (result.ok()) response->set_chain_id(*result);
    return rpc_.Done("JoinChain", result.status());
  }

  // Only the chains the caller may use are listed (a refusal here is not counted: hiding a chain
  // is the normal answer to a stranger).
  grpc::Status ListChains(grpc::ServerContext* context, const milkpb::ListChainsRequest*,
                          milkpb::ListChainsResponse* response) override {
    for (const std::string& id : node_.ChainIds()) {
      if (!CheckChainAccess(node_, id, *context).ok()) continue;
      auto chain = node_.FindChain(id);
      if (chain != nullptr) Summarize(*chain, response->add_chains());
    }
    return rpc_.Done("ListChains", Status::Ok());
  }

  grpc::Status LeaveChain(grpc::ServerContext* context, const milkpb::LeaveChainRequest* request,
                          milkpb::LeaveChainResponse*) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_, "LeaveChain");
        !s.ok()) {
      return rpc_.Done("LeaveChain", s);
    }
    return rpc_.Done("LeaveChain", node_.LeaveChain(request->chain_id(), request->timestamp_ms(),
                                                    request->creator(), request->signature()));
  }

  grpc::Status ClusterStatus(grpc::ServerContext* context,
                             const milkpb::ClusterStatusRequest* request,
                             milkpb::ClusterStatusResponse* response) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_,
                                    "ClusterStatus");
        !s.ok()) {
      return rpc_.Done("ClusterStatus", s);
    }
    auto result = node_.ClusterStatus(request->chain_id());
    if (result.ok()) *response = std::move(result).value();
    return rpc_.Done("ClusterStatus", result.status());
  }

  grpc::Status TransferLeadership(grpc::ServerContext* context,
                                  const milkpb::TransferLeadershipRequest* request,
                                  milkpb::TransferLeadershipResponse* response) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_,
                                    "TransferLeadership");
        !s.ok()) {
      return rpc_.Done("TransferLeadership", s);
    }
    auto result = node_.TransferLeadership(*request);
    if (result.ok()) *response = std::move(result).value();
    return rpc_.Done("TransferLeadership", result.status());
  }

  grpc::Status ChainInfo(grpc::ServerContext* context, const milkpb::ChainInfoRequest* request,
                         milkpb::ChainInfoResponse* response) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_, "ChainInfo");
        !s.ok()) {
      return rpc_.Done("ChainInfo", s);
    }
    auto chain = node_.GetChain(request->chain_id());
    if (!chain.ok()) return rpc_.Done("ChainInfo", chain.status());
    Summarize(**chain, response->mutable_summary());
    *response->mutable_config() = (*chain)->config()->config();
    return rpc_.Done("ChainInfo", Status::Ok());
  }

  grpc::Status SetClusterFaults(grpc::ServerContext* context,
                                const milkpb::SetClusterFaultsRequest* request,
                                milkpb::SetClusterFaultsResponse*) override {
    if (Status s = CheckChainAccess(node_, request->chain_id(), *context, metrics_,
                                    "SetClusterFaults");
        !s.ok()) {
      return rpc_.Done("SetClusterFaults", s);
    }
    return rpc_.Done("SetClusterFaults", node_.SetClusterFaults(*request));
  }

 private:
  static void Summarize(const Chain& chain, milkpb::ChainSummary* summary) {
    summary->set_chain_id(chain.chain_id());
    summary->set_height(chain.height());
    summary->set_current_block_hash(chain.last_header_hash());
    summary->set_commit_hash(chain.commit_hash());
  }

  Node& node_;
  ops::Registry& metrics_;
  RpcCounter rpc_;
};

// Idle gRPC threads kept for the next calls (see RpcServer::Start).
constexpr int kIdleRpcThreadsMax = 256;

}  // namespace

grpc::Status ToGrpc(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(static_cast<int>(status.code())),
                      status.message());
}

Result<std::unique_ptr<RpcServer>> RpcServer::Start(const RpcServerOptions& options, Node& node,
                                                    ops::Registry& metrics) {
  std::unique_ptr<RpcServer> server(new RpcServer());
  server->gateway_ = std::make_unique<GatewayService>(
      node, metrics, options.poll_ms, static_cast<size_t>(options.message_bytes_max),
      options.submit_stream_in_flight_max);
  server->deliver_ = std::make_unique<DeliverService>(node, metrics, options.poll_ms);
  server->admin_ = std::make_unique<AdminService>(node, metrics);
  ClusterServiceOptions cluster;
  cluster.tls = options.tls.has_value();
  server->cluster_ = MakeClusterService(node, metrics, cluster);
  server->view_ = MakeViewService(node, metrics);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen,
                           options.tls.has_value()
                               ? crypto::tls::ServerCredentials(*options.tls,
                                                                /*require_client_cert=*/true)
                               : grpc::InsecureServerCredentials(),
                           &server->port_);
  // gRPC itself refuses only what is far past the limit (4x); the handlers refuse and count
  // everything past the limit (CheckSize).
  // The sync server hands each call a thread and, once done, lets that thread exit when more
  // than MAX_POLLERS wait for work. CommitStatus(wait) holds its thread until a block commits
  // (Submit, which did too, is now on the callback API), so under load threads were created
  // and destroyed for nearly every call; keeping this many idle ones costs only their stacks.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              kIdleRpcThreadsMax);
  // gRPC sets SO_REUSEPORT by default: a second milkd started on a port in use would bind it
  // too and the kernel would split connections between the two. A port in use is an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.message_bytes_max * 4);
  builder.SetMaxSendMessageSize(options.message_bytes_max * 2);
  builder.RegisterService(server->gateway_.get());
  builder.RegisterService(server->deliver_.get());
  builder.RegisterService(server->admin_.get());
  builder.RegisterService(server->cluster_.get());
  builder.RegisterService(server->view_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return Unavailable("cannot listen for gRPC on " + options.listen +
                       (options.tls.has_value()
                            ? " (address in use or not local, or TLS certificate and key unusable?)"
                            : " (address in use or not local?)"));
  }
  return server;
}

RpcServer::~RpcServer() { Shutdown(); }

void RpcServer::Shutdown(int64_t deadline_ms) {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  server_->Wait();
  server_.reset();
}

}  // namespace milk::node
