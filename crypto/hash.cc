#include "crypto/hash.h"

#include "crypto/ed25519.h"

namespace milk::crypto {

std::string Sha256(std::string_view data) {
  Sha256Hasher hasher;
  hasher.Update(data);
  return hasher.Finish();
}

Sha256Hasher::Sha256Hasher() {
  EnsureSodium();
  crypto_hash_sha256_init(&state_);
}

void Sha256Hasher::Update(std::string_view data) {
  crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
}

std::string Sha256Hasher::Finish() {
  std::string digest(kHashBytes, '\0');
  crypto_hash_sha256_final(&state_, reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace milk::crypto
