// Byte-string helpers. Bytes are std::string throughout (as protobuf's bytes fields are).
// Fixed-width integers on disk and on the wire are big-endian unless a format says otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace milk {

std::string ToHex(std::string_view bytes);
// nullopt when hex has odd length or a non-hex character.
std::optional<std::string> FromHex(std::string_view hex);

void PutFixed32BE(std::string* out, uint32_t v);
void PutFixed64BE(std::string* out, uint64_t v);
// REQUIRES: p points at 4 (or 8) readable bytes.
uint32_t GetFixed32BE(const char* p);
uint64_t GetFixed64BE(const char* p);
// Length-prefixed (u32 BE) string, for unambiguous concatenations that get hashed.
void PutLengthPrefixed(std::string* out, std::string_view bytes);

// CRC-32C (Castagnoli), used for record checksums in segment files.
uint32_t Crc32c(std::string_view data, uint32_t seed = 0);

}  // namespace milk
