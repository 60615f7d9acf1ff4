// Config updates after genesis (docs/chain_config.md): a CONFIG envelope carrying the whole new
// ChainConfig with sequence + 1, signed by an admin and approved by admins of a majority of the
// chain's orgs. It is ordered in a block of its own and takes effect with that block, on every
// node at the same height, so every later block is checked against the new config.
//
// What an update may change: orgs (add, revoke certificates, rotate roots), consenters (at most
// one added or removed per update: single-server Raft membership changes; endpoints and
// certificates of the others may change), batch limits and the timestamp skew. Chaincode
// definitions and the chain id are fixed. Everything here is a pure function of its inputs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "node/ledger/chain_config.h"

namespace milk::ledger {

// The Raft membership change an update makes: none, or one consenter added or removed.
struct MembershipChange {
  enum class Kind { kNone, kAdd, kRemove };
  Kind kind = Kind::kNone;
  uint64_t raft_id = 0;
};

// Checks `next` as the successor of `current`, apart from signatures: sequence, fixed fields,
// the one-consenter rule and raft ids. kInvalidArgument naming the problem.
Result<MembershipChange> CheckConfigSuccessor(const ChainConfigView& current,
                                              const milkpb::ChainConfig& next);

// The highest raft id ever used by a chain: max(last_raft_id, every consenter's id).
uint64_t EffectiveLastRaftId(const ChainConfigView& config);

struct ConfigUpdateCheck {
  uint8_t code = milkpb::NOT_VALIDATED;  // VALID or INVALID_CONFIG_TRANSACTION (or a creator code)
  std::string message;                   // why, for people; empty when VALID
  std::string tx_id;                     // hex SHA-256 of the payload when the creator is proven
  bool tx_id_proven = false;
  std::shared_ptr<const ChainConfigView> config;  // the new config when VALID
  MembershipChange change;
};

// Everything about one config-update envelope against the config in force before its block, at
// the block's time: envelope shape, creator (an admin, signature verifies, certificate valid at
// block_time_ms), approvals (distinct orgs with a verifying admin signature, the creator's org
// included, must be more than half of the current config's orgs), and CheckConfigSuccessor.
ConfigUpdateCheck CheckConfigUpdate(const std::string& envelope_bytes,
                                    const ChainConfigView& current, int64_t block_time_ms);

// True when any envelope of the block is a CONFIG envelope (such blocks are validated as config
// blocks: exactly one envelope, checked by CheckConfigUpdate).
bool IsConfigBlock(const milkpb::Block& block);

}  // namespace milk::ledger
