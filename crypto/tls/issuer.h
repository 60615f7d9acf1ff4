// Issues the X.509 material for gRPC over mutual TLS (docs/tls.md): per org a self-signed TLS CA,
// per member a certificate signed by it. cryptogen (crypto/cryptogen.h) owns the files and calls
// this through its TlsIssuer interface, so milk_crypto stays libsodium-only.
//
// Keys are ECDSA P-256 and signatures ECDSA with SHA-256: every TLS stack gRPC runs on (OpenSSL,
// BoringSSL, Go, Java) negotiates them in TLS 1.2 and 1.3, for server and client authentication.
//
// CA certificate:     subject O=<org>, CN=TLS CA; basicConstraints critical CA:TRUE,
//                     pathlen:0; keyUsage critical keyCertSign, cRLSign; valid ten years.
// Member certificate: subject O=<org>, OU=<role>, CN=<name>; subjectAltName = the hosts (DNS
//                     names and IP addresses); basicConstraints critical CA:FALSE; keyUsage
//                     critical digitalSignature; extendedKeyUsage serverAuth, clientAuth; valid
//                     validity_days, but never past the CA's own notAfter.
// Both: X.509 v3, a random 128-bit serial, notBefore five minutes before now_ms (the clocks of
// two hosts differ; a certificate valid "from now" would be refused by a peer whose clock is a
// little behind), subject and authority key identifiers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/cryptogen.h"
#include "crypto/status.h"

namespace milk::crypto::tls {

// The OpenSSL implementation of TlsIssuer, with the contract of crypto/cryptogen.h. Also:
// IssueMember is kInvalidArgument for validity_days outside 1..3650, no hosts, or a host that is
// neither an IP address nor a DNS name. Thread-safe; lives as long as the program.
const TlsIssuer& OpenSslTlsIssuer();

// GenerateFromYaml with the TLS material: what `milk crypto generate` runs.
Result<std::vector<GeneratedFile>> GenerateWithTls(const std::string& yaml_path,
                                                   const std::string& out_dir, int64_t now_ms);

}  // namespace milk::crypto::tls
