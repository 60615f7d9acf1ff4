// Endorsed views as proofs between chains (ARCHITECTURE.md section 7, docs/views.md): signing a
// view result on the source chain's peer, and checking a proof on the destination chain, inside
// chaincode. Pure functions of their arguments (no clock, no randomness), so every peer of the
// destination chain decides alike and `milk ledger verify` reproduces the decision.
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/status.h"
#include "milk/view.pb.h"

namespace milk::proof {

inline constexpr uint32_t kViewVersion = 1;
// A proof is carried as one transaction argument: bounded so a hostile one cannot bloat a block.
inline constexpr size_t kProofBytesMax = 64 * 1024;
// Signatures considered per proof (policies name a handful of peers).
inline constexpr size_t kProofSignaturesMax = 16;

// The peer's signature over ViewSigningBytes(result) (node/ledger/formats.h).
// endorser = serialized Identity of the signing peer.
milkpb::ViewSignature SignView(const milkpb::ViewResult& result, const crypto::KeyPair& key,
                               const std::string& endorser);

// What the destination chain registered for a source chain: the orgs whose certificates may
// sign (org -> raw 32-byte Ed25519 root public key) and the verification policy over them
// (node/ledger/policy.h syntax, e.g. "OutOf(1,'BrandA.peer')").
struct Source {
  std::string chain_id;
  std::map<std::string, std::string> root_keys;  // org -> 32 raw bytes
  std::string policy;
};

// What the destination expects the proof to say.
struct Expectation {
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;  // exact
  // The destination transaction's timestamp: certificates must be valid at the proof's block
  // time, and the proof's block may be at most max_age_ms older than now_ms (stale otherwise).
  int64_t now_ms = 0;
  int64_t max_age_ms = 0;
  // Stale also below this height (the destination keeps the height of the last proof it
  // accepted for the same object, so an older view can never overrule a newer one). 0 = any.
  uint64_t min_height = 0;
};

// Parses a serialized ViewProof (<= kProofBytesMax) and checks it. OK means: the result names
// source.chain_id, version 1, the expected chaincode/function/args; its block time is within
// [now_ms - max_age_ms, now_ms + max_age_ms] and height >= min_height; each signature is by a
// distinct member certificate issued by one of source.root_keys' orgs (crypto::CheckCertificate,
// valid at block_time_ms), role PEER, over ViewSigningBytes(result); and the signers satisfy
// source.policy. Errors (each message names what failed):
//   kInvalidArgument   not a ViewProof, too big, too many signatures, bad policy text, a view
//                      version other than kViewVersion, a negative max_age_ms
//   kFailedPrecondition wrong chain ("proof is from chain 'x', expected 'y'"), wrong
//                      chaincode/function/args, stale (too old, or height below min_height)
//   kUnauthenticated   a bad signature, an unknown org, a certificate not issued by its org's
//                      registered root, expired, or not a peer; or the policy not satisfied
//                      (one bad signature refuses the whole proof; the same signer twice
//                      counts once toward the policy)
// Checked in that order: shape, chain/call/args, freshness, each signature, policy.
// On OK returns the result (status and payload are the source chaincode's answer).
Result<milkpb::ViewResult> VerifyView(const std::string& proof_bytes, const Source& source,
                                      const Expectation& expect);

// Source from the alliance registry's JSON form {"chain_id","policy","root_keys":{org:hex}}
// (docs/chaincode_alliance.md, `brand_chain`) or the swap chaincode's config (docs/swaps.md).
// kInvalidArgument naming the bad field.
Result<Source> SourceFromJson(const std::string& json);

}  // namespace milk::proof
