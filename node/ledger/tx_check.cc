#include "node/ledger/tx_check.h"

#include "chaincode/shim/stub.h"
#include "crypto/ed25519.h"
#include "crypto/signature_memo.h"
#include "crypto/hash.h"
#include "node/ledger/formats.h"

namespace milk::ledger {
namespace {

uint8_t CodeForIdentity(IdentityProblem problem) {
  switch (problem) {
    case IdentityProblem::kNone: return milkpb::VALID;
    case IdentityProblem::kExpired: return milkpb::EXPIRED_CERTIFICATE;
    case IdentityProblem::kRevoked: return milkpb::REVOKED_CERTIFICATE;
    default: return milkpb::BAD_CREATOR_SIGNATURE;
  }
}

}  // namespace

uint8_t CheckRwsetShape(const milkpb::TxReadWriteSet& rwset, const ChainConfigView& config) {
  const std::string* previous_ns = nullptr;
  for (const milkpb::NsReadWriteSet& ns : rwset.ns_rwset()) {
    if (previous_ns != nullptr && !(*previous_ns < ns.namespace_())) return milkpb::BAD_RWSET;
    previous_ns = &ns.namespace_();
    if (config.FindChaincode(ns.namespace_()) == nullptr) return milkpb::ILLEGAL_WRITESET;
    const std::string* previous_key = nullptr;
    for (const milkpb::KVWrite& w : ns.writes()) {
      if (w.key().empty() || w.key().size() > chaincode::kKeyBytesMax) return milkpb::BAD_RWSET;
      if (w.value().size() > chaincode::kValueBytesMax) return milkpb::BAD_RWSET;
      if (previous_key != nullptr && !(*previous_key < w.key())) return milkpb::BAD_RWSET;
      previous_key = &w.key();
    }
  }
  return milkpb::VALID;
}

namespace {

// Endorsements: each a PEER of a chain org, valid at block time, signature over the payload;
// the valid ones must satisfy the chaincode's policy.
bool EndorsementsSatisfy(const milkpb::Transaction& tx, const ChaincodeInfo& chaincode,
                         const ChainConfigView& config, int64_t block_time_ms) {
  std::vector<std::string> principals;
  for (const milkpb::Endorsement& e : tx.endorsements()) {
    IdentityCheck endorser = config.CheckIdentity(e.endorser(), block_time_ms);
    if (endorser.problem != IdentityProblem::kNone || endorser.info.is_wallet ||
        endorser.info.role != milkpb::PEER) {
      continue;
    }
    // Memoized (crypto/signature_memo.h): checked at Submit, again at validation, and signed
    // by this very node when it endorsed.
    if (!crypto::VerifyMemo(endorser.info.public_key,
                            EndorsementSigningBytes(tx.response_payload(), e.endorser()),
                            e.signature())) {
      continue;
    }
    principals.push_back(crypto::PrincipalName(endorser.info));
  }
  return chaincode.policy.IsSatisfiedBy(principals);
}

}  // namespace

TxCheck CheckTransaction(const std::string& envelope_bytes, const ChainConfigView& config,
                         int64_t block_time_ms) {
  TxCheck check;
  auto fail = [&check](uint8_t code) {
    check.code = code;
    return check;
  };
  if (envelope_bytes.empty()) return fail(milkpb::NIL_ENVELOPE);
  milkpb::Envelope envelope;
  if (!envelope.ParseFromString(envelope_bytes)) return fail(milkpb::BAD_PAYLOAD);
  if (envelope.type() == milkpb::CONFIG) return fail(milkpb::INVALID_CONFIG_TRANSACTION);
  if (envelope.type() != milkpb::ENDORSER_TRANSACTION) return fail(milkpb::UNKNOWN_TX_TYPE);
  milkpb::Transaction tx;
  milkpb::Proposal proposal;
  if (!tx.ParseFromString(envelope.payload()) || !proposal.ParseFromString(tx.proposal())) {
    return fail(milkpb::BAD_PAYLOAD);
  }
  check.timestamp_ms = proposal.timestamp_ms();
  if (proposal.chain_id() != config.chain_id()) return fail(milkpb::TARGET_CHAIN_NOT_FOUND);

  IdentityCheck creator = config.CheckIdentity(proposal.creator(), block_time_ms);
  if (creator.problem == IdentityProblem::kMalformed ||
      creator.problem == IdentityProblem::kUnknownOrg ||
      creator.problem == IdentityProblem::kBadCertificate) {
    return fail(milkpb::BAD_CREATOR_SIGNATURE);
  }
  if (!crypto::VerifyMemo(creator.info.public_key,
                          EnvelopeSigningBytes(envelope.type(), envelope.payload()),
                          envelope.signature())) {
    return fail(milkpb::BAD_CREATOR_SIGNATURE);
  }
  if (proposal.nonce().size() != kNonceBytes ||
      ComputeTxId(proposal.nonce(), proposal.creator()) != proposal.tx_id()) {
    return fail(milkpb::BAD_PROPOSAL_TXID);
  }
  check.tx_id = proposal.tx_id();
  check.tx_id_proven = true;
  if (creator.problem != IdentityProblem::kNone) return fail(CodeForIdentity(creator.problem));

  const ChaincodeInfo* chaincode = config.FindChaincode(proposal.chaincode());
  if (chaincode == nullptr) return fail(milkpb::INVALID_CHAINCODE);
  if (!ChainConfigView::IsAllowed(chaincode->definition, proposal.function(),
                                  creator.info.role)) {
    return fail(milkpb::CREATOR_NOT_AUTHORIZED);
  }
  milkpb::ProposalResponsePayload payload;
  if (!payload.ParseFromString(tx.response_payload()) ||
      payload.proposal_hash() != crypto::Sha256(tx.proposal()) ||
      payload.response().status() != 200) {
    return fail(milkpb::BAD_RESPONSE_PAYLOAD);
  }
  if (!EndorsementsSatisfy(tx, *chaincode, config, block_time_ms)) {
    return fail(milkpb::ENDORSEMENT_POLICY_FAILURE);
  }
  if (payload.sequenced()) {
    // Nothing but the call is endorsed: a payload that also carries reads, writes or events is
    // malformed (they would be ignored, and ignoring endorsed data hides bugs).
    if (payload.results().ns_rwset_size() != 0 || payload.events_size() != 0) {
      return fail(milkpb::BAD_RWSET);
    }
    chaincode::TxContext call{proposal.chain_id(), proposal.tx_id(), creator.info,
                              proposal.timestamp_ms(), proposal.chaincode(), proposal.function(),
                              {}};
    for (const std::string& arg : proposal.args()) call.args.push_back(arg);
    check.sequenced = std::move(call);
    check.code = milkpb::VALID;
    return check;
  }
  uint8_t shape = CheckRwsetShape(payload.results(), config);
  if (shape != milkpb::VALID) return fail(shape);
  check.rwset = std::move(*payload.mutable_results());
  check.code = milkpb::VALID;
  return check;
}

}  // namespace milk::ledger
