// Ed25519 keys and signatures (libsodium). Thread-safe: all functions are pure.
#pragma once

#include <string>
#include <string_view>

namespace milk::crypto {

inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kSecretKeyBytes = 64;  // libsodium layout: seed || public key
inline constexpr size_t kSeedBytes = 32;
inline constexpr size_t kSignatureBytes = 64;

struct KeyPair {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes
};

// Calls sodium_init() once; safe to call from many threads. Aborts if libsodium cannot start.
void EnsureSodium();

// A fresh key from the OS random source (tools and tests only; never chaincode or consensus).
KeyPair GenerateKeyPair();
// REQUIRES: seed.size() == kSeedBytes. Deterministic.
KeyPair KeyPairFromSeed(std::string_view seed);

// REQUIRES: secret_key.size() == kSecretKeyBytes.
std::string Sign(std::string_view secret_key, std::string_view message);
// False on any size mismatch or bad signature; never throws or asserts on input.
bool Verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace milk::crypto
