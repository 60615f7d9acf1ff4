// Private to milk_tls: owning pointers for OpenSSL objects and PEM conversions, so that no
// OpenSSL object leaks on an error path and no error is left in OpenSSL's per-thread queue (gRPC
// shares that queue and would misread a stale entry).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::crypto::tls::internal {

template <auto kFree>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* object) const {
    kFree(object);
  }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using ExtendedKeyUsagePtr =
    std::unique_ptr<EXTENDED_KEY_USAGE, OpenSslDeleter<&EXTENDED_KEY_USAGE_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<&ASN1_OCTET_STRING_free>>;

// "what: <OpenSSL's reasons>", draining this thread's OpenSSL error queue.
std::string OpenSslError(std::string_view what);
// Empties this thread's OpenSSL error queue (after a call whose failure is an expected answer).
void ClearOpenSslErrors();

// The first certificate of a PEM text. kDataLoss if there is none or it does not parse.
Result<X509Ptr> ParseCertificatePem(std::string_view pem);
// A private key in PEM (PKCS#8 or the traditional forms). kDataLoss if it does not parse.
Result<PkeyPtr> ParsePrivateKeyPem(std::string_view pem);
Result<std::string> CertificateToPem(X509* cert);
// PKCS#8, unencrypted: the file's mode (0600) protects it, as for Ed25519 keys.
Result<std::string> PrivateKeyToPem(EVP_PKEY* key);

// A host from the YAML in its canonical text form, for comparing host lists: IP addresses as
// inet_ntop prints them, DNS names in lower case. kInvalidArgument if host is neither.
Result<std::string> CanonicalHost(std::string_view host);
// Parses an IPv4 or IPv6 address into its 4 or 16 bytes; false if host is not one.
bool ParseIpAddress(std::string_view host, std::string* bytes);

}  // namespace milk::crypto::tls::internal
