#include "crypto/signature_memo.h"

#include <sodium.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "crypto/ed25519.h"

namespace milk::crypto {
namespace {

constexpr size_t kShards = 16;
constexpr size_t kShardEntries = kSignatureMemoEntries / kShards;

void HashPart(crypto_hash_sha256_state* state, std::string_view part) {
  const uint64_t size = part.size();
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(size >> (8 * i));
  crypto_hash_sha256_update(state, length, sizeof length);
  crypto_hash_sha256_update(state, reinterpret_cast<const unsigned char*>(part.data()), part.size());
}

// Length-prefixed parts, so no two different triples hash alike by shifting bytes between them.
std::string KeyOf(std::string_view public_key, std::string_view message,
                  std::string_view signature) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  HashPart(&state, public_key);
  HashPart(&state, signature);
  HashPart(&state, message);
  std::string key(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256_final(&state, reinterpret_cast<unsigned char*>(key.data()));
  return key;
}

class Shard {
 public:
  bool Contains(const std::string& key) {
    std::lock_guard lock(mutex_);
    return keys_.count(key) > 0;
  }
  void Insert(std::string key) {
    std::lock_guard lock(mutex_);
    if (keys_.count(key) > 0) return;
    if (ring_.size() < kShardEntries) {
      ring_.push_back(key);
    } else {
      keys_.erase(ring_[next_]);  // the oldest entry
      ring_[next_] = key;
      next_ = (next_ + 1) % kShardEntries;
    }
    keys_.insert(std::move(key));
  }

 private:
  std::mutex mutex_;
  std::unordered_set<std::string> keys_;  // looked up only, never iterated
  std::vector<std::string> ring_;         // insertion order, for eviction
  size_t next_ = 0;
};

struct Memo {
  std::array<Shard, kShards> shards;
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> verified{0};
  Shard& ShardOf(const std::string& key) {
    return shards[static_cast<unsigned char>(key[0]) % kShards];
  }
};

Memo& TheMemo() {
  static Memo* memo = new Memo();  // never destroyed: used until exit
  return *memo;
}

}  // namespace

bool VerifyMemo(std::string_view public_key, std::string_view message,
                std::string_view signature) {
  EnsureSodium();
  Memo& memo = TheMemo();
  std::string key = KeyOf(public_key, message, signature);
  Shard& shard = memo.ShardOf(key);
  if (shard.Contains(key)) {
    memo.hits.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  memo.verified.fetch_add(1, std::memory_order_relaxed);
  if (!Verify(public_key, message, signature)) return false;
  shard.Insert(std::move(key));
  return true;
}

void RememberSigned(std::string_view public_key, std::string_view message,
                    std::string_view signature) {
  EnsureSodium();
  std::string key = KeyOf(public_key, message, signature);
  TheMemo().ShardOf(key).Insert(std::move(key));
}

SignatureMemoStats GetSignatureMemoStats() {
  Memo& memo = TheMemo();
  return {memo.hits.load(), memo.verified.load()};
}

}  // namespace milk::crypto
