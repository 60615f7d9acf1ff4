#include "tools/client/gateway_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include "crypto/ed25519.h"
#include "node/ledger/formats.h"

namespace milk::client {
namespace {

// gRPC's own first reconnection pause; a lower maximum lowers it too.

bool ContainsIgnoringCase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(
      haystack.begin(), haystack.end(), needle.begin(), needle.end(),
      [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); });
  return it != haystack.end();
}

void SetDeadline(grpc::ClientContext* context, int64_t deadline_ms) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
}

// Reads a server stream until it ends or on_item returns false.
template <typename Response, typename Callback>
Status DrainStream(grpc::ClientContext* context, grpc::ClientReader<Response>* reader,
                   const Callback& on_item, const std::string& endpoint, int64_t deadline_ms) {
  Response response;
  bool stopped = false;
  while (reader->Read(&response)) {
    if (!on_item(response)) {
      stopped = true;
      context->TryCancel();
      while (reader->Read(&response)) {
        // After the cancel the stream ends at once; drain what was already in flight.
      }
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (stopped) return Status::Ok();
  return FromGrpcStatus(status, endpoint, deadline_ms);
}

}  // namespace

template <typename Stub, typename Request, typename Response>
Status GatewayClient::UnaryCall(Stub* stub,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request, Response* response) const {
  grpc::ClientContext context;
  SetDeadline(&context, options_.deadline_ms);
  return FromGrpcStatus((stub->*method)(&context, request, response), endpoint_,
                        options_.deadline_ms);
}

Status WithEndpoint(const Status& status, const std::string& endpoint) {
  if (status.ok() || status.message().rfind(endpoint + ":", 0) == 0) return status;
  return status.WithContext(endpoint);
}

Status FromGrpcStatus(const grpc::Status& status, const std::string& endpoint,
                      int64_t deadline_ms) {
  if (status.ok()) return Status::Ok();
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      if (ContainsIgnoringCase(message, "connection refused")) {
        return Unavailable(endpoint + ": connection refused");
      }
      return Unavailable(endpoint + ": unavailable: " + message);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return DeadlineExceeded(endpoint + ": no answer within " + std::to_string(deadline_ms) +
                              " ms");
    default:
      // gRPC codes and milk::Code share their numbering (crypto/status.h).
      return Status(static_cast<Code>(status.error_code()), message);
  }
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& endpoint,
                                           const GatewayOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  if (options.reconnect_backoff_max_ms > 0) {
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                std::min(options.reconnect_backoff_max_ms, options.reconnect_backoff_initial_ms));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, options.reconnect_backoff_max_ms);
  }
  if (options.own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(
      endpoint,
      options.credentials != nullptr ? options.credentials : grpc::InsecureChannelCredentials(),
      args);
}

GatewayClient::GatewayClient(std::string endpoint, GatewayOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {
  channel_ = MakeChannel(endpoint_, options_);
  gateway_ = milkpb::Gateway::NewStub(channel_);
  deliver_ = milkpb::Deliver::NewStub(channel_);
  admin_ = milkpb::Admin::NewStub(channel_);
}

GatewayClient::~GatewayClient() = default;
GatewayClient::GatewayClient(GatewayClient&&) noexcept = default;
GatewayClient& GatewayClient::operator=(GatewayClient&&) noexcept = default;

Result<milkpb::Response> GatewayClient::Evaluate(const milkpb::SignedProposal& proposal) const {
  milkpb::EvaluateRequest request;
  *request.mutable_proposal() = proposal;
  milkpb::EvaluateResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(gateway_.get(), &milkpb::Gateway::Stub::Evaluate, request, &response));
  return response.result();
}

Result<milkpb::ProposalResponse> GatewayClient::Endorse(
    const milkpb::SignedProposal& proposal) const {
  milkpb::EndorseRequest request;
  *request.mutable_proposal() = proposal;
  milkpb::EndorseResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(gateway_.get(), &milkpb::Gateway::Stub::Endorse, request, &response));
  return response.response();
}

Result<milkpb::SubmitResponse> GatewayClient::Submit(const std::string& chain_id,
                                                     const milkpb::Envelope& envelope) const {
  milkpb::SubmitRequest request;
  request.set_chain_id(chain_id);
  *request.mutable_envelope() = envelope;
  milkpb::SubmitResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(gateway_.get(), &milkpb::Gateway::Stub::Submit, request, &response));
  return response;
}

std::unique_ptr<SubmitStream> GatewayClient::OpenSubmitStream(int64_t deadline_ms) const {
  return std::make_unique<SubmitStream>(
      [this](grpc::ClientContext* context, auto* reactor) {
        gateway_->async()->SubmitStream(context, reactor);
      },
      deadline_ms);
}

std::vector<Result<milkpb::SubmitResponse>> GatewayClient::SubmitAll(
    const std::string& chain_id, const std::vector<milkpb::Envelope>& envelopes,
    size_t in_flight) const {
  const Status unanswered = DeadlineExceeded(endpoint_ + ": no answer on the submit stream within " +
                                             std::to_string(options_.deadline_ms) + " ms");
  std::vector<Result<milkpb::SubmitResponse>> results(envelopes.size(), unanswered);
  const auto patience = std::chrono::milliseconds(options_.deadline_ms);
  std::mutex mutex;
  std::condition_variable answered;
  size_t waiting = 0;    // guarded by mutex
  bool stalled = false;  // guarded by mutex: no answer for a whole deadline, stream cancelled
  std::unique_ptr<SubmitStream> stream = OpenSubmitStream();
  for (size_t i = 0; i < envelopes.size() && !stalled; ++i) {
    {
      std::unique_lock lock(mutex);
      stalled = !answered.wait_for(lock, patience,
                                   [&] { return waiting < std::max<size_t>(1, in_flight); });
      if (stalled) break;
      ++waiting;
    }
    milkpb::SubmitRequest request;
    request.set_chain_id(chain_id);
    *request.mutable_envelope() = envelopes[i];
    stream->Send(std::move(request), [&, i](Result<milkpb::SubmitStreamAnswer> answer) {
      std::lock_guard lock(mutex);
      Result<milkpb::SubmitResponse> result = unanswered;
      if (!answer.ok()) {
        // The stream ended before this answer: by our cancel after a stall, or otherwise.
        if (!(stalled && answer.status().code() == Code::kCancelled)) {
          result = WithEndpoint(answer.status(), endpoint_);
        }
      } else if (answer->code() != 0) {
        result = Status(static_cast<Code>(answer->code()), answer->message());
      } else {
        result = std::move(*answer->mutable_response());
      }
      results[i] = std::move(result);
      --waiting;
      answered.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex);
    while (waiting > 0 && !stalled) {
      const size_t before = waiting;
      stalled = !answered.wait_for(lock, patience, [&] { return waiting < before; });
    }
  }
  bool cancel = false;
  {
    std::lock_guard lock(mutex);
    cancel = stalled;
  }
  if (cancel) stream->Cancel();
  stream->Close();
  return results;
}

Result<milkpb::CommitStatusResponse> GatewayClient::CommitStatus(const std::string& chain_id,
                                                                 const std::string& tx_id,
                                                                 bool wait,
                                                                 bool sequenced_response) const {
  milkpb::CommitStatusRequest request;
  request.set_chain_id(chain_id);
  request.set_tx_id(tx_id);
  request.set_wait(wait);
  request.set_sequenced_response(sequenced_response);
  milkpb::CommitStatusResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(gateway_.get(), &milkpb::Gateway::Stub::CommitStatus, request, &response));
  return response;
}

Result<std::string> GatewayClient::JoinChain(const milkpb::JoinChainRequest& request) const {
  milkpb::JoinChainResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(admin_.get(), &milkpb::Admin::Stub::JoinChain, request, &response));
  return response.chain_id();
}

Result<std::vector<milkpb::ChainSummary>> GatewayClient::ListChains() const {
  milkpb::ListChainsRequest request;
  milkpb::ListChainsResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(admin_.get(), &milkpb::Admin::Stub::ListChains, request, &response));
  return std::vector<milkpb::ChainSummary>(response.chains().begin(), response.chains().end());
}

Result<milkpb::ChainInfoResponse> GatewayClient::ChainInfo(const std::string& chain_id) const {
  milkpb::ChainInfoRequest request;
  request.set_chain_id(chain_id);
  milkpb::ChainInfoResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(admin_.get(), &milkpb::Admin::Stub::ChainInfo, request, &response));
  return response;
}

Result<milkpb::ClusterStatusResponse> GatewayClient::ClusterStatus(
    const std::string& chain_id) const {
  milkpb::ClusterStatusRequest request;
  request.set_chain_id(chain_id);
  milkpb::ClusterStatusResponse response;
  MILK_RETURN_IF_ERROR(
      UnaryCall(admin_.get(), &milkpb::Admin::Stub::ClusterStatus, request, &response));
  return response;
}

Result<milkpb::TransferLeadershipResponse> GatewayClient::TransferLeadership(
    const std::string& chain_id, uint64_t to, const Signer& admin, int64_t now_ms) const {
  milkpb::TransferLeadershipRequest request;
  request.set_chain_id(chain_id);
  request.set_to(to);
  request.set_timestamp_ms(now_ms);
  request.set_creator(admin.identity_bytes);
  request.set_signature(crypto::Sign(admin.key.secret_key,
                                     ledger::TransferLeadershipSigningBytes(chain_id, to, now_ms)));
  milkpb::TransferLeadershipResponse response;
  MILK_RETURN_IF_ERROR(UnaryCall(admin_.get(), &milkpb::Admin::Stub::TransferLeadership, request,
                                 &response));
  return response;
}

Status GatewayClient::LeaveChain(const std::string& chain_id, const Signer& admin,
                                 int64_t now_ms) const {
  milkpb::LeaveChainRequest request;
  request.set_chain_id(chain_id);
  request.set_timestamp_ms(now_ms);
  request.set_creator(admin.identity_bytes);
  request.set_signature(
      crypto::Sign(admin.key.secret_key, ledger::LeaveChainSigningBytes(chain_id, now_ms)));
  milkpb::LeaveChainResponse response;
  return UnaryCall(admin_.get(), &milkpb::Admin::Stub::LeaveChain, request, &response);
}

Status GatewayClient::ChaincodeEvents(const std::string& chain_id, const std::string& chaincode,
                                      uint64_t start_block, const EventsCallback& on_events) const {
  milkpb::ChaincodeEventsRequest request;
  request.set_chain_id(chain_id);
  request.set_chaincode(chaincode);
  request.set_start_block(start_block);
  grpc::ClientContext context;  // no deadline: a subscription ends when the caller says so
  auto reader = gateway_->ChaincodeEvents(&context, request);
  return DrainStream(&context, reader.get(), on_events, endpoint_, options_.deadline_ms);
}

Status GatewayClient::Blocks(const milkpb::DeliverRequest& request,
                             const BlockCallback& on_block) const {
  grpc::ClientContext context;
  if (!request.follow()) SetDeadline(&context, options_.deadline_ms);
  auto reader = deliver_->Blocks(&context, request);
  auto on_response = [&](const milkpb::DeliverResponse& r) { return on_block(r.block()); };
  return DrainStream(&context, reader.get(), on_response, endpoint_, options_.deadline_ms);
}

Result<milkpb::Block> GatewayClient::FetchBlock(const std::string& chain_id,
                                                uint64_t number) const {
  milkpb::DeliverRequest request;
  request.set_chain_id(chain_id);
  request.set_start_block(number);
  request.set_stop_block(number);
  std::optional<milkpb::Block> found;
  MILK_RETURN_IF_ERROR(Blocks(request, [&](const milkpb::Block& block) {
    found = block;
    return false;  // one is all we asked for
  }));
  if (!found) {
    return NotFound("chain " + chain_id + " has no block " + std::to_string(number) + " on " +
                    endpoint_);
  }
  if (found->header().number() != number) {
    return Internal(endpoint_ + " sent block " + std::to_string(found->header().number()) +
                    " when asked for block " + std::to_string(number));
  }
  return std::move(*found);
}

}  // namespace milk::client
