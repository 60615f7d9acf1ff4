// Helpers shared by the milk_tls tests: a cryptogen output directory with TLS material, and
// direct OpenSSL calls so that tests check certificates independently of the code under test.
#pragma once

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "crypto/tests/test_util.h"
#include "crypto/tls/issuer.h"
#include "crypto/tls/openssl_util.h"

namespace milk::crypto::tls::testing {

using crypto::testing::ModeOf;
using crypto::testing::ReadAll;
using crypto::testing::TempDir;
using crypto::testing::WriteAll;
using internal::PkeyPtr;
using internal::X509Ptr;

// A cryptogen output directory, generated with the OpenSSL issuer.
struct Network {
  TempDir dir;
  std::string yaml = dir.Join("crypto.yaml");
  std::string out = dir.Join("out");

  Result<std::vector<GeneratedFile>> Generate(const std::string& text, int64_t now_ms) {
    WriteAll(yaml, text);
    return GenerateWithTls(yaml, out, now_ms);
  }
  std::string Org(const std::string& org) const { return out + "/orgs/" + org; }
  std::string Member(const std::string& org, const std::string& name) const {
    return Org(org) + "/members/" + name;
  }
  std::string CaPem(const std::string& org) const { return ReadAll(Org(org) + "/tls/ca.crt"); }
  std::string CertPem(const std::string& org, const std::string& name) const {
    return ReadAll(Member(org, name) + "/tls.crt");
  }
  std::string KeyPem(const std::string& org, const std::string& name) const {
    return ReadAll(Member(org, name) + "/tls.key");
  }
  // Every regular file under out, with its contents.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> files;
    if (!std::filesystem::exists(out)) return files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(out)) {
      if (e.is_regular_file()) files[e.path().string()] = ReadAll(e.path().string());
    }
    return files;
  }
};

inline X509Ptr ParseCert(const std::string& pem) {
  Result<X509Ptr> cert = internal::ParseCertificatePem(pem);
  REQUIRE(cert.ok());
  return std::move(cert).value();
}

inline PkeyPtr ParseKey(const std::string& pem) {
  Result<PkeyPtr> key = internal::ParsePrivateKeyPem(pem);
  REQUIRE(key.ok());
  return std::move(key).value();
}

// Unix seconds of an ASN1_TIME.
inline int64_t Seconds(const ASN1_TIME* time) {
  struct tm tm {};
  REQUIRE(ASN1_TIME_to_tm(time, &tm) == 1);
  return static_cast<int64_t>(timegm(&tm));
}

// OpenSSL's own X509_verify_cert of cert against cas at at_s for purpose (0: none); returns the
// X509_V_* code (X509_V_OK when it verifies).
inline int VerifyWithOpenSsl(X509* cert, const std::vector<X509*>& cas, int64_t at_s, int purpose) {
  X509_STORE* store = X509_STORE_new();
  for (X509* ca : cas) X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, cert, nullptr);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context), static_cast<time_t>(at_s));
  if (purpose != 0) X509_STORE_CTX_set_purpose(context, purpose);
  const int result = X509_verify_cert(context) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context);
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);
  ERR_clear_error();
  return result;
}

inline std::string ToPem(X509* cert) {
  Result<std::string> pem = internal::CertificateToPem(cert);
  REQUIRE(pem.ok());
  return *pem;
}

// A certificate crafted outside the issuer: subject entries as (field, value) pairs, signed by
// issuer_key (self-signed when issuer is null), with optional extensions in OpenSSL syntax.
inline std::string CraftCertificate(const std::vector<std::pair<std::string, std::string>>& subject,
                                    EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                                    const std::vector<std::pair<int, std::string>>& extensions,
                                    int64_t not_before_s, int64_t not_after_s) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 42);
  for (const auto& [field, value] : subject) {
    REQUIRE(X509_NAME_add_entry_by_txt(
                X509_get_subject_name(cert.get()), field.c_str(), MBSTRING_UTF8,
                reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1);
  }
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  X509_set_pubkey(cert.get(), key);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before_s));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after_s));
  for (const auto& [nid, value] : extensions) {
    X509V3_CTX context{};
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, signer, cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    REQUIRE(extension != nullptr);
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  REQUIRE(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0);
  return ToPem(cert.get());
}

inline PkeyPtr NewP256Key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key != nullptr);
  return key;
}

}  // namespace milk::crypto::tls::testing
