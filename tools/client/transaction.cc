#include "tools/client/transaction.h"

#include <sodium.h>

#include <map>
#include <set>
#include <utility>

#include "crypto/hash.h"
#include "node/ledger/formats.h"

namespace milk::client {
namespace {

constexpr int32_t kStatusOk = 200;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Groups endorsers by the payload they returned; more than one group means disagreement.
Status CheckPayloadsAgree(const std::vector<milkpb::ProposalResponse>& responses) {
  std::map<std::string, std::vector<std::string>> endorsers_by_payload;
  std::vector<const std::string*> order;  // first-seen order, so the message is stable
  for (const milkpb::ProposalResponse& r : responses) {
    auto [it, inserted] = endorsers_by_payload.try_emplace(r.payload());
    if (inserted) order.push_back(&it->first);
    it->second.push_back(DescribeIdentity(r.endorsement().endorser()));
  }
  if (order.size() == 1) return Status::Ok();
  std::string groups;
  for (const std::string* payload : order) {
    if (!groups.empty()) groups += " vs ";
    groups += "[" + JoinNames(endorsers_by_payload[*payload]) + "]";
  }
  return Aborted("endorsers returned different results: " + groups +
                 " (their world states differ, usually because a block committed between "
                 "endorsements; retry)");
}

Status CheckEndorsement(const milkpb::ProposalResponse& r, const std::string& proposal_hash,
                        bool verify_signature) {
  const std::string who = DescribeIdentity(r.endorsement().endorser());
  milkpb::ProposalResponsePayload payload;
  if (!payload.ParseFromString(r.payload())) {
    return InvalidArgument("endorser " + who + " returned a payload that does not parse");
  }
  if (payload.proposal_hash() != proposal_hash) {
    return InvalidArgument("endorser " + who + " answered a different proposal");
  }
  Result<crypto::IdentityInfo> endorser = crypto::ParseIdentity(r.endorsement().endorser());
  if (!endorser.ok()) return endorser.status().WithContext("endorser identity");
  if (!verify_signature) return Status::Ok();
  const std::string signed_bytes =
      ledger::EndorsementSigningBytes(r.payload(), r.endorsement().endorser());
  if (!crypto::Verify(endorser->public_key, signed_bytes, r.endorsement().signature())) {
    return Unauthenticated("endorsement signature of " + who + " does not verify");
  }
  return Status::Ok();
}

}  // namespace

std::string DescribeIdentity(const std::string& identity_bytes) {
  Result<crypto::IdentityInfo> info = crypto::ParseIdentity(identity_bytes);
  if (!info.ok()) return "<unparsable identity>";
  if (info->is_wallet) return info->name;
  return info->org + "/" + info->name;
}

Result<BuiltProposal> BuildProposal(const Signer& signer, const std::string& chain_id,
                                    const std::string& chaincode, const std::string& function,
                                    const std::vector<std::string>& args, int64_t timestamp_ms,
                                    std::optional<std::string> nonce) {
  if (chain_id.empty() || chaincode.empty() || function.empty()) {
    return InvalidArgument("a proposal needs a chain, a chaincode and a function");
  }
  if (!nonce) {
    crypto::EnsureSodium();
    nonce.emplace(ledger::kNonceBytes, '\0');
    randombytes_buf(nonce->data(), nonce->size());
  } else if (nonce->size() != ledger::kNonceBytes) {
    return InvalidArgument("nonce is " + std::to_string(nonce->size()) + " bytes, expected " +
                           std::to_string(ledger::kNonceBytes));
  }
  milkpb::Proposal proposal;
  proposal.set_version(ledger::kFormatVersion);
  proposal.set_chain_id(chain_id);
  proposal.set_chaincode(chaincode);
  proposal.set_function(function);
  for (const std::string& arg : args) proposal.add_args(arg);
  proposal.set_creator(signer.identity_bytes);
  proposal.set_timestamp_ms(timestamp_ms);
  BuiltProposal built;
  built.tx_id = ledger::ComputeTxId(*nonce, signer.identity_bytes);
  proposal.set_nonce(std::move(*nonce));
  proposal.set_tx_id(built.tx_id);
  std::string proposal_bytes = proposal.SerializeAsString();
  built.signed_proposal.set_signature(crypto::Sign(signer.key.secret_key, proposal_bytes));
  built.signed_proposal.set_proposal(std::move(proposal_bytes));
  return built;
}

Result<milkpb::Envelope> BuildEnvelope(const Signer& signer, const std::string& proposal_bytes,
                                       const std::vector<milkpb::ProposalResponse>& responses,
                                       bool verify_endorsements) {
  milkpb::Proposal proposal;
  if (!proposal.ParseFromString(proposal_bytes)) {
    return InvalidArgument("proposal does not parse");
  }
  if (proposal.creator() != signer.identity_bytes) {
    return InvalidArgument("the envelope must be signed by the proposal's creator " +
                           DescribeIdentity(proposal.creator()));
  }
  if (responses.empty()) return InvalidArgument("no endorsements to assemble");
  for (const milkpb::ProposalResponse& r : responses) {
    if (r.response().status() != kStatusOk) {
      return FailedPrecondition(r.response().message() + " (" + proposal.chaincode() + "." +
                                proposal.function() + " returned status " +
                                std::to_string(r.response().status()) + " at " +
                                DescribeIdentity(r.endorsement().endorser()) + ")");
    }
  }
  MILK_RETURN_IF_ERROR(CheckPayloadsAgree(responses));
  const std::string proposal_hash = crypto::Sha256(proposal_bytes);
  for (const milkpb::ProposalResponse& r : responses) {
    MILK_RETURN_IF_ERROR(CheckEndorsement(r, proposal_hash, verify_endorsements));
  }
  milkpb::Transaction tx;
  tx.set_proposal(proposal_bytes);
  tx.set_response_payload(responses.front().payload());
  std::set<std::string> endorsers;  // one endorsement per endorser, even if asked twice
  for (const milkpb::ProposalResponse& r : responses) {
    if (endorsers.insert(r.endorsement().endorser()).second) {
      *tx.add_endorsements() = r.endorsement();
    }
  }
  milkpb::Envelope envelope;
  envelope.set_type(milkpb::ENDORSER_TRANSACTION);
  envelope.set_payload(tx.SerializeAsString());
  envelope.set_signature(
      crypto::Sign(signer.key.secret_key,
                   ledger::EnvelopeSigningBytes(milkpb::ENDORSER_TRANSACTION, envelope.payload())));
  return envelope;
}

}  // namespace milk::client
