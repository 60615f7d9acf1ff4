// Reading certificates (certificate.h) and loading a member's files (credentials.h).
#include "crypto/tls/certificate.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "crypto/hash.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/tests/tls_test_util.h"

namespace milk::crypto::tls {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr int64_t kNowS = kNowMs / 1000;
constexpr int64_t kDayS = 86'400;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: peer0, role: peer, hosts: [Peer0.TICA.example, 10.0.0.5, "0:0::1"]}
      - {name: admin, role: admin}
  - name: brand-A
    members:
      - {name: client_1, role: client}
)";

// One generated network for the read-only tests of this file.
const Network& Shared() {
  static Network net;
  static const bool generated = net.Generate(kYaml, kNowMs).ok();
  REQUIRE(generated);
  return net;
}

std::string DerSha256(const std::string& pem) {
  X509Ptr cert = ParseCert(pem);
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert.get(), &der);
  REQUIRE(length > 0);
  std::string digest = Sha256(std::string_view(reinterpret_cast<char*>(der), length));
  OPENSSL_free(der);
  return digest;
}

TEST_CASE("a certificate's identity: CN, O, OU and DER fingerprint", "[tls][certificate]") {
  const Network& net = Shared();
  Result<CertificateIdentity> peer = ParseCertificateIdentity(net.CertPem("TICA", "peer0"));
  REQUIRE(peer.ok());
  CHECK(peer->common_name == "peer0");
  CHECK(peer->organization == "TICA");
  CHECK(peer->organizational_unit == "peer");
  CHECK(peer->fingerprint_sha256.size() == 32);
  CHECK(peer->fingerprint_sha256 == DerSha256(net.CertPem("TICA", "peer0")));
  CHECK(ParseCertificateIdentity(net.CertPem("TICA", "admin"))->fingerprint_sha256 !=
        peer->fingerprint_sha256);

  Result<CertificateIdentity> ca = ParseCertificateIdentity(net.CaPem("TICA"));
  REQUIRE(ca.ok());
  CHECK(ca->common_name == "TLS CA");
  CHECK(ca->organization == "TICA");
  CHECK(ca->organizational_unit.empty());

  CHECK(ParseCertificateIdentity("junk").status().code() == Code::kDataLoss);
  CHECK(ParseCertificateIdentity(net.KeyPem("TICA", "peer0")).status().code() == Code::kDataLoss);
}

TEST_CASE("a subject naming a field twice is refused as ambiguous", "[tls][certificate]") {
  PkeyPtr key = NewP256Key();
  const std::string twice =
      CraftCertificate({{"O", "TICA"}, {"CN", "peer0"}, {"CN", "admin"}}, key.get(), nullptr,
                       key.get(), {}, kNowS, kNowS + kDayS);
  Result<CertificateIdentity> identity = ParseCertificateIdentity(twice);
  REQUIRE_FALSE(identity.ok());
  CHECK(identity.status().code() == Code::kInvalidArgument);
  CHECK(identity.status().message().find("more than one CN") != std::string::npos);
  const std::string bare =
      CraftCertificate({}, key.get(), nullptr, key.get(), {}, kNowS, kNowS + kDayS);
  Result<CertificateIdentity> empty = ParseCertificateIdentity(bare);
  REQUIRE(empty.ok());
  CHECK(empty->common_name.empty());
  CHECK(empty->organization.empty());
}

TEST_CASE("certificate hosts are in canonical form", "[tls][certificate]") {
  const Network& net = Shared();
  Result<std::vector<std::string>> hosts = CertificateHosts(net.CertPem("TICA", "peer0"));
  REQUIRE(hosts.ok());
  CHECK(*hosts == std::vector<std::string>{"peer0.tica.example", "10.0.0.5", "::1"});
  CHECK(*CertificateHosts(net.CertPem("TICA", "admin")) ==
        std::vector<std::string>{"localhost", "127.0.0.1"});
  CHECK(CertificateHosts(net.CaPem("TICA"))->empty());
  CHECK(CertificateHosts("junk").status().code() == Code::kDataLoss);
}

TEST_CASE("chain verification: CA, time and purpose", "[tls][certificate]") {
  const Network& net = Shared();
  const std::string peer = net.CertPem("TICA", "peer0");
  const std::vector<std::string> tica = {net.CaPem("TICA")};
  CHECK(VerifyCertificateChain(peer, tica, {}).ok());
  CHECK(VerifyCertificateChain(peer, tica, {kNowMs, Purpose::kTlsServer}).ok());
  CHECK(VerifyCertificateChain(peer, tica, {kNowMs, Purpose::kTlsClient}).ok());
  CHECK(VerifyCertificateChain(peer, {net.CaPem("brand-A"), net.CaPem("TICA")}, {}).ok());

  Status other = VerifyCertificateChain(peer, {net.CaPem("brand-A")}, {});
  CHECK(other.code() == Code::kUnauthenticated);
  CHECK(other.message().find("unable to get local issuer certificate") != std::string::npos);
  Status expired = VerifyCertificateChain(peer, tica, {kNowMs + 366 * kDayS * 1000});
  CHECK(expired.code() == Code::kUnauthenticated);
  CHECK(expired.message().find("expired") != std::string::npos);
  CHECK(VerifyCertificateChain(peer, tica, {kNowMs - kDayS * 1000}).code() ==
        Code::kUnauthenticated);
  // Without at_ms the dates are not checked.
  CHECK(VerifyCertificateChain(peer, tica, {std::nullopt}).ok());

  // A client-only certificate from the same CA is not a server.
  PkeyPtr ca_key = ParseKey(ReadAll(net.Org("TICA") + "/tls/ca.key"));
  X509Ptr ca = ParseCert(net.CaPem("TICA"));
  PkeyPtr key = NewP256Key();
  const std::string client_only =
      CraftCertificate({{"O", "TICA"}, {"CN", "c"}}, key.get(), ca.get(), ca_key.get(),
                       {{NID_ext_key_usage, "clientAuth"}}, kNowS - 60, kNowS + kDayS);
  CHECK(VerifyCertificateChain(client_only, tica, {kNowMs, Purpose::kTlsClient}).ok());
  CHECK(VerifyCertificateChain(client_only, tica, {kNowMs, Purpose::kTlsServer}).code() ==
        Code::kUnauthenticated);
  CHECK(VerifyCertificateChain(client_only, tica, {kNowMs, Purpose::kAny}).ok());

  CHECK(VerifyCertificateChain("junk", tica, {}).code() == Code::kDataLoss);
  CHECK(VerifyCertificateChain(peer, {"junk"}, {}).code() == Code::kDataLoss);
  CHECK(VerifyCertificateChain(peer, {}, {}).code() == Code::kUnauthenticated);
}

TEST_CASE("LoadTlsMaterial reads a member's files and its org's CA", "[tls][credentials]") {
  const Network& net = Shared();
  for (const std::string& dir : {net.Member("TICA", "peer0"), net.Member("TICA", "peer0") + "/"}) {
    Result<TlsMaterial> material = LoadTlsMaterial(dir);
    REQUIRE(material.ok());
    CHECK(material->cert_pem == net.CertPem("TICA", "peer0"));
    CHECK(material->key_pem == net.KeyPem("TICA", "peer0"));
    CHECK(material->ca_pems == std::vector<std::string>{net.CaPem("TICA")});
  }
  CHECK(LoadTlsMaterial(net.Member("TICA", "nobody")).status().code() == Code::kNotFound);
}

TEST_CASE("LoadTlsMaterial refuses files that do not belong together", "[tls][credentials]") {
  struct Case {
    const char* name;
    void (*damage)(const Network& net, const std::string& dir);
    Code code;
    const char* mention;
  };
  const Case cases[] = {
      {"key missing",
       [](const Network&, const std::string& d) { std::filesystem::remove(d + "/tls.key"); },
       Code::kNotFound, "tls.key"},
      {"key readable by others",
       [](const Network&, const std::string& d) { ::chmod((d + "/tls.key").c_str(), 0640); },
       Code::kPermissionDenied, "chmod 600"},
      {"key of another member",
       [](const Network& n, const std::string& d) {
         WriteAll(d + "/tls.key", n.KeyPem("TICA", "admin"));
       },
       Code::kFailedPrecondition, "is not the certificate of"},
      {"pair of another org",
       [](const Network& n, const std::string& d) {
         WriteAll(d + "/tls.key", n.KeyPem("brand-A", "client_1"));
         WriteAll(d + "/tls.crt", n.CertPem("brand-A", "client_1"));
       },
       Code::kFailedPrecondition, "was not issued by the TLS CA"},
      {"corrupt certificate",
       [](const Network&, const std::string& d) { WriteAll(d + "/tls.crt", "junk"); },
       Code::kDataLoss, "tls.crt"},
      {"corrupt CA",
       [](const Network& n, const std::string&) {
         WriteAll(n.Org("TICA") + "/tls/ca.crt", "junk");
       },
       Code::kDataLoss, "ca.crt"},
  };
  for (const Case& c : cases) {
    Network net;
    REQUIRE(net.Generate(kYaml, kNowMs).ok());
    const std::string dir = net.Member("TICA", "peer0");
    c.damage(net, dir);
    Result<TlsMaterial> material = LoadTlsMaterial(dir);
    INFO(c.name);
    REQUIRE_FALSE(material.ok());
    CHECK(material.status().code() == c.code);
    INFO("message: " << material.status().message());
    CHECK(material.status().message().find(c.mention) != std::string::npos);
  }
}

TEST_CASE("LoadTlsCaBundle lists every org's TLS CA", "[tls][credentials]") {
  const Network& net = Shared();
  Result<std::vector<std::string>> bundle = LoadTlsCaBundle(net.out);
  REQUIRE(bundle.ok());
  // In path order: "TICA" sorts before "brand-A".
  CHECK(*bundle == std::vector<std::string>{net.CaPem("TICA"), net.CaPem("brand-A")});
  TempDir empty;
  CHECK(LoadTlsCaBundle(empty.path()).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace milk::crypto::tls
