// Private to the simulator: 64-bit hashes for chaining log entries and fingerprinting a run.
// Not cryptographic; a collision could only hide a bug, never invent one.
#pragma once

#include <cstdint>
#include <string_view>

#include "milk/raft.pb.h"

namespace milk::consensus::sim {

inline uint64_t Mix(uint64_t h, uint64_t v) {
  uint64_t z = h ^ (v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline uint64_t HashBytes(std::string_view bytes) {
  uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// The hash of a log prefix ending in `e`, given the hash of the prefix before it. Two logs that
// agree on an entry's chain hash agree on every entry up to it: the Log Matching property is
// "same (index, term) implies same chain hash".
inline uint64_t ChainHash(uint64_t prev, const milkpb::RaftEntry& e) {
  uint64_t h = Mix(prev, e.index());
  h = Mix(h, e.term());
  h = Mix(h, static_cast<uint64_t>(e.type()));
  return Mix(h, HashBytes(e.data()));
}

}  // namespace milk::consensus::sim
