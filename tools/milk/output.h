// Output and file helpers shared by the command groups. Pure functions unless noted.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::cli {

// JSON output keeps keys in the order written (number before transactions), for people reading it.
using Json = nlohmann::ordered_json;

// Lower-case hex; "" for empty input.
std::string Hex(std::string_view bytes);

// UTC ISO-8601 with milliseconds: "2024-01-01T00:00:00.000Z". Times before 1970 or after 9999
// (never produced by a sane clock) print as the raw number of milliseconds.
std::string IsoTimeMs(int64_t unix_ms);

// True for valid UTF-8 without control characters other than tab, newline and carriage return.
bool IsPrintableUtf8(std::string_view bytes);

// A chaincode payload for a person: the text itself when printable, else hex.
struct RenderedPayload {
  std::string text;
  bool is_hex = false;
};
RenderedPayload RenderPayload(std::string_view bytes);

// Pretty JSON (2-space indent) and a newline.
void PrintJson(std::ostream& out, const Json& value);

// Writes bytes to path through a temporary file, fsync and rename, so a reader never sees half a
// file. kAlreadyExists when path exists and replace is false (the message says to pass --force).
Status WriteFileAtomically(const std::string& path, std::string_view bytes, bool replace);
// Reads a whole file of at most bytes_max bytes. kNotFound, kInvalidArgument when larger.
Result<std::string> ReadWholeFile(const std::string& path, size_t bytes_max);

}  // namespace milk::cli
