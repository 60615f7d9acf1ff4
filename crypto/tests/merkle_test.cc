#include "crypto/merkle.h"

#include <catch2/catch.hpp>

#include "crypto/hash.h"

namespace milk::crypto {
namespace {

// Reference tree, written straight from RFC 6962 section 2.1 and independently of merkle.cc.
std::string RefLeaf(const std::string& leaf) { return Sha256(std::string(1, '\0') + leaf); }
std::string RefNode(const std::string& l, const std::string& r) {
  return Sha256(std::string(1, '\1') + l + r);
}
size_t RefSplit(size_t n) {
  size_t k = 1;
  while (k < n) k <<= 1;
  return k >> 1;  // largest power of two strictly below n (n > 1)
}
std::string RefRoot(const std::vector<std::string>& leaves) {
  if (leaves.empty()) return Sha256("");
  if (leaves.size() == 1) return RefLeaf(leaves[0]);
  size_t k = RefSplit(leaves.size());
  std::vector<std::string> left(leaves.begin(), leaves.begin() + static_cast<long>(k));
  std::vector<std::string> right(leaves.begin() + static_cast<long>(k), leaves.end());
  return RefNode(RefRoot(left), RefRoot(right));
}
// The left (true) / right (false) turns from the root down to leaf m of a tree of n leaves.
std::vector<bool> RefShape(size_t m, size_t n) {
  std::vector<bool> turns;
  while (n > 1) {
    size_t k = RefSplit(n);
    turns.push_back(m < k);
    if (m >= k)
      m -= k, n -= k;
    else
      n = k;
  }
  return turns;
}

std::vector<std::string> Leaves(size_t n) {
  std::vector<std::string> leaves;
  for (size_t i = 0; i < n; ++i) leaves.push_back("tx-" + std::to_string(i));
  return leaves;
}
std::vector<std::string> LeafHashes(const std::vector<std::string>& leaves) {
  std::vector<std::string> hashes;
  for (const auto& leaf : leaves) hashes.push_back(MerkleLeafHash(leaf));
  return hashes;
}

TEST_CASE("leaf hashes carry the 0x00 prefix", "[merkle]") {
  CHECK(MerkleLeafHash("abc") == Sha256(std::string("\0abc", 4)));
  CHECK(MerkleLeafHash("") == Sha256(std::string(1, '\0')));
}

TEST_CASE("roots of 0..9 leaves match the reference", "[merkle]") {
  for (size_t n = 0; n <= 9; ++n) {
    auto leaves = Leaves(n);
    INFO("leaves: " << n);
    CHECK(MerkleRoot(leaves) == RefRoot(leaves));
    CHECK(MerkleRootFromLeafHashes(LeafHashes(leaves)) == RefRoot(leaves));
  }
}

TEST_CASE("small trees have the RFC 6962 shape", "[merkle]") {
  auto l = LeafHashes(Leaves(3));
  CHECK(MerkleRoot({}) == Sha256(""));
  CHECK(MerkleRoot(Leaves(1)) == l[0]);
  CHECK(MerkleRoot(Leaves(3)) == RefNode(RefNode(l[0], l[1]), l[2]));
  CHECK(MerkleRoot(Leaves(3)) != MerkleRoot({"tx-0", "tx-1", "tx-2", "tx-2"}));
}

TEST_CASE("inclusion proofs verify for every leaf of trees of 1..33 leaves", "[merkle]") {
  for (size_t n = 1; n <= 33; ++n) {
    auto hashes = LeafHashes(Leaves(n));
    const std::string root = RefRoot(Leaves(n));
    for (size_t i = 0; i < n; ++i) {
      INFO("size " << n << " index " << i);
      MerkleProof proof = MerkleInclusionProof(hashes, i);
      CHECK(proof.index == i);
      CHECK(proof.tree_size == n);
      CHECK(proof.path.size() == RefShape(i, n).size());
      CHECK(VerifyMerkleInclusion(root, hashes[i], proof));
      CHECK_FALSE(VerifyMerkleInclusion(root, MerkleLeafHash("other"), proof));
    }
  }
}

TEST_CASE("a proof with a flipped byte fails", "[merkle]") {
  for (size_t n = 2; n <= 33; ++n) {
    auto hashes = LeafHashes(Leaves(n));
    const std::string root = MerkleRootFromLeafHashes(hashes);
    for (size_t i = 0; i < n; ++i) {
      MerkleProof proof = MerkleInclusionProof(hashes, i);
      for (size_t level = 0; level < proof.path.size(); ++level) {
        MerkleProof bad = proof;
        bad.path[level][level % kHashBytes] ^= 0x20;
        CHECK_FALSE(VerifyMerkleInclusion(root, hashes[i], bad));
      }
      std::string bad_root = root;
      bad_root[31] ^= 0x01;
      CHECK_FALSE(VerifyMerkleInclusion(bad_root, hashes[i], proof));
    }
  }
}

TEST_CASE("a proof with a wrong index fails", "[merkle]") {
  for (size_t n = 2; n <= 33; ++n) {
    auto hashes = LeafHashes(Leaves(n));
    const std::string root = MerkleRootFromLeafHashes(hashes);
    for (size_t i = 0; i < n; ++i) {
      MerkleProof proof = MerkleInclusionProof(hashes, i);
      for (size_t wrong = 0; wrong < n + 2; ++wrong) {
        if (wrong == i) continue;
        MerkleProof bad = proof;
        bad.index = wrong;
        INFO("size " << n << " index " << i << " claimed " << wrong);
        CHECK_FALSE(VerifyMerkleInclusion(root, hashes[i], bad));
      }
    }
  }
}

// An audit path does not commit to the tree size: where another size puts the leaf at the same
// turns, the same hashes come out (RFC 6962 proofs rely on a trusted size, as our block headers
// give). Every other size must fail.
TEST_CASE("a proof with a wrong tree size fails unless the tree shape is the same", "[merkle]") {
  size_t rejected = 0;
  for (size_t n = 1; n <= 33; ++n) {
    auto hashes = LeafHashes(Leaves(n));
    const std::string root = MerkleRootFromLeafHashes(hashes);
    for (size_t i = 0; i < n; ++i) {
      MerkleProof proof = MerkleInclusionProof(hashes, i);
      for (size_t size = 0; size <= 2 * n + 1; ++size) {
        if (size == n) continue;
        MerkleProof bad = proof;
        bad.tree_size = size;
        bool same_shape = i < size && RefShape(i, size) == RefShape(i, n);
        INFO("size " << n << " index " << i << " claimed size " << size);
        CHECK(VerifyMerkleInclusion(root, hashes[i], bad) == same_shape);
        if (!same_shape) ++rejected;
      }
    }
  }
  CHECK(rejected > 10000);
}

TEST_CASE("malformed proofs fail without crashing", "[merkle]") {
  auto hashes = LeafHashes(Leaves(5));
  const std::string root = MerkleRootFromLeafHashes(hashes);
  MerkleProof proof = MerkleInclusionProof(hashes, 2);
  REQUIRE(VerifyMerkleInclusion(root, hashes[2], proof));

  MerkleProof longer = proof;
  longer.path.push_back(hashes[0]);
  CHECK_FALSE(VerifyMerkleInclusion(root, hashes[2], longer));
  MerkleProof shorter = proof;
  shorter.path.pop_back();
  CHECK_FALSE(VerifyMerkleInclusion(root, hashes[2], shorter));
  MerkleProof short_hash = proof;
  short_hash.path[0].pop_back();
  CHECK_FALSE(VerifyMerkleInclusion(root, hashes[2], short_hash));
  MerkleProof empty_tree = proof;
  empty_tree.tree_size = 0;
  empty_tree.index = 0;
  CHECK_FALSE(VerifyMerkleInclusion(root, hashes[2], empty_tree));
  MerkleProof huge = proof;
  huge.tree_size = UINT64_MAX;
  huge.index = UINT64_MAX - 1;
  CHECK_FALSE(VerifyMerkleInclusion(root, hashes[2], huge));
  CHECK_FALSE(VerifyMerkleInclusion(root.substr(1), hashes[2], proof));
  CHECK_FALSE(VerifyMerkleInclusion(root, hashes[2].substr(1), proof));
}

TEST_CASE("a one-leaf tree has an empty proof", "[merkle]") {
  auto hashes = LeafHashes(Leaves(1));
  MerkleProof proof = MerkleInclusionProof(hashes, 0);
  CHECK(proof.path.empty());
  CHECK(VerifyMerkleInclusion(hashes[0], hashes[0], proof));
}

}  // namespace
}  // namespace milk::crypto
