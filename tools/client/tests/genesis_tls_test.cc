// The TLS material of a genesis config (docs/tls.md): the profile takes each org's TLS CA and
// each consenter's TLS certificate from milk crypto generate's files, and ValidateChainConfig
// refuses material that would not let the consenters authenticate each other.
#include "crypto/tls/issuer.h"
#include "tools/client/genesis.h"
#include "tools/client/tests/test_network.h"

namespace milk::client {
namespace {

using testing::GenerateTestNetwork;
using testing::kTestNowMs;
using testing::TempDir;

constexpr int64_t kNowMs = kTestNowMs + 1000;

// Two TICA consenters and one PARTNER consenter, with TLS material, generated once per process
// and copied into dir/crypto.
void GenerateTlsNetwork(const TempDir& dir) {
  static const TempDir once;
  static const bool generated = [] {
    const std::string yaml = once.Write("crypto.yaml", R"(
orgs:
  - name: TICA
    members:
      - {name: admin, role: admin}
      - {name: orderer0, role: consenter}
      - {name: orderer1, role: consenter}
  - name: PARTNER
    members:
      - {name: orderer0, role: consenter}
)");
    auto files = crypto::tls::GenerateWithTls(yaml, once.Join("crypto"), kTestNowMs);
    INFO(files.status().ToString());
    REQUIRE(files.ok());
    return true;
  }();
  REQUIRE(generated);
  std::filesystem::copy(once.Join("crypto"), dir.Join("crypto"),
                        std::filesystem::copy_options::recursive);
}

std::string Read(const TempDir& dir, const std::string& relative) {
  std::ifstream in(dir.Join(relative), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  REQUIRE(!text.str().empty());
  return text.str();
}

// Both orgs, and consenters TICA orderer0 and orderer1; `extra` inside the first consenter's
// mapping, `org_extra` inside TICA's.
std::string TlsProfile(const TempDir& dir, const std::string& extra = "",
                       const std::string& org_extra = "") {
  return dir.Write("profiles/tls.yaml",
                   "chain_id: demo\n"
                   "orgs:\n"
                   "  - name: TICA\n"
                   "    root_public_key_file: ../crypto/orgs/TICA/root.pub\n" +
                       org_extra +
                       "  - name: PARTNER\n"
                       "    root_public_key_file: ../crypto/orgs/PARTNER/root.pub\n"
                       "consenters:\n"
                       "  - {org: TICA, cert_file: ../crypto/orgs/TICA/members/orderer0/cert, "
                       "endpoint: \"127.0.0.1:7051\"" +
                       extra +
                       "}\n"
                       "  - {org: TICA, cert_file: ../crypto/orgs/TICA/members/orderer1/cert, "
                       "endpoint: \"127.0.0.1:7052\"}\n");
}

milkpb::ChainConfig LoadConfig(const std::string& path) {
  Result<ChainProfile> profile = LoadChainProfile(path);
  INFO(profile.status().ToString());
  REQUIRE(profile.ok());
  return profile->config;
}

TEST_CASE("a profile takes the TLS files milk crypto generate wrote", "[genesis][tls]") {
  TempDir dir;
  GenerateTlsNetwork(dir);
  const milkpb::ChainConfig config = LoadConfig(TlsProfile(dir));
  CHECK(config.orgs(0).tls_ca_certificate() == Read(dir, "crypto/orgs/TICA/tls/ca.crt"));
  CHECK(config.orgs(1).tls_ca_certificate() == Read(dir, "crypto/orgs/PARTNER/tls/ca.crt"));
  CHECK(config.consenters(0).tls_certificate() ==
        Read(dir, "crypto/orgs/TICA/members/orderer0/tls.crt"));
  CHECK(config.consenters(1).tls_certificate() ==
        Read(dir, "crypto/orgs/TICA/members/orderer1/tls.crt"));
  CHECK(ValidateChainConfig(config, kNowMs).ok());
}

TEST_CASE("explicit TLS files win; a named file must exist", "[genesis][tls]") {
  TempDir dir;
  GenerateTlsNetwork(dir);
  // Named files, here another member's and another org's, are taken as written.
  const milkpb::ChainConfig config =
      LoadConfig(TlsProfile(dir, ", tls_cert_file: ../crypto/orgs/TICA/members/admin/tls.crt",
                            "    tls_ca_file: ../crypto/orgs/PARTNER/tls/ca.crt\n"));
  CHECK(config.consenters(0).tls_certificate() ==
        Read(dir, "crypto/orgs/TICA/members/admin/tls.crt"));
  CHECK(config.orgs(0).tls_ca_certificate() == Read(dir, "crypto/orgs/PARTNER/tls/ca.crt"));

  Result<ChainProfile> missing =
      LoadChainProfile(TlsProfile(dir, ", tls_cert_file: ../crypto/nothing.crt"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK_THAT(missing.status().message(),
             Catch::Contains("consenters[0].tls_cert_file") && Catch::Contains("nothing.crt"));
}

TEST_CASE("without TLS files a profile binds no TLS material", "[genesis][tls]") {
  TempDir dir;
  GenerateTestNetwork(dir);  // Ed25519 material only
  const milkpb::ChainConfig config = LoadConfig(testing::WriteDemoProfile(dir));
  CHECK(config.orgs(0).tls_ca_certificate().empty());
  CHECK(config.consenters(0).tls_certificate().empty());
  CHECK(ValidateChainConfig(config, kNowMs).ok());
}

TEST_CASE("ValidateChainConfig refuses TLS material that does not hold together",
          "[genesis][tls]") {
  TempDir dir;
  GenerateTlsNetwork(dir);
  milkpb::ChainConfig c = LoadConfig(TlsProfile(dir));
  auto error = [&]() {
    Status s = ValidateChainConfig(c, kNowMs);
    REQUIRE_FALSE(s.ok());
    return s.message();
  };

  SECTION("one consenter bound, another not") {
    c.mutable_consenters(1)->clear_tls_certificate();
    CHECK_THAT(error(), Catch::Contains("consenters[1]: has no TLS certificate while 1 other "
                                        "consenter(s) have one"));
  }
  SECTION("a certificate from another org's TLS CA") {
    c.mutable_consenters(1)->set_tls_certificate(
        Read(dir, "crypto/orgs/PARTNER/members/orderer0/tls.crt"));
    CHECK_THAT(error(), Catch::Contains("consenters[1]: TLS certificate (CN=orderer0) against "
                                        "the TICA TLS CA: certificate does not verify"));
  }
  SECTION("one certificate for two consenters") {
    c.mutable_consenters(1)->set_tls_certificate(c.consenters(0).tls_certificate());
    CHECK_THAT(error(), Catch::Contains("consenters[1]: TLS certificate (CN=orderer0) is already "
                                        "another consenter's"));
  }
  SECTION("no TLS CA for the consenter's org") {
    c.mutable_orgs(0)->clear_tls_ca_certificate();
    CHECK_THAT(error(), Catch::Contains("consenters[0]: has a TLS certificate but org TICA has no "
                                        "TLS CA"));
  }
  SECTION("a TLS CA or certificate that is not PEM") {
    c.mutable_orgs(1)->set_tls_ca_certificate("junk");
    CHECK_THAT(error(), Catch::Contains("org PARTNER: TLS CA certificate"));
    c = LoadConfig(TlsProfile(dir));
    c.mutable_consenters(0)->set_tls_certificate("junk");
    CHECK_THAT(error(), Catch::Contains("consenters[0]: TLS certificate"));
  }
}

}  // namespace
}  // namespace milk::client
