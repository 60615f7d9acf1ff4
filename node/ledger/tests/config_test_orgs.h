// Test-only: a chain of several orgs with deterministic keys, for config-update tests. Each org
// ORG<i> has its own root key; members are issued on demand. The chain's consenters are
// "orderer<raft id>" members of ORG1 with explicit raft ids.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "milk/ledger.pb.h"
#include "node/ledger/chain_config.h"
#include "node/ledger/formats.h"

namespace milk::ledger::config_testing {

inline constexpr int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15
inline constexpr int64_t kYearMs = 365LL * 86'400'000;

struct OrgMember {
  crypto::KeyPair key;
  milkpb::Certificate cert;
  std::string identity;  // serialized Identity
};

inline std::string OrgName(int org) { return "ORG" + std::to_string(org); }

class ConfigWorld {
 public:
  // Orgs ORG1..ORG<org_count>; consenters 1..consenter_count of ORG1; a "token" chaincode.
  ConfigWorld(int org_count, int consenter_count) {
    crypto::EnsureSodium();
    config.set_version(1);
    config.set_chain_id("demo");
    for (int i = 1; i <= org_count; ++i) {
      roots.push_back(crypto::KeyPairFromSeed(crypto::Sha256("config-test-root:" + OrgName(i))));
      milkpb::OrgConfig* org = config.add_orgs();
      org->set_name(OrgName(i));
      org->set_root_public_key(roots.back().public_key);
    }
    for (int i = 1; i <= consenter_count; ++i) {
      *config.add_consenters() = Consenter(static_cast<uint64_t>(i));
    }
    milkpb::ChaincodeDefinition* cc = config.add_chaincodes();
    cc->set_name("token");
    cc->set_version(1);
    cc->set_endorsement_policy("OR('ORG1.peer')");
    cc->add_init_args("MLKT");
    config.mutable_batch()->set_max_tx_count(100);
    config.mutable_batch()->set_max_bytes(1 << 20);
    config.mutable_batch()->set_batch_timeout_ms(20);
    config.set_max_timestamp_skew_ms(300000);
  }

  // A member of ORG<org>; the key depends on org, name and role only.
  OrgMember Member(int org, const std::string& name, milkpb::Role role, uint64_t serial,
                   int64_t not_after_ms = kNowMs + kYearMs) const {
    OrgMember m;
    m.key = crypto::KeyPairFromSeed(crypto::Sha256("config-test-member:" + OrgName(org) + "/" +
                                                   name + "/" + std::to_string(role)));
    milkpb::CertificateBody body;
    body.set_version(1);
    body.set_org(OrgName(org));
    body.set_name(name);
    body.set_role(role);
    body.set_public_key(m.key.public_key);
    body.set_not_before_ms(kNowMs - kYearMs);
    body.set_not_after_ms(not_after_ms);
    body.set_serial(serial);
    m.cert = crypto::IssueCertificate(body, roots.at(static_cast<size_t>(org - 1)).secret_key);
    m.identity = crypto::SerializeMemberIdentity(m.cert);
    return m;
  }
  OrgMember Admin(int org) const { return Member(org, "admin", milkpb::ADMIN, 1); }
  OrgMember ConsenterMember(uint64_t raft_id) const {
    return Member(1, "orderer" + std::to_string(raft_id), milkpb::CONSENTER, 100 + raft_id);
  }

  // The ConsenterConfig of orderer<raft_id> of ORG1.
  milkpb::ConsenterConfig Consenter(uint64_t raft_id) const {
    milkpb::ConsenterConfig c;
    c.set_org(OrgName(1));
    c.set_certificate(ConsenterMember(raft_id).cert.SerializeAsString());
    c.set_endpoint("127.0.0.1:" + std::to_string(7050 + raft_id));
    c.set_raft_id(raft_id);
    return c;
  }

  std::shared_ptr<const ChainConfigView> View() const { return ViewOf(config); }
  static std::shared_ptr<const ChainConfigView> ViewOf(const milkpb::ChainConfig& c) {
    auto view = ChainConfigView::Create(c);
    INFO(view.status().message());
    REQUIRE(view.ok());
    return std::move(view).value();
  }

  // `from` with sequence + 1 and last_raft_id set to the highest raft id used so far.
  static milkpb::ChainConfig NextOf(const milkpb::ChainConfig& from) {
    milkpb::ChainConfig next = from;
    next.set_sequence(from.sequence() + 1);
    uint64_t last = from.last_raft_id();
    for (const auto& c : from.consenters()) last = std::max(last, c.raft_id());
    next.set_last_raft_id(last);
    return next;
  }
  milkpb::ChainConfig Next() const { return NextOf(config); }

  static milkpb::ConfigApproval Approval(const milkpb::ChainConfig& next, const OrgMember& admin) {
    milkpb::ConfigApproval approval;
    approval.set_signer(admin.identity);
    approval.set_signature(crypto::Sign(admin.key.secret_key, ConfigApprovalBytes(next)));
    return approval;
  }

  // The serialized CONFIG envelope of `next`, created and signed by `creator`, approved by
  // each of `approvers`.
  static std::string Envelope(const milkpb::ChainConfig& next, const OrgMember& creator,
                              const std::vector<OrgMember>& approvers = {}) {
    milkpb::ConfigTransaction tx;
    *tx.mutable_config() = next;
    tx.set_creator(creator.identity);
    tx.set_timestamp_ms(kNowMs);
    for (const OrgMember& a : approvers) *tx.add_approvals() = Approval(next, a);
    return SignedEnvelope(tx, creator);
  }
  static std::string SignedEnvelope(const milkpb::ConfigTransaction& tx, const OrgMember& signer) {
    milkpb::Envelope envelope;
    envelope.set_type(milkpb::CONFIG);
    envelope.set_payload(tx.SerializeAsString());
    envelope.set_signature(crypto::Sign(signer.key.secret_key,
                                        EnvelopeSigningBytes(milkpb::CONFIG, envelope.payload())));
    return envelope.SerializeAsString();
  }

  milkpb::ChainConfig config;
  std::vector<crypto::KeyPair> roots;  // roots[i] signs ORG<i+1>'s certificates
};

}  // namespace milk::ledger::config_testing
