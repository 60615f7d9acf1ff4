#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/shim/stub.h"

namespace milk::chaincode {
namespace {

using namespace std::string_literals;

TEST_CASE("CreateCompositeKey lays out \\0 type \\0 attrs... \\0", "[composite]") {
  auto key = CreateCompositeKey("balance", {"alice", "x"});
  REQUIRE(key.ok());
  CHECK(*key == "\0balance\0alice\0x\0"s);
  auto bare = CreateCompositeKey("supply", {});
  REQUIRE(bare.ok());
  CHECK(*bare == "\0supply\0"s);
}

TEST_CASE("Create and Split round-trip", "[composite]") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"supply", {}},
      {"balance", {"mlk1abc"}},
      {"t", {"", "b", ""}},  // empty attributes are allowed
      {"bytes", {"\xf4\x8f\xbf\xbf", "\x01", "a b", "\xea\xb0\x80"}},  // any UTF-8 but \0
  };
  for (const auto& [type, attributes] : cases) {
    auto key = CreateCompositeKey(type, attributes);
    REQUIRE(key.ok());
    auto split = SplitCompositeKey(*key);
    REQUIRE(split.ok());
    CHECK(split->first == type);
    CHECK(split->second == attributes);
  }
}

TEST_CASE("CreateCompositeKey refuses an empty type and any \\0", "[composite]") {
  auto empty = CreateCompositeKey("", {"a"});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == Code::kInvalidArgument);
  CHECK_THAT(empty.status().message(), Catch::Contains("object type is empty"));

  auto in_type = CreateCompositeKey("bal\0ance"s, {});
  REQUIRE_FALSE(in_type.ok());
  CHECK(in_type.status().code() == Code::kInvalidArgument);
  CHECK_THAT(in_type.status().message(), Catch::Contains("object type"));

  auto in_attribute = CreateCompositeKey("balance", {"ok", "a\0b"s});
  REQUIRE_FALSE(in_attribute.ok());
  CHECK(in_attribute.status().code() == Code::kInvalidArgument);
  CHECK_THAT(in_attribute.status().message(), Catch::Contains("attribute 1"));

  // Keys travel in proto string fields, which must be UTF-8.
  auto not_utf8 = CreateCompositeKey("balance", {"\xff"});
  REQUIRE_FALSE(not_utf8.ok());
  CHECK(not_utf8.status().code() == Code::kInvalidArgument);
  CHECK_THAT(not_utf8.status().message(), Catch::Contains("not valid UTF-8"));
  CHECK_THAT(not_utf8.status().message(), Catch::Contains("\\xff"));
  CHECK_FALSE(CreateCompositeKey("bal\xc3", {}).ok());
}

TEST_CASE("SplitCompositeKey refuses keys that are not composite", "[composite]") {
  for (const std::string& bad :
       {""s, "plain"s, "\0"s, "\0\0"s, "\0type"s, "type\0"s, "\0\0attr\0"s}) {
    auto split = SplitCompositeKey(bad);
    CHECK_FALSE(split.ok());
    if (!split.ok()) CHECK(split.status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("PartialCompositeKeyRange holds exactly the keys with the prefix", "[composite]") {
  auto range = PartialCompositeKeyRange("balance", {});
  REQUIRE(range.ok());
  const auto& [start, end] = *range;
  CHECK(start == "\0balance\0"s);
  CHECK(end == "\0balance\x01"s);
  auto inside = [&](const std::string& key) { return key >= start && key < end; };

  CHECK(inside(*CreateCompositeKey("balance", {})));
  CHECK(inside(*CreateCompositeKey("balance", {"a"})));
  CHECK(inside(*CreateCompositeKey("balance", {""})));
  CHECK(inside(*CreateCompositeKey("balance", {"\xf4\x8f\xbf\xbf"})));  // U+10FFFF, the top
  CHECK(inside(*CreateCompositeKey("balance", {"a", "b"})));
  // A longer or shorter object type must not match, nor plain keys.
  CHECK_FALSE(inside(*CreateCompositeKey("balancex", {"a"})));
  CHECK_FALSE(inside(*CreateCompositeKey("balanc", {"a"})));
  CHECK_FALSE(inside(*CreateCompositeKey("bal", {"ance"})));
  CHECK_FALSE(inside("balance"));

  auto with_attribute = PartialCompositeKeyRange("balance", {"a"});
  REQUIRE(with_attribute.ok());
  auto in_a = [&](const std::string& key) {
    return key >= with_attribute->first && key < with_attribute->second;
  };
  CHECK(in_a(*CreateCompositeKey("balance", {"a", "z"})));
  CHECK_FALSE(in_a(*CreateCompositeKey("balance", {"ab"})));
  CHECK_FALSE(in_a(*CreateCompositeKey("balance", {"b"})));

  CHECK_FALSE(PartialCompositeKeyRange("", {}).ok());
  CHECK_FALSE(PartialCompositeKeyRange("balance", {"a\0"s}).ok());
}

TEST_CASE("Response helpers set status, message and payload", "[composite]") {
  milkpb::Response ok = Success("42");
  CHECK(ok.status() == 200);
  CHECK(ok.payload() == "42");
  CHECK(ok.message().empty());
  CHECK(Error(500, "boom").status() == 500);
  CHECK(Error(500, "boom").message() == "boom");
  CHECK(BadRequest("no").status() == 400);
  CHECK(Forbidden("no").status() == 403);
}

}  // namespace
}  // namespace milk::chaincode
