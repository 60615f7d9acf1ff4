#include "crypto/ed25519.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"

namespace milk::crypto {
namespace {

std::string Hex(std::string_view hex) { return *FromHex(hex); }

// RFC 8032 section 7.1, tests 1 and 2.
struct Vector {
  std::string seed, public_key, message, signature;
};
const Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf"
     "9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f"
     "11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST_CASE("KeyPairFromSeed and Sign match RFC 8032", "[ed25519]") {
  for (const Vector& v : kVectors) {
    KeyPair key = KeyPairFromSeed(Hex(v.seed));
    CHECK(ToHex(key.public_key) == v.public_key);
    CHECK(key.secret_key == Hex(v.seed) + Hex(v.public_key));
    std::string signature = Sign(key.secret_key, Hex(v.message));
    CHECK(ToHex(signature) == v.signature);
    CHECK(Verify(key.public_key, Hex(v.message), signature));
  }
}

TEST_CASE("Verify rejects any change to key, message or signature", "[ed25519]") {
  KeyPair key = GenerateKeyPair();
  const std::string message = "transfer 10 MLK to mlk1...";
  const std::string signature = Sign(key.secret_key, message);
  REQUIRE(Verify(key.public_key, message, signature));

  std::string bad_signature = signature;
  bad_signature[5] ^= 0x01;
  CHECK_FALSE(Verify(key.public_key, message, bad_signature));
  std::string bad_message = message;
  bad_message[0] ^= 0x01;
  CHECK_FALSE(Verify(key.public_key, bad_message, signature));
  CHECK_FALSE(Verify(GenerateKeyPair().public_key, message, signature));
}

TEST_CASE("Verify returns false on wrong sizes instead of failing", "[ed25519]") {
  KeyPair key = GenerateKeyPair();
  const std::string signature = Sign(key.secret_key, "m");
  CHECK_FALSE(Verify(key.public_key.substr(0, 31), "m", signature));
  CHECK_FALSE(Verify(key.public_key + "x", "m", signature));
  CHECK_FALSE(Verify(key.public_key, "m", signature.substr(0, 63)));
  CHECK_FALSE(Verify(key.public_key, "m", signature + "x"));
  CHECK_FALSE(Verify("", "m", ""));
}

TEST_CASE("GenerateKeyPair gives fresh, consistent keys", "[ed25519]") {
  KeyPair a = GenerateKeyPair();
  KeyPair b = GenerateKeyPair();
  CHECK(a.public_key.size() == kPublicKeyBytes);
  CHECK(a.secret_key.size() == kSecretKeyBytes);
  CHECK(a.public_key != b.public_key);
  // The secret key is seed || public key, and the seed alone recreates the pair.
  KeyPair again = KeyPairFromSeed(std::string_view(a.secret_key).substr(0, kSeedBytes));
  CHECK(again.public_key == a.public_key);
  CHECK(again.secret_key == a.secret_key);
}

}  // namespace
}  // namespace milk::crypto
