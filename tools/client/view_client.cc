#include "tools/client/view_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "chaincode/proof/view_proof.h"
#include "node/ledger/formats.h"

namespace milk::client {
namespace {


bool Echoes(const milkpb::ViewResult& result, const milkpb::ViewRequest& request) {
  return result.chain_id() == request.chain_id() && result.chaincode() == request.chaincode() &&
         result.function() == request.function() &&
         std::equal(result.args().begin(), result.args().end(), request.args().begin(),
                    request.args().end());
}

// The first field in which two results differ, for the error message.
std::string FirstDifference(const milkpb::ViewResult& a, const milkpb::ViewResult& b) {
  using Field = std::pair<const char*, std::function<bool()>>;
  const Field fields[] = {
      {"version", [&] { return a.version() == b.version(); }},
      {"chain_id", [&] { return a.chain_id() == b.chain_id(); }},
      {"height", [&] { return a.height() == b.height(); }},
      {"block_hash", [&] { return a.block_hash() == b.block_hash(); }},
      {"block_time_ms", [&] { return a.block_time_ms() == b.block_time_ms(); }},
      {"chaincode", [&] { return a.chaincode() == b.chaincode(); }},
      {"function", [&] { return a.function() == b.function(); }},
      {"args", [&] {
         return std::equal(a.args().begin(), a.args().end(), b.args().begin(), b.args().end());
       }},
      {"status", [&] { return a.status() == b.status(); }},
  };
  for (const auto& [name, same] : fields) {
    if (!same()) return name;
  }
  return "payload";
}

}  // namespace

ViewClient::ViewClient(std::string endpoint, GatewayOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {
  channel_ = MakeChannel(endpoint_, options_);
  stub_ = milkpb::View::NewStub(channel_);
}

ViewClient::~ViewClient() = default;
ViewClient::ViewClient(ViewClient&&) noexcept = default;
ViewClient& ViewClient::operator=(ViewClient&&) noexcept = default;

Result<milkpb::ViewProof> ViewClient::Query(const milkpb::ViewRequest& request) const {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(options_.deadline_ms));
  milkpb::ViewProof proof;
  MILK_RETURN_IF_ERROR(
      FromGrpcStatus(stub_->Query(&context, request, &proof), endpoint_, options_.deadline_ms));
  if (!Echoes(proof.result(), request)) {
    return Internal(endpoint_ + ": the view answered names another chain, call or arguments "
                                "than the request");
  }
  return proof;
}

Result<milkpb::ViewProof> MergeViewProofs(const std::vector<milkpb::ViewProof>& proofs) {
  if (proofs.empty()) return InvalidArgument("no view proofs to merge");
  milkpb::ViewProof merged;
  *merged.mutable_result() = proofs.front().result();
  const std::string signing_bytes = ledger::ViewSigningBytes(merged.result());
  std::set<std::string> endorsers;
  for (size_t i = 0; i < proofs.size(); ++i) {
    const milkpb::ViewProof& proof = proofs[i];
    if (i > 0 && ledger::ViewSigningBytes(proof.result()) != signing_bytes) {
      return FailedPrecondition("view proof " + std::to_string(i) + " differs from the first in " +
                                FirstDifference(merged.result(), proof.result()) +
                                " (peers at different heights? ask again)");
    }
    for (const milkpb::ViewSignature& signature : proof.signatures()) {
      if (endorsers.insert(signature.endorser()).second) *merged.add_signatures() = signature;
    }
  }
  if (merged.signatures_size() > static_cast<int>(proof::kProofSignaturesMax)) {
    return InvalidArgument("merged proof has " + std::to_string(merged.signatures_size()) +
                           " signatures, more than the " +
                           std::to_string(proof::kProofSignaturesMax) + " a destination reads");
  }
  return merged;
}

Result<milkpb::ViewProof> QueryAndMerge(const std::vector<const ViewClient*>& peers,
                                        const milkpb::ViewRequest& request) {
  if (peers.empty()) return InvalidArgument("no peers to ask for a view");
  std::optional<Status> first_error;
  // Answers grouped by their signing bytes, in the order of the first peer of each group.
  std::vector<std::vector<milkpb::ViewProof>> groups;
  std::map<std::string, size_t> group_of;
  for (const ViewClient* peer : peers) {
    Result<milkpb::ViewProof> proof = peer->Query(request);
    if (!proof.ok()) {
      if (!first_error) first_error = WithEndpoint(proof.status(), peer->endpoint());
      continue;
    }
    auto [it, added] = group_of.emplace(ledger::ViewSigningBytes(proof->result()), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(std::move(proof).value());
  }
  if (groups.empty()) return *first_error;
  auto better = [](const std::vector<milkpb::ViewProof>& a,
                   const std::vector<milkpb::ViewProof>& b) {
    if (a.size() != b.size()) return a.size() > b.size();
    return a.front().result().height() > b.front().result().height();
  };
  const std::vector<milkpb::ViewProof>* best = &groups.front();
  for (const auto& group : groups) {
    if (better(group, *best)) best = &group;
  }
  return MergeViewProofs(*best);
}

}  // namespace milk::client
