// Shared by the pricing tests: the docs/exchange.md example market, a portable seeded PRNG and
// quote helpers. Test-only.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "chaincode/exchange/pricing.h"

namespace milk::chaincode::exchange::test {

inline constexpr Amount kMlkUnit = Amount{1'000'000'000'000'000'000ULL};  // 10^18, as chaincode/mlk

// The worked example of docs/exchange.md: a point worth 10 KRW, whole points, default fee,
// partner minimum 70%, depth one million points, MLK at 50 KRW.
inline MarketParams ExampleParams() {
  MarketParams p;
  p.redemption_value_micro_krw = 10'000'000;
  p.bt_unit = 1;
  p.fee_bps = 150;
  p.min_price_bps = 7000;
  p.depth_units = 1'000'000;
  return p;
}
inline MlkFeed ExampleFeed() { return MlkFeed{50'000'000, kMlkUnit}; }
inline const Amount kBigReserve = Amount{1'000'000'000} * kMlkUnit;

// A fixed, portable PRNG (splitmix64) so every seed replays exactly.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [low, high] for tests. REQUIRES low <= high < 2^64.
  Amount Between(Amount low, Amount high) {
    return low + static_cast<Amount>(Next() % static_cast<uint64_t>(high - low + 1));
  }

 private:
  uint64_t state_;
};

// Splits total into 1..parts_max positive parts at random.
inline std::vector<Amount> RandomSplit(Rng& rng, Amount total, int parts_max) {
  std::vector<Amount> parts;
  Amount left = total;
  while (left > 0 && static_cast<int>(parts.size()) < parts_max - 1) {
    Amount part = rng.Between(1, left);
    parts.push_back(part);
    left -= part;
  }
  if (left > 0) parts.push_back(left);
  return parts;
}

inline TradeQuote MustQuote(const MarketParams& p, Amount inventory, Side side, Amount amount) {
  Result<TradeQuote> q = Quote(p, ExampleFeed(), inventory, kBigReserve, side, amount);
  INFO(q.status().ToString());
  REQUIRE(q.ok());
  return *q;
}

inline void RequireRefused(const Result<TradeQuote>& q, Code code, const std::string& words) {
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code() == code);
  INFO(q.status().message());
  CHECK(q.status().message().find(words) != std::string::npos);
}

}  // namespace milk::chaincode::exchange::test
