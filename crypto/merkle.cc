#include "crypto/merkle.h"

#include <algorithm>
#include <bit>

#include "crypto/hash.h"
#include "crypto/status.h"

namespace milk::crypto {
namespace {

// A tree of n leaves has depth at most 64 (n fits in uint64_t), so no valid audit path is longer.
constexpr size_t kProofDepthMax = 64;

constexpr char kLeafPrefix = '\x00';
constexpr char kNodePrefix = '\x01';

std::string NodeHash(std::string_view left, std::string_view right) {
  Sha256Hasher hasher;
  hasher.Update(std::string_view(&kNodePrefix, 1));
  hasher.Update(left);
  hasher.Update(right);
  return hasher.Finish();
}

// The largest power of two strictly less than n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// Root of leaf_hashes[begin, end). REQUIRES: begin < end.
std::string SubtreeRoot(const std::vector<std::string>& leaf_hashes, uint64_t begin, uint64_t end) {
  uint64_t n = end - begin;
  if (n == 1) return leaf_hashes[begin];
  uint64_t k = SplitPoint(n);
  return NodeHash(SubtreeRoot(leaf_hashes, begin, begin + k),
                  SubtreeRoot(leaf_hashes, begin + k, end));
}

}  // namespace

std::string MerkleLeafHash(std::string_view leaf) {
  Sha256Hasher hasher;
  hasher.Update(std::string_view(&kLeafPrefix, 1));
  hasher.Update(leaf);
  return hasher.Finish();
}

std::string MerkleRootFromLeafHashes(const std::vector<std::string>& leaf_hashes) {
  if (leaf_hashes.empty()) return Sha256("");
  return SubtreeRoot(leaf_hashes, 0, leaf_hashes.size());
}

std::string MerkleRoot(const std::vector<std::string>& leaves) {
  std::vector<std::string> leaf_hashes;
  leaf_hashes.reserve(leaves.size());
  for (const std::string& leaf : leaves) leaf_hashes.push_back(MerkleLeafHash(leaf));
  return MerkleRootFromLeafHashes(leaf_hashes);
}

MerkleProof MerkleInclusionProof(const std::vector<std::string>& leaf_hashes, uint64_t index) {
  MILK_CHECK(index < leaf_hashes.size());
  MerkleProof proof;
  proof.index = index;
  proof.tree_size = leaf_hashes.size();
  // Walk down from the root, remembering the sibling subtree at each split; the path lists them
  // leaf first, so the walk's order is reversed at the end.
  uint64_t begin = 0;
  uint64_t end = leaf_hashes.size();
  while (end - begin > 1) {
    uint64_t mid = begin + SplitPoint(end - begin);
    if (index < mid) {
      proof.path.push_back(SubtreeRoot(leaf_hashes, mid, end));
      end = mid;
    } else {
      proof.path.push_back(SubtreeRoot(leaf_hashes, begin, mid));
      begin = mid;
    }
  }
  std::reverse(proof.path.begin(), proof.path.end());
  return proof;
}

bool VerifyMerkleInclusion(std::string_view root, std::string_view leaf_hash,
                           const MerkleProof& proof) {
  if (proof.index >= proof.tree_size) return false;
  if (root.size() != kHashBytes || leaf_hash.size() != kHashBytes) return false;
  // The shape of the tree alone fixes, at every level, whether our node is a left or a right
  // child; record that top-down, then fold the path bottom-up.
  bool is_left[kProofDepthMax];
  size_t depth = 0;
  uint64_t index = proof.index;
  uint64_t size = proof.tree_size;
  while (size > 1) {
    MILK_CHECK(depth < kProofDepthMax);
    uint64_t k = SplitPoint(size);
    is_left[depth++] = index < k;
    if (index < k) {
      size = k;
    } else {
      index -= k;
      size -= k;
    }
  }
  if (proof.path.size() != depth) return false;
  std::string node(leaf_hash);
  for (size_t level = 0; level < depth; ++level) {
    const std::string& sibling = proof.path[level];
    if (sibling.size() != kHashBytes) return false;
    node = is_left[depth - 1 - level] ? NodeHash(node, sibling) : NodeHash(sibling, node);
  }
  return node == root;
}

}  // namespace milk::crypto
