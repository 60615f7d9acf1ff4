#include "crypto/tls/credentials.h"

#include <grpc/grpc_security_constants.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "crypto/file_io.h"
#include "crypto/tls/openssl_util.h"

namespace milk::crypto::tls {
namespace {

namespace fs = std::filesystem;

// A PEM certificate or EC key is about 1 KiB; anything much larger is not ours.
constexpr size_t kPemBytesMax = 64 * 1024;

Result<std::string> ReadPem(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(crypto::internal::FileContents file,
                        crypto::internal::ReadSmallFile(path, kPemBytesMax));
  return std::move(file.bytes);
}

// As for Ed25519 secret keys (docs/crypto.md): a key others may read is refused, not used.
Result<std::string> ReadPrivatePem(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(crypto::internal::FileContents file,
                        crypto::internal::ReadSmallFile(path, kPemBytesMax));
  if ((file.mode & 077) != 0) {
    char mode[16];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(file.mode & 07777));
    return PermissionDenied("TLS key file " + path + " has mode " + mode +
                            ": group or others may access it; fix with: chmod 600 " + path);
  }
  return std::move(file.bytes);
}

// orgs/<org>/members/<name>[/] -> orgs/<org>
std::string OrgDirOf(const std::string& member_dir) {
  fs::path path = fs::path(member_dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();
  return path.parent_path().parent_path().string();
}

// One PEM after another, each ending in a newline, as gRPC reads a bundle.
std::string Bundle(const std::vector<std::string>& pems) {
  std::string bundle;
  for (const std::string& pem : pems) {
    bundle += pem;
    if (!pem.empty() && pem.back() != '\n') bundle += '\n';
  }
  return bundle;
}

}  // namespace

Result<TlsMaterial> LoadTlsMaterial(const std::string& member_dir) {
  const std::string cert_path = member_dir + "/tls.crt";
  const std::string key_path = member_dir + "/tls.key";
  const std::string ca_path = OrgDirOf(member_dir) + "/tls/ca.crt";
  TlsMaterial material;
  MILK_ASSIGN_OR_RETURN(material.cert_pem, ReadPem(cert_path));
  MILK_ASSIGN_OR_RETURN(material.key_pem, ReadPrivatePem(key_path));
  MILK_ASSIGN_OR_RETURN(std::string ca_pem, ReadPem(ca_path));
  Result<internal::X509Ptr> cert = internal::ParseCertificatePem(material.cert_pem);
  if (!cert.ok()) return cert.status().WithContext(cert_path);
  Result<internal::PkeyPtr> key = internal::ParsePrivateKeyPem(material.key_pem);
  if (!key.ok()) return key.status().WithContext(key_path);
  const bool matches = X509_check_private_key(cert->get(), key->get()) == 1;
  internal::ClearOpenSslErrors();
  if (!matches) return FailedPrecondition(cert_path + " is not the certificate of " + key_path);
  Status chain = VerifyCertificateChain(material.cert_pem, {ca_pem}, VerifyOptions{});
  if (chain.code() == Code::kDataLoss) return chain.WithContext(ca_path);
  if (!chain.ok()) {
    return FailedPrecondition(cert_path + " was not issued by the TLS CA " + ca_path + " (" +
                              chain.message() + ")");
  }
  material.ca_pems.push_back(std::move(ca_pem));
  return material;
}

Result<TlsMaterial> LoadTlsClientFiles(const std::vector<std::string>& ca_files,
                                       const std::string& cert_file, const std::string& key_file) {
  if (ca_files.empty()) return InvalidArgument("no trusted TLS CA file given");
  if (cert_file.empty() != key_file.empty()) {
    return InvalidArgument("a TLS client certificate needs its key, and a key its certificate");
  }
  TlsMaterial material;
  for (const std::string& ca_file : ca_files) {
    MILK_ASSIGN_OR_RETURN(std::string ca_pem, ReadPem(ca_file));
    Result<internal::X509Ptr> ca = internal::ParseCertificatePem(ca_pem);
    if (!ca.ok()) return ca.status().WithContext(ca_file);
    material.ca_pems.push_back(std::move(ca_pem));
  }
  if (cert_file.empty()) return material;
  MILK_ASSIGN_OR_RETURN(material.cert_pem, ReadPem(cert_file));
  MILK_ASSIGN_OR_RETURN(material.key_pem, ReadPrivatePem(key_file));
  Result<internal::X509Ptr> cert = internal::ParseCertificatePem(material.cert_pem);
  if (!cert.ok()) return cert.status().WithContext(cert_file);
  Result<internal::PkeyPtr> key = internal::ParsePrivateKeyPem(material.key_pem);
  if (!key.ok()) return key.status().WithContext(key_file);
  const bool matches = X509_check_private_key(cert->get(), key->get()) == 1;
  internal::ClearOpenSslErrors();
  if (!matches) return FailedPrecondition(cert_file + " is not the certificate of " + key_file);
  return material;
}

Result<TlsMaterial> LoadTlsFiles(const std::string& cert_file, const std::string& key_file,
                                 const std::vector<std::string>& ca_files) {
  if (cert_file.empty() || key_file.empty()) {
    return InvalidArgument("a TLS server needs both its certificate and its key");
  }
  MILK_ASSIGN_OR_RETURN(TlsMaterial material, LoadTlsClientFiles(ca_files, cert_file, key_file));
  Status chain = VerifyCertificateChain(material.cert_pem, material.ca_pems, VerifyOptions{});
  if (!chain.ok()) {
    return FailedPrecondition(cert_file + " was not issued by any of the trusted TLS CAs (" +
                              chain.message() + "); add its org's orgs/<org>/tls/ca.crt");
  }
  return material;
}

Result<std::vector<std::string>> LoadTlsCaBundle(const std::string& crypto_dir) {
  const std::string orgs_dir = crypto_dir + "/orgs";
  std::vector<std::string> ca_paths;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(orgs_dir, error)) {
    const std::string ca_path = entry.path().string() + "/tls/ca.crt";
    if (crypto::internal::PathExists(ca_path)) ca_paths.push_back(ca_path);
  }
  if (error && error != std::errc::no_such_file_or_directory) {
    return IoError("list " + orgs_dir + ": " + error.message());
  }
  if (ca_paths.empty()) return NotFound("no TLS CA (orgs/*/tls/ca.crt) in " + crypto_dir);
  std::sort(ca_paths.begin(), ca_paths.end());
  std::vector<std::string> bundle;
  for (const std::string& ca_path : ca_paths) {
    MILK_ASSIGN_OR_RETURN(std::string pem, ReadPem(ca_path));
    Result<internal::X509Ptr> ca = internal::ParseCertificatePem(pem);
    if (!ca.ok()) return ca.status().WithContext(ca_path);
    bundle.push_back(std::move(pem));
  }
  return bundle;
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const std::string& cert_pem, const std::string& key_pem,
    const std::vector<std::string>& client_ca_pems, bool require_client_cert) {
  MILK_CHECK(!cert_pem.empty() && !key_pem.empty());
  MILK_CHECK(!require_client_cert || !client_ca_pems.empty());
  grpc_ssl_client_certificate_request_type request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  if (require_client_cert) {
    request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  } else if (!client_ca_pems.empty()) {
    request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  grpc::SslServerCredentialsOptions options(request);
  options.pem_root_certs = Bundle(client_ca_pems);
  options.pem_key_cert_pairs.push_back({key_pem, cert_pem});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const TlsMaterial& material,
                                                           bool require_client_cert) {
  return ServerCredentials(material.cert_pem, material.key_pem, material.ca_pems,
                           require_client_cert);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(
    const std::vector<std::string>& ca_pems, const std::string& client_cert_pem,
    const std::string& client_key_pem) {
  // An empty root bundle would make gRPC trust the system's public CAs.
  MILK_CHECK(!ca_pems.empty());
  MILK_CHECK(client_cert_pem.empty() == client_key_pem.empty());
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = Bundle(ca_pems);
  options.pem_cert_chain = client_cert_pem;
  options.pem_private_key = client_key_pem;
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const TlsMaterial& material) {
  return ChannelCredentials(material.ca_pems, material.cert_pem, material.key_pem);
}

Result<CertificateIdentity> PeerCertificateIdentity(const grpc::AuthContext& auth_context) {
  const std::vector<grpc::string_ref> pems =
      auth_context.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pems.empty() || !auth_context.IsPeerAuthenticated()) {
    return Unauthenticated("the peer presented no verified TLS certificate");
  }
  return ParseCertificateIdentity(std::string_view(pems.front().data(), pems.front().size()));
}

Result<CertificateIdentity> PeerCertificateIdentity(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth_context = context.auth_context();
  if (auth_context == nullptr) return Unauthenticated("the call has no auth context");
  return PeerCertificateIdentity(*auth_context);
}

}  // namespace milk::crypto::tls
