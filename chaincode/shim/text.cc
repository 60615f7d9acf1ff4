#include "chaincode/shim/text.h"

#include <cstdint>

namespace milk::chaincode {
namespace {

bool IsContinuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence starting at text[pos], or 0 if none starts there.
size_t SequenceLength(std::string_view text, size_t pos) {
  auto at = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  const size_t left = text.size() - pos;
  const uint8_t b0 = at(0);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) second_min = 0xA0;  // overlong
    if (b0 == 0xED) second_max = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) second_min = 0x90;  // overlong
    if (b0 == 0xF4) second_max = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (left < length || at(1) < second_min || at(1) > second_max) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!IsContinuation(at(i))) return 0;
  }
  return length;
}

void AppendEscaped(std::string* out, uint8_t byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out += "\\x";
  *out += kHex[byte >> 4];
  *out += kHex[byte & 0xF];
}

// Appends text with invalid bytes (and control characters when escape_controls) as \xNN.
void AppendSanitized(std::string* out, std::string_view text, bool escape_controls) {
  for (size_t pos = 0; pos < text.size();) {
    size_t length = SequenceLength(text, pos);
    uint8_t byte = static_cast<uint8_t>(text[pos]);
    bool control = byte < 0x20 || byte == 0x7F;
    if (length == 0 || (escape_controls && control)) {
      AppendEscaped(out, byte);
      ++pos;
      continue;
    }
    out->append(text.substr(pos, length));
    pos += length;
  }
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    size_t length = SequenceLength(text, pos);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

std::string Quote(std::string_view text) {
  std::string out = "'";
  if (text.size() <= kQuotedBytesMax) {
    AppendSanitized(&out, text, /*escape_controls=*/true);
    return out + "'";
  }
  // Cutting may split a multi-byte character; its bytes are then escaped like any invalid ones.
  AppendSanitized(&out, text.substr(0, kQuotedBytesMax), /*escape_controls=*/true);
  return out + "...' (" + std::to_string(text.size()) + " bytes)";
}

std::string ToValidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  AppendSanitized(&out, text, /*escape_controls=*/false);
  return out;
}

}  // namespace milk::chaincode
