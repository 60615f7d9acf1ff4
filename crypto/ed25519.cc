#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/status.h"

namespace milk::crypto {
namespace {

static_assert(kPublicKeyBytes == crypto_sign_ed25519_PUBLICKEYBYTES);
static_assert(kSecretKeyBytes == crypto_sign_ed25519_SECRETKEYBYTES);
static_assert(kSeedBytes == crypto_sign_ed25519_SEEDBYTES);
static_assert(kSignatureBytes == crypto_sign_ed25519_BYTES);

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* MutableBytes(std::string* s) { return reinterpret_cast<unsigned char*>(s->data()); }

}  // namespace

void EnsureSodium() {
  // A function-local static is initialised exactly once, even with concurrent callers.
  static const bool started = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "milk: libsodium failed to initialise\n");
      std::abort();
    }
    return true;
  }();
  (void)started;
}

KeyPair GenerateKeyPair() {
  EnsureSodium();
  std::string seed(kSeedBytes, '\0');
  randombytes_buf(seed.data(), seed.size());
  KeyPair key = KeyPairFromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

KeyPair KeyPairFromSeed(std::string_view seed) {
  MILK_CHECK(seed.size() == kSeedBytes);
  EnsureSodium();
  KeyPair key;
  key.public_key.assign(kPublicKeyBytes, '\0');
  key.secret_key.assign(kSecretKeyBytes, '\0');
  int rc = crypto_sign_ed25519_seed_keypair(MutableBytes(&key.public_key),
                                            MutableBytes(&key.secret_key), Bytes(seed));
  MILK_CHECK(rc == 0);
  return key;
}

std::string Sign(std::string_view secret_key, std::string_view message) {
  MILK_CHECK(secret_key.size() == kSecretKeyBytes);
  EnsureSodium();
  std::string signature(kSignatureBytes, '\0');
  int rc = crypto_sign_ed25519_detached(MutableBytes(&signature), nullptr, Bytes(message),
                                        message.size(), Bytes(secret_key));
  MILK_CHECK(rc == 0);
  return signature;
}

bool Verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != kPublicKeyBytes || signature.size() != kSignatureBytes) return false;
  EnsureSodium();
  return crypto_sign_ed25519_verify_detached(Bytes(signature), Bytes(message), message.size(),
                                             Bytes(public_key)) == 0;
}

}  // namespace milk::crypto
