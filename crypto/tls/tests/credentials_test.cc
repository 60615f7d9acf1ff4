// Loading TLS files named one by one (credentials.h): a node's (node.yaml tls section) and a
// client's (the milk CLI's --tls-ca, --tls-cert, --tls-key).
#include "crypto/tls/credentials.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "crypto/tls/tests/tls_test_util.h"

namespace milk::crypto::tls {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr int64_t kNowMs = 1'700'000'000'000;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: orderer0, role: consenter}
      - {name: admin, role: admin}
  - name: brand-A
    members:
      - {name: client_1, role: client}
)";

const Network& Shared() {
  static Network net;
  static const bool generated = net.Generate(kYaml, kNowMs).ok();
  REQUIRE(generated);
  return net;
}

std::string CertFile(const Network& net, const std::string& org, const std::string& name) {
  return net.Member(org, name) + "/tls.crt";
}
std::string KeyFile(const Network& net, const std::string& org, const std::string& name) {
  return net.Member(org, name) + "/tls.key";
}
std::string CaFile(const Network& net, const std::string& org) {
  return net.Org(org) + "/tls/ca.crt";
}

TEST_CASE("LoadTlsFiles reads a node's certificate, key and trusted CAs", "[tls][credentials]") {
  const Network& net = Shared();
  // Its own org's CA second: the certificate may chain to any of them; the order is kept.
  Result<TlsMaterial> material =
      LoadTlsFiles(CertFile(net, "TICA", "orderer0"), KeyFile(net, "TICA", "orderer0"),
                   {CaFile(net, "brand-A"), CaFile(net, "TICA")});
  INFO(material.status().ToString());
  REQUIRE(material.ok());
  CHECK(material->cert_pem == net.CertPem("TICA", "orderer0"));
  CHECK(material->key_pem == net.KeyPem("TICA", "orderer0"));
  CHECK(material->ca_pems == std::vector<std::string>{net.CaPem("brand-A"), net.CaPem("TICA")});
}

TEST_CASE("LoadTlsFiles refuses files that do not make a TLS server", "[tls][credentials]") {
  const Network& net = Shared();
  const std::string cert = CertFile(net, "TICA", "orderer0");
  const std::string key = KeyFile(net, "TICA", "orderer0");
  const std::string ca = CaFile(net, "TICA");
  struct Case {
    const char* name;
    Result<TlsMaterial> result;
    Code code;
    std::string mention;
  };
  const Case cases[] = {
      {"no CA", LoadTlsFiles(cert, key, {}), Code::kInvalidArgument, "no trusted TLS CA"},
      {"no key", LoadTlsFiles(cert, "", {ca}), Code::kInvalidArgument, "both its certificate"},
      {"missing CA file", LoadTlsFiles(cert, key, {ca + ".gone"}), Code::kNotFound, ".gone"},
      {"CA file not PEM", LoadTlsFiles(cert, key, {key}), Code::kDataLoss, key},
      {"key of another member", LoadTlsFiles(cert, KeyFile(net, "TICA", "admin"), {ca}),
       Code::kFailedPrecondition, "is not the certificate of"},
      {"certificate of an untrusted org", LoadTlsFiles(cert, key, {CaFile(net, "brand-A")}),
       Code::kFailedPrecondition, "was not issued by any of the trusted TLS CAs"},
  };
  for (const Case& c : cases) {
    INFO(c.name << ": " << c.result.status().ToString());
    REQUIRE_FALSE(c.result.ok());
    CHECK(c.result.status().code() == c.code);
    CHECK(c.result.status().message().find(c.mention) != std::string::npos);
  }
}

TEST_CASE("a TLS key others may read is refused", "[tls][credentials]") {
  Network net;
  REQUIRE(net.Generate(kYaml, kNowMs).ok());
  const std::string key = KeyFile(net, "TICA", "orderer0");
  REQUIRE(::chmod(key.c_str(), 0644) == 0);
  Result<TlsMaterial> node =
      LoadTlsFiles(CertFile(net, "TICA", "orderer0"), key, {CaFile(net, "TICA")});
  CHECK(node.status().code() == Code::kPermissionDenied);
  Result<TlsMaterial> client =
      LoadTlsClientFiles({CaFile(net, "TICA")}, CertFile(net, "TICA", "orderer0"), key);
  CHECK(client.status().code() == Code::kPermissionDenied);
  CHECK(client.status().message().find("chmod 600 " + key) != std::string::npos);
}

TEST_CASE("LoadTlsClientFiles: trusted CAs, and a client certificate if one is given",
          "[tls][credentials]") {
  const Network& net = Shared();
  Result<TlsMaterial> anonymous = LoadTlsClientFiles({CaFile(net, "TICA")}, "", "");
  REQUIRE(anonymous.ok());
  CHECK(anonymous->ca_pems == std::vector<std::string>{net.CaPem("TICA")});
  CHECK(anonymous->cert_pem.empty());
  CHECK(anonymous->key_pem.empty());

  // A brand-A client trusting TICA's CA: the server, not the client, judges the client's chain.
  Result<TlsMaterial> member =
      LoadTlsClientFiles({CaFile(net, "TICA")}, CertFile(net, "brand-A", "client_1"),
                         KeyFile(net, "brand-A", "client_1"));
  REQUIRE(member.ok());
  CHECK(member->cert_pem == net.CertPem("brand-A", "client_1"));

  CHECK(LoadTlsClientFiles({}, "", "").status().code() == Code::kInvalidArgument);
  CHECK(LoadTlsClientFiles({CaFile(net, "TICA")}, CertFile(net, "TICA", "admin"), "")
            .status()
            .code() == Code::kInvalidArgument);
  CHECK(LoadTlsClientFiles({CaFile(net, "TICA")}, CertFile(net, "TICA", "admin"),
                           KeyFile(net, "TICA", "orderer0"))
            .status()
            .code() == Code::kFailedPrecondition);
  CHECK(LoadTlsClientFiles({CaFile(net, "TICA") + ".gone"}, "", "").status().code() ==
        Code::kNotFound);
}

}  // namespace
}  // namespace milk::crypto::tls
