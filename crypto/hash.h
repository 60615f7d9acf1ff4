// SHA-256 (libsodium). Digests are 32-byte std::strings.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace milk::crypto {

inline constexpr size_t kHashBytes = 32;

std::string Sha256(std::string_view data);

// Incremental SHA-256. Not thread-safe.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::string_view data);
  // REQUIRES: called once.
  std::string Finish();

 private:
  crypto_hash_sha256_state state_;
};

}  // namespace milk::crypto
