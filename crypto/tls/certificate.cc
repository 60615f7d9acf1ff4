#include "crypto/tls/certificate.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/x509_vfy.h>

#include "crypto/tls/openssl_util.h"

namespace milk::crypto::tls {
namespace {

using internal::ClearOpenSslErrors;
using internal::OpenSslError;

// The single entry `nid` of a subject name as UTF-8; empty when absent.
Result<std::string> NameEntry(X509_NAME* name, int nid, const char* label) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::string();
  if (X509_NAME_get_index_by_NID(name, nid, index) >= 0) {
    return InvalidArgument(std::string("certificate subject names more than one ") + label);
  }
  unsigned char* utf8 = nullptr;
  const int length =
      ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
  if (length < 0) return DataLoss(OpenSslError(std::string("certificate subject ") + label));
  std::string value(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return value;
}

Result<std::string> IpAddressText(const ASN1_OCTET_STRING* address) {
  const int length = ASN1_STRING_length(address);
  if (length != 4 && length != 16) return DataLoss("subjectAltName IP address of bad length");
  char text[INET6_ADDRSTRLEN];
  if (::inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(address), text,
                  sizeof(text)) == nullptr) {
    return DataLoss("subjectAltName IP address does not print");
  }
  return std::string(text);
}

}  // namespace

Result<CertificateIdentity> ParseCertificateIdentity(std::string_view cert_pem) {
  MILK_ASSIGN_OR_RETURN(internal::X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  X509_NAME* subject = X509_get_subject_name(cert.get());
  CertificateIdentity identity;
  MILK_ASSIGN_OR_RETURN(identity.common_name, NameEntry(subject, NID_commonName, "CN"));
  MILK_ASSIGN_OR_RETURN(identity.organization, NameEntry(subject, NID_organizationName, "O"));
  MILK_ASSIGN_OR_RETURN(identity.organizational_unit,
                        NameEntry(subject, NID_organizationalUnitName, "OU"));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_bytes = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &digest_bytes) != 1) {
    return Internal(OpenSslError("certificate fingerprint"));
  }
  identity.fingerprint_sha256.assign(reinterpret_cast<const char*>(digest), digest_bytes);
  return identity;
}

Result<std::vector<std::string>> CertificateHosts(std::string_view cert_pem) {
  MILK_ASSIGN_OR_RETURN(internal::X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  internal::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  ClearOpenSslErrors();  // an absent extension is an answer, not an error
  std::vector<std::string> hosts;
  if (names == nullptr) return hosts;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      hosts.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                         static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      MILK_ASSIGN_OR_RETURN(std::string ip, IpAddressText(name->d.iPAddress));
      hosts.push_back(std::move(ip));
    }
  }
  return hosts;
}

Status VerifyCertificateChain(std::string_view cert_pem, const std::vector<std::string>& ca_pems,
                              const VerifyOptions& options) {
  MILK_ASSIGN_OR_RETURN(internal::X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  internal::X509StorePtr store(X509_STORE_new());
  internal::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (store == nullptr || context == nullptr) return Internal(OpenSslError("X509_STORE_new"));
  for (const std::string& ca_pem : ca_pems) {
    MILK_ASSIGN_OR_RETURN(internal::X509Ptr ca, internal::ParseCertificatePem(ca_pem));
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
      ClearOpenSslErrors();  // the same CA twice: harmless
    }
  }
  if (X509_STORE_CTX_init(context.get(), store.get(), cert.get(), nullptr) != 1) {
    return Internal(OpenSslError("X509_STORE_CTX_init"));
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  if (options.at_ms.has_value()) {
    // Floor division, so an instant before 1970 is not rounded up into the next second.
    const int64_t at_ms = *options.at_ms;
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at_ms / 1000 - (at_ms % 1000 < 0)));
  } else {
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  }
  if (options.purpose != Purpose::kAny) {
    const int purpose =
        options.purpose == Purpose::kTlsServer ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
    if (X509_STORE_CTX_set_purpose(context.get(), purpose) != 1) {
      return Internal(OpenSslError("X509_STORE_CTX_set_purpose"));
    }
  }
  if (X509_verify_cert(context.get()) == 1) return Status::Ok();
  const int error = X509_STORE_CTX_get_error(context.get());
  ClearOpenSslErrors();
  return Unauthenticated(std::string("certificate does not verify against the trusted CAs: ") +
                         X509_verify_cert_error_string(error));
}

}  // namespace milk::crypto::tls
