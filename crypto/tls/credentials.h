// gRPC over mutual TLS with the material cryptogen issues (docs/tls.md): loading a member's
// files, building gRPC credentials, and learning who is on the other end of a call.
//
// A server requires a client certificate from one of the CAs it trusts; a client checks that the
// server's certificate names the host it dialed (subjectAltName) and chains to a CA it trusts.
// Who may do what is decided later, from the peer's CertificateIdentity and the chain config.
// All functions are thread-safe.
#pragma once

#include <grpcpp/security/auth_context.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "crypto/tls/certificate.h"

namespace milk::crypto::tls {

// One member's TLS identity and the CAs it trusts, as PEM text.
struct TlsMaterial {
  std::string cert_pem;              // tls.crt: the member's certificate
  std::string key_pem;               // tls.key: its private key
  std::vector<std::string> ca_pems;  // trusted CAs: the member's own org TLS CA, or more
};

// Reads a member directory written by cryptogen (orgs/<org>/members/<name>/: tls.crt, tls.key)
// and its org's TLS CA (orgs/<org>/tls/ca.crt, two levels up), and checks that they belong
// together: the key is the certificate's, and the certificate chains to the CA. Validity dates
// are not checked here; the peer checks them at every handshake.
// Errors: kNotFound (a file is missing); kPermissionDenied (tls.key may be read by group or
// others; the message says to chmod 600); kDataLoss (a file is not the PEM it should be);
// kFailedPrecondition (the files do not belong together).
Result<TlsMaterial> LoadTlsMaterial(const std::string& member_dir);

// A client's TLS files (the milk CLI's --tls-ca, --tls-cert, --tls-key): the CAs it trusts to
// sign the server's certificate (ca_pems, in the order given), and optionally a client
// certificate and its key (both empty: none). Checks that every CA file is a certificate and
// that the key is the certificate's; not that the certificate chains to ca_files (the server
// may trust another org's CA than the one that signed the server). Dates are not checked.
// Errors as LoadTlsMaterial, each naming the file; kInvalidArgument if ca_files is empty or only
// one of cert_file and key_file is given.
Result<TlsMaterial> LoadTlsClientFiles(const std::vector<std::string>& ca_files,
                                       const std::string& cert_file, const std::string& key_file);

// A node's TLS files as node.yaml names them (docs/node_config.md, section tls): its
// certificate and key (both required), and every CA it trusts. As LoadTlsClientFiles, and the
// certificate must chain to one of ca_files (peers sharing the bundle would refuse it
// otherwise): kFailedPrecondition.
Result<TlsMaterial> LoadTlsFiles(const std::string& cert_file, const std::string& key_file,
                                 const std::vector<std::string>& ca_files);

// Every org's TLS CA in a cryptogen output directory (crypto_dir/orgs/*/tls/ca.crt), in org name
// order: the trust bundle of a network whose orgs were all generated in one place (development,
// tests). A production node learns other orgs' CAs from the chain config instead.
// kNotFound if there is none; kDataLoss if one is not a PEM certificate.
Result<std::vector<std::string>> LoadTlsCaBundle(const std::string& crypto_dir);

// Server credentials presenting cert_pem/key_pem. With require_client_cert, a client must present
// a certificate that chains to one of client_ca_pems, or the handshake fails; without it, a
// client may connect without a certificate, but one it presents is still verified.
// REQUIRES: cert_pem and key_pem non-empty; client_ca_pems non-empty if require_client_cert.
// The PEMs are checked when the server starts (grpc::ServerBuilder::BuildAndStart fails on bad
// ones), so load them with LoadTlsMaterial first to get a clear error.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const std::string& cert_pem, const std::string& key_pem,
    const std::vector<std::string>& client_ca_pems, bool require_client_cert);
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const TlsMaterial& material,
                                                           bool require_client_cert);

// Channel credentials trusting ca_pems only (never the system's public roots), presenting
// client_cert_pem/client_key_pem as the client certificate when they are given.
// REQUIRES: ca_pems non-empty; the client certificate and key both empty or both non-empty.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(
    const std::vector<std::string>& ca_pems, const std::string& client_cert_pem,
    const std::string& client_key_pem);
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const TlsMaterial& material);

// The identity in the certificate the peer of a call presented, which the TLS handshake has
// verified against the server's trusted CAs. kUnauthenticated if the call carries no peer
// certificate (plaintext, or a client that sent none where none was required); kDataLoss or
// kInvalidArgument as ParseCertificateIdentity reports.
Result<CertificateIdentity> PeerCertificateIdentity(const grpc::AuthContext& auth_context);
Result<CertificateIdentity> PeerCertificateIdentity(const grpc::ServerContextBase& context);

}  // namespace milk::crypto::tls
