// Key and certificate files. Secret key files are created with mode 0600 (owner read/write
// only) in a way that never leaves them readable by others, even briefly; directories that
// hold them are created 0700. Formats are documented in docs/crypto.md and versioned.
// Every write is fsynced (file and directory) before it returns. Files are at most 16 KiB; a
// larger one is reported as kDataLoss. Thread-compatible: do not write one path from two threads.
#pragma once

#include <string>

#include "crypto/ed25519.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::crypto {

// Text file: "milk-ed25519-secret-key v1\n" + hex(seed) + "\n". Refuses to overwrite.
// Created with open(O_CREAT|O_EXCL, 0600); missing parent directories are created 0700.
// kAlreadyExists if path exists (the file is untouched); kInvalidArgument if the pair is not
// consistent (sizes, or the public key is not the seed's); an I/O error leaves no partial file.
Status WriteSecretKeyFile(const std::string& path, const KeyPair& key);
// kNotFound if missing, kDataLoss if malformed, kPermissionDenied if group/other can read it
// (any of the 077 bits set; the message says to run "chmod 600 <path>").
Result<KeyPair> ReadSecretKeyFile(const std::string& path);

// Text file: "milk-ed25519-public-key v1\n" + hex(public key) + "\n". Mode 0644; an existing
// file is replaced atomically. Missing parents are created 0755. kInvalidArgument unless 32 bytes.
Status WritePublicKeyFile(const std::string& path, std::string_view public_key);
// kNotFound if missing, kDataLoss if malformed or not 32 bytes.
Result<std::string> ReadPublicKeyFile(const std::string& path);

// Text file: "milk-certificate v1\n" + hex(serialized Certificate) + "\n". Mode 0644, replaced
// atomically like public keys. kInvalidArgument if body or signature is empty.
Status WriteCertificateFile(const std::string& path, const milkpb::Certificate& cert);
// kNotFound if missing, kDataLoss if malformed. Does not check the certificate (CheckCertificate).
Result<milkpb::Certificate> ReadCertificateFile(const std::string& path);

}  // namespace milk::crypto
