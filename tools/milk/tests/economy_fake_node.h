// An in-process fake Gateway for the economy CLI tests: answers each chaincode function with a
// scripted Response and records the calls it received, so tests can check what a command sent
// (function, arguments) and how it shows what came back. Not a ledger: nothing is validated.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "milk/services.grpc.pb.h"
#include "node/ledger/formats.h"
#include "tools/client/signer.h"

namespace milk::cli::testing {

struct ReceivedCall {
  std::string rpc;  // "Evaluate" or "Endorse"
  std::string chain_id;
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
};

class EconomyFakeNode final : public milkpb::Gateway::Service {
 public:
  // Answers a call: status, payload and message of the chaincode's Response.
  using Script = std::function<milkpb::Response(const ReceivedCall&)>;

  explicit EconomyFakeNode(client::Signer peer) : peer_(std::move(peer)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~EconomyFakeNode() override { server_->Shutdown(); }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // Set before calls. Without a script every call answers 200 with an empty payload.
  Script script;
  bool sequenced = false;  // endorsements say "sequenced"; CommitStatus returns the script's answer
  // Evaluate turns a 404 answer into gRPC NOT_FOUND "chaincode '<name>': <message>", as a real
  // node does (node/chain/endorser.cc).
  bool not_found_as_grpc = false;
  // When set, Evaluate fails with this status instead of answering (a peer's own refusal).
  std::optional<grpc::Status> evaluate_error;
  milkpb::TxValidationCode commit_code = milkpb::VALID;

  std::vector<ReceivedCall> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  grpc::Status Evaluate(grpc::ServerContext*, const milkpb::EvaluateRequest* request,
                        milkpb::EvaluateResponse* response) override {
    const ReceivedCall call = Record("Evaluate", request->proposal());
    if (evaluate_error.has_value()) return *evaluate_error;
    const milkpb::Response answer = Answer(call);
    if (not_found_as_grpc && answer.status() == 404) {
      return {grpc::StatusCode::NOT_FOUND,
              "chaincode '" + call.chaincode + "': " + answer.message()};
    }
    *response->mutable_result() = answer;
    return grpc::Status::OK;
  }

  grpc::Status Endorse(grpc::ServerContext*, const milkpb::EndorseRequest* request,
                       milkpb::EndorseResponse* response) override {
    const ReceivedCall call = Record("Endorse", request->proposal());
    milkpb::ProposalResponsePayload payload;
    payload.set_proposal_hash(crypto::Sha256(request->proposal().proposal()));
    payload.set_sequenced(sequenced);
    *payload.mutable_response() = Answer(call);
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_call_ = call;
    }
    milkpb::ProposalResponse* r = response->mutable_response();
    r->set_payload(payload.SerializeAsString());
    *r->mutable_response() = payload.response();
    r->mutable_endorsement()->set_endorser(peer_.identity_bytes);
    r->mutable_endorsement()->set_signature(crypto::Sign(
        peer_.key.secret_key, ledger::EndorsementSigningBytes(r->payload(), peer_.identity_bytes)));
    return grpc::Status::OK;
  }

  grpc::Status Submit(grpc::ServerContext*, const milkpb::SubmitRequest* request,
                      milkpb::SubmitResponse* response) override {
    milkpb::Transaction tx;
    milkpb::Proposal proposal;
    if (!tx.ParseFromString(request->envelope().payload()) ||
        !proposal.ParseFromString(tx.proposal())) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "bad envelope"};
    }
    response->set_tx_id(proposal.tx_id());
    response->set_block_number(kBlockNumber);
    return grpc::Status::OK;
  }

  grpc::Status CommitStatus(grpc::ServerContext*, const milkpb::CommitStatusRequest* request,
                            milkpb::CommitStatusResponse* response) override {
    response->set_code(commit_code);
    response->set_block_number(kBlockNumber);
    if (request->sequenced_response()) {
      std::lock_guard<std::mutex> lock(mu_);
      *response->mutable_sequenced_response() =
          committed_answer_ ? committed_answer_(last_call_) : Answer(last_call_);
    }
    return grpc::Status::OK;
  }

  // A sequenced call's answer at commit, when it differs from the endorser's preview.
  void SetCommittedAnswer(Script answer) {
    std::lock_guard<std::mutex> lock(mu_);
    committed_answer_ = std::move(answer);
  }

  static constexpr uint64_t kBlockNumber = 9;

 private:
  ReceivedCall Record(const std::string& rpc, const milkpb::SignedProposal& signed_proposal) {
    milkpb::Proposal proposal;
    proposal.ParseFromString(signed_proposal.proposal());
    ReceivedCall call{rpc, proposal.chain_id(), proposal.chaincode(), proposal.function(), {}};
    for (const std::string& arg : proposal.args()) call.args.push_back(arg);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(call);
    return call;
  }

  milkpb::Response Answer(const ReceivedCall& call) const {
    if (script) return script(call);
    milkpb::Response ok;
    ok.set_status(200);
    return ok;
  }

  client::Signer peer_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<ReceivedCall> calls_;  // GUARDED_BY(mu_)
  ReceivedCall last_call_;           // GUARDED_BY(mu_)
  Script committed_answer_;          // GUARDED_BY(mu_)
  std::unique_ptr<grpc::Server> server_;
};

// A Response with status 200 and payload, or with status and message.
inline milkpb::Response Ok(const std::string& payload) {
  milkpb::Response r;
  r.set_status(200);
  r.set_payload(payload);
  return r;
}
inline milkpb::Response Refused(int32_t status, const std::string& message) {
  milkpb::Response r;
  r.set_status(status);
  r.set_message(message);
  return r;
}

}  // namespace milk::cli::testing
