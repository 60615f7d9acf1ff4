#include "node/ledger/chain_config.h"

#include <algorithm>

#include "crypto/ed25519.h"
#include "crypto/tls/certificate.h"

namespace milk::ledger {
namespace {

// An org's TLS CA, when the config names one: it must be a PEM X.509 certificate.
Status CheckOrgTlsCa(const milkpb::OrgConfig& org) {
  if (org.tls_ca_certificate().empty()) return Status::Ok();
  Result<crypto::tls::CertificateIdentity> ca =
      crypto::tls::ParseCertificateIdentity(org.tls_ca_certificate());
  if (!ca.ok()) {
    return InvalidArgument("org '" + org.name() + "' TLS CA certificate: " + ca.status().message());
  }
  return Status::Ok();
}

// The SHA-256 fingerprint of a consenter's TLS certificate, once it is known to chain to its
// org's TLS CA and to allow client authentication (consenters dial each other). Dates are not
// checked (see Create).
Result<std::string> ConsenterTlsFingerprint(const milkpb::ConsenterConfig& consenter,
                                            const milkpb::OrgConfig* org, uint64_t raft_id) {
  const std::string who =
      "consenter " + std::to_string(raft_id) + " of org '" + consenter.org() + "'";
  Result<crypto::tls::CertificateIdentity> cert =
      crypto::tls::ParseCertificateIdentity(consenter.tls_certificate());
  if (!cert.ok()) {
    return InvalidArgument(who + " TLS certificate: " + cert.status().message());
  }
  if (org == nullptr || org->tls_ca_certificate().empty()) {
    return InvalidArgument(who + " has a TLS certificate, but its org has no TLS CA certificate " +
                           "in the chain config to check it against");
  }
  crypto::tls::VerifyOptions options;
  options.purpose = crypto::tls::Purpose::kTlsClient;
  Status chain = crypto::tls::VerifyCertificateChain(consenter.tls_certificate(),
                                                     {org->tls_ca_certificate()}, options);
  if (!chain.ok()) {
    return InvalidArgument(who + " TLS certificate (CN=" + cert->common_name +
                           ") was not issued by the org's TLS CA: " + chain.message());
  }
  return std::move(cert->fingerprint_sha256);
}

}  // namespace

Result<std::shared_ptr<const ChainConfigView>> ChainConfigView::Create(milkpb::ChainConfig config) {
  auto view = std::shared_ptr<ChainConfigView>(new ChainConfigView());
  view->config_ = std::move(config);
  const milkpb::ChainConfig& c = view->config_;
  if (c.chain_id().empty()) return InvalidArgument("chain config has no chain_id");
  if (c.orgs().empty()) return InvalidArgument("chain config has no orgs");
  for (const milkpb::OrgConfig& org : c.orgs()) {
    if (org.root_public_key().size() != crypto::kPublicKeyBytes) {
      return InvalidArgument("org '" + org.name() + "' root public key is not 32 bytes");
    }
    if (!view->orgs_.emplace(org.name(), &org).second) {
      return InvalidArgument("org '" + org.name() + "' appears twice in the chain config");
    }
    MILK_RETURN_IF_ERROR(CheckOrgTlsCa(org));
  }
  for (const milkpb::ChaincodeDefinition& cc : c.chaincodes()) {
    auto policy = Policy::Parse(cc.endorsement_policy());
    if (!policy.ok()) return policy.status().WithContext("chaincode '" + cc.name() + "'");
    ChaincodeInfo info{cc, std::move(policy).value()};
    if (!view->chaincodes_.emplace(cc.name(), std::move(info)).second) {
      return InvalidArgument("chaincode '" + cc.name() + "' appears twice in the chain config");
    }
  }
  for (const milkpb::ConsenterConfig& consenter : c.consenters()) {
    milkpb::Certificate cert;
    milkpb::CertificateBody body;
    if (!cert.ParseFromString(consenter.certificate()) || !body.ParseFromString(cert.body()) ||
        body.role() != milkpb::CONSENTER || body.org() != consenter.org()) {
      return InvalidArgument("consenter of org '" + consenter.org() +
                             "' does not carry a consenter certificate of that org");
    }
    uint64_t raft_id = consenter.raft_id() != 0
                           ? consenter.raft_id()
                           : static_cast<uint64_t>(view->consenters_.size() + 1);
    for (const Consenter& other : view->consenters_) {
      if (other.raft_id == raft_id) {
        return InvalidArgument("two consenters have raft id " + std::to_string(raft_id));
      }
    }
    std::string tls_fingerprint;
    if (!consenter.tls_certificate().empty()) {
      auto org = view->orgs_.find(consenter.org());
      MILK_ASSIGN_OR_RETURN(
          tls_fingerprint,
          ConsenterTlsFingerprint(consenter, org == view->orgs_.end() ? nullptr : org->second,
                                  raft_id));
      for (const Consenter& other : view->consenters_) {
        if (other.tls_fingerprint_sha256 == tls_fingerprint) {
          return InvalidArgument("consenters " + std::to_string(other.raft_id) + " and " +
                                 std::to_string(raft_id) + " have the same TLS certificate");
        }
      }
    }
    view->consenters_.push_back({body.org(), body.public_key(), raft_id, consenter.endpoint(),
                                 std::move(tls_fingerprint)});
  }
  const milkpb::BatchConfig& b = c.batch();
  if (b.max_tx_count() == 0 || b.max_bytes() == 0 || b.batch_timeout_ms() == 0) {
    return InvalidArgument("chain config batch limits must all be positive");
  }
  if (c.max_timestamp_skew_ms() <= 0) {
    return InvalidArgument("chain config max_timestamp_skew_ms must be positive");
  }
  return std::shared_ptr<const ChainConfigView>(std::move(view));
}

Result<milkpb::ConfigTransaction> ChainConfigView::ConfigFromGenesis(const milkpb::Block& genesis) {
  if (genesis.header().number() != 0) return InvalidArgument("not a genesis block (number != 0)");
  if (genesis.data().envelopes_size() != 1) {
    return InvalidArgument("a genesis block holds exactly one config envelope");
  }
  milkpb::Envelope envelope;
  if (!envelope.ParseFromString(genesis.data().envelopes(0)) ||
      envelope.type() != milkpb::CONFIG) {
    return InvalidArgument("genesis block envelope is not a CONFIG envelope");
  }
  milkpb::ConfigTransaction tx;
  if (!tx.ParseFromString(envelope.payload())) {
    return InvalidArgument("genesis config transaction does not parse");
  }
  return tx;
}

IdentityCheck ChainConfigView::CheckIdentity(std::string_view identity_bytes, int64_t at_ms) const {
  IdentityCheck check;
  auto parsed = crypto::ParseIdentity(identity_bytes);
  if (!parsed.ok()) {
    check.problem = IdentityProblem::kMalformed;
    check.message = parsed.status().message();
    return check;
  }
  check.info = std::move(parsed).value();
  if (check.info.is_wallet) return check;
  auto org = orgs_.find(check.info.org);
  if (org == orgs_.end()) {
    check.problem = IdentityProblem::kUnknownOrg;
    check.message = "org '" + check.info.org + "' is not a member of chain '" + chain_id() + "'";
    return check;
  }
  auto body = crypto::CheckCertificate(check.info.certificate, org->second->root_public_key(),
                                       at_ms, {});
  if (!body.ok()) {
    check.problem = body.status().code() == Code::kPermissionDenied ? IdentityProblem::kExpired
                                                                     : IdentityProblem::kBadCertificate;
    check.message = body.status().message();
    return check;
  }
  const auto& revoked = org->second->revoked_serials();
  if (std::find(revoked.begin(), revoked.end(), body->serial()) != revoked.end()) {
    check.problem = IdentityProblem::kRevoked;
    check.message = "certificate of " + check.info.org + "/" + check.info.name + " (serial " +
                    std::to_string(body->serial()) + ") is revoked";
  }
  return check;
}

const ChaincodeInfo* ChainConfigView::FindChaincode(const std::string& name) const {
  auto it = chaincodes_.find(name);
  return it == chaincodes_.end() ? nullptr : &it->second;
}

bool ChainConfigView::IsAllowed(const milkpb::ChaincodeDefinition& definition,
                                const std::string& function, milkpb::Role role) {
  const milkpb::FunctionAcl* fallback = nullptr;
  for (const milkpb::FunctionAcl& acl : definition.acl()) {
    if (acl.function() == function) {
      return std::find(acl.roles().begin(), acl.roles().end(), role) != acl.roles().end();
    }
    if (acl.function() == "*") fallback = &acl;
  }
  if (fallback == nullptr) return false;  // deny by default: a function must be granted
  return std::find(fallback->roles().begin(), fallback->roles().end(), role) !=
         fallback->roles().end();
}

bool ChainConfigView::IsConsenter(const crypto::IdentityInfo& info) const {
  return RaftIdOf(info) != 0;
}

ChainConfigView::ConsenterTlsCheck ChainConfigView::CheckConsenterTls(
    uint64_t raft_id, std::string_view tls_fingerprint_sha256) const {
  for (const Consenter& c : consenters_) {
    if (c.raft_id != raft_id) continue;
    if (tls_fingerprint_sha256.empty()) return ConsenterTlsCheck::kNoCertificate;
    if (c.tls_fingerprint_sha256.empty()) return ConsenterTlsCheck::kUnboundConsenter;
    if (c.tls_fingerprint_sha256 != tls_fingerprint_sha256) {
      return ConsenterTlsCheck::kWrongCertificate;
    }
    return ConsenterTlsCheck::kAccepted;
  }
  return ConsenterTlsCheck::kUnknownConsenter;
}

uint64_t ChainConfigView::RaftIdOf(const crypto::IdentityInfo& info) const {
  if (info.is_wallet || info.role != milkpb::CONSENTER) return 0;
  for (const Consenter& c : consenters_) {
    if (c.org == info.org && c.public_key == info.public_key) return c.raft_id;
  }
  return 0;
}

}  // namespace milk::ledger
