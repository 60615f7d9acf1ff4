#include "chaincode/shim/amount.h"

#include <algorithm>

#include "chaincode/shim/text.h"

namespace milk::chaincode {

Result<Amount> ParseAmount(std::string_view text) {
  if (text.empty()) return InvalidArgument("amount is empty; expected a decimal integer");
  for (char c : text) {
    if (c < '0' || c > '9') {
      return InvalidArgument("amount " + Quote(text) +
                             " is not a decimal integer: only digits 0-9, no sign, no spaces");
    }
  }
  if (text.size() > 1 && text[0] == '0') {
    return InvalidArgument("amount " + Quote(text) + " has a leading zero");
  }
  if (text.size() > kAmountDigitsMax) {
    return InvalidArgument("amount " + Quote(text) + " has more than " +
                           std::to_string(kAmountDigitsMax) + " digits");
  }
  Amount value = 0;
  for (char c : text) {
    Amount digit = static_cast<Amount>(c - '0');
    if (value > (kAmountMax - digit) / 10) {
      return InvalidArgument("amount " + Quote(text) + " exceeds the maximum " +
                             FormatAmount(kAmountMax) + " (2^128 - 1)");
    }
    value = value * 10 + digit;
  }
  return value;
}

std::string FormatAmount(Amount amount) {
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(amount % 10)));
    amount /= 10;
  } while (amount != 0);
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::optional<Amount> CheckedAdd(Amount a, Amount b) {
  if (a > kAmountMax - b) return std::nullopt;
  return a + b;
}

std::optional<Amount> CheckedSub(Amount a, Amount b) {
  if (a < b) return std::nullopt;
  return a - b;
}

}  // namespace milk::chaincode
