#include "node/chain/endorser.h"

#include <cstdlib>

#include "chaincode/shim/simulator.h"
#include "crypto/hash.h"
#include "crypto/signature_memo.h"
#include "node/ledger/formats.h"

namespace milk::node {
namespace {

Status StatusForChaincode(const std::string& chaincode, const milkpb::Response& response) {
  std::string message = "chaincode '" + chaincode + "': " + response.message();
  switch (response.status()) {
    case 400: return FailedPrecondition(message);
    case 403: return PermissionDenied(message);
    case 404: return NotFound(message);
    case 413: return ResourceExhausted(message);
    default: return Internal(message + " (status " + std::to_string(response.status()) + ")");
  }
}

Result<chaincode::SimulationResult> Run(const CheckedProposal& checked, const Chain& chain) {
  const milkpb::Proposal& p = checked.proposal;
  chaincode::TxContext context{p.chain_id(), p.tx_id(), checked.creator, p.timestamp_ms(),
                               p.chaincode(), p.function(), {}};
  for (const std::string& arg : p.args()) context.args.push_back(arg);
  auto snapshot = chain.Snapshot();
  chaincode::SimulationResult result = chaincode::Simulate(chain.registry(), *snapshot, context);
  if (result.response.status() != 200) return StatusForChaincode(p.chaincode(), result.response);
  return result;
}

}  // namespace

Result<CheckedProposal> CheckProposal(const milkpb::SignedProposal& signed_proposal,
                                      const Chain& chain, int64_t now_ms) {
  CheckedProposal checked;
  milkpb::Proposal& p = checked.proposal;
  if (!p.ParseFromString(signed_proposal.proposal())) {
    return InvalidArgument("proposal bytes do not parse as a milk Proposal");
  }
  if (p.version() != ledger::kFormatVersion) {
    return InvalidArgument("proposal version " + std::to_string(p.version()) +
                           " is not supported (this node speaks version 1)");
  }
  if (p.chain_id() != chain.chain_id()) {
    return InvalidArgument("proposal is for chain '" + p.chain_id() + "', not '" +
                           chain.chain_id() + "'");
  }
  auto config = chain.config();
  ledger::IdentityCheck creator = config->CheckIdentity(p.creator(), now_ms);
  switch (creator.problem) {
    case ledger::IdentityProblem::kNone: break;
    case ledger::IdentityProblem::kExpired:
    case ledger::IdentityProblem::kRevoked: return PermissionDenied(creator.message);
    default: return Unauthenticated("creator refused: " + creator.message);
  }
  if (!crypto::Verify(creator.info.public_key, signed_proposal.proposal(),
                      signed_proposal.signature())) {
    return Unauthenticated("proposal signature does not verify against the creator's key");
  }
  if (p.nonce().size() != ledger::kNonceBytes ||
      ledger::ComputeTxId(p.nonce(), p.creator()) != p.tx_id()) {
    return InvalidArgument("tx_id is not hex(SHA-256(nonce || creator)) with a 24-byte nonce");
  }
  int64_t skew_ms = std::llabs(p.timestamp_ms() - now_ms);
  if (skew_ms > config->max_timestamp_skew_ms()) {
    return InvalidArgument("proposal timestamp is " + std::to_string(skew_ms) +
                           " ms away from this node's clock (chain allows " +
                           std::to_string(config->max_timestamp_skew_ms()) +
                           " ms); check the client's clock");
  }
  const ledger::ChaincodeInfo* cc = config->FindChaincode(p.chaincode());
  if (cc == nullptr) {
    return NotFound("chaincode '" + p.chaincode() + "' is not defined on chain '" +
                    chain.chain_id() + "'");
  }
  if (chain.registry().Find(p.chaincode()) == nullptr) {
    return NotFound("chaincode '" + p.chaincode() + "' is not installed on this node");
  }
  if (!ledger::ChainConfigView::IsAllowed(cc->definition, p.function(), creator.info.role)) {
    return PermissionDenied(crypto::PrincipalName(creator.info) + " may not call " +
                            p.chaincode() + "." + p.function() + " on chain '" +
                            chain.chain_id() + "'");
  }
  MILK_ASSIGN_OR_RETURN(std::optional<TxRecord> existing, chain.GetTx(p.tx_id()));
  if (existing.has_value()) {
    return AlreadyExists("transaction " + p.tx_id() + " is already in block " +
                         std::to_string(existing->block_number) + " (" +
                         ledger::ValidationCodeName(existing->validation_code) + ")");
  }
  checked.creator = std::move(creator.info);
  return checked;
}

Result<milkpb::ProposalResponse> Endorse(const milkpb::SignedProposal& signed_proposal,
                                         const Chain& chain, const Signer& signer, int64_t now_ms) {
  MILK_ASSIGN_OR_RETURN(CheckedProposal checked, CheckProposal(signed_proposal, chain, now_ms));
  MILK_ASSIGN_OR_RETURN(chaincode::SimulationResult result, Run(checked, chain));
  milkpb::ProposalResponsePayload payload;
  payload.set_proposal_hash(crypto::Sha256(signed_proposal.proposal()));
  const chaincode::Chaincode* code = chain.registry().Find(checked.proposal.chaincode());
  if (code != nullptr && code->IsSequenced(checked.proposal.function())) {
    // The simulation proved authority and preconditions; the real execution happens at
    // validation against the latest state, so its reads, writes and events are not endorsed.
    payload.set_sequenced(true);
  } else {
    *payload.mutable_results() = std::move(result.rwset);
    for (auto& event : result.events) *payload.add_events() = std::move(event);
  }
  *payload.mutable_response() = result.response;
  milkpb::ProposalResponse response;
  response.set_payload(payload.SerializeAsString());
  response.mutable_endorsement()->set_endorser(signer.identity);
  const std::string signed_bytes =
      ledger::EndorsementSigningBytes(response.payload(), signer.identity);
  response.mutable_endorsement()->set_signature(crypto::Sign(signer.key.secret_key, signed_bytes));
  // Submit and validation check this endorsement on this very node: no need to verify what it
  // just signed (crypto/signature_memo.h).
  crypto::RememberSigned(signer.key.public_key, signed_bytes, response.endorsement().signature());
  *response.mutable_response() = std::move(result.response);
  return response;
}

Result<milkpb::Response> Evaluate(const milkpb::SignedProposal& signed_proposal, const Chain& chain,
                                  int64_t now_ms) {
  MILK_ASSIGN_OR_RETURN(CheckedProposal checked, CheckProposal(signed_proposal, chain, now_ms));
  MILK_ASSIGN_OR_RETURN(chaincode::SimulationResult result, Run(checked, chain));
  return std::move(result.response);
}

}  // namespace milk::node
