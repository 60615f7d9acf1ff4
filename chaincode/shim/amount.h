// Token amounts: unsigned 128-bit integers in the smallest unit (ARCHITECTURE.md section 6), with
// checked arithmetic. No negative amounts, no fractions, no floating point anywhere.
//
// Text form (arguments, state values, event payloads): decimal digits only, no sign, no
// whitespace, no leading zeros except "0" itself, at most kAmountDigitsMax digits, at most
// kAmountMax. One amount has exactly one text form, so equal amounts are equal bytes in state.
//
// Thread-safety: all functions are pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::chaincode {

// __extension__: unsigned __int128 is a GCC/Clang extension that -Wpedantic would flag.
__extension__ typedef unsigned __int128 Amount;

inline constexpr Amount kAmountMax = ~Amount{0};  // 2^128 - 1
// 2^128 - 1 = 340282366920938463463374607431768211455 has 39 digits.
inline constexpr size_t kAmountDigitsMax = 39;

// kInvalidArgument, with a message naming the rule broken, for anything but the text form above.
Result<Amount> ParseAmount(std::string_view text);
// The text form: ParseAmount(FormatAmount(a)) == a for every a.
std::string FormatAmount(Amount amount);

// nullopt on overflow (a + b > kAmountMax) / underflow (a < b).
std::optional<Amount> CheckedAdd(Amount a, Amount b);
std::optional<Amount> CheckedSub(Amount a, Amount b);

}  // namespace milk::chaincode
