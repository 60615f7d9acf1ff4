#include "tools/client/genesis.h"

#include <charconv>
#include <set>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/tls/certificate.h"
#include "node/ledger/formats.h"

namespace milk::client {
namespace {

// Chain ids become directory names and appear in every header; 64 characters is plenty.
constexpr size_t kNameCharsMax = 64;

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9][a-z0-9.-]{0,63}
bool IsValidChainId(const std::string& id) {
  if (id.empty() || id.size() > kNameCharsMax || !IsLowerOrDigit(id[0])) return false;
  for (char c : id) {
    if (!IsLowerOrDigit(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// Org and chaincode names: 1 to 64 of A-Z a-z 0-9 _ - (as `milk crypto generate` requires for
// org names; they appear in principals such as "TICA.peer").
bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kNameCharsMax) return false;
  for (char c : name) {
    bool ok = IsLowerOrDigit(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsHostPort(const std::string& endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size()) return false;
  unsigned port = 0;
  const char* begin = endpoint.data() + colon + 1;
  const char* end = endpoint.data() + endpoint.size();
  auto [ptr, ec] = std::from_chars(begin, end, port);
  return ec == std::errc() && ptr == end && port >= 1 && port <= 65535;
}

const milkpb::OrgConfig* FindOrg(const milkpb::ChainConfig& config, const std::string& name) {
  for (const milkpb::OrgConfig& org : config.orgs()) {
    if (org.name() == name) return &org;
  }
  return nullptr;
}

std::vector<uint64_t> Revoked(const milkpb::OrgConfig& org) {
  return {org.revoked_serials().begin(), org.revoked_serials().end()};
}

Status ValidateOrgs(const milkpb::ChainConfig& config) {
  if (config.orgs_size() == 0) return InvalidArgument("orgs: at least one org is required");
  std::set<std::string> names;
  for (const milkpb::OrgConfig& org : config.orgs()) {
    if (!IsValidName(org.name())) {
      return InvalidArgument("org name \"" + org.name() +
                             "\" must be 1 to 64 characters of A-Z a-z 0-9 _ -");
    }
    if (!names.insert(org.name()).second) {
      return InvalidArgument("org " + org.name() + " is listed twice");
    }
    if (org.root_public_key().size() != crypto::kPublicKeyBytes) {
      return InvalidArgument("org " + org.name() + ": root public key must be 32 bytes");
    }
  }
  return Status::Ok();
}

Status ValidateConsenters(const milkpb::ChainConfig& config, int64_t now_ms) {
  if (config.consenters_size() == 0) {
    return InvalidArgument("consenters: at least one consenter is required");
  }
  std::set<std::string> keys;
  for (int i = 0; i < config.consenters_size(); ++i) {
    const milkpb::ConsenterConfig& c = config.consenters(i);
    const std::string ctx = "consenters[" + std::to_string(i) + "]";
    const milkpb::OrgConfig* org = FindOrg(config, c.org());
    if (org == nullptr) return InvalidArgument(ctx + ": org " + c.org() + " is not in orgs");
    milkpb::Certificate cert;
    if (!cert.ParseFromString(c.certificate())) {
      return InvalidArgument(ctx + ": certificate does not parse");
    }
    Result<milkpb::CertificateBody> body =
        crypto::CheckCertificate(cert, org->root_public_key(), now_ms, Revoked(*org));
    if (!body.ok()) return body.status().WithContext(ctx);
    if (body->role() != milkpb::CONSENTER || body->org() != c.org()) {
      return InvalidArgument(ctx + ": certificate of " + body->org() + " member " + body->name() +
                             " has role " + crypto::RoleName(body->role()) +
                             "; a consenter of org " + c.org() + " is required");
    }
    if (!keys.insert(body->public_key()).second) {
      return InvalidArgument(ctx + ": " + body->org() + " member " + body->name() +
                             " is listed twice");
    }
    if (!IsHostPort(c.endpoint())) {
      return InvalidArgument(ctx + ": endpoint \"" + c.endpoint() + "\" must be host:port");
    }
  }
  return Status::Ok();
}

// TLS material (docs/tls.md): each org TLS CA parses; either every consenter has a TLS
// certificate or none does (a TLS node refuses Raft messages from an unbound consenter); each
// one chains to its org's TLS CA at now_ms, allows client authentication, and is unique.
Status ValidateTls(const milkpb::ChainConfig& config, int64_t now_ms) {
  for (const milkpb::OrgConfig& org : config.orgs()) {
    if (org.tls_ca_certificate().empty()) continue;
    auto ca = crypto::tls::ParseCertificateIdentity(org.tls_ca_certificate());
    if (!ca.ok()) return ca.status().WithContext("org " + org.name() + ": TLS CA certificate");
  }
  int bound = 0;
  for (const milkpb::ConsenterConfig& c : config.consenters()) {
    bound += !c.tls_certificate().empty();
  }
  std::set<std::string> fingerprints;
  for (int i = 0; i < config.consenters_size() && bound > 0; ++i) {
    const milkpb::ConsenterConfig& c = config.consenters(i);
    const std::string ctx = "consenters[" + std::to_string(i) + "]";
    if (c.tls_certificate().empty()) {
      return InvalidArgument(ctx + ": has no TLS certificate while " + std::to_string(bound) +
                             " other consenter(s) have one; give every consenter its tls.crt "
                             "(tls_cert_file), or none");
    }
    auto cert = crypto::tls::ParseCertificateIdentity(c.tls_certificate());
    if (!cert.ok()) return cert.status().WithContext(ctx + ": TLS certificate");
    const milkpb::OrgConfig* org = FindOrg(config, c.org());
    if (org == nullptr || org->tls_ca_certificate().empty()) {
      return InvalidArgument(ctx + ": has a TLS certificate but org " + c.org() +
                             " has no TLS CA (tls_ca_file) to check it against");
    }
    crypto::tls::VerifyOptions options;
    options.at_ms = now_ms;
    options.purpose = crypto::tls::Purpose::kTlsClient;
    Status chain = crypto::tls::VerifyCertificateChain(c.tls_certificate(),
                                                       {org->tls_ca_certificate()}, options);
    if (!chain.ok()) {
      return InvalidArgument(ctx + ": TLS certificate (CN=" + cert->common_name + ") against the " +
                             c.org() + " TLS CA: " + chain.message());
    }
    if (!fingerprints.insert(cert->fingerprint_sha256).second) {
      return InvalidArgument(ctx + ": TLS certificate (CN=" + cert->common_name +
                             ") is already another consenter's");
    }
  }
  return Status::Ok();
}

// Every quoted principal 'ORG.role' must name an org of this chain. The policy grammar itself is
// checked by the node, which owns the parser.
Status ValidatePolicyOrgs(const milkpb::ChainConfig& config, const std::string& ctx,
                          const std::string& policy) {
  if (policy.empty()) return InvalidArgument(ctx + ": endorsement_policy is required");
  size_t pos = 0;
  while ((pos = policy.find('\'', pos)) != std::string::npos) {
    const size_t close = policy.find('\'', pos + 1);
    if (close == std::string::npos) {
      return InvalidArgument(ctx + ": endorsement_policy has an unclosed quote");
    }
    const std::string principal = policy.substr(pos + 1, close - pos - 1);
    const std::string org = principal.substr(0, principal.rfind('.'));
    if (principal.find('.') == std::string::npos || FindOrg(config, org) == nullptr) {
      return InvalidArgument(ctx + ": endorsement_policy names '" + principal +
                             "', which is not ORG.role for an org of this chain");
    }
    pos = close + 1;
  }
  return Status::Ok();
}

Status ValidateChaincodes(const milkpb::ChainConfig& config) {
  std::set<std::string> names;
  for (const milkpb::ChaincodeDefinition& cc : config.chaincodes()) {
    const std::string ctx = "chaincode " + cc.name();
    if (!IsValidName(cc.name())) {
      return InvalidArgument("chaincode name \"" + cc.name() +
                             "\" must be 1 to 64 characters of A-Z a-z 0-9 _ -");
    }
    if (!names.insert(cc.name()).second) return InvalidArgument(ctx + " is listed twice");
    if (cc.version() == 0) return InvalidArgument(ctx + ": version must be 1 or more");
    MILK_RETURN_IF_ERROR(ValidatePolicyOrgs(config, ctx, cc.endorsement_policy()));
    for (const milkpb::FunctionAcl& acl : cc.acl()) {
      if (acl.function().empty()) return InvalidArgument(ctx + ": ACL with an empty function");
      for (int role : acl.roles()) {
        if (role < milkpb::ADMIN || role > milkpb::Role_MAX) {
          return InvalidArgument(ctx + ": ACL of " + acl.function() + " has an unknown role");
        }
      }
    }
  }
  return Status::Ok();
}

Status CheckAdmin(const milkpb::ChainConfig& config, const Signer& admin, int64_t now_ms) {
  if (admin.info.is_wallet) {
    return PermissionDenied("a genesis block is signed by an org admin, not a wallet (" +
                            admin.info.name + ")");
  }
  const milkpb::OrgConfig* org = FindOrg(config, admin.info.org);
  if (org == nullptr) {
    return PermissionDenied("admin " + admin.info.name + " is of org " + admin.info.org +
                            ", which is not in the profile");
  }
  Result<milkpb::CertificateBody> body = crypto::CheckCertificate(
      admin.info.certificate, org->root_public_key(), now_ms, Revoked(*org));
  if (!body.ok()) return body.status().WithContext("admin identity");
  if (body->role() != milkpb::ADMIN) {
    return PermissionDenied(admin.info.org + " member " + admin.info.name + " has role " +
                            crypto::RoleName(body->role()) + "; only an admin may create a chain");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateChainConfig(const milkpb::ChainConfig& config, int64_t now_ms) {
  if (config.version() != ledger::kFormatVersion || config.sequence() != 0) {
    return InvalidArgument("a genesis config has version 1 and sequence 0");
  }
  if (!IsValidChainId(config.chain_id())) {
    return InvalidArgument("chain_id \"" + config.chain_id() +
                           "\" must match [a-z0-9][a-z0-9.-]{0,63}");
  }
  MILK_RETURN_IF_ERROR(ValidateOrgs(config));
  MILK_RETURN_IF_ERROR(ValidateConsenters(config, now_ms));
  MILK_RETURN_IF_ERROR(ValidateTls(config, now_ms));
  MILK_RETURN_IF_ERROR(ValidateChaincodes(config));
  const milkpb::BatchConfig& batch = config.batch();
  if (batch.max_tx_count() == 0 || batch.max_bytes() == 0 || batch.batch_timeout_ms() == 0) {
    return InvalidArgument("batch: max_tx_count, max_bytes and batch_timeout_ms must be positive");
  }
  if (config.max_timestamp_skew_ms() <= 0) {
    return InvalidArgument("max_timestamp_skew_ms must be positive");
  }
  return Status::Ok();
}

Result<milkpb::Block> BuildGenesisBlock(const ChainProfile& profile, const Signer& admin,
                                        int64_t now_ms) {
  const milkpb::ChainConfig& config = profile.config;
  MILK_RETURN_IF_ERROR(ValidateChainConfig(config, now_ms));
  MILK_RETURN_IF_ERROR(CheckAdmin(config, admin, now_ms));

  milkpb::ConfigTransaction config_tx;
  *config_tx.mutable_config() = config;
  config_tx.set_creator(admin.identity_bytes);
  config_tx.set_timestamp_ms(now_ms);
  milkpb::Envelope envelope;
  envelope.set_type(milkpb::CONFIG);
  envelope.set_payload(config_tx.SerializeAsString());
  envelope.set_signature(crypto::Sign(
      admin.key.secret_key, ledger::EnvelopeSigningBytes(milkpb::CONFIG, envelope.payload())));

  milkpb::Block block;
  block.mutable_data()->add_envelopes(envelope.SerializeAsString());
  milkpb::BlockHeader* header = block.mutable_header();
  header->set_version(ledger::kFormatVersion);
  header->set_chain_id(config.chain_id());
  header->set_number(0);
  header->set_previous_hash(ledger::ZeroHash());
  header->set_data_hash(ledger::DataHash(block.data()));
  header->set_timestamp_ms(now_ms);
  block.mutable_metadata()->set_signer(admin.identity_bytes);
  block.mutable_metadata()->set_signature(
      crypto::Sign(admin.key.secret_key, ledger::HeaderHash(*header)));
  return block;
}

}  // namespace milk::client
