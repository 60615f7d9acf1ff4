#include "crypto/tls/issuer.h"

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>

#include "crypto/tls/certificate.h"
#include "crypto/tls/openssl_util.h"

namespace milk::crypto::tls {
namespace {

using internal::ClearOpenSslErrors;
using internal::OpenSslError;
using internal::PkeyPtr;
using internal::X509Ptr;

constexpr int64_t kSecondsPerDay = 86400;
// The longest member validity cryptogen accepts, so that a CA outlives what it signs when both
// are issued in one run.
constexpr int64_t kValidityDaysMax = 3650;
constexpr int64_t kCaValidityDays = kValidityDaysMax;
// Clocks of two hosts differ by seconds to minutes; without this a certificate issued on one
// machine is "not yet valid" on another whose clock is a little behind.
constexpr int64_t kClockSkewSeconds = 5 * 60;
// Serials need only be unique per CA; 128 random bits make them unique without a counter and
// unpredictable (RFC 5280 allows up to 20 octets).
constexpr int kSerialBits = 128;
// 9999-12-31T23:59:59Z: the last instant an X.509 time can express (RFC 5280 section 4.1.2.5).
constexpr int64_t kTimeSecondsMax = 253402300799;
// The org is in O; CN says what the certificate is. (A CN holds at most 64 characters, as an
// org name may, so "<org> TLS CA" would not always fit.)
constexpr char kCaCommonName[] = "TLS CA";

struct Subject {
  std::string organization;
  std::string organizational_unit;  // empty: none
  std::string common_name;
};

int64_t FloorSeconds(int64_t ms) { return ms / 1000 - (ms % 1000 < 0 ? 1 : 0); }

Status AddNameEntry(X509_NAME* name, int nid, const std::string& value) {
  if (value.empty()) return Status::Ok();
  if (value.size() > static_cast<size_t>(INT_MAX) ||
      X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return InvalidArgument(OpenSslError("certificate subject \"" + value + "\""));
  }
  return Status::Ok();
}

// A v3 certificate for key's public key with a random serial, subject and notBefore set.
Result<X509Ptr> NewCertificate(const Subject& subject, EVP_PKEY* key, int64_t now_s) {
  X509Ptr cert(X509_new());
  internal::BignumPtr serial(BN_new());
  if (cert == nullptr || serial == nullptr) return Internal(OpenSslError("X509_new"));
  if (BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return Internal(OpenSslError("random serial"));
  }
  if (BN_is_zero(serial.get())) BN_set_word(serial.get(), 1);  // serials are positive
  const time_t not_before = static_cast<time_t>(std::max<int64_t>(0, now_s - kClockSkewSeconds));
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) == nullptr) {
    return Internal(OpenSslError("building a certificate"));
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  MILK_RETURN_IF_ERROR(AddNameEntry(name, NID_organizationName, subject.organization));
  MILK_RETURN_IF_ERROR(AddNameEntry(name, NID_organizationalUnitName, subject.organizational_unit));
  MILK_RETURN_IF_ERROR(AddNameEntry(name, NID_commonName, subject.common_name));
  return cert;
}

// notAfter = min(not_after_s, the last X.509 time, limit); limit is the issuing CA's notAfter,
// null for a CA itself.
Status SetNotAfter(X509* cert, int64_t not_after_s, const ASN1_TIME* limit) {
  time_t not_after = static_cast<time_t>(std::min(not_after_s, kTimeSecondsMax));
  if (limit != nullptr && X509_cmp_time(limit, &not_after) < 0) {
    if (X509_set1_notAfter(cert, limit) != 1) return Internal(OpenSslError("notAfter"));
    return Status::Ok();
  }
  if (ASN1_TIME_set(X509_getm_notAfter(cert), not_after) == nullptr) {
    return Internal(OpenSslError("notAfter"));
  }
  return Status::Ok();
}

// An extension from OpenSSL's configuration syntax; `value` is always one of our constants.
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context{};
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  internal::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return Internal(OpenSslError(std::string("certificate extension ") + OBJ_nid2sn(nid)));
  }
  return Status::Ok();
}

// subjectAltName, built name by name rather than from a configuration string so that no host
// text is ever parsed as OpenSSL syntax.
Status AddHosts(X509* cert, const std::vector<std::string>& hosts) {
  internal::GeneralNamesPtr names(GENERAL_NAMES_new());
  if (names == nullptr) return Internal(OpenSslError("GENERAL_NAMES_new"));
  for (const std::string& host : hosts) {
    MILK_ASSIGN_OR_RETURN(std::string canonical, internal::CanonicalHost(host));
    std::string ip;
    const bool is_ip = internal::ParseIpAddress(host, &ip);
    const std::string& bytes = is_ip ? ip : canonical;
    ASN1_STRING* value = is_ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (value == nullptr || name == nullptr ||
        ASN1_STRING_set(value, bytes.data(), static_cast<int>(bytes.size())) != 1) {
      ASN1_STRING_free(value);
      GENERAL_NAME_free(name);
      return Internal(OpenSslError("subjectAltName"));
    }
    GENERAL_NAME_set0_value(name, is_ip ? GEN_IPADD : GEN_DNS, value);  // name owns value
    if (sk_GENERAL_NAME_push(names.get(), name) <= 0) {
      GENERAL_NAME_free(name);
      return Internal(OpenSslError("subjectAltName"));
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_APPEND) != 1) {
    return Internal(OpenSslError("subjectAltName"));
  }
  return Status::Ok();
}

Status Sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return Internal(OpenSslError("signing"));
  return Status::Ok();
}

bool KeyMatches(X509* cert, EVP_PKEY* key) {
  const bool matches = X509_check_private_key(cert, key) == 1;
  ClearOpenSslErrors();
  return matches;
}

// Canonical hosts, sorted, for comparing a certificate with the YAML.
Result<std::vector<std::string>> SortedHosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> sorted;
  for (const std::string& host : hosts) {
    MILK_ASSIGN_OR_RETURN(std::string canonical, internal::CanonicalHost(host));
    sorted.push_back(std::move(canonical));
  }
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

std::string JoinHosts(const std::vector<std::string>& hosts) {
  std::string out;
  for (const std::string& host : hosts) out += (out.empty() ? "" : ", ") + host;
  return out;
}

class OpenSslIssuer final : public TlsIssuer {
 public:
  Result<std::string> NewKey() const override;
  Status CheckKey(const std::string& key_pem) const override;
  Result<std::string> IssueCa(const std::string& org, const std::string& ca_key_pem,
                              int64_t now_ms) const override;
  Status CheckCa(const std::string& org, const std::string& ca_cert_pem,
                 const std::string& ca_key_pem) const override;
  Result<std::string> IssueMember(const TlsMemberSpec& member, const std::string& key_pem,
                                  const std::string& ca_cert_pem, const std::string& ca_key_pem,
                                  int64_t now_ms) const override;
  Status CheckMember(const TlsMemberSpec& member, const std::string& cert_pem,
                     const std::string& key_pem, const std::string& ca_cert_pem) const override;
};

Result<std::string> OpenSslIssuer::NewKey() const {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) return Internal(OpenSslError("P-256 key generation"));
  return internal::PrivateKeyToPem(key.get());
}

Status OpenSslIssuer::CheckKey(const std::string& key_pem) const {
  return internal::ParsePrivateKeyPem(key_pem).status();
}

Result<std::string> OpenSslIssuer::IssueCa(const std::string& org, const std::string& ca_key_pem,
                                           int64_t now_ms) const {
  if (org.empty()) return InvalidArgument("TLS CA: org is empty");
  MILK_ASSIGN_OR_RETURN(PkeyPtr key, internal::ParsePrivateKeyPem(ca_key_pem));
  const int64_t now_s = FloorSeconds(now_ms);
  MILK_ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate({org, "", kCaCommonName}, key.get(), now_s));
  X509* ca = cert.get();
  if (X509_set_issuer_name(ca, X509_get_subject_name(ca)) != 1) {
    return Internal(OpenSslError("issuer name"));
  }
  MILK_RETURN_IF_ERROR(SetNotAfter(ca, now_s + kCaValidityDays * kSecondsPerDay, nullptr));
  MILK_RETURN_IF_ERROR(AddExtension(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  MILK_RETURN_IF_ERROR(AddExtension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign"));
  MILK_RETURN_IF_ERROR(AddExtension(ca, ca, NID_subject_key_identifier, "hash"));
  MILK_RETURN_IF_ERROR(Sign(ca, key.get()));
  return internal::CertificateToPem(ca);
}

Status OpenSslIssuer::CheckCa(const std::string& org, const std::string& ca_cert_pem,
                              const std::string& ca_key_pem) const {
  MILK_ASSIGN_OR_RETURN(X509Ptr cert, internal::ParseCertificatePem(ca_cert_pem));
  MILK_ASSIGN_OR_RETURN(PkeyPtr key, internal::ParsePrivateKeyPem(ca_key_pem));
  if (!KeyMatches(cert.get(), key.get())) {
    return FailedPrecondition("the CA certificate is not for the CA key");
  }
  const bool self_signed = X509_check_issued(cert.get(), cert.get()) == X509_V_OK &&
                           X509_verify(cert.get(), key.get()) == 1;
  const bool is_ca = X509_check_ca(cert.get()) >= 1;
  ClearOpenSslErrors();
  if (!self_signed || !is_ca) return FailedPrecondition("not a self-signed CA certificate");
  MILK_ASSIGN_OR_RETURN(CertificateIdentity identity, ParseCertificateIdentity(ca_cert_pem));
  if (identity.organization != org) {
    return FailedPrecondition("the TLS CA of org \"" + identity.organization + "\", not " + org);
  }
  return Status::Ok();
}

Result<std::string> OpenSslIssuer::IssueMember(const TlsMemberSpec& member,
                                               const std::string& key_pem,
                                               const std::string& ca_cert_pem,
                                               const std::string& ca_key_pem,
                                               int64_t now_ms) const {
  if (member.org.empty() || member.name.empty() || member.role.empty()) {
    return InvalidArgument("TLS certificate: org, name and role are required");
  }
  if (member.validity_days < 1 || member.validity_days > kValidityDaysMax) {
    return InvalidArgument("TLS certificate: validity_days must be 1 to 3650");
  }
  if (member.hosts.empty()) return InvalidArgument("TLS certificate: no hosts");
  MILK_ASSIGN_OR_RETURN(PkeyPtr key, internal::ParsePrivateKeyPem(key_pem));
  MILK_ASSIGN_OR_RETURN(X509Ptr ca, internal::ParseCertificatePem(ca_cert_pem));
  MILK_ASSIGN_OR_RETURN(PkeyPtr ca_key, internal::ParsePrivateKeyPem(ca_key_pem));
  if (!KeyMatches(ca.get(), ca_key.get())) {
    return FailedPrecondition("the CA certificate is not for the CA key");
  }
  const int64_t now_s = FloorSeconds(now_ms);
  time_t now = static_cast<time_t>(now_s);
  if (X509_cmp_time(X509_get0_notAfter(ca.get()), &now) <= 0) {
    ClearOpenSslErrors();
    return FailedPrecondition("the TLS CA of org " + member.org + " has expired");
  }
  MILK_ASSIGN_OR_RETURN(X509Ptr cert,
                        NewCertificate({member.org, member.role, member.name}, key.get(), now_s));
  X509* leaf = cert.get();
  if (X509_set_issuer_name(leaf, X509_get_subject_name(ca.get())) != 1) {
    return Internal(OpenSslError("issuer name"));
  }
  MILK_RETURN_IF_ERROR(SetNotAfter(leaf, now_s + member.validity_days * kSecondsPerDay,
                                   X509_get0_notAfter(ca.get())));
  MILK_RETURN_IF_ERROR(AddExtension(leaf, ca.get(), NID_basic_constraints, "critical,CA:FALSE"));
  MILK_RETURN_IF_ERROR(AddExtension(leaf, ca.get(), NID_key_usage, "critical,digitalSignature"));
  MILK_RETURN_IF_ERROR(AddExtension(leaf, ca.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  MILK_RETURN_IF_ERROR(AddExtension(leaf, ca.get(), NID_subject_key_identifier, "hash"));
  MILK_RETURN_IF_ERROR(AddExtension(leaf, ca.get(), NID_authority_key_identifier, "keyid:always"));
  MILK_RETURN_IF_ERROR(AddHosts(leaf, member.hosts));
  MILK_RETURN_IF_ERROR(Sign(leaf, ca_key.get()));
  return internal::CertificateToPem(leaf);
}

Status OpenSslIssuer::CheckMember(const TlsMemberSpec& member, const std::string& cert_pem,
                                  const std::string& key_pem,
                                  const std::string& ca_cert_pem) const {
  MILK_ASSIGN_OR_RETURN(X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  MILK_ASSIGN_OR_RETURN(PkeyPtr key, internal::ParsePrivateKeyPem(key_pem));
  if (!KeyMatches(cert.get(), key.get())) return FailedPrecondition("not for the key in tls.key");
  Status chain = VerifyCertificateChain(cert_pem, {ca_cert_pem}, VerifyOptions{});
  if (chain.code() == Code::kDataLoss) return chain;
  if (!chain.ok()) {
    return FailedPrecondition("not issued by the TLS CA of org " + member.org + " (" +
                              chain.message() + ")");
  }
  MILK_ASSIGN_OR_RETURN(CertificateIdentity identity, ParseCertificateIdentity(cert_pem));
  if (identity.common_name != member.name || identity.organization != member.org ||
      identity.organizational_unit != member.role) {
    return FailedPrecondition("names CN=" + identity.common_name + " O=" + identity.organization +
                              " OU=" + identity.organizational_unit + " but the YAML says CN=" +
                              member.name + " O=" + member.org + " OU=" + member.role);
  }
  MILK_ASSIGN_OR_RETURN(std::vector<std::string> cert_hosts, CertificateHosts(cert_pem));
  MILK_ASSIGN_OR_RETURN(std::vector<std::string> have, SortedHosts(cert_hosts));
  MILK_ASSIGN_OR_RETURN(std::vector<std::string> want, SortedHosts(member.hosts));
  if (have != want) {
    return FailedPrecondition("is for hosts " + JoinHosts(cert_hosts) + " but the YAML says " +
                              JoinHosts(member.hosts));
  }
  return Status::Ok();
}

}  // namespace

const TlsIssuer& OpenSslTlsIssuer() {
  static const OpenSslIssuer* const issuer = new OpenSslIssuer();  // never destroyed: no
  return *issuer;                                                  // exit-time order issues
}

Result<std::vector<GeneratedFile>> GenerateWithTls(const std::string& yaml_path,
                                                   const std::string& out_dir, int64_t now_ms) {
  return GenerateFromYaml(yaml_path, out_dir, now_ms, OpenSslTlsIssuer());
}

}  // namespace milk::crypto::tls
