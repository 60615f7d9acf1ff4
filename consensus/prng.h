// A small seeded pseudo-random generator (xoshiro256**, seeded through splitmix64), so that
// everything random in consensus/ — election timeouts, the simulator's faults — is a pure
// function of a seed. Never std::random_device, never the clock.
//
// Not thread-safe; each owner holds its own. Not for cryptography.
#pragma once

#include <cstdint>

namespace milk::consensus {

class Prng {
 public:
  explicit Prng(uint64_t seed) {
    // splitmix64 spreads any seed (including 0) over the 256-bit state, which must not be all
    // zero for xoshiro.
    uint64_t x = seed;
    for (uint64_t& word : state_) {
      x += 0x9E3779B97F4A7C15ULL;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = RotateLeft(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = RotateLeft(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound). REQUIRES: bound > 0. The modulo bias is below 2^-40 for the small
  // bounds used here, which is irrelevant for timeouts and fault choices.
  uint64_t Uniform(uint64_t bound) { return Next() % bound; }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  uint64_t Range(uint64_t lo, uint64_t hi) { return lo + Uniform(hi - lo + 1); }

  // True with probability per_million / 1,000,000.
  bool Chance(uint64_t per_million) { return Uniform(1000000) < per_million; }

 private:
  static uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t state_[4];
};

}  // namespace milk::consensus
