#include "tools/relay/grpc_chain_port.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>
#include <map>

#include "tools/client/transaction.h"

namespace milk::relay {
namespace {

// The first reconnection attempt of the watch channel after a peer dropped: the relay notices a
// returning chain at once.
constexpr int kWatchReconnectBackoffInitialMs = 100;

// The events of `chaincode` raised by the block's valid transactions, in transaction order.
void EventsOfBlock(const milkpb::Block& block, const std::string& chaincode,
                   const EventCallback& on_event) {
  const std::string& codes = block.metadata().validation_codes();
  std::map<uint32_t, const milkpb::SequencedOutcome*> sequenced;
  for (const auto& outcome : block.metadata().sequenced()) sequenced[outcome.tx_index()] = &outcome;
  auto emit = [&](const milkpb::ChaincodeEvent& event) {
    if (event.chaincode() != chaincode) return;
    on_event(
        {block.header().number(), event.chaincode(), event.name(), event.payload(), event.tx_id()});
  };
  for (int i = 0; i < block.data().envelopes_size(); ++i) {
    if (static_cast<size_t>(i) >= codes.size() || codes[i] != milkpb::VALID) continue;
    if (auto it = sequenced.find(static_cast<uint32_t>(i)); it != sequenced.end()) {
      for (const auto& event : it->second->events()) emit(event);
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
    for (const auto& event : payload.events()) emit(event);
  }
}

}  // namespace

std::optional<QueryAnswer> ChaincodeRefusal(const Status& status, const std::string& chaincode) {
  const std::string prefix = "chaincode '" + chaincode + "': ";
  const std::string& message = status.message();
  if (message.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  QueryAnswer refusal;
  refusal.message = message.substr(prefix.size());
  switch (status.code()) {
    case Code::kFailedPrecondition:
      refusal.status = 400;
      return refusal;
    case Code::kPermissionDenied:
      refusal.status = 403;
      return refusal;
    case Code::kNotFound:
      refusal.status = 404;
      return refusal;
    case Code::kResourceExhausted:
      refusal.status = 413;
      return refusal;
    default:
      break;
  }
  // Any other status: "<message> (status N)".
  const std::string marker = " (status ";
  const size_t at = refusal.message.rfind(marker);
  if (at == std::string::npos || refusal.message.back() != ')') return std::nullopt;
  const std::string digits =
      refusal.message.substr(at + marker.size(), refusal.message.size() - 1 - at - marker.size());
  int32_t code = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  refusal.status = code;
  refusal.message.resize(at);
  return refusal;
}

GrpcChainPort::GrpcChainPort(GrpcChainOptions options, client::Signer signer, const Clock& clock)
    : options_(std::move(options)), signer_(std::move(signer)), clock_(clock) {
  MILK_CHECK(!options_.peers.empty() && options_.proof_signatures >= 1);
  client::GatewayOptions watch = options_.gateway;
  watch.reconnect_backoff_initial_ms = kWatchReconnectBackoffInitialMs;
  for (const std::string& endpoint : options_.peers) {
    auto peer =
        std::make_unique<Peer>(Peer{endpoint, client::GatewayClient(endpoint, options_.gateway),
                                    client::ViewClient(endpoint, options_.gateway),
                                    client::MakeChannel(endpoint, watch), nullptr});
    peer->events = milkpb::Gateway::NewStub(peer->channel);
    peers_.push_back(std::move(peer));
  }
}

GrpcChainPort::~GrpcChainPort() { StopWatch(); }

Result<QueryAnswer> GrpcChainPort::Query(const std::string& chaincode, const std::string& function,
                                         const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(
      client::BuiltProposal built,
      client::BuildProposal(signer_, options_.chain_id, chaincode, function, args, clock_.NowMs()));
  Status last;
  for (const auto& peer : peers_) {
    Result<milkpb::Response> response = peer->gateway.Evaluate(built.signed_proposal);
    if (response.ok()) {
      return QueryAnswer{response->status(), response->message(), response->payload()};
    }
    // The node reports a chaincode answer other than 200 (a 404 included) as an error.
    std::optional<QueryAnswer> answer = ChaincodeRefusal(response.status(), chaincode);
    if (answer.has_value()) return *answer;
    last = client::WithEndpoint(response.status(), peer->endpoint);
  }
  return last;
}

Result<std::string> GrpcChainPort::View(const std::string& chaincode, const std::string& function,
                                        const std::vector<std::string>& args) {
  milkpb::ViewRequest request;
  request.set_chain_id(options_.chain_id);
  request.set_chaincode(chaincode);
  request.set_function(function);
  for (const std::string& arg : args) request.add_args(arg);
  // Evaluated now: the proof is fresh even when the chain has cut no block for a while, and
  // every peer asked signs the same time (docs/views.md, "Freshness").
  request.set_at_ms(clock_.NowMs());
  // Answers identical to the first peer's: peers at another height answered another question.
  std::vector<milkpb::ViewProof> same;
  int signatures = 0;
  Status last;
  for (const auto& peer : peers_) {
    Result<milkpb::ViewProof> proof = peer->viewer.Query(request);
    if (!proof.ok()) {
      last = proof.status();
      continue;
    }
    if (!same.empty() &&
        proof->result().SerializeAsString() != same.front().result().SerializeAsString()) {
      continue;
    }
    same.push_back(std::move(proof).value());
    MILK_ASSIGN_OR_RETURN(milkpb::ViewProof merged, client::MergeViewProofs(same));
    signatures = merged.signatures_size();
    if (signatures >= options_.proof_signatures) return merged.SerializeAsString();
  }
  if (same.empty()) return last;
  return Unavailable(options_.chain_id + ": " + std::to_string(signatures) + " of " +
                     std::to_string(options_.proof_signatures) +
                     " proof signatures from peers at one height");
}

Result<std::vector<milkpb::ProposalResponse>> GrpcChainPort::EndorseAll(
    const milkpb::SignedProposal& proposal, const std::string& chaincode,
    std::optional<QueryAnswer>& refusal) const {
  std::vector<std::future<Result<milkpb::ProposalResponse>>> pending;
  for (const auto& peer : peers_) {
    const client::GatewayClient* gateway = &peer->gateway;
    pending.push_back(std::async(std::launch::async,
                                 [gateway, &proposal] { return gateway->Endorse(proposal); }));
  }
  std::vector<milkpb::ProposalResponse> responses;
  Status first_error;
  for (size_t i = 0; i < pending.size(); ++i) {
    Result<milkpb::ProposalResponse> response = pending[i].get();  // all, before returning
    if (response.ok()) {
      responses.push_back(std::move(response).value());
      continue;
    }
    std::optional<QueryAnswer> refused = ChaincodeRefusal(response.status(), chaincode);
    if (refused.has_value()) {
      if (!refusal.has_value()) refusal = std::move(refused);
    } else if (first_error.ok()) {
      first_error = client::WithEndpoint(response.status(), peers_[i]->endpoint);
    }
  }
  if (!responses.empty()) return responses;
  return first_error.ok() ? Aborted("every endorser refused the proposal") : first_error;
}

Result<InvokeAnswer> GrpcChainPort::Invoke(const std::string& chaincode,
                                           const std::string& function,
                                           const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(
      client::BuiltProposal built,
      client::BuildProposal(signer_, options_.chain_id, chaincode, function, args, clock_.NowMs()));
  std::optional<QueryAnswer> refusal;
  Result<std::vector<milkpb::ProposalResponse>> endorsed_by =
      EndorseAll(built.signed_proposal, chaincode, refusal);
  if (!refusal.has_value() && endorsed_by.ok()) {
    for (const milkpb::ProposalResponse& response : *endorsed_by) {
      if (response.response().status() != 200) {
        refusal = QueryAnswer{response.response().status(), response.response().message(), ""};
      }
    }
  }
  if (refusal.has_value()) {
    InvokeAnswer refused;  // the chaincode said no: nothing is submitted
    refused.status = refusal->status;
    refused.message = refusal->message;
    return refused;
  }
  if (!endorsed_by.ok()) return endorsed_by.status();
  std::vector<milkpb::ProposalResponse> responses = std::move(endorsed_by).value();
  MILK_ASSIGN_OR_RETURN(
      milkpb::Envelope envelope,
      client::BuildEnvelope(signer_, built.signed_proposal.proposal(), responses));
  milkpb::ProposalResponsePayload endorsed;
  const bool sequenced =
      endorsed.ParseFromString(responses.front().payload()) && endorsed.sequenced();
  MILK_ASSIGN_OR_RETURN(InvokeAnswer answer, SubmitAndWait(envelope, built.tx_id, sequenced));
  if (!sequenced) {
    answer.status = responses.front().response().status();
    answer.message = responses.front().response().message();
    answer.payload = responses.front().response().payload();
  }
  return answer;
}

Result<InvokeAnswer> GrpcChainPort::SubmitAndWait(const milkpb::Envelope& envelope,
                                                  const std::string& tx_id, bool sequenced) const {
  // The same envelope to the next peer is safe: a txid is never committed twice.
  Status last;
  for (const auto& peer : peers_) {
    Result<milkpb::SubmitResponse> submitted = peer->gateway.Submit(options_.chain_id, envelope);
    if (!submitted.ok()) {
      last = client::WithEndpoint(submitted.status(), peer->endpoint);
      continue;
    }
    Result<milkpb::CommitStatusResponse> committed =
        peer->gateway.CommitStatus(options_.chain_id, tx_id, /*wait=*/true, sequenced);
    if (!committed.ok()) {
      return client::WithEndpoint(committed.status(), peer->endpoint)
          .WithContext("transaction " + tx_id + " was ordered but its commit status is unknown");
    }
    InvokeAnswer answer;
    answer.endorsed = true;
    answer.tx_id = tx_id;
    answer.code = committed->code();
    if (sequenced) {
      answer.status = committed->sequenced_response().status();
      answer.message = committed->sequenced_response().message();
      answer.payload = committed->sequenced_response().payload();
    }
    return answer;
  }
  return last;
}

Result<uint64_t> GrpcChainPort::ReadEvents(const std::string& chaincode, uint64_t start_block,
                                           const EventCallback& on_event) {
  milkpb::DeliverRequest request;
  request.set_chain_id(options_.chain_id);
  request.set_start_block(start_block);
  request.set_follow(false);  // stop_block 0: to the current height
  Status last;
  for (const auto& peer : peers_) {
    uint64_t next = start_block;
    const Status status = peer->gateway.Blocks(request, [&](const milkpb::Block& block) {
      if (block.header().number() != next) return false;  // out of order: stop, re-read later
      EventsOfBlock(block, chaincode, on_event);
      ++next;
      return true;
    });
    // OUT_OF_RANGE: start_block is the height already; nothing new.
    if (status.ok() || status.code() == Code::kOutOfRange || next > start_block) return next;
    last = client::WithEndpoint(status, peer->endpoint);
  }
  return last;
}

Result<uint64_t> GrpcChainPort::Height() const {
  Status last;
  for (const auto& peer : peers_) {
    Result<milkpb::ChainInfoResponse> info = peer->gateway.ChainInfo(options_.chain_id);
    if (info.ok()) return info->summary().height();
    last = client::WithEndpoint(info.status(), peer->endpoint);
  }
  return last;
}

Status GrpcChainPort::Watch(const std::string& chaincode, uint64_t start_block,
                            const std::function<void(uint64_t block_number)>& on_block) {
  Status last;
  for (const auto& peer : peers_) {
    grpc::ClientContext context;  // no deadline: StopWatch cancels it
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      if (watch_stopped_) return Status::Ok();
      watch_context_ = &context;
    }
    milkpb::ChaincodeEventsRequest request;
    request.set_chain_id(options_.chain_id);
    request.set_chaincode(chaincode);
    request.set_start_block(start_block);
    std::unique_ptr<grpc::ClientReader<milkpb::ChaincodeEventsResponse>> reader =
        peer->events->ChaincodeEvents(&context, request);
    milkpb::ChaincodeEventsResponse response;
    while (reader->Read(&response)) {
      on_block(response.block_number());
      start_block = response.block_number() + 1;
    }
    const grpc::Status status = reader->Finish();
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      watch_context_ = nullptr;
      if (watch_stopped_) return Status::Ok();
    }
    last = client::FromGrpcStatus(status, peer->endpoint, options_.gateway.deadline_ms);
  }
  return last;
}

void GrpcChainPort::StopWatch() {
  std::lock_guard<std::mutex> lock(watch_mu_);
  watch_stopped_ = true;
  if (watch_context_ != nullptr) watch_context_->TryCancel();
}

}  // namespace milk::relay
