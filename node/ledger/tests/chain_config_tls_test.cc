// The chain config's TLS bindings (docs/tls.md): each org's TLS CA, each consenter's TLS
// certificate checked against it at Create, and the rule that binds a Raft sender's TLS
// certificate to the raft id it claims.
#include <catch2/catch.hpp>

#include "crypto/clock.h"
#include "crypto/tls/certificate.h"
#include "crypto/tls/tests/tls_test_util.h"
#include "node/ledger/chain_config.h"
#include "node/testing/test_network.h"

namespace milk::ledger {
namespace {

using crypto::tls::testing::Network;
using Check = ChainConfigView::ConsenterTlsCheck;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: orderer1, role: consenter}
      - {name: orderer2, role: consenter}
      - {name: orderer3, role: consenter}
      - {name: peer0, role: peer}
  - name: BRAND
    members:
      - {name: orderer1, role: consenter}
)";

// One TLS network for the whole file: generating P-256 keys is the slow part.
const Network& Tls() {
  static Network net;
  static const bool generated = net.Generate(kYaml, SystemClock::Instance().NowMs()).ok();
  REQUIRE(generated);
  return net;
}

std::string Fingerprint(const std::string& cert_pem) {
  auto identity = crypto::tls::ParseCertificateIdentity(cert_pem);
  REQUIRE(identity.ok());
  return identity->fingerprint_sha256;
}

// The test network's chain with three TICA consenters, each bound to its TLS certificate.
milkpb::ChainConfig BoundConfig() {
  testing::TestNetwork net;
  net.UseConsenters(3);
  milkpb::ChainConfig config = net.config;
  config.mutable_orgs(0)->set_tls_ca_certificate(Tls().CaPem("TICA"));
  for (int i = 0; i < 3; ++i) {
    config.mutable_consenters(i)->set_tls_certificate(
        Tls().CertPem("TICA", "orderer" + std::to_string(i + 1)));
  }
  return config;
}

Status CreateError(const milkpb::ChainConfig& config) {
  auto view = ChainConfigView::Create(config);
  REQUIRE_FALSE(view.ok());
  return view.status();
}

TEST_CASE("Create exposes each consenter's TLS certificate fingerprint", "[chain_config][tls]") {
  auto view = ChainConfigView::Create(BoundConfig());
  INFO(view.status().ToString());
  REQUIRE(view.ok());
  REQUIRE((*view)->consenters().size() == 3);
  for (int i = 0; i < 3; ++i) {
    const auto& consenter = (*view)->consenters()[i];
    CHECK(consenter.raft_id == static_cast<uint64_t>(i + 1));
    CHECK(consenter.tls_fingerprint_sha256.size() == 32);
    CHECK(consenter.tls_fingerprint_sha256 ==
          Fingerprint(Tls().CertPem("TICA", "orderer" + std::to_string(i + 1))));
  }
}

TEST_CASE("CheckConsenterTls accepts only the certificate bound to the raft id",
          "[chain_config][tls]") {
  auto view = ChainConfigView::Create(BoundConfig());
  REQUIRE(view.ok());
  const ChainConfigView& config = **view;
  const std::string orderer1 = Fingerprint(Tls().CertPem("TICA", "orderer1"));
  const std::string orderer2 = Fingerprint(Tls().CertPem("TICA", "orderer2"));
  const std::string peer0 = Fingerprint(Tls().CertPem("TICA", "peer0"));
  CHECK(config.CheckConsenterTls(1, orderer1) == Check::kAccepted);
  CHECK(config.CheckConsenterTls(2, orderer2) == Check::kAccepted);
  // Another consenter's certificate, or a valid certificate of a non-consenter, claiming id 1.
  CHECK(config.CheckConsenterTls(1, orderer2) == Check::kWrongCertificate);
  CHECK(config.CheckConsenterTls(1, peer0) == Check::kWrongCertificate);
  CHECK(config.CheckConsenterTls(1, "") == Check::kNoCertificate);
  CHECK(config.CheckConsenterTls(4, orderer1) == Check::kUnknownConsenter);
  CHECK(config.CheckConsenterTls(0, orderer1) == Check::kUnknownConsenter);
}

TEST_CASE("a config without TLS material binds nothing", "[chain_config][tls]") {
  testing::TestNetwork net;
  net.UseConsenters(3);
  auto view = ChainConfigView::Create(net.config);
  REQUIRE(view.ok());
  for (const auto& consenter : (*view)->consenters()) {
    CHECK(consenter.tls_fingerprint_sha256.empty());
  }
  const std::string orderer1 = Fingerprint(Tls().CertPem("TICA", "orderer1"));
  CHECK((*view)->CheckConsenterTls(1, orderer1) == Check::kUnboundConsenter);
  CHECK((*view)->CheckConsenterTls(1, "") == Check::kNoCertificate);
  CHECK((*view)->CheckConsenterTls(7, "") == Check::kUnknownConsenter);

  // An org may carry its TLS CA before any consenter is bound to a certificate.
  net.config.mutable_orgs(0)->set_tls_ca_certificate(Tls().CaPem("TICA"));
  CHECK(ChainConfigView::Create(net.config).ok());
}

TEST_CASE("Create refuses TLS material that does not hold together", "[chain_config][tls]") {
  milkpb::ChainConfig config = BoundConfig();

  SECTION("a consenter certificate from another org's TLS CA") {
    config.mutable_consenters(1)->set_tls_certificate(Tls().CertPem("BRAND", "orderer1"));
    Status s = CreateError(config);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("consenter 2 of org 'TICA' TLS certificate "
                                            "(CN=orderer1) was not issued by the org's TLS CA"));
  }
  SECTION("a consenter certificate that is not PEM") {
    config.mutable_consenters(0)->set_tls_certificate("not a certificate");
    Status s = CreateError(config);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("consenter 1 of org 'TICA' TLS certificate"));
  }
  SECTION("an org TLS CA that is not PEM") {
    config.mutable_orgs(0)->set_tls_ca_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n");
    Status s = CreateError(config);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("org 'TICA' TLS CA certificate"));
  }
  SECTION("a consenter certificate but no TLS CA for its org") {
    config.mutable_orgs(0)->clear_tls_ca_certificate();
    Status s = CreateError(config);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("consenter 1 of org 'TICA' has a TLS certificate, but "
                                            "its org has no TLS CA certificate"));
  }
  SECTION("two consenters with one certificate") {
    config.mutable_consenters(2)->set_tls_certificate(Tls().CertPem("TICA", "orderer1"));
    Status s = CreateError(config);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("consenters 1 and 3 have the same TLS certificate"));
  }
  SECTION("the org's CA certificate itself as a consenter certificate") {
    // It chains (to itself) but may not authenticate a TLS client.
    config.mutable_consenters(0)->set_tls_certificate(Tls().CaPem("TICA"));
    Status s = CreateError(config);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("was not issued by the org's TLS CA"));
  }
}

}  // namespace
}  // namespace milk::ledger
