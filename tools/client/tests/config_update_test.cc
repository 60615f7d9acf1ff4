// The client's config-update builders (tools/client/config_update.h). That their output passes
// the node's CheckConfigUpdate is tested in node/ledger/tests/config_block_test.cc (this binary
// does not link the node's ledger library).
#include "tools/client/config_update.h"

#include <catch2/catch.hpp>

#include "crypto/hash.h"
#include "crypto/identity.h"
#include "node/ledger/formats.h"

namespace milk::client {
namespace {

using Catch::Contains;

constexpr int64_t kNowMs = 1'800'000'000'000;
constexpr int64_t kYearMs = 365LL * 86'400'000;

// One org with deterministic keys; members are certified by its root.
struct Org {
  Org() : root(crypto::KeyPairFromSeed(crypto::Sha256("client-config-test-root"))) {}

  milkpb::Certificate Certify(const std::string& name, milkpb::Role role,
                              const crypto::KeyPair& key, uint64_t serial) const {
    milkpb::CertificateBody body;
    body.set_version(1);
    body.set_org("TICA");
    body.set_name(name);
    body.set_role(role);
    body.set_public_key(key.public_key);
    body.set_not_before_ms(kNowMs - kYearMs);
    body.set_not_after_ms(kNowMs + kYearMs);
    body.set_serial(serial);
    return crypto::IssueCertificate(body, root.secret_key);
  }
  crypto::KeyPair KeyOf(const std::string& name) const {
    return crypto::KeyPairFromSeed(crypto::Sha256("client-config-test:" + name));
  }
  Signer Admin(const std::string& name = "admin") const {
    crypto::KeyPair key = KeyOf(name);
    Result<Signer> s = MemberSigner(key, Certify(name, milkpb::ADMIN, key, 1));
    REQUIRE(s.ok());
    return std::move(s).value();
  }
  // orderer<n>'s ConsenterConfig, with raft_id as given (0 = implicit).
  milkpb::ConsenterConfig Consenter(int n, uint64_t raft_id) const {
    const std::string name = "orderer" + std::to_string(n);
    milkpb::ConsenterConfig c;
    c.set_org("TICA");
    c.set_certificate(Certify(name, milkpb::CONSENTER, KeyOf(name), 100 + static_cast<uint64_t>(n))
                          .SerializeAsString());
    c.set_endpoint("host" + std::to_string(n) + ":7051");
    c.set_raft_id(raft_id);
    return c;
  }
  // A genesis-like config with `count` consenters whose raft ids are left implicit.
  milkpb::ChainConfig Genesis(int count) const {
    milkpb::ChainConfig config;
    config.set_version(1);
    config.set_chain_id("demo");
    milkpb::OrgConfig* org = config.add_orgs();
    org->set_name("TICA");
    org->set_root_public_key(root.public_key);
    for (int i = 1; i <= count; ++i) *config.add_consenters() = Consenter(i, 0);
    return config;
  }

  crypto::KeyPair root;
};

std::vector<uint64_t> RaftIds(const milkpb::ChainConfig& config) {
  std::vector<uint64_t> ids;
  for (const auto& c : config.consenters()) ids.push_back(c.raft_id());
  return ids;
}

}  // namespace

TEST_CASE("ConfigAddingConsenter makes raft ids explicit and gives the next id") {
  crypto::EnsureSodium();
  Org org;
  const milkpb::ChainConfig current = org.Genesis(3);
  Result<milkpb::ChainConfig> next = ConfigAddingConsenter(current, org.Consenter(4, 0));
  INFO(next.status().message());
  REQUIRE(next.ok());
  CHECK(next->sequence() == current.sequence() + 1);
  CHECK(RaftIds(*next) == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(next->last_raft_id() == 4);
  CHECK(next->consenters(3).endpoint() == "host4:7051");
  CHECK(next->chain_id() == "demo");
  CHECK(RaftIds(current) == std::vector<uint64_t>{0, 0, 0});  // the input is not changed
}

TEST_CASE("ConfigAddingConsenter takes an id above last_raft_id and keeps explicit ids") {
  crypto::EnsureSodium();
  Org org;
  milkpb::ChainConfig current = org.Genesis(2);
  current.mutable_consenters(0)->set_raft_id(1);
  current.mutable_consenters(1)->set_raft_id(6);
  current.set_sequence(4);
  current.set_last_raft_id(9);  // ids up to 9 were used by consenters since removed
  Result<milkpb::ChainConfig> next = ConfigAddingConsenter(current, org.Consenter(3, 0));
  REQUIRE(next.ok());
  CHECK(next->sequence() == 5);
  CHECK(RaftIds(*next) == std::vector<uint64_t>{1, 6, 10});
  CHECK(next->last_raft_id() == 10);
  // An explicit id is kept, and last_raft_id covers it.
  Result<milkpb::ChainConfig> explicit_id = ConfigAddingConsenter(current, org.Consenter(3, 12));
  REQUIRE(explicit_id.ok());
  CHECK(RaftIds(*explicit_id) == std::vector<uint64_t>{1, 6, 12});
  CHECK(explicit_id->last_raft_id() == 12);
}

TEST_CASE("ConfigAddingConsenter refuses a raft id or certificate already in use") {
  crypto::EnsureSodium();
  Org org;
  const milkpb::ChainConfig current = org.Genesis(3);
  Result<milkpb::ChainConfig> same_id = ConfigAddingConsenter(current, org.Consenter(4, 2));
  REQUIRE_FALSE(same_id.ok());
  CHECK(same_id.status().code() == Code::kInvalidArgument);
  CHECK_THAT(same_id.status().message(), Contains("raft id 2 is already a consenter's"));
  Result<milkpb::ChainConfig> same_cert = ConfigAddingConsenter(current, org.Consenter(2, 0));
  REQUIRE_FALSE(same_cert.ok());
  CHECK(same_cert.status().code() == Code::kInvalidArgument);
  CHECK_THAT(same_cert.status().message(), Contains("certificate is already consenter 2's"));
}

TEST_CASE("ConfigRemovingConsenter drops one consenter and keeps last_raft_id") {
  crypto::EnsureSodium();
  Org org;
  const milkpb::ChainConfig current = org.Genesis(3);
  Result<milkpb::ChainConfig> next = ConfigRemovingConsenter(current, 3);
  REQUIRE(next.ok());
  CHECK(next->sequence() == 1);
  CHECK(RaftIds(*next) == std::vector<uint64_t>{1, 2});
  CHECK(next->last_raft_id() == 3);  // 3 is never given out again
  Result<milkpb::ChainConfig> middle = ConfigRemovingConsenter(current, 2);
  REQUIRE(middle.ok());
  CHECK(RaftIds(*middle) == std::vector<uint64_t>{1, 3});  // ids are from positions before removal
}

TEST_CASE("ConfigRemovingConsenter refuses an unknown id and the last consenter") {
  crypto::EnsureSodium();
  Org org;
  Result<milkpb::ChainConfig> unknown = ConfigRemovingConsenter(org.Genesis(3), 7);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK_THAT(unknown.status().message(), Contains("no consenter with raft id 7"));
  Result<milkpb::ChainConfig> last = ConfigRemovingConsenter(org.Genesis(1), 1);
  REQUIRE_FALSE(last.ok());
  CHECK(last.status().code() == Code::kFailedPrecondition);
  CHECK_THAT(last.status().message(), Contains("last consenter"));
}

TEST_CASE("ApproveConfig signs the approval bytes of exactly that config") {
  crypto::EnsureSodium();
  Org org;
  const Signer admin = org.Admin();
  Result<milkpb::ChainConfig> next = ConfigRemovingConsenter(org.Genesis(3), 3);
  REQUIRE(next.ok());
  milkpb::ConfigApproval approval = ApproveConfig(*next, admin);
  CHECK(approval.signer() == admin.identity_bytes);
  CHECK(crypto::Verify(admin.key.public_key, ledger::ConfigApprovalBytes(*next),
                       approval.signature()));
  milkpb::ChainConfig other = *next;
  other.set_sequence(other.sequence() + 1);
  CHECK_FALSE(crypto::Verify(admin.key.public_key, ledger::ConfigApprovalBytes(other),
                             approval.signature()));
}

TEST_CASE("BuildConfigEnvelope wraps the update signed by the submitting admin") {
  crypto::EnsureSodium();
  Org org;
  const Signer admin = org.Admin(), approver = org.Admin("admin2");
  Result<milkpb::ChainConfig> next = ConfigAddingConsenter(org.Genesis(3), org.Consenter(4, 0));
  REQUIRE(next.ok());
  milkpb::ConfigTransaction update;
  *update.mutable_config() = *next;
  *update.add_approvals() = ApproveConfig(*next, approver);
  update.set_creator("someone else");  // replaced by the submitting admin
  milkpb::Envelope envelope = BuildConfigEnvelope(update, admin, kNowMs);
  CHECK(envelope.type() == milkpb::CONFIG);
  CHECK(crypto::Verify(admin.key.public_key,
                       ledger::EnvelopeSigningBytes(milkpb::CONFIG, envelope.payload()),
                       envelope.signature()));
  milkpb::ConfigTransaction parsed;
  REQUIRE(parsed.ParseFromString(envelope.payload()));
  CHECK(parsed.creator() == admin.identity_bytes);
  CHECK(parsed.timestamp_ms() == kNowMs);
  REQUIRE(parsed.approvals_size() == 1);
  CHECK(parsed.approvals(0).signer() == approver.identity_bytes);
  CHECK(parsed.config().SerializeAsString() == next->SerializeAsString());
}

}  // namespace milk::client
