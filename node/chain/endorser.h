// Endorsement and evaluation of proposals (ARCHITECTURE.md section 3, step 2): check the
// signature, the creator's right to call the function and the timestamp skew, then simulate on
// a snapshot and sign the result. Every refusal is a Status a person can act on; the RPC layer
// maps it to a gRPC status.
#pragma once

#include <string>

#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "node/chain/chain.h"

namespace milk::node {

// A checked proposal: what the endorser and evaluator work from.
struct CheckedProposal {
  milkpb::Proposal proposal;
  crypto::IdentityInfo creator;
};

// Checks a signed proposal against the chain at time now_ms. Errors:
//   kInvalidArgument    malformed proposal, bad nonce/txid, timestamp too far from now_ms
//   kUnauthenticated    creator unknown to the chain, bad certificate or bad signature
//   kPermissionDenied   certificate expired/revoked, or role not allowed by the chain's ACL
//   kNotFound           chaincode not defined on the chain or not installed on this node
//   kAlreadyExists      the txid is already in the ledger (a replay)
Result<CheckedProposal> CheckProposal(const milkpb::SignedProposal& signed_proposal,
                                      const Chain& chain, int64_t now_ms);

// The node's endorsing identity (role PEER).
struct Signer {
  crypto::KeyPair key;
  std::string identity;  // serialized Identity
};

// Simulates and signs. A chaincode refusal is an error status: 400 -> kFailedPrecondition,
// 403 -> kPermissionDenied, 404 -> kNotFound, 413 -> kResourceExhausted, else kInternal, each
// with the chaincode's message.
Result<milkpb::ProposalResponse> Endorse(const milkpb::SignedProposal& signed_proposal,
                                         const Chain& chain, const Signer& signer, int64_t now_ms);
// Simulates without signing or recording anything (queries).
Result<milkpb::Response> Evaluate(const milkpb::SignedProposal& signed_proposal, const Chain& chain,
                                  int64_t now_ms);

}  // namespace milk::node
