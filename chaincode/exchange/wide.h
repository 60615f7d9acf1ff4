// Private to chaincode/exchange: 256-bit unsigned integers, just enough to multiply two 128-bit
// amounts and divide the product exactly (MulDiv). Pricing needs it because a trade's value is a
// product of an inventory, a price and a depth before it is divided back down to 128 bits.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>

#include "chaincode/shim/amount.h"

namespace milk::chaincode::exchange {

struct Wide {
  Amount high = 0;
  Amount low = 0;
};

bool operator==(const Wide& a, const Wide& b);
bool operator<(const Wide& a, const Wide& b);
inline bool operator<=(const Wide& a, const Wide& b) { return !(b < a); }

// The full 256-bit product: never overflows.
Wide Multiply(Amount a, Amount b);
// nullopt when the sum does not fit 256 bits.
std::optional<Wide> CheckedAdd(const Wide& a, const Wide& b);

struct WideDivision {
  Wide quotient;
  Amount remainder = 0;
};
// REQUIRES: divisor != 0.
WideDivision Divide(const Wide& dividend, Amount divisor);

// a * b / divisor rounded up or down; nullopt when the result exceeds 128 bits.
// REQUIRES: divisor != 0.
std::optional<Amount> MulDiv(Amount a, Amount b, Amount divisor, bool round_up);

}  // namespace milk::chaincode::exchange
