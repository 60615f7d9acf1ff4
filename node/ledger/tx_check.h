// Per-transaction checks that need no state (signatures, certificates, policy, rwset shape).
// Private to node/ledger; run in parallel by the Validator.
#pragma once

#include <cstdint>
#include <string>

#include <optional>

#include "chaincode/shim/simulator.h"
#include "milk/ledger.pb.h"
#include "node/ledger/chain_config.h"

namespace milk::ledger {

struct TxCheck {
  uint8_t code = milkpb::NOT_VALIDATED;
  std::string tx_id;
  bool tx_id_proven = false;  // creator signature and txid derivation verified
  int64_t timestamp_ms = 0;
  milkpb::TxReadWriteSet rwset;
  // A sequenced call (ProposalResponsePayload.sequenced): executed by the validator in block
  // order; rwset is then empty.
  std::optional<chaincode::TxContext> sequenced;
};

// Namespaces strictly sorted, each a chaincode of this chain; keys non-empty and within bounds,
// writes strictly sorted by key. VALID, BAD_RWSET or ILLEGAL_WRITESET.
uint8_t CheckRwsetShape(const milkpb::TxReadWriteSet& rwset, const ChainConfigView& config);

// block_time_ms: certificates must be valid at the block's timestamp (deterministic).
TxCheck CheckTransaction(const std::string& envelope_bytes, const ChainConfigView& config,
                         int64_t block_time_ms);

}  // namespace milk::ledger
