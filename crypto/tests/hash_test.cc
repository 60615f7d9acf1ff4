#include "crypto/hash.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"

namespace milk::crypto {
namespace {

TEST_CASE("Sha256 matches the FIPS 180-2 test vectors", "[hash]") {
  CHECK(ToHex(Sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(ToHex(Sha256(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(Sha256("abc").size() == kHashBytes);
}

TEST_CASE("Sha256Hasher gives the one-shot digest however the input is split", "[hash]") {
  const std::string data = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    Sha256Hasher hasher;
    hasher.Update(std::string_view(data).substr(0, cut));
    hasher.Update("");
    hasher.Update(std::string_view(data).substr(cut));
    CHECK(hasher.Finish() == Sha256(data));
  }
}

TEST_CASE("Sha256 hashes embedded zero bytes", "[hash]") {
  CHECK(Sha256(std::string("a\0b", 3)) != Sha256("ab"));
  CHECK(Sha256(std::string(1, '\0')) != Sha256(""));
}

}  // namespace
}  // namespace milk::crypto
