// Endorsed views as proofs: signing and checking (docs/views.md). The checks run in a fixed
// order (shape, what the proof says, freshness, signers, policy) so that every peer of the
// destination chain gives the same error for the same bad proof.
#include "chaincode/proof/view_proof.h"

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "crypto/bytes.h"
#include "node/ledger/formats.h"
#include "node/ledger/policy.h"

namespace milk::proof {
namespace {

using Json = nlohmann::json;

// The registry's JSON for one source chain: a chain id, a short policy and a handful of orgs.
// Far below this; a bound so a hostile argument cannot make the parser allocate without limit.
constexpr size_t kSourceJsonBytesMax = 64 * 1024;
// Orgs per source chain: a brand chain has its partner, TICA and a few auditors.
constexpr size_t kSourceOrgsMax = 64;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string ArgsText(const google::protobuf::RepeatedPtrField<std::string>& args) {
  std::string out = "[";
  for (int i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(args.Get(i));
  }
  return out + "]";
}

std::string ArgsText(const std::vector<std::string>& args) {
  google::protobuf::RepeatedPtrField<std::string> field(args.begin(), args.end());
  return ArgsText(field);
}

// Saturating add/subtract: now_ms and max_age_ms come from chaincode arguments and config, and
// the window must not wrap around for extreme values.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return out;
}

// What the proof says must be what the destination asked: same chain, call and arguments.
Status CheckSubject(const milkpb::ViewResult& result, const Source& source,
                    const Expectation& expect) {
  if (result.version() != kViewVersion) {
    return InvalidArgument("view version " + std::to_string(result.version()) +
                           " is not supported (expected " + std::to_string(kViewVersion) + ")");
  }
  if (result.chain_id() != source.chain_id) {
    return FailedPrecondition("proof is from chain " + Quote(result.chain_id()) + ", expected " +
                              Quote(source.chain_id));
  }
  if (result.chaincode() != expect.chaincode || result.function() != expect.function) {
    return FailedPrecondition("proof is of " + Quote(result.chaincode()) + " " +
                              Quote(result.function()) + ", expected " + Quote(expect.chaincode) +
                              " " + Quote(expect.function));
  }
  bool same_args = result.args_size() == static_cast<int>(expect.args.size());
  for (int i = 0; same_args && i < result.args_size(); ++i) {
    same_args = result.args(i) == expect.args[static_cast<size_t>(i)];
  }
  if (!same_args) {
    return FailedPrecondition("proof is of arguments " + ArgsText(result.args()) + ", expected " +
                              ArgsText(expect.args));
  }
  return Status::Ok();
}

Status CheckFreshness(const milkpb::ViewResult& result, const Expectation& expect) {
  if (expect.max_age_ms < 0) {
    return InvalidArgument("max_age_ms is negative (" + std::to_string(expect.max_age_ms) + ")");
  }
  const int64_t oldest_ms = SaturatingSub(expect.now_ms, expect.max_age_ms);
  const int64_t newest_ms = SaturatingAdd(expect.now_ms, expect.max_age_ms);
  // A view is as fresh as the later of its block and its evaluation: a source chain that has cut
  // no block for a while still proves its current state when a peer evaluated it just now.
  const bool evaluated = result.evaluated_ms() > result.block_time_ms();
  const int64_t time_ms = evaluated ? result.evaluated_ms() : result.block_time_ms();
  const std::string what = evaluated ? "evaluation time " : "block time ";
  if (time_ms < oldest_ms) {
    return FailedPrecondition("stale proof: " + what + std::to_string(time_ms) +
                              " ms is more than " + std::to_string(expect.max_age_ms) +
                              " ms before now (" + std::to_string(expect.now_ms) + ")");
  }
  if (time_ms > newest_ms) {
    return FailedPrecondition("proof from the future: " + what + std::to_string(time_ms) +
                              " ms is more than " + std::to_string(expect.max_age_ms) +
                              " ms after now (" + std::to_string(expect.now_ms) + ")");
  }
  if (result.height() < expect.min_height) {
    return FailedPrecondition("stale proof: height " + std::to_string(result.height()) +
                              " is below the minimum " + std::to_string(expect.min_height));
  }
  return Status::Ok();
}

// One signature: a peer certificate issued by its org's registered root, valid at the block
// time, over the signing bytes. Returns the signer's principal and public key.
Result<crypto::IdentityInfo> CheckSignature(const milkpb::ViewSignature& signature, int index,
                                            const std::string& signing_bytes,
                                            const Source& source, int64_t at_ms) {
  const std::string where = "signature " + std::to_string(index) + ": ";
  Result<crypto::IdentityInfo> id = crypto::ParseIdentity(signature.endorser());
  if (!id.ok()) return Unauthenticated(where + "endorser: " + id.status().message());
  if (id->is_wallet) return Unauthenticated(where + "signer is a wallet, not a peer certificate");
  auto root = source.root_keys.find(id->org);
  if (root == source.root_keys.end()) {
    return Unauthenticated(where + "org " + Quote(id->org) + " is not registered for chain " +
                           Quote(source.chain_id));
  }
  Result<milkpb::CertificateBody> body =
      crypto::CheckCertificate(id->certificate, root->second, at_ms, {});
  if (!body.ok()) {
    return Unauthenticated(where + "certificate of " + Quote(id->org + "/" + id->name) +
                           " refused at block time: " + body.status().message());
  }
  if (id->role != milkpb::PEER) {
    return Unauthenticated(where + Quote(id->org + "/" + id->name) + " is a " +
                           crypto::RoleName(id->role) + ", not a peer");
  }
  if (!crypto::Verify(id->public_key, signing_bytes, signature.signature())) {
    return Unauthenticated(where + "bad signature by " + Quote(id->org + "/" + id->name));
  }
  return id;
}

Status CheckSigners(const milkpb::ViewProof& proof, const Source& source,
                    const ledger::Policy& policy) {
  const std::string signing_bytes = ledger::ViewSigningBytes(proof.result());
  std::set<std::string> seen_keys;
  std::vector<std::string> principals;
  std::string names;
  for (int i = 0; i < proof.signatures_size(); ++i) {
    MILK_ASSIGN_OR_RETURN(crypto::IdentityInfo id,
                          CheckSignature(proof.signatures(i), i, signing_bytes, source,
                                         proof.result().block_time_ms()));
    // The same peer signing twice (or two certificates of one key) is one signer.
    if (!seen_keys.insert(id.public_key).second) continue;
    principals.push_back(crypto::PrincipalName(id));
    names += (names.empty() ? "" : ", ") + id.org + "/" + id.name;
  }
  if (!policy.IsSatisfiedBy(principals)) {
    return Unauthenticated("policy " + Quote(policy.text()) + " not satisfied by the " +
                           std::to_string(principals.size()) + " distinct signer(s) [" + names +
                           "]");
  }
  return Status::Ok();
}

}  // namespace

milkpb::ViewSignature SignView(const milkpb::ViewResult& result, const crypto::KeyPair& key,
                               const std::string& endorser) {
  milkpb::ViewSignature signature;
  signature.set_endorser(endorser);
  signature.set_signature(crypto::Sign(key.secret_key, ledger::ViewSigningBytes(result)));
  return signature;
}

Result<milkpb::ViewResult> VerifyView(const std::string& proof_bytes, const Source& source,
                                      const Expectation& expect) {
  if (proof_bytes.size() > kProofBytesMax) {
    return InvalidArgument("proof is " + std::to_string(proof_bytes.size()) +
                           " bytes, more than the " + std::to_string(kProofBytesMax) + " allowed");
  }
  milkpb::ViewProof proof;
  if (!proof.ParseFromString(proof_bytes) || !proof.has_result()) {
    return InvalidArgument("not a ViewProof (does not parse or has no result)");
  }
  if (proof.signatures_size() > static_cast<int>(kProofSignaturesMax)) {
    return InvalidArgument("proof has " + std::to_string(proof.signatures_size()) +
                           " signatures, more than the " + std::to_string(kProofSignaturesMax) +
                           " allowed");
  }
  Result<ledger::Policy> policy = ledger::Policy::Parse(source.policy);
  if (!policy.ok()) {
    return InvalidArgument("bad policy " + Quote(source.policy) + " for chain " +
                           Quote(source.chain_id) + ": " + policy.status().message());
  }
  MILK_RETURN_IF_ERROR(CheckSubject(proof.result(), source, expect));
  MILK_RETURN_IF_ERROR(CheckFreshness(proof.result(), expect));
  MILK_RETURN_IF_ERROR(CheckSigners(proof, source, *policy));
  return std::move(*proof.mutable_result());
}

Result<Source> SourceFromJson(const std::string& json) {
  if (json.size() > kSourceJsonBytesMax) {
    return InvalidArgument("source JSON is " + std::to_string(json.size()) +
                           " bytes, more than the " + std::to_string(kSourceJsonBytesMax) +
                           " allowed");
  }
  Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return InvalidArgument("source: not a JSON object");
  Source source;
  if (!doc.contains("chain_id") || !doc["chain_id"].is_string() ||
      doc["chain_id"].get<std::string>().empty()) {
    return InvalidArgument("source: 'chain_id' must be a non-empty string");
  }
  source.chain_id = doc["chain_id"].get<std::string>();
  if (!doc.contains("policy") || !doc["policy"].is_string()) {
    return InvalidArgument("source: 'policy' must be a string");
  }
  source.policy = doc["policy"].get<std::string>();
  Result<ledger::Policy> policy = ledger::Policy::Parse(source.policy);
  if (!policy.ok()) return InvalidArgument("source: 'policy': " + policy.status().message());
  if (!doc.contains("root_keys") || !doc["root_keys"].is_object() || doc["root_keys"].empty() ||
      doc["root_keys"].size() > kSourceOrgsMax) {
    return InvalidArgument("source: 'root_keys' must be an object of 1 to " +
                           std::to_string(kSourceOrgsMax) + " org -> hex key entries");
  }
  for (const auto& [org, key] : doc["root_keys"].items()) {
    std::optional<std::string> raw;
    if (key.is_string()) raw = FromHex(key.get<std::string>());
    if (org.empty() || !raw || raw->size() != crypto::kPublicKeyBytes) {
      return InvalidArgument("source: 'root_keys' entry " + Quote(org) +
                             " is not a 64-hex-character Ed25519 key");
    }
    source.root_keys[org] = *raw;
  }
  return source;
}

}  // namespace milk::proof
