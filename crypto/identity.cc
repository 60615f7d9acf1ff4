#include "crypto/identity.h"

#include "crypto/signature_memo.h"

#include <algorithm>
#include <array>

#include "crypto/bytes.h"
#include "crypto/hash.h"

namespace milk::crypto {
namespace {

constexpr uint32_t kCertificateVersion = 1;

constexpr std::string_view kWalletAddressPrefix = "mlk1";
// 20 bytes of key hash (as in Ethereum-style addresses: collision-safe for wallets, short to
// read aloud) and 4 bytes of checksum (catches typos with odds of 1 in 2^32).
constexpr size_t kWalletAddressHashBytes = 20;
constexpr size_t kWalletAddressChecksumBytes = 4;
constexpr size_t kWalletAddressChars =
    kWalletAddressPrefix.size() + 2 * (kWalletAddressHashBytes + kWalletAddressChecksumBytes);

struct RoleEntry {
  milkpb::Role role;
  std::string_view name;
};
constexpr std::array<RoleEntry, 8> kRoles = {{
    {milkpb::ADMIN, "admin"},
    {milkpb::PEER, "peer"},
    {milkpb::CONSENTER, "consenter"},
    {milkpb::CLIENT, "client"},
    {milkpb::AUDITOR, "auditor"},
    {milkpb::RELAY, "relay"},
    {milkpb::ORACLE, "oracle"},
    {milkpb::WALLET, "wallet"},
}};

bool IsMemberRole(milkpb::Role role) {
  return role != milkpb::WALLET && std::any_of(kRoles.begin(), kRoles.end(),
                                               [&](const RoleEntry& e) { return e.role == role; });
}

// "certificate of TICA member peer0 (serial 2)", for error messages.
std::string Describe(const milkpb::CertificateBody& body) {
  return "certificate of " + body.org() + " member " + body.name() + " (serial " +
         std::to_string(body.serial()) + ")";
}

}  // namespace

milkpb::Certificate IssueCertificate(const milkpb::CertificateBody& body,
                                     std::string_view root_secret_key) {
  MILK_CHECK(root_secret_key.size() == kSecretKeyBytes);
  milkpb::Certificate cert;
  std::string body_bytes;
  MILK_CHECK(body.SerializeToString(&body_bytes));
  cert.set_signature(Sign(root_secret_key, body_bytes));
  cert.set_body(std::move(body_bytes));
  return cert;
}

Result<milkpb::CertificateBody> CheckCertificate(const milkpb::Certificate& cert,
                                                 std::string_view root_public_key, int64_t at_ms,
                                                 const std::vector<uint64_t>& revoked_serials) {
  milkpb::CertificateBody body;
  if (!body.ParseFromString(cert.body())) {
    return InvalidArgument("certificate body does not parse");
  }
  const std::string what = Describe(body);
  if (body.version() != kCertificateVersion) {
    return InvalidArgument(what + ": unknown version " + std::to_string(body.version()) +
                           " (this node understands version 1)");
  }
  // Memoized: a node checks the same few certificates in every transaction.
  if (!VerifyMemo(root_public_key, cert.body(), cert.signature())) {
    return Unauthenticated(what + ": signature does not verify under the org root key " +
                           ToHex(root_public_key));
  }
  if (body.public_key().size() != kPublicKeyBytes) {
    return InvalidArgument(what + ": public key is " + std::to_string(body.public_key().size()) +
                           " bytes, expected 32");
  }
  if (body.org().empty() || body.name().empty() || !IsMemberRole(body.role())) {
    return InvalidArgument(what + ": org, name and a member role are required (role " +
                           RoleName(body.role()) + ")");
  }
  if (at_ms < body.not_before_ms()) {
    return PermissionDenied(what + ": not yet valid (valid from " +
                            std::to_string(body.not_before_ms()) + " ms, now " +
                            std::to_string(at_ms) + " ms)");
  }
  if (at_ms >= body.not_after_ms()) {
    return PermissionDenied(what + ": expired (valid until " + std::to_string(body.not_after_ms()) +
                            " ms, now " + std::to_string(at_ms) + " ms)");
  }
  if (std::find(revoked_serials.begin(), revoked_serials.end(), body.serial()) !=
      revoked_serials.end()) {
    return PermissionDenied(what + ": revoked");
  }
  return body;
}

Result<IdentityInfo> ParseIdentity(std::string_view identity_bytes) {
  milkpb::Identity identity;
  if (!identity.ParseFromArray(identity_bytes.data(), static_cast<int>(identity_bytes.size()))) {
    return InvalidArgument("identity does not parse");
  }
  IdentityInfo info;
  switch (identity.kind_case()) {
    case milkpb::Identity::kWalletPublicKey:
      info.is_wallet = true;
      info.role = milkpb::WALLET;
      info.public_key = identity.wallet_public_key();
      if (info.public_key.size() != kPublicKeyBytes) {
        return InvalidArgument("wallet identity: public key is " +
                               std::to_string(info.public_key.size()) + " bytes, expected 32");
      }
      info.name = WalletAddress(info.public_key);
      return info;
    case milkpb::Identity::kMember: {
      milkpb::CertificateBody body;
      if (!body.ParseFromString(identity.member().body())) {
        return InvalidArgument("member identity: certificate body does not parse");
      }
      if (body.public_key().size() != kPublicKeyBytes) {
        return InvalidArgument("member identity: " + Describe(body) + ": public key is " +
                               std::to_string(body.public_key().size()) + " bytes, expected 32");
      }
      info.org = body.org();
      info.name = body.name();
      info.role = body.role();
      info.public_key = body.public_key();
      info.certificate = identity.member();
      return info;
    }
    case milkpb::Identity::KIND_NOT_SET:
      break;
  }
  return InvalidArgument("identity is neither a member certificate nor a wallet key");
}

std::string SerializeMemberIdentity(const milkpb::Certificate& cert) {
  milkpb::Identity identity;
  *identity.mutable_member() = cert;
  return identity.SerializeAsString();
}

std::string SerializeWalletIdentity(std::string_view wallet_public_key) {
  milkpb::Identity identity;
  identity.set_wallet_public_key(std::string(wallet_public_key));
  return identity.SerializeAsString();
}

std::string PrincipalName(const IdentityInfo& id) {
  if (id.is_wallet) return "wallet";
  return id.org + "." + RoleName(id.role);
}

std::string RoleName(milkpb::Role role) {
  for (const RoleEntry& e : kRoles) {
    if (e.role == role) return std::string(e.name);
  }
  return "unspecified";
}

Result<milkpb::Role> ParseRoleName(std::string_view name) {
  for (const RoleEntry& e : kRoles) {
    if (e.name == name) return e.role;
  }
  return InvalidArgument("unknown role \"" + std::string(name) +
                         "\" (known: admin, peer, consenter, client, auditor, relay, oracle, wallet)");
}

std::string WalletAddress(std::string_view public_key) {
  std::string key_hash = Sha256(public_key).substr(0, kWalletAddressHashBytes);
  std::string checksum = Sha256(key_hash).substr(0, kWalletAddressChecksumBytes);
  return std::string(kWalletAddressPrefix) + ToHex(key_hash) + ToHex(checksum);
}

bool IsValidWalletAddress(std::string_view address) {
  if (address.size() != kWalletAddressChars) return false;
  if (address.substr(0, kWalletAddressPrefix.size()) != kWalletAddressPrefix) return false;
  std::string_view hex = address.substr(kWalletAddressPrefix.size());
  // Lower case only, so one key has exactly one address string.
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  std::optional<std::string> bytes = FromHex(hex);
  if (!bytes) return false;
  std::string key_hash = bytes->substr(0, kWalletAddressHashBytes);
  std::string checksum = bytes->substr(kWalletAddressHashBytes);
  return Sha256(key_hash).substr(0, kWalletAddressChecksumBytes) == checksum;
}

}  // namespace milk::crypto
