#include "chaincode/exchange/wide.h"

namespace milk::chaincode::exchange {
namespace {

constexpr Amount kLow64Mask = (Amount{1} << 64) - 1;
constexpr int kWideBits = 256;

bool Bit(const Wide& w, int index) {
  if (index >= 128) return ((w.high >> (index - 128)) & 1) != 0;
  return ((w.low >> index) & 1) != 0;
}

void SetBit(Wide& w, int index) {
  if (index >= 128) {
    w.high |= Amount{1} << (index - 128);
  } else {
    w.low |= Amount{1} << index;
  }
}

}  // namespace

bool operator==(const Wide& a, const Wide& b) { return a.high == b.high && a.low == b.low; }

bool operator<(const Wide& a, const Wide& b) {
  return a.high != b.high ? a.high < b.high : a.low < b.low;
}

Wide Multiply(Amount a, Amount b) {
  // Schoolbook on 64-bit halves: each partial product fits 128 bits.
  const Amount a_lo = a & kLow64Mask, a_hi = a >> 64;
  const Amount b_lo = b & kLow64Mask, b_hi = b >> 64;
  const Amount lo_lo = a_lo * b_lo;
  const Amount lo_hi = a_lo * b_hi;
  const Amount hi_lo = a_hi * b_lo;
  const Amount hi_hi = a_hi * b_hi;
  // Middle column: at most 3 * (2^64 - 1), fits 128 bits.
  const Amount middle = (lo_lo >> 64) + (lo_hi & kLow64Mask) + (hi_lo & kLow64Mask);
  Wide w;
  w.low = (lo_lo & kLow64Mask) | (middle << 64);
  w.high = hi_hi + (lo_hi >> 64) + (hi_lo >> 64) + (middle >> 64);
  return w;
}

std::optional<Wide> CheckedAdd(const Wide& a, const Wide& b) {
  Wide sum;
  sum.low = a.low + b.low;
  const Amount carry = sum.low < a.low ? 1 : 0;
  if (a.high > kAmountMax - b.high) return std::nullopt;
  sum.high = a.high + b.high;
  if (sum.high > kAmountMax - carry) return std::nullopt;
  sum.high += carry;
  return sum;
}

WideDivision Divide(const Wide& dividend, Amount divisor) {
  MILK_CHECK(divisor != 0);
  // Restoring long division, one bit at a time: 256 steps, exact, no platform intrinsics.
  WideDivision result;
  Amount remainder = 0;
  for (int i = kWideBits - 1; i >= 0; --i) {
    const bool carry_out = (remainder >> 127) != 0;
    remainder = (remainder << 1) | (Bit(dividend, i) ? 1 : 0);
    // With the carry the true remainder is >= 2^128 > divisor; the wrapping subtraction below
    // still yields the exact difference, which is < divisor.
    if (carry_out || remainder >= divisor) {
      remainder -= divisor;
      SetBit(result.quotient, i);
    }
  }
  result.remainder = remainder;
  return result;
}

std::optional<Amount> MulDiv(Amount a, Amount b, Amount divisor, bool round_up) {
  WideDivision division = Divide(Multiply(a, b), divisor);
  if (division.quotient.high != 0) return std::nullopt;
  Amount quotient = division.quotient.low;
  if (round_up && division.remainder != 0) {
    if (quotient == kAmountMax) return std::nullopt;
    ++quotient;
  }
  return quotient;
}

}  // namespace milk::chaincode::exchange
