// Reading X.509 TLS certificates (docs/tls.md): the identity a certificate names, its hosts, and
// whether it chains to a trusted CA. The gRPC layer uses it to learn who is calling
// (credentials.h), cryptogen's issuer to check kept files (issuer.h). These certificates only
// secure transport; ledger identity is the Ed25519 certificate (crypto/identity.h).
// All functions are thread-safe (no shared state). PEM arguments are text; the first
// certificate of a PEM is the one read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace milk::crypto::tls {

// Who a TLS certificate says its holder is. cryptogen's certificates carry CN = member name,
// O = org, OU = role; the fingerprint names this exact certificate, which is what the chain config
// will bind to a ledger identity.
struct CertificateIdentity {
  std::string common_name;          // empty when the subject has no CN
  std::string organization;         // empty when it has no O
  std::string organizational_unit;  // empty when it has no OU
  std::string fingerprint_sha256;   // SHA-256 of the certificate's DER encoding: 32 raw bytes
};

// kDataLoss if cert_pem holds no parsable certificate; kInvalidArgument if the subject names a
// CN, O or OU more than once (ambiguous: we do not pick one).
Result<CertificateIdentity> ParseCertificateIdentity(std::string_view cert_pem);

// The subjectAltName hosts of cert_pem in certificate order: DNS names as written, IP addresses
// as inet_ntop prints them ("127.0.0.1", "::1"). Other name types are left out. Empty when the
// certificate has no subjectAltName. kDataLoss if cert_pem does not parse.
Result<std::vector<std::string>> CertificateHosts(std::string_view cert_pem);

enum class Purpose {
  kAny,        // chain only
  kTlsServer,  // and extendedKeyUsage allows serverAuth
  kTlsClient,  // and extendedKeyUsage allows clientAuth
};
struct VerifyOptions {
  // Unix milliseconds at which every certificate of the chain must be valid; nullopt ignores
  // validity dates (for consistency checks of files, not for trust decisions).
  std::optional<int64_t> at_ms;
  Purpose purpose = Purpose::kAny;
};

// OK if cert_pem chains to one of ca_pems (each a PEM of one trusted CA certificate) as OpenSSL's
// X509_verify_cert decides. kDataLoss if a PEM does not parse; kUnauthenticated with OpenSSL's
// reason ("unable to get local issuer certificate", "certificate has expired", ...) otherwise.
Status VerifyCertificateChain(std::string_view cert_pem, const std::vector<std::string>& ca_pems,
                              const VerifyOptions& options);

}  // namespace milk::crypto::tls
