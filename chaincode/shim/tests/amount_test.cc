#include "chaincode/shim/amount.h"

#include <catch2/catch.hpp>
#include <string>

#include "chaincode/shim/tests/test_util.h"

namespace milk::chaincode {
namespace {

const std::string kMaxText = "340282366920938463463374607431768211455";  // 2^128 - 1

TEST_CASE("ParseAmount accepts canonical decimals up to 2^128-1", "[amount]") {
  CHECK(*ParseAmount("0") == Amount{0});
  CHECK(*ParseAmount("7") == Amount{7});
  CHECK(*ParseAmount("18446744073709551616") == (Amount{1} << 64));
  auto max = ParseAmount(kMaxText);
  REQUIRE(max.ok());
  CHECK(*max == kAmountMax);
  CHECK(kMaxText.size() == kAmountDigitsMax);
}

TEST_CASE("ParseAmount refuses everything else with a clear message", "[amount]") {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"", "empty"},
      {"01", "leading zero"},
      {"00", "leading zero"},
      {"-1", "not a decimal integer"},
      {"+1", "not a decimal integer"},
      {" 1", "not a decimal integer"},
      {"1 ", "not a decimal integer"},
      {"1.5", "not a decimal integer"},
      {"1e3", "not a decimal integer"},
      {"0x10", "not a decimal integer"},
      {"340282366920938463463374607431768211456", "exceeds the maximum"},  // 2^128
      {"999999999999999999999999999999999999999", "exceeds the maximum"},  // 39 nines
      {"1000000000000000000000000000000000000000", "more than 39 digits"},
      {std::string(5000, '1'), "more than 39 digits"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseAmount(c.text);
    INFO("text: " << c.text.substr(0, 60));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::Contains(c.message));
    CHECK(parsed.status().message().size() < 200);  // a huge argument is not echoed whole
  }
}

TEST_CASE("FormatAmount is the inverse of ParseAmount", "[amount]") {
  CHECK(FormatAmount(0) == "0");
  CHECK(FormatAmount(10) == "10");
  CHECK(FormatAmount(kAmountMax) == kMaxText);
  for (Amount a : {Amount{0}, Amount{1}, Amount{9}, Amount{10}, Amount{1} << 64,
                   (Amount{1} << 64) - 1, kAmountMax - 1, kAmountMax}) {
    CHECK(*ParseAmount(FormatAmount(a)) == a);
  }
}

TEST_CASE("CheckedAdd and CheckedSub detect overflow and underflow", "[amount]") {
  CHECK(CheckedAdd(2, 3) == std::optional<Amount>(5));
  CHECK(CheckedAdd(kAmountMax, 0) == std::optional<Amount>(kAmountMax));
  CHECK(CheckedAdd(kAmountMax - 1, 1) == std::optional<Amount>(kAmountMax));
  CHECK_FALSE(CheckedAdd(kAmountMax, 1).has_value());
  CHECK_FALSE(CheckedAdd(1, kAmountMax).has_value());
  CHECK_FALSE(CheckedAdd(kAmountMax, kAmountMax).has_value());

  CHECK(CheckedSub(5, 3) == std::optional<Amount>(2));
  CHECK(CheckedSub(5, 5) == std::optional<Amount>(0));
  CHECK(CheckedSub(kAmountMax, kAmountMax) == std::optional<Amount>(0));
  CHECK_FALSE(CheckedSub(3, 5).has_value());
  CHECK_FALSE(CheckedSub(0, 1).has_value());
}

}  // namespace
}  // namespace milk::chaincode
