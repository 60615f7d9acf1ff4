// Key and certificate files. Secret key files are created with mode 0600 (owner read/write
// only) in a way that never leaves them readable by others, even briefly; directories that
// hold them are created 0700. Formats are documented in docs/crypto.md and versioned.
#pragma once

#include <string>

#include "crypto/ed25519.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::crypto {

// Text file: "milk-ed25519-secret-key v1\n" + hex(seed) + "\n". Refuses to overwrite.
Status WriteSecretKeyFile(const std::string& path, const KeyPair& key);
// kNotFound if missing, kDataLoss if malformed, kPermissionDenied if group/other can read it.
Result<KeyPair> ReadSecretKeyFile(const std::string& path);

// Text file: "milk-ed25519-public-key v1\n" + hex(public key) + "\n".
Status WritePublicKeyFile(const std::string& path, std::string_view public_key);
Result<std::string> ReadPublicKeyFile(const std::string& path);

// Text file: "milk-certificate v1\n" + hex(serialized Certificate) + "\n".
Status WriteCertificateFile(const std::string& path, const milkpb::Certificate& cert);
Result<milkpb::Certificate> ReadCertificateFile(const std::string& path);

}  // namespace milk::crypto
