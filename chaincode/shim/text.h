// Text checks for what leaves a chaincode in proto `string` fields: keys, event names, the
// namespace and Response.message. Protobuf refuses to parse a proto3 string that is not valid
// UTF-8, so a key of arbitrary bytes would make a transaction no validator can read. The shim
// therefore accepts only UTF-8 keys (as Fabric does) and quotes user input safely in messages.
//
// Thread-safety: all functions are pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace milk::chaincode {

// Error messages quote at most this many bytes of an argument: enough to recognise it, short
// enough that a huge argument cannot flood a log or a response.
inline constexpr size_t kQuotedBytesMax = 64;

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// 'text' for an error message: control characters and bytes that are not valid UTF-8 become
// \xNN, and text longer than kQuotedBytesMax is cut with "..." and its size in bytes.
// The result is always valid UTF-8.
std::string Quote(std::string_view text);

// text with each byte that is not part of a valid UTF-8 sequence replaced by \xNN; valid text is
// returned unchanged.
std::string ToValidUtf8(std::string_view text);

}  // namespace milk::chaincode
