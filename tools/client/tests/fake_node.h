// An in-process fake milkd for client tests: Gateway, Deliver and Admin on 127.0.0.1:<port 0>,
// answering from fields the test sets. Not a ledger: it validates nothing.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "milk/services.grpc.pb.h"
#include "node/ledger/formats.h"
#include "tools/client/signer.h"

namespace milk::client::testing {

class FakeNode final : public milkpb::Gateway::Service,
                       public milkpb::Deliver::Service,
                       public milkpb::Admin::Service {
 public:
  // peer: the identity this node endorses with.
  explicit FakeNode(Signer peer) : peer_(std::move(peer)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(static_cast<milkpb::Gateway::Service*>(this));
    builder.RegisterService(static_cast<milkpb::Deliver::Service*>(this));
    builder.RegisterService(static_cast<milkpb::Admin::Service*>(this));
    server_ = builder.BuildAndStart();
  }
  ~FakeNode() override { server_->Shutdown(); }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // What the fake answers; set before calls.
  std::string written_value = "v";
  int32_t chaincode_status = 200;
  grpc::Status endorse_error = grpc::Status::OK;
  grpc::Status join_error = grpc::Status::OK;
  milkpb::TxValidationCode commit_code = milkpb::VALID;
  uint64_t block_number = 7;
  std::vector<milkpb::Block> blocks;

  // What the fake received.
  std::vector<milkpb::Envelope> submitted;
  std::vector<milkpb::JoinChainRequest> joins;

  grpc::Status Endorse(grpc::ServerContext*, const milkpb::EndorseRequest* request,
                       milkpb::EndorseResponse* response) override {
    if (!endorse_error.ok()) return endorse_error;
    milkpb::ProposalResponsePayload payload;
    payload.set_proposal_hash(crypto::Sha256(request->proposal().proposal()));
    milkpb::KVWrite* write = payload.mutable_results()->add_ns_rwset()->add_writes();
    write->set_key("k");
    write->set_value(written_value);
    payload.mutable_response()->set_status(chaincode_status);
    payload.mutable_response()->set_message(chaincode_status == 200 ? "" : "refused");
    milkpb::ProposalResponse* r = response->mutable_response();
    r->set_payload(payload.SerializeAsString());
    *r->mutable_response() = payload.response();
    r->mutable_endorsement()->set_endorser(peer_.identity_bytes);
    r->mutable_endorsement()->set_signature(crypto::Sign(
        peer_.key.secret_key, ledger::EndorsementSigningBytes(r->payload(), peer_.identity_bytes)));
    return grpc::Status::OK;
  }

  grpc::Status Evaluate(grpc::ServerContext*, const milkpb::EvaluateRequest*,
                        milkpb::EvaluateResponse* response) override {
    response->mutable_result()->set_status(chaincode_status);
    response->mutable_result()->set_payload("42");
    return grpc::Status::OK;
  }

  grpc::Status Submit(grpc::ServerContext*, const milkpb::SubmitRequest* request,
                      milkpb::SubmitResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    submitted.push_back(request->envelope());
    milkpb::Transaction tx;
    milkpb::Proposal proposal;
    if (!tx.ParseFromString(request->envelope().payload()) ||
        !proposal.ParseFromString(tx.proposal())) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "bad envelope"};
    }
    response->set_tx_id(proposal.tx_id());
    response->set_block_number(block_number);
    return grpc::Status::OK;
  }

  grpc::Status CommitStatus(grpc::ServerContext*, const milkpb::CommitStatusRequest*,
                            milkpb::CommitStatusResponse* response) override {
    response->set_code(commit_code);
    response->set_block_number(block_number);
    response->set_tx_index(3);
    return grpc::Status::OK;
  }

  grpc::Status Blocks(grpc::ServerContext* context, const milkpb::DeliverRequest* request,
                      grpc::ServerWriter<milkpb::DeliverResponse>* writer) override {
    for (const milkpb::Block& block : blocks) {
      if (context->IsCancelled()) break;
      const uint64_t n = block.header().number();
      if (n < request->start_block()) continue;
      if (request->stop_block() != 0 && n > request->stop_block()) break;
      milkpb::DeliverResponse response;
      *response.mutable_block() = block;
      writer->Write(response);
    }
    return grpc::Status::OK;
  }

  grpc::Status JoinChain(grpc::ServerContext*, const milkpb::JoinChainRequest* request,
                         milkpb::JoinChainResponse* response) override {
    if (!join_error.ok()) return join_error;
    std::lock_guard<std::mutex> lock(mu_);
    joins.push_back(*request);
    response->set_chain_id(request->genesis_block().header().chain_id());
    return grpc::Status::OK;
  }

  grpc::Status ListChains(grpc::ServerContext*, const milkpb::ListChainsRequest*,
                          milkpb::ListChainsResponse* response) override {
    milkpb::ChainSummary* s = response->add_chains();
    s->set_chain_id("demo");
    s->set_height(3);
    s->set_current_block_hash(std::string(32, '\x01'));
    s->set_commit_hash(std::string(32, '\x02'));
    return grpc::Status::OK;
  }

  grpc::Status ChainInfo(grpc::ServerContext*, const milkpb::ChainInfoRequest* request,
                         milkpb::ChainInfoResponse* response) override {
    if (request->chain_id() != "demo") {
      return {grpc::StatusCode::NOT_FOUND, "chain " + request->chain_id() + " is not joined"};
    }
    response->mutable_summary()->set_chain_id("demo");
    response->mutable_summary()->set_height(3);
    response->mutable_config()->set_chain_id("demo");
    return grpc::Status::OK;
  }

 private:
  Signer peer_;
  int port_ = 0;
  std::mutex mu_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace milk::client::testing
