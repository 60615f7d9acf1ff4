#include "tools/milk/output.h"

#include <catch2/catch.hpp>

#include "tools/client/tests/test_network.h"

namespace milk::cli {
namespace {

using client::testing::TempDir;

TEST_CASE("IsoTimeMs prints UTC with milliseconds", "[output]") {
  CHECK(IsoTimeMs(0) == "1970-01-01T00:00:00.000Z");
  CHECK(IsoTimeMs(1704067200123) == "2024-01-01T00:00:00.123Z");
  CHECK(IsoTimeMs(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(IsoTimeMs(-5) == "-5");
}

TEST_CASE("RenderPayload keeps printable UTF-8 and hex-encodes the rest", "[output]") {
  CHECK(RenderPayload("1000").text == "1000");
  CHECK_FALSE(RenderPayload("1000").is_hex);
  CHECK_FALSE(RenderPayload("line\nnext\ttab").is_hex);
  CHECK_FALSE(RenderPayload("caf\xc3\xa9 \xe2\x82\xac").is_hex);  // café €
  CHECK(RenderPayload("").text.empty());

  RenderedPayload binary = RenderPayload(std::string("\x00\x01\xff", 3));
  CHECK(binary.is_hex);
  CHECK(binary.text == "0001ff");
  CHECK(RenderPayload("bell\a").is_hex);
  CHECK(RenderPayload("\xc3").is_hex);              // truncated sequence
  CHECK(RenderPayload("\xc0\xaf").is_hex);          // overlong
  CHECK(RenderPayload("\xed\xa0\x80").is_hex);      // surrogate
  CHECK(RenderPayload("\xf4\x90\x80\x80").is_hex);  // past U+10FFFF
}

TEST_CASE("WriteFileAtomically refuses to overwrite unless told to", "[output]") {
  TempDir dir;
  const std::string path = dir.Join("out.bin");
  REQUIRE(WriteFileAtomically(path, "one", false).ok());
  CHECK(ReadWholeFile(path, 100).value() == "one");

  Status again = WriteFileAtomically(path, "two", false);
  CHECK(again.code() == Code::kAlreadyExists);
  CHECK_THAT(again.message(), Catch::Contains("--force"));
  CHECK(ReadWholeFile(path, 100).value() == "one");

  REQUIRE(WriteFileAtomically(path, "two", true).ok());
  CHECK(ReadWholeFile(path, 100).value() == "two");
  // No temporary files left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);

  CHECK(WriteFileAtomically(dir.Join("missing/dir/f"), "x", false).code() == Code::kUnavailable);
}

TEST_CASE("ReadWholeFile bounds what it reads", "[output]") {
  TempDir dir;
  const std::string path = dir.Write("f", "12345");
  CHECK(ReadWholeFile(path, 5).value() == "12345");
  CHECK(ReadWholeFile(path, 4).status().code() == Code::kInvalidArgument);
  CHECK(ReadWholeFile(dir.Join("none"), 4).status().code() == Code::kNotFound);
  CHECK(ReadWholeFile(dir.path(), 4).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace milk::cli
