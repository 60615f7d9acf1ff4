#include "chaincode/shim/text.h"

#include <catch2/catch.hpp>
#include <string>

namespace milk::chaincode {
namespace {

using namespace std::string_literals;

TEST_CASE("IsValidUtf8 accepts well-formed UTF-8 only", "[text]") {
  for (const std::string& good :
       {""s, "plain ascii"s, "\0inside\0"s, "caf\xc3\xa9"s, "\xea\xb0\x80"s /* U+AC00 */,
        "\xf0\x9f\x98\x80"s /* emoji */, "\xf4\x8f\xbf\xbf"s /* U+10FFFF */,
        "\xed\x9f\xbf"s /* U+D7FF */}) {
    CHECK(IsValidUtf8(good));
  }
  for (const std::string& bad : {
           "\xff"s,              // never valid
           "\x80"s,              // lone continuation
           "\xc3"s,              // truncated
           "\xe0\xa0"s,          // truncated
           "\xc0\xaf"s,          // overlong '/'
           "\xe0\x80\xaf"s,      // overlong
           "\xf0\x80\x80\xaf"s,  // overlong
           "\xed\xa0\x80"s,      // surrogate U+D800
           "\xf4\x90\x80\x80"s,  // above U+10FFFF
           "\xf5\x80\x80\x80"s,  // above U+10FFFF
           "ok\xe2\x82"s,        // truncated at the end
           "\xe2\x28\xa1"s,      // bad continuation
       }) {
    CHECK_FALSE(IsValidUtf8(bad));
  }
}

TEST_CASE("Quote escapes control and invalid bytes and cuts long text", "[text]") {
  CHECK(Quote("abc") == "'abc'");
  CHECK(Quote("caf\xc3\xa9") == "'caf\xc3\xa9'");
  CHECK(Quote("a\0b\n"s) == "'a\\x00b\\x0a'");
  CHECK(Quote("\xff\xc3") == "'\\xff\\xc3'");
  std::string long_text(kQuotedBytesMax + 10, 'x');
  std::string quoted = Quote(long_text);
  CHECK(quoted == "'" + std::string(kQuotedBytesMax, 'x') + "...' (74 bytes)");
  // A multi-byte character cut in half is escaped, so the result stays valid.
  std::string cut = std::string(kQuotedBytesMax - 1, 'x') + "\xea\xb0\x80";
  CHECK(IsValidUtf8(Quote(cut)));
  CHECK_THAT(Quote(cut), Catch::Contains("\\xea"));
}

TEST_CASE("ToValidUtf8 keeps valid text and escapes only invalid bytes", "[text]") {
  CHECK(ToValidUtf8("fine\n\xc3\xa9") == "fine\n\xc3\xa9");
  CHECK(ToValidUtf8("a\xff"
                    "b") == "a\\xffb");
  CHECK(IsValidUtf8(ToValidUtf8("\xed\xa0\x80\xf4\x90\x80\x80")));
}

}  // namespace
}  // namespace milk::chaincode
