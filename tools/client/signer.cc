#include "tools/client/signer.h"

#include <sys/stat.h>

#include <utility>

#include "crypto/key_files.h"

namespace milk::client {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Result<Signer> MemberSigner(crypto::KeyPair key, const milkpb::Certificate& cert) {
  std::string identity_bytes = crypto::SerializeMemberIdentity(cert);
  MILK_ASSIGN_OR_RETURN(crypto::IdentityInfo info, crypto::ParseIdentity(identity_bytes));
  if (info.public_key != key.public_key) {
    return InvalidArgument("the certificate of " + info.org + " member " + info.name +
                           " is for a different public key than the secret key");
  }
  return Signer{std::move(key), std::move(identity_bytes), std::move(info)};
}

Signer WalletSigner(crypto::KeyPair key) {
  std::string identity_bytes = crypto::SerializeWalletIdentity(key.public_key);
  Result<crypto::IdentityInfo> info = crypto::ParseIdentity(identity_bytes);
  MILK_CHECK(info.ok());  // a 32-byte key always makes a valid wallet identity
  return Signer{std::move(key), std::move(identity_bytes), std::move(info).value()};
}

Result<Signer> LoadSigner(const std::string& dir) {
  if (!IsDirectory(dir)) {
    return NotFound("identity directory " + dir + " does not exist");
  }
  const std::string key_path = dir + "/key";
  if (!Exists(key_path)) {
    return NotFound(key_path +
                    " does not exist (an identity directory holds `key`, and `cert` "
                    "for org members)");
  }
  MILK_ASSIGN_OR_RETURN(crypto::KeyPair key, crypto::ReadSecretKeyFile(key_path));
  const std::string cert_path = dir + "/cert";
  if (!Exists(cert_path)) return WalletSigner(std::move(key));
  MILK_ASSIGN_OR_RETURN(milkpb::Certificate cert, crypto::ReadCertificateFile(cert_path));
  Result<Signer> signer = MemberSigner(std::move(key), cert);
  if (!signer.ok()) return signer.status().WithContext(cert_path);
  return signer;
}

}  // namespace milk::client
