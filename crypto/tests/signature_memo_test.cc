// VerifyMemo answers exactly what Verify answers; the memo only saves repeated work.
#include <catch2/catch.hpp>

#include <string>

#include "crypto/ed25519.h"
#include "crypto/signature_memo.h"

namespace milk::crypto {
namespace {

TEST_CASE("VerifyMemo agrees with Verify and remembers only successes", "[signature_memo]") {
  const KeyPair key = GenerateKeyPair();
  const KeyPair other = GenerateKeyPair();
  const std::string message = "transfer 1 unit";
  const std::string signature = Sign(key.secret_key, message);

  const SignatureMemoStats before = GetSignatureMemoStats();
  REQUIRE(VerifyMemo(key.public_key, message, signature));
  REQUIRE(VerifyMemo(key.public_key, message, signature));  // answered from the memo
  const SignatureMemoStats after = GetSignatureMemoStats();
  CHECK(after.verified - before.verified == 1);
  CHECK(after.hits - before.hits == 1);

  // Anything that differs is checked in full, and fails, however often it is asked.
  std::string tampered = signature;
  tampered[0] = static_cast<char>(tampered[0] ^ 1);
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(VerifyMemo(key.public_key, message, tampered));
    CHECK_FALSE(VerifyMemo(other.public_key, message, signature));
    CHECK_FALSE(VerifyMemo(key.public_key, message + "!", signature));
    CHECK_FALSE(VerifyMemo(key.public_key.substr(1), message, signature));
  }
}

TEST_CASE("RememberSigned makes an own signature a memo hit", "[signature_memo]") {
  const KeyPair key = GenerateKeyPair();
  const std::string message = "endorsement";
  const std::string signature = Sign(key.secret_key, message);
  RememberSigned(key.public_key, message, signature);
  const SignatureMemoStats before = GetSignatureMemoStats();
  REQUIRE(VerifyMemo(key.public_key, message, signature));
  CHECK(GetSignatureMemoStats().hits - before.hits == 1);
  CHECK(GetSignatureMemoStats().verified == before.verified);
}

TEST_CASE("The memo stays correct past its capacity", "[signature_memo]") {
  const KeyPair key = GenerateKeyPair();
  const std::string first_signature = Sign(key.secret_key, "m0");
  REQUIRE(VerifyMemo(key.public_key, "m0", first_signature));
  // Fill every shard well past its share (each shard gets about 1.25 times its capacity).
  for (size_t i = 0; i < kSignatureMemoEntries + kSignatureMemoEntries / 4; ++i) {
    const std::string message = "filler " + std::to_string(i);
    RememberSigned(key.public_key, message, Sign(key.secret_key, message));
  }
  // The first entry was evicted: it is verified again, and still true.
  const SignatureMemoStats before = GetSignatureMemoStats();
  REQUIRE(VerifyMemo(key.public_key, "m0", first_signature));
  CHECK(GetSignatureMemoStats().verified - before.verified == 1);
}

}  // namespace
}  // namespace milk::crypto
