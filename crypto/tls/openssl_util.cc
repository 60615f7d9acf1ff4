#include "crypto/tls/openssl_util.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

namespace milk::crypto::tls::internal {
namespace {

// OpenSSL takes buffer lengths as int; our PEMs are a few KiB, files are capped far below this.
Result<BioPtr> ReadBio(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) return DataLoss("PEM text too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Internal(OpenSslError("BIO_new_mem_buf"));
  return bio;
}

Result<std::string> DrainBio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return Internal(OpenSslError("PEM encoding"));
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

std::string OpenSslError(std::string_view what) {
  std::string message(what);
  const char* separator = ": ";
  while (const unsigned long code = ERR_get_error()) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof(reason));
    message += separator;
    message += reason;
    separator = "; ";
  }
  return message;
}

void ClearOpenSslErrors() { ERR_clear_error(); }

Result<X509Ptr> ParseCertificatePem(std::string_view pem) {
  MILK_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return DataLoss(OpenSslError("not a PEM X.509 certificate"));
  return cert;
}

Result<PkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  MILK_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  // A callback that has no passphrase: an encrypted key is refused rather than OpenSSL
  // prompting on the terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (key == nullptr) return DataLoss(OpenSslError("not an unencrypted PEM private key"));
  return key;
}

Result<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return Internal(OpenSslError("PEM_write_bio_X509"));
  }
  return DrainBio(bio.get());
}

Result<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal(OpenSslError("PEM_write_bio_PrivateKey"));
  }
  return DrainBio(bio.get());
}

bool ParseIpAddress(std::string_view host, std::string* bytes) {
  const std::string text(host);
  unsigned char address[16];
  if (::inet_pton(AF_INET, text.c_str(), address) == 1) {
    bytes->assign(reinterpret_cast<const char*>(address), 4);
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), address) == 1) {
    bytes->assign(reinterpret_cast<const char*>(address), 16);
    return true;
  }
  return false;
}

Result<std::string> CanonicalHost(std::string_view host) {
  std::string bytes;
  if (ParseIpAddress(host, &bytes)) {
    char text[INET6_ADDRSTRLEN];
    const int family = bytes.size() == 4 ? AF_INET : AF_INET6;
    if (::inet_ntop(family, bytes.data(), text, sizeof(text)) == nullptr) {
      return Internal("inet_ntop failed for " + std::string(host));
    }
    return std::string(text);
  }
  std::string name;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    const bool upper = c >= 'A' && c <= 'Z';
    if (!ok && !upper) break;
    name += upper ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (name.empty() || name.size() != host.size()) {
    return InvalidArgument("host \"" + std::string(host) +
                           "\" is neither an IP address nor a DNS name");
  }
  return name;
}

}  // namespace milk::crypto::tls::internal
