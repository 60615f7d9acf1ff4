#include "crypto/bytes.h"

#include <catch2/catch.hpp>

namespace milk {
namespace {

TEST_CASE("ToHex and FromHex round-trip every byte value", "[bytes]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string hex = ToHex(all);
  REQUIRE(hex.size() == 512);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(504) == "fcfdfeff");
  REQUIRE(FromHex(hex).has_value());
  CHECK(*FromHex(hex) == all);
  CHECK(ToHex("") == "");
  CHECK(FromHex("")->empty());
}

TEST_CASE("FromHex accepts upper case and rejects odd length and non-hex", "[bytes]") {
  CHECK(*FromHex("ABcd") == std::string("\xab\xcd"));
  CHECK_FALSE(FromHex("abc").has_value());
  CHECK_FALSE(FromHex("zz").has_value());
  CHECK_FALSE(FromHex("0g").has_value());
  CHECK_FALSE(FromHex(" 0").has_value());
}

TEST_CASE("fixed-width integers are big-endian", "[bytes]") {
  std::string out;
  PutFixed32BE(&out, 0x01020304u);
  PutFixed64BE(&out, 0x05060708090a0b0cull);
  CHECK(ToHex(out) == "0102030405060708090a0b0c");
  CHECK(GetFixed32BE(out.data()) == 0x01020304u);
  CHECK(GetFixed64BE(out.data() + 4) == 0x05060708090a0b0cull);
  std::string max;
  PutFixed64BE(&max, UINT64_MAX);
  CHECK(GetFixed64BE(max.data()) == UINT64_MAX);
}

TEST_CASE("PutLengthPrefixed writes a u32 length then the bytes", "[bytes]") {
  std::string out;
  PutLengthPrefixed(&out, "abc");
  PutLengthPrefixed(&out, "");
  CHECK(out == std::string("\0\0\0\3abc\0\0\0\0", 11));
}

TEST_CASE("Crc32c matches the Castagnoli check values", "[bytes]") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(Crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  CHECK(Crc32c("") == 0u);
}

TEST_CASE("Crc32c can be computed in pieces by passing the previous value as seed", "[bytes]") {
  std::string data = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    uint32_t first = Crc32c(std::string_view(data).substr(0, cut));
    CHECK(Crc32c(std::string_view(data).substr(cut), first) == Crc32c(data));
  }
}

}  // namespace
}  // namespace milk
