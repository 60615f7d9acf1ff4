// TLS material from `milk crypto generate` (cryptogen with the OpenSSL issuer), checked with
// OpenSSL directly.
#include "crypto/tls/issuer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <set>

#include "crypto/tls/certificate.h"
#include "crypto/tls/tests/tls_test_util.h"

namespace milk::crypto::tls {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr int64_t kNowMs = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kNowS = kNowMs / 1000;
constexpr int64_t kDayS = 86'400;
constexpr int64_t kDayMs = kDayS * 1000;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: peer0, role: peer, hosts: [peer0.tica.example, 10.0.0.5, "::1"]}
      - {name: admin, role: admin}
  - name: brand-A
    validity_days: 30
    members:
      - {name: client_1, role: client}
)";

void CopyOver(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  ::chmod(to.c_str(), 0600);
}

std::string Subject(X509* cert, int nid) {
  char text[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), nid, text, sizeof(text));
  return text;
}

TEST_CASE("TLS material: files, modes and key type", "[tls][issuer]") {
  Network net;
  Result<std::vector<GeneratedFile>> files = net.Generate(kYaml, kNowMs);
  REQUIRE(files.ok());
  // Ledger: 2 roots (key + pub) and 3 members (key + cert); TLS: 2 CAs and 3 members (2 each).
  CHECK(files->size() == 20);
  for (const std::string org : {"TICA", "brand-A"}) {
    CHECK(ModeOf(net.Org(org) + "/tls") == 0700);
    CHECK(ModeOf(net.Org(org) + "/tls/ca.key") == 0600);
    CHECK(ModeOf(net.Org(org) + "/tls/ca.crt") == 0644);
    CHECK(net.CaPem(org).rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
  }
  for (const std::string name : {"peer0", "admin"}) {
    CHECK(ModeOf(net.Member("TICA", name) + "/tls.key") == 0600);
    CHECK(ModeOf(net.Member("TICA", name) + "/tls.crt") == 0644);
    const std::string key_pem = net.KeyPem("TICA", name);
    CHECK(key_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
    PkeyPtr key = ParseKey(key_pem);
    CHECK(EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC);
    char curve[64] = {};
    REQUIRE(EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve,
                                           sizeof(curve), nullptr) == 1);
    CHECK(std::string(curve) == "prime256v1");
    CHECK(X509_check_private_key(ParseCert(net.CertPem("TICA", name)).get(), key.get()) == 1);
  }
}

TEST_CASE("TLS certificates chain to their own org's CA only", "[tls][issuer]") {
  Network net;
  REQUIRE(net.Generate(kYaml, kNowMs).ok());
  X509Ptr tica_ca = ParseCert(net.CaPem("TICA"));
  X509Ptr brand_ca = ParseCert(net.CaPem("brand-A"));
  X509Ptr peer = ParseCert(net.CertPem("TICA", "peer0"));
  X509Ptr client = ParseCert(net.CertPem("brand-A", "client_1"));

  CHECK(VerifyWithOpenSsl(peer.get(), {tica_ca.get()}, kNowS, X509_PURPOSE_SSL_SERVER) ==
        X509_V_OK);
  CHECK(VerifyWithOpenSsl(peer.get(), {tica_ca.get()}, kNowS, X509_PURPOSE_SSL_CLIENT) ==
        X509_V_OK);
  CHECK(VerifyWithOpenSsl(client.get(), {brand_ca.get(), tica_ca.get()}, kNowS,
                          X509_PURPOSE_SSL_CLIENT) == X509_V_OK);
  CHECK(VerifyWithOpenSsl(peer.get(), {brand_ca.get()}, kNowS, 0) ==
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  CHECK(VerifyWithOpenSsl(client.get(), {tica_ca.get()}, kNowS, 0) ==
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // Validity: [now - 5 min, now + validity_days].
  CHECK(VerifyWithOpenSsl(peer.get(), {tica_ca.get()}, kNowS - 299, 0) == X509_V_OK);
  CHECK(VerifyWithOpenSsl(peer.get(), {tica_ca.get()}, kNowS - 301, 0) ==
        X509_V_ERR_CERT_NOT_YET_VALID);
  CHECK(VerifyWithOpenSsl(peer.get(), {tica_ca.get()}, kNowS + 365 * kDayS - 1, 0) == X509_V_OK);
  CHECK(VerifyWithOpenSsl(peer.get(), {tica_ca.get()}, kNowS + 365 * kDayS + 1, 0) ==
        X509_V_ERR_CERT_HAS_EXPIRED);
  CHECK(VerifyWithOpenSsl(client.get(), {brand_ca.get()}, kNowS + 31 * kDayS, 0) ==
        X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_CASE("TLS certificates: subject, hosts, key usages, validity", "[tls][issuer]") {
  Network net;
  REQUIRE(net.Generate(kYaml, kNowMs).ok());
  X509Ptr ca = ParseCert(net.CaPem("TICA"));
  X509Ptr peer = ParseCert(net.CertPem("TICA", "peer0"));
  X509Ptr admin = ParseCert(net.CertPem("TICA", "admin"));

  CHECK(Subject(peer.get(), NID_commonName) == "peer0");
  CHECK(Subject(peer.get(), NID_organizationName) == "TICA");
  CHECK(Subject(peer.get(), NID_organizationalUnitName) == "peer");
  CHECK(Subject(admin.get(), NID_organizationalUnitName) == "admin");
  CHECK(Subject(ca.get(), NID_organizationName) == "TICA");
  CHECK(Subject(ca.get(), NID_commonName) == "TLS CA");
  CHECK(X509_NAME_cmp(X509_get_issuer_name(peer.get()), X509_get_subject_name(ca.get())) == 0);

  // OpenSSL's own host matching, as a TLS client would use it.
  CHECK(X509_check_host(peer.get(), "peer0.tica.example", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(peer.get(), "10.0.0.5", 0) == 1);
  CHECK(X509_check_ip_asc(peer.get(), "::1", 0) == 1);
  CHECK(X509_check_ip_asc(peer.get(), "127.0.0.1", 0) == 0);
  CHECK(X509_check_host(peer.get(), "localhost", 0, 0, nullptr) == 0);
  CHECK(X509_check_host(admin.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(admin.get(), "127.0.0.1", 0) == 1);

  CHECK(X509_get_extended_key_usage(peer.get()) == (XKU_SSL_SERVER | XKU_SSL_CLIENT));
  CHECK(X509_get_key_usage(peer.get()) == KU_DIGITAL_SIGNATURE);
  CHECK(X509_check_ca(peer.get()) == 0);
  CHECK(X509_check_ca(ca.get()) >= 1);
  CHECK(X509_get_key_usage(ca.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK((X509_get_extension_flags(ca.get()) & EXFLAG_SS) != 0);
  CHECK(X509_get_version(peer.get()) == X509_VERSION_3);
  REQUIRE(X509_get0_authority_key_id(peer.get()) != nullptr);
  CHECK(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(peer.get()),
                              X509_get0_subject_key_id(ca.get())) == 0);

  CHECK(Seconds(X509_get0_notBefore(peer.get())) == kNowS - 300);
  CHECK(Seconds(X509_get0_notAfter(peer.get())) == kNowS + 365 * kDayS);
  CHECK(Seconds(X509_get0_notAfter(ParseCert(net.CertPem("brand-A", "client_1")).get())) ==
        kNowS + 30 * kDayS);
  CHECK(Seconds(X509_get0_notBefore(ca.get())) == kNowS - 300);
  CHECK(Seconds(X509_get0_notAfter(ca.get())) == kNowS + 3650 * kDayS);
}

TEST_CASE("TLS serials are random 128-bit numbers", "[tls][issuer]") {
  Network net;
  REQUIRE(net.Generate(kYaml, kNowMs).ok());
  std::set<std::string> serials;
  for (const std::string& pem :
       {net.CaPem("TICA"), net.CaPem("brand-A"), net.CertPem("TICA", "peer0"),
        net.CertPem("TICA", "admin"), net.CertPem("brand-A", "client_1")}) {
    X509Ptr cert = ParseCert(pem);
    BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
    REQUIRE(serial != nullptr);
    // Fewer than 65 significant bits out of 128 random ones: odds 2^-64.
    CHECK(BN_num_bits(serial) > 64);
    CHECK(BN_num_bits(serial) <= 128);
    CHECK_FALSE(BN_is_negative(serial));
    char* hex = BN_bn2hex(serial);
    serials.insert(hex);
    OPENSSL_free(hex);
    BN_free(serial);
  }
  CHECK(serials.size() == 5);
}

TEST_CASE("re-running keeps TLS files; a new member gets a certificate from the kept CA",
          "[tls][issuer]") {
  Network net;
  REQUIRE(net.Generate(kYaml, kNowMs).ok());
  auto before = net.Snapshot();
  Result<std::vector<GeneratedFile>> again = net.Generate(kYaml, kNowMs + kDayMs);
  REQUIRE(again.ok());
  for (const GeneratedFile& f : *again) CHECK(f.kept);
  CHECK(net.Snapshot() == before);

  std::string grown = kYaml;
  grown.replace(grown.find("      - {name: admin"), 0, "      - {name: peer1, role: peer}\n");
  REQUIRE(net.Generate(grown, kNowMs + kDayMs).ok());
  for (const auto& [path, contents] : before) {
    if (path != net.Org("TICA") + "/serial") CHECK(ReadAll(path) == contents);
  }
  X509Ptr ca = ParseCert(net.CaPem("TICA"));
  X509Ptr peer1 = ParseCert(net.CertPem("TICA", "peer1"));
  CHECK(VerifyWithOpenSsl(peer1.get(), {ca.get()}, kNowS + kDayS, X509_PURPOSE_SSL_SERVER) ==
        X509_V_OK);
  CHECK(Seconds(X509_get0_notBefore(peer1.get())) == kNowS + kDayS - 300);
}

TEST_CASE("a CA key without its certificate gets a new one that kept members chain to",
          "[tls][issuer]") {
  Network net;
  REQUIRE(net.Generate(kYaml, kNowMs).ok());
  const std::string old_ca = net.CaPem("TICA");
  const std::string peer = net.CertPem("TICA", "peer0");
  std::filesystem::remove(net.Org("TICA") + "/tls/ca.crt");
  // The re-run checks every kept member certificate against the new CA certificate.
  REQUIRE(net.Generate(kYaml, kNowMs + kDayMs).ok());
  CHECK(net.CaPem("TICA") != old_ca);
  CHECK(net.CertPem("TICA", "peer0") == peer);
  X509Ptr ca = ParseCert(net.CaPem("TICA"));
  CHECK(VerifyWithOpenSsl(ParseCert(peer).get(), {ca.get()}, kNowS + kDayS,
                          X509_PURPOSE_SSL_SERVER) == X509_V_OK);
}

TEST_CASE("member certificates never outlive the CA; an expired CA issues nothing",
          "[tls][issuer]") {
  Network net;
  const std::string yaml =
      "orgs:\n  - name: TICA\n    validity_days: 3650\n    members:\n"
      "      - {name: peer0, role: peer}\n";
  REQUIRE(net.Generate(yaml, kNowMs).ok());
  const int64_t ca_end_s = kNowS + 3650 * kDayS;

  const std::string later = yaml + "      - {name: peer1, role: peer}\n";
  REQUIRE(net.Generate(later, kNowMs + 3000 * kDayMs).ok());
  X509Ptr peer1 = ParseCert(net.CertPem("TICA", "peer1"));
  CHECK(Seconds(X509_get0_notAfter(peer1.get())) == ca_end_s);

  auto before = net.Snapshot();
  const std::string too_late = later + "      - {name: peer2, role: peer}\n";
  Result<std::vector<GeneratedFile>> files = net.Generate(too_late, ca_end_s * 1000 + 1000);
  REQUIRE_FALSE(files.ok());
  CHECK(files.status().code() == Code::kFailedPrecondition);
  CHECK(files.status().message().find("TLS CA of org TICA has expired") != std::string::npos);
  CHECK(net.Snapshot() == before);
}

// Kept TLS files that contradict each other or the YAML: the run fails and changes nothing.
TEST_CASE("kept TLS files are checked with X.509", "[tls][issuer]") {
  struct Case {
    const char* name;
    void (*damage)(Network& net, std::string* yaml);
    Code code;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {"another member's certificate",
       [](Network& n, std::string*) {
         CopyOver(n.Member("TICA", "admin") + "/tls.crt", n.Member("TICA", "peer0") + "/tls.crt");
       },
       Code::kFailedPrecondition,
       {"peer0/tls.crt: not for the key in tls.key", "remove it"}},
      {"a key pair of another org",
       [](Network& n, std::string*) {
         for (const char* file : {"/tls.crt", "/tls.key"}) {
           CopyOver(n.Member("brand-A", "client_1") + file, n.Member("TICA", "peer0") + file);
         }
       },
       Code::kFailedPrecondition,
       {"peer0/tls.crt: not issued by the TLS CA of org TICA"}},
      {"changed hosts",
       [](Network&, std::string* yaml) { yaml->replace(yaml->find("10.0.0.5"), 8, "10.0.0.9"); },
       Code::kFailedPrecondition,
       {"is for hosts peer0.tica.example, 10.0.0.5, ::1 but the YAML says peer0.tica.example, "
        "10.0.0.9, ::1"}},
      {"changed role (ledger files removed, TLS kept)",
       [](Network& n, std::string* yaml) {
         std::filesystem::remove(n.Member("TICA", "admin") + "/key");
         std::filesystem::remove(n.Member("TICA", "admin") + "/cert");
         yaml->replace(yaml->find("{name: admin, role: admin}"), 26,
                       "{name: admin, role: auditor}");
       },
       Code::kFailedPrecondition,
       {"admin/tls.crt", "OU=admin but the YAML says", "OU=auditor"}},
      {"ca.crt of another org",
       [](Network& n, std::string*) {
         CopyOver(n.Org("brand-A") + "/tls/ca.crt", n.Org("TICA") + "/tls/ca.crt");
       },
       Code::kFailedPrecondition,
       {"TICA/tls/ca.crt: the CA certificate is not for the CA key"}},
      {"a member certificate as CA",
       [](Network& n, std::string*) {
         CopyOver(n.Member("TICA", "peer0") + "/tls.crt", n.Org("TICA") + "/tls/ca.crt");
         CopyOver(n.Member("TICA", "peer0") + "/tls.key", n.Org("TICA") + "/tls/ca.key");
       },
       Code::kFailedPrecondition,
       {"ca.crt: not a self-signed CA certificate"}},
      {"corrupt certificate",
       [](Network& n, std::string*) { WriteAll(n.Member("TICA", "peer0") + "/tls.crt", "junk"); },
       Code::kDataLoss,
       {"peer0/tls.crt", "not a PEM X.509 certificate"}},
      {"corrupt key",
       [](Network& n, std::string*) { WriteAll(n.Member("TICA", "peer0") + "/tls.key", "junk"); },
       Code::kDataLoss,
       {"peer0/tls.key: not an unencrypted PEM private key", "remove it"}},
  };
  for (const Case& c : cases) {
    Network net;
    REQUIRE(net.Generate(kYaml, kNowMs).ok());
    std::string yaml = kYaml;
    c.damage(net, &yaml);
    auto before = net.Snapshot();
    Result<std::vector<GeneratedFile>> files = net.Generate(yaml, kNowMs);
    INFO(c.name);
    REQUIRE_FALSE(files.ok());
    CHECK(files.status().code() == c.code);
    for (const std::string& text : c.mentions) {
      INFO("message: " << files.status().message() << "\nexpected to mention: " << text);
      CHECK(files.status().message().find(text) != std::string::npos);
    }
    CHECK(net.Snapshot() == before);
  }
}

TEST_CASE("the OpenSSL issuer refuses bad input", "[tls][issuer]") {
  const TlsIssuer& issuer = OpenSslTlsIssuer();
  Result<std::string> ca_key = issuer.NewKey();
  Result<std::string> key = issuer.NewKey();
  REQUIRE(ca_key.ok());
  REQUIRE(key.ok());
  CHECK(*ca_key != *key);
  Result<std::string> ca = issuer.IssueCa("TICA", *ca_key, kNowMs);
  REQUIRE(ca.ok());
  CHECK(issuer.CheckCa("TICA", *ca, *ca_key).ok());
  CHECK(issuer.CheckCa("brand-A", *ca, *ca_key).message().find("org \"TICA\"") !=
        std::string::npos);
  CHECK(issuer.CheckCa("TICA", "junk", *ca_key).code() == Code::kDataLoss);
  CHECK(issuer.IssueCa("TICA", "junk", kNowMs).status().code() == Code::kDataLoss);
  CHECK(issuer.IssueCa("", *ca_key, kNowMs).status().code() == Code::kInvalidArgument);

  const TlsMemberSpec good{"TICA", "peer0", "peer", {"localhost"}, 365};
  REQUIRE(issuer.IssueMember(good, *key, *ca, *ca_key, kNowMs).ok());
  auto issue = [&](TlsMemberSpec spec) {
    return issuer.IssueMember(spec, *key, *ca, *ca_key, kNowMs).status().code();
  };
  TlsMemberSpec bad = good;
  bad.hosts = {"bad host"};
  CHECK(issue(bad) == Code::kInvalidArgument);
  bad.hosts = {};
  CHECK(issue(bad) == Code::kInvalidArgument);
  bad = good;
  bad.validity_days = 0;
  CHECK(issue(bad) == Code::kInvalidArgument);
  bad.validity_days = 3651;
  CHECK(issue(bad) == Code::kInvalidArgument);
  bad = good;
  bad.name = "";
  CHECK(issue(bad) == Code::kInvalidArgument);
  // A CA certificate with someone else's key cannot sign.
  CHECK(issuer.IssueMember(good, *key, *ca, *key, kNowMs).status().code() ==
        Code::kFailedPrecondition);
}

}  // namespace
}  // namespace milk::crypto::tls
