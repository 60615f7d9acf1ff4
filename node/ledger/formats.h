// The hashes and signed byte strings of the ledger, in one place, so the orderer, the committer,
// clients and `milk ledger verify` agree byte for byte. Specified in docs/block_format.md (v1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "milk/ledger.pb.h"
#include "milk/view.pb.h"

namespace milk::ledger {

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kNonceBytes = 24;

// hex(SHA-256(nonce || creator)), creator = serialized Identity.
std::string ComputeTxId(std::string_view nonce, std::string_view creator);

// SHA-256 over the fixed layout: "milk-block-header-v1" | u32 version | lp(chain_id) | u64 number
// | lp(previous_hash) | lp(data_hash) | i64 timestamp_ms  (integers big-endian, lp = u32 length
// prefix). Independent of protobuf serialization.
std::string HeaderHash(const milkpb::BlockHeader& header);
// Merkle root (crypto/merkle.h) over the serialized envelopes.
std::string DataHash(const milkpb::BlockData& data);

// What a creator signs for an envelope: one byte of EnvelopeType, then the payload.
std::string EnvelopeSigningBytes(milkpb::EnvelopeType type, std::string_view payload);
// What admins approving a config update sign (ConfigApproval): a domain tag, then the
// deterministic serialization of the new config (which names the chain and the sequence, so an
// approval cannot be replayed on another chain or update).
std::string ConfigApprovalBytes(const milkpb::ChainConfig& config);
// What an admin signs to ask for a leadership transfer: a domain tag, the chain id, the target
// raft id and the request's timestamp (u64/i64 BE), so a captured request is useless elsewhere
// and soon stale.
std::string TransferLeadershipSigningBytes(std::string_view chain_id, uint64_t to,
                                           int64_t timestamp_ms);
// What an admin signs to make a node leave a chain (Admin.LeaveChain): a domain tag, the chain id
// and the request's timestamp (i64 BE), checked against the chain's timestamp skew.
std::string LeaveChainSigningBytes(std::string_view chain_id, int64_t timestamp_ms);
// What an endorser signs: the response payload, then the serialized endorser Identity.
std::string EndorsementSigningBytes(std::string_view response_payload, std::string_view endorser);

// What peers sign for an endorsed view (docs/views.md): "milk-view-v1" | u32 version |
// lp(chain_id) | u64 height | lp(block_hash) | i64 block_time_ms | lp(chaincode) | lp(function) |
// u32 arg count | lp(arg)... | i32 status | lp(payload) | i64 evaluated_ms. Independent of
// protobuf serialization.
std::string ViewSigningBytes(const milkpb::ViewResult& result);

// One state write as it enters the commit hash.
struct CommitWrite {
  std::string_view ns;
  std::string_view key;
  bool is_delete = false;
  std::string_view value;
};

// SHA-256 over: "milk-commit-v1" | lp(previous_commit_hash) | u64 block number |
// lp(validation codes) | for each write in commit order: lp(ns) lp(key) u8 is_delete lp(value).
std::string CommitHash(std::string_view previous_commit_hash, uint64_t block_number,
                       std::string_view validation_codes, const std::vector<CommitWrite>& writes);

// 32 zero bytes: previous hash of the genesis block and the commit hash before it.
std::string ZeroHash();

// The name of a validation code, e.g. "MVCC_READ_CONFLICT".
std::string ValidationCodeName(uint32_t code);

}  // namespace milk::ledger
