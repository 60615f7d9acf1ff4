// Merkle trees over transaction envelopes, RFC 6962 shape:
//   leaf hash  = SHA-256(0x00 || leaf bytes)
//   inner node = SHA-256(0x01 || left || right)
//   a tree of n > 1 leaves splits at k, the largest power of two < n; empty tree = SHA-256("").
// Defined in docs/crypto.md; blocks use it for their data hash (docs/block_format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace milk::crypto {

std::string MerkleLeafHash(std::string_view leaf);
// Root over already-computed leaf hashes.
std::string MerkleRootFromLeafHashes(const std::vector<std::string>& leaf_hashes);
// Root over raw leaves (hashes each leaf first).
std::string MerkleRoot(const std::vector<std::string>& leaves);

// Audit path for one leaf: sibling hashes from the leaf up to the root.
struct MerkleProof {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::vector<std::string> path;
};

// REQUIRES: index < leaf_hashes.size().
MerkleProof MerkleInclusionProof(const std::vector<std::string>& leaf_hashes, uint64_t index);
// True when leaf_hash at proof.index is in the tree of proof.tree_size leaves with this root.
// False (never a crash) for any malformed proof. A path does not commit to the tree size by
// itself (sizes that put the leaf at the same left/right turns verify alike), so tree_size must
// come from the same trusted place as the root, e.g. the block holding both.
bool VerifyMerkleInclusion(std::string_view root, std::string_view leaf_hash,
                           const MerkleProof& proof);

}  // namespace milk::crypto
