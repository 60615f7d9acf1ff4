// Who signs what a client sends: an org member (key + certificate) or a customer wallet (key).
//
// An identity directory holds `key` (secret key file, crypto/key_files.h) and, for org members,
// `cert` (certificate file). `milk crypto generate` writes exactly this layout under
// orgs/<org>/members/<name>/ and wallets/<name>/.
#pragma once

#include <string>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/status.h"

namespace milk::client {

// Immutable after LoadSigner; safe to share between threads for reading.
struct Signer {
  crypto::KeyPair key;
  std::string identity_bytes;  // serialized milkpb::Identity: the creator field of proposals
  crypto::IdentityInfo info;   // parsed from identity_bytes
};

// Loads dir/key and, if present, dir/cert. No cert means a wallet identity.
// Errors name the missing or bad file:
//   kNotFound           dir or dir/key does not exist
//   kInvalidArgument    dir/cert certifies a different public key than dir/key
//   others              as crypto::ReadSecretKeyFile / ReadCertificateFile report them
// The certificate chain is not checked here (the client does not know the org roots; the node
// checks it against the chain config).
Result<Signer> LoadSigner(const std::string& dir);

// A signer from values already in memory (tests, tools that generate keys).
// REQUIRES: key is a valid key pair. A cert whose public key differs is kInvalidArgument.
Result<Signer> MemberSigner(crypto::KeyPair key, const milkpb::Certificate& cert);
Signer WalletSigner(crypto::KeyPair key);

}  // namespace milk::client
