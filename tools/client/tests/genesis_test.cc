#include "tools/client/genesis.h"

#include "crypto/key_files.h"
#include "node/ledger/formats.h"
#include "tools/client/tests/test_network.h"

namespace milk::client {
namespace {

using testing::GenerateTestNetwork;
using testing::kTestNowMs;
using testing::MemberDir;
using testing::TempDir;
using testing::WriteDemoProfile;

constexpr int64_t kNowMs = kTestNowMs + 1000;

struct GenesisFixture {
  TempDir dir;
  ChainProfile profile;
  Signer admin;

  GenesisFixture() {
    GenerateTestNetwork(dir);
    Result<ChainProfile> p = LoadChainProfile(WriteDemoProfile(dir));
    REQUIRE(p.ok());
    profile = std::move(p).value();
    admin = LoadAs("TICA", "admin");
  }
  Signer LoadAs(const std::string& org, const std::string& name) const {
    Result<Signer> s = LoadSigner(MemberDir(dir, org, name));
    REQUIRE(s.ok());
    return std::move(s).value();
  }
  Status BuildError(const Signer& signer, int64_t now_ms = kNowMs) const {
    Result<milkpb::Block> block = BuildGenesisBlock(profile, signer, now_ms);
    REQUIRE_FALSE(block.ok());
    return block.status();
  }
};

TEST_CASE("BuildGenesisBlock makes a signed block 0 holding the config", "[genesis]") {
  GenesisFixture f;
  Result<milkpb::Block> block = BuildGenesisBlock(f.profile, f.admin, kNowMs);
  INFO(block.status().ToString());
  REQUIRE(block.ok());
  const milkpb::BlockHeader& h = block->header();
  CHECK(h.version() == 1);
  CHECK(h.chain_id() == "demo");
  CHECK(h.number() == 0);
  CHECK(h.previous_hash() == ledger::ZeroHash());
  CHECK(h.data_hash() == ledger::DataHash(block->data()));
  CHECK(h.timestamp_ms() == kNowMs);

  REQUIRE(block->data().envelopes_size() == 1);
  milkpb::Envelope env;
  REQUIRE(env.ParseFromString(block->data().envelopes(0)));
  CHECK(env.type() == milkpb::CONFIG);
  CHECK(crypto::Verify(f.admin.key.public_key,
                       ledger::EnvelopeSigningBytes(milkpb::CONFIG, env.payload()),
                       env.signature()));
  milkpb::ConfigTransaction config_tx;
  REQUIRE(config_tx.ParseFromString(env.payload()));
  CHECK(config_tx.config().SerializeAsString() == f.profile.config.SerializeAsString());
  CHECK(config_tx.creator() == f.admin.identity_bytes);
  CHECK(config_tx.timestamp_ms() == kNowMs);

  const milkpb::BlockMetadata& m = block->metadata();
  CHECK(m.signer() == f.admin.identity_bytes);
  CHECK(crypto::Verify(f.admin.key.public_key, ledger::HeaderHash(h), m.signature()));
  CHECK(m.validation_codes().empty());
  CHECK(m.commit_hash().empty());
}

TEST_CASE("BuildGenesisBlock wants an admin of an org in the profile", "[genesis]") {
  GenesisFixture f;
  SECTION("a peer") {
    Status s = f.BuildError(f.LoadAs("TICA", "peer0"));
    CHECK(s.code() == Code::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("has role peer"));
  }
  SECTION("a wallet") {
    Result<Signer> alice = LoadSigner(f.dir.Join("crypto/wallets/alice"));
    REQUIRE(alice.ok());
    CHECK(f.BuildError(*alice).code() == Code::kPermissionDenied);
  }
  SECTION("an admin of an org outside the profile") {
    f.profile.config.mutable_orgs()->RemoveLast();  // drop PARTNER
    f.profile.config.mutable_chaincodes(0)->set_endorsement_policy("OR('TICA.peer')");
    Status s = f.BuildError(f.LoadAs("PARTNER", "admin"));
    CHECK(s.code() == Code::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("PARTNER, which is not in the profile"));
  }
  SECTION("an admin whose certificate expired") {
    auto root = crypto::ReadSecretKeyFile(f.dir.Join("crypto/orgs/TICA/root.key"));
    REQUIRE(root.ok());
    milkpb::CertificateBody body;
    REQUIRE(body.ParseFromString(f.admin.info.certificate.body()));
    body.set_not_after_ms(kNowMs);  // exclusive: expired at kNowMs
    auto expired = MemberSigner(f.admin.key, crypto::IssueCertificate(body, root->secret_key));
    REQUIRE(expired.ok());
    Status s = f.BuildError(*expired);
    CHECK(s.code() == Code::kPermissionDenied);
    CHECK_THAT(s.message(), Catch::Contains("admin identity"));
    CHECK_THAT(s.message(), Catch::Contains("expired"));
  }
  SECTION("an admin whose serial is revoked") {
    milkpb::CertificateBody body;
    REQUIRE(body.ParseFromString(f.admin.info.certificate.body()));
    f.profile.config.mutable_orgs(0)->add_revoked_serials(body.serial());
    Status s = f.BuildError(f.admin);
    CHECK_THAT(s.message(), Catch::Contains("admin identity"));
    CHECK_THAT(s.message(), Catch::Contains("revoked"));
  }
}

TEST_CASE("ValidateChainConfig names what is wrong", "[genesis]") {
  GenesisFixture f;
  milkpb::ChainConfig& c = f.profile.config;
  REQUIRE(ValidateChainConfig(c, kNowMs).ok());
  auto error = [&]() {
    Status s = ValidateChainConfig(c, kNowMs);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() != Code::kOk);
    return s.message();
  };

  SECTION("chain id") {
    c.set_chain_id("Demo");
    CHECK_THAT(error(), Catch::Contains("chain_id \"Demo\""));
    c.set_chain_id(std::string(65, 'a'));
    CHECK_THAT(error(), Catch::Contains("chain_id"));
    c.set_chain_id("brand.a-1");
    CHECK(ValidateChainConfig(c, kNowMs).ok());
  }
  SECTION("duplicate org") {
    *c.add_orgs() = c.orgs(0);
    CHECK_THAT(error(), Catch::Contains("org TICA is listed twice"));
  }
  SECTION("duplicate chaincode") {
    *c.add_chaincodes() = c.chaincodes(0);
    CHECK_THAT(error(), Catch::Contains("chaincode token is listed twice"));
  }
  SECTION("duplicate consenter") {
    *c.add_consenters() = c.consenters(0);
    CHECK_THAT(error(), Catch::Contains("consenters[1]: TICA member orderer0 is listed twice"));
  }
  SECTION("consenter certificate with the wrong role") {
    auto peer = crypto::ReadCertificateFile(MemberDir(f.dir, "TICA", "peer0") + "/cert");
    REQUIRE(peer.ok());
    c.mutable_consenters(0)->set_certificate(peer->SerializeAsString());
    CHECK_THAT(error(), Catch::Contains("has role peer; a consenter of org TICA is required"));
  }
  SECTION("consenter certificate not issued by its org's root") {
    c.mutable_consenters(0)->set_org("PARTNER");
    CHECK_THAT(error(), Catch::Contains("consenters[0]"));
    CHECK_THAT(error(), Catch::Contains("does not verify"));
  }
  SECTION("consenter of an unknown org") {
    c.mutable_consenters(0)->set_org("NOBODY");
    CHECK_THAT(error(), Catch::Contains("org NOBODY is not in orgs"));
  }
  SECTION("revoked consenter") {
    milkpb::Certificate cert;
    REQUIRE(cert.ParseFromString(c.consenters(0).certificate()));
    milkpb::CertificateBody body;
    REQUIRE(body.ParseFromString(cert.body()));
    c.mutable_orgs(0)->add_revoked_serials(body.serial());
    CHECK_THAT(error(), Catch::Contains("revoked"));
  }
  SECTION("endpoint") {
    c.mutable_consenters(0)->set_endpoint("localhost");
    CHECK_THAT(error(), Catch::Contains("must be host:port"));
    c.mutable_consenters(0)->set_endpoint("h:70000");
    CHECK_THAT(error(), Catch::Contains("must be host:port"));
  }
  SECTION("no consenters") {
    c.clear_consenters();
    CHECK_THAT(error(), Catch::Contains("at least one consenter"));
  }
  SECTION("policy naming an org outside the chain") {
    c.mutable_chaincodes(0)->set_endorsement_policy("OR('OTHER.peer')");
    CHECK_THAT(error(), Catch::Contains("'OTHER.peer'"));
    c.mutable_chaincodes(0)->set_endorsement_policy("OR('TICA.peer)");
    CHECK_THAT(error(), Catch::Contains("unclosed quote"));
  }
  SECTION("chaincode version and name") {
    c.mutable_chaincodes(0)->set_version(0);
    CHECK_THAT(error(), Catch::Contains("version must be 1 or more"));
    c.mutable_chaincodes(0)->set_version(1);
    c.mutable_chaincodes(0)->set_name("to ken");
    CHECK_THAT(error(), Catch::Contains("chaincode name \"to ken\""));
  }
  SECTION("batch and skew") {
    c.mutable_batch()->set_max_tx_count(0);
    CHECK_THAT(error(), Catch::Contains("batch"));
    c.mutable_batch()->set_max_tx_count(1);
    c.set_max_timestamp_skew_ms(0);
    CHECK_THAT(error(), Catch::Contains("max_timestamp_skew_ms"));
  }
}

}  // namespace
}  // namespace milk::client
