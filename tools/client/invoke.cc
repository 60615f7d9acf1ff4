#include "tools/client/invoke.h"

#include <future>
#include <utility>

#include "tools/client/transaction.h"

namespace milk::client {
namespace {

// Endorsement runs one thread per endorser. A policy names a handful of orgs; a list longer
// than this is a mistake, not a reason to start hundreds of threads.
constexpr size_t kEndorsersMax = 32;

Result<std::vector<milkpb::ProposalResponse>> EndorseAll(
    const std::vector<const GatewayClient*>& endorsers, const milkpb::SignedProposal& proposal) {
  std::vector<std::future<Result<milkpb::ProposalResponse>>> pending;
  pending.reserve(endorsers.size());
  for (const GatewayClient* peer : endorsers) {
    pending.push_back(
        std::async(std::launch::async, [peer, &proposal] { return peer->Endorse(proposal); }));
  }
  std::vector<milkpb::ProposalResponse> responses;
  Status first_error;
  for (size_t i = 0; i < pending.size(); ++i) {
    Result<milkpb::ProposalResponse> r = pending[i].get();  // wait for all before returning
    if (!r.ok() && first_error.ok())
      first_error = WithEndpoint(r.status(), endorsers[i]->endpoint());
    if (r.ok()) responses.push_back(std::move(r).value());
  }
  if (!first_error.ok()) return first_error;
  return responses;
}

}  // namespace

Result<InvokeResult> Invoke(const Signer& signer,
                            const std::vector<const GatewayClient*>& endorsers,
                            const GatewayClient& submitter, const std::string& chain_id,
                            const std::string& chaincode, const std::string& function,
                            const std::vector<std::string>& args, int64_t now_ms) {
  MILK_CHECK(!endorsers.empty());
  if (endorsers.size() > kEndorsersMax) {
    return InvalidArgument(std::to_string(endorsers.size()) + " endorsing peers; at most " +
                           std::to_string(kEndorsersMax));
  }
  MILK_ASSIGN_OR_RETURN(BuiltProposal built,
                        BuildProposal(signer, chain_id, chaincode, function, args, now_ms));
  MILK_ASSIGN_OR_RETURN(std::vector<milkpb::ProposalResponse> responses,
                        EndorseAll(endorsers, built.signed_proposal));
  MILK_ASSIGN_OR_RETURN(milkpb::Envelope envelope,
                        BuildEnvelope(signer, built.signed_proposal.proposal(), responses));
  Result<milkpb::SubmitResponse> submitted = submitter.Submit(chain_id, envelope);
  if (!submitted.ok()) return WithEndpoint(submitted.status(), submitter.endpoint());
  if (submitted->tx_id() != built.tx_id) {
    return Internal(submitter.endpoint() + " acknowledged transaction " + submitted->tx_id() +
                    " when " + built.tx_id + " was submitted");
  }
  milkpb::ProposalResponsePayload endorsed;
  const bool sequenced =
      endorsed.ParseFromString(responses.front().payload()) && endorsed.sequenced();
  Result<milkpb::CommitStatusResponse> committed =
      submitter.CommitStatus(chain_id, built.tx_id, /*wait=*/true, sequenced);
  if (!committed.ok()) {
    return WithEndpoint(committed.status(), submitter.endpoint())
        .WithContext("transaction " + built.tx_id + " was ordered in block " +
                     std::to_string(submitted->block_number()) +
                     " but its commit status is unknown");
  }
  InvokeResult result;
  result.tx_id = built.tx_id;
  result.block_number = committed->block_number();
  result.tx_index = committed->tx_index();
  result.code = committed->code();
  if (sequenced) result.sequenced_response = committed->sequenced_response();
  return result;
}

}  // namespace milk::client
