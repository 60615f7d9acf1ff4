// Member certificates and identities (ARCHITECTURE.md section 2).
//
// An org's root Ed25519 key signs CertificateBody bytes; a Certificate carries the body bytes and
// the signature. A creator is either an org member (certificate) or a customer wallet (bare key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::crypto {

// Builds and signs a certificate. REQUIRES: root_secret_key is 64 bytes.
milkpb::Certificate IssueCertificate(const milkpb::CertificateBody& body,
                                     std::string_view root_secret_key);

// Checks a certificate against its org's root key at time at_ms, and the org's revocation list.
// Errors (each message names the org, member name and serial where known):
//   kInvalidArgument   body does not parse, version unknown, public key not 32 bytes, org or
//                      name empty, or role not a member role (UNSPECIFIED, WALLET, unknown)
//   kUnauthenticated   signature does not verify under root_public_key
//   kPermissionDenied  not yet valid, expired (message says which), or serial revoked
// Checked in that order: parse and version, signature, then body fields, validity, revocation.
// Validity is [not_before_ms, not_after_ms). Thread-safe (pure).
Result<milkpb::CertificateBody> CheckCertificate(const milkpb::Certificate& cert,
                                                 std::string_view root_public_key, int64_t at_ms,
                                                 const std::vector<uint64_t>& revoked_serials);

// A parsed creator or endorser: what the rest of the system needs to know about an identity.
struct IdentityInfo {
  bool is_wallet = false;
  std::string org;          // empty for wallets
  std::string name;         // member name; the address for wallets
  milkpb::Role role = milkpb::ROLE_UNSPECIFIED;  // WALLET for wallets
  std::string public_key;   // 32 bytes
  milkpb::Certificate certificate;  // members only
};

// Parses serialized Identity bytes (does not check the certificate chain; see CheckCertificate).
// kInvalidArgument when malformed, when neither member nor wallet key is set, or when a key is
// not 32 bytes. Members: org, name, role and key come from the (unchecked) certificate body.
// Wallets: is_wallet, role WALLET, name = WalletAddress(key), org empty.
Result<IdentityInfo> ParseIdentity(std::string_view identity_bytes);

std::string SerializeMemberIdentity(const milkpb::Certificate& cert);
std::string SerializeWalletIdentity(std::string_view wallet_public_key);

// "org.role" as used in endorsement policies, e.g. "TICA.peer"; "wallet" for wallets.
std::string PrincipalName(const IdentityInfo& id);
// Lower-case role name ("peer"; "unspecified" for ROLE_UNSPECIFIED or an unknown value), and its
// inverse (kInvalidArgument for an unknown name; "wallet" parses to WALLET).
std::string RoleName(milkpb::Role role);
Result<milkpb::Role> ParseRoleName(std::string_view name);

// Wallet addresses: "mlk1" + 40 hex chars (first 20 bytes of SHA-256 of the public key)
// + 8 hex chars of checksum (first 4 bytes of SHA-256 of those 20 bytes). No personal data.
// Hex is lower case; IsValidWalletAddress rejects upper case so each key has one address string.
std::string WalletAddress(std::string_view public_key);
bool IsValidWalletAddress(std::string_view address);

}  // namespace milk::crypto
