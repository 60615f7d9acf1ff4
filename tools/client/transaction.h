// Building what a client signs: proposals and transaction envelopes (ARCHITECTURE.md section 3).
// Pure functions of their inputs (apart from the random nonce); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tools/client/signer.h"

namespace milk::client {

struct BuiltProposal {
  milkpb::SignedProposal signed_proposal;
  std::string tx_id;  // hex(SHA-256(nonce || creator)), also in the proposal
};

// A signed proposal for chaincode.function(args) on chain_id, created by signer.
// nonce: 24 bytes; when absent, 24 fresh random bytes (libsodium). Tests pass one to get a
// reproducible tx_id. kInvalidArgument when a given nonce is not 24 bytes or a name is empty.
Result<BuiltProposal> BuildProposal(const Signer& signer, const std::string& chain_id,
                                    const std::string& chaincode, const std::string& function,
                                    const std::vector<std::string>& args, int64_t timestamp_ms,
                                    std::optional<std::string> nonce = std::nullopt);

// The transaction envelope for an endorsed proposal, signed by signer (who must be the
// proposal's creator). proposal_bytes is SignedProposal.proposal exactly as it was sent.
// Checks, in order, each with an error a person can act on:
//   - at least one response (kInvalidArgument)
//   - every chaincode response is status 200 (else kFailedPrecondition carrying the chaincode's
//     message and the endorser that returned it)
//   - every endorser returned byte-identical payloads (else kAborted naming the endorsers that
//     disagree: their world states differ, usually a transient race; retry)
//   - the payload answers this proposal and each endorsement signature verifies under the key in
//     its endorser identity (kUnauthenticated). Whether the endorser is a peer of a member org is
//     the validator's business: the client does not know the chain's org roots.
//
// verify_endorsements = false skips the last check's signature verifications (the others stay):
// for a load generator that trusts the node it asked and must not spend its CPU on what the node
// checks anyway at Submit. Everyone else keeps the default.
Result<milkpb::Envelope> BuildEnvelope(const Signer& signer, const std::string& proposal_bytes,
                                       const std::vector<milkpb::ProposalResponse>& responses,
                                       bool verify_endorsements = true);

// "TICA/peer0" for a member, the wallet address for a wallet, "<unparsable identity>" otherwise.
std::string DescribeIdentity(const std::string& identity_bytes);

}  // namespace milk::client
