// A chain's configuration, parsed once and checked: org roots, policies, ACLs, consenters.
// Immutable after construction, so it is shared freely between threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/identity.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "node/ledger/policy.h"

namespace milk::ledger {

struct ChaincodeInfo {
  milkpb::ChaincodeDefinition definition;
  Policy policy;
};

// Why an identity was refused, mapped to a validation code by the validator and to a gRPC
// status by the endorser.
enum class IdentityProblem { kNone, kMalformed, kUnknownOrg, kBadCertificate, kExpired, kRevoked };

struct IdentityCheck {
  IdentityProblem problem = IdentityProblem::kNone;
  std::string message;  // for people; empty when kNone
  crypto::IdentityInfo info;
};

class ChainConfigView {
 public:
  // kInvalidArgument naming what is wrong (bad policy, duplicate org, bad root key, a TLS CA or
  // consenter TLS certificate that is not a PEM X.509 certificate, a consenter TLS certificate
  // that does not chain to its org's TLS CA or that two consenters share, ...). TLS validity
  // dates are not checked: the result must not depend on when a block is replayed; the TLS
  // handshake checks them.
  static Result<std::shared_ptr<const ChainConfigView>> Create(milkpb::ChainConfig config);
  // The ConfigTransaction carried by a genesis block (kInvalidArgument if it has none).
  static Result<milkpb::ConfigTransaction> ConfigFromGenesis(const milkpb::Block& genesis);

  const milkpb::ChainConfig& config() const { return config_; }
  const std::string& chain_id() const { return config_.chain_id(); }

  // Parses identity bytes; for members checks the certificate against the org root at at_ms and
  // the revocation list. Wallet identities always pass (they are bare keys).
  IdentityCheck CheckIdentity(std::string_view identity_bytes, int64_t at_ms) const;

  // nullptr when the chaincode is not defined on this chain.
  const ChaincodeInfo* FindChaincode(const std::string& name) const;
  // ACL: may a creator with this role call this function? Entries for the function win over "*".
  static bool IsAllowed(const milkpb::ChaincodeDefinition& definition, const std::string& function,
                        milkpb::Role role);
  // True when the member's certificate is one of the configured consenters'.
  bool IsConsenter(const crypto::IdentityInfo& info) const;

  struct Consenter {
    std::string org;
    std::string public_key;
    uint64_t raft_id = 0;  // ConsenterConfig.raft_id, or position + 1 when unset
    std::string endpoint;
    // SHA-256 of the DER of ConsenterConfig.tls_certificate (32 raw bytes, what
    // crypto::tls::PeerCertificateIdentity reports as fingerprint_sha256); empty when the config
    // binds no TLS certificate to this consenter.
    std::string tls_fingerprint_sha256;
  };
  const std::vector<Consenter>& consenters() const { return consenters_; }

  // Whether a Raft message claiming to come from raft_id may be accepted from a peer whose
  // verified TLS client certificate has tls_fingerprint_sha256 (empty: the peer presented none).
  // Pure; the node calls it for every message on a TLS Cluster stream (docs/tls.md).
  enum class ConsenterTlsCheck {
    kAccepted,
    kUnknownConsenter,   // no consenter of this chain has raft_id
    kNoCertificate,      // the peer presented no TLS client certificate
    kUnboundConsenter,   // the config binds no TLS certificate to raft_id
    kWrongCertificate,   // the certificate is not the one bound to raft_id
  };
  ConsenterTlsCheck CheckConsenterTls(uint64_t raft_id,
                                      std::string_view tls_fingerprint_sha256) const;
  // The consenter's Raft id, 0 when the identity is not a consenter of this chain.
  uint64_t RaftIdOf(const crypto::IdentityInfo& info) const;
  int64_t max_timestamp_skew_ms() const { return config_.max_timestamp_skew_ms(); }

 private:
  milkpb::ChainConfig config_;
  std::map<std::string, const milkpb::OrgConfig*> orgs_;
  std::map<std::string, ChaincodeInfo> chaincodes_;
  std::vector<Consenter> consenters_;
};

}  // namespace milk::ledger
