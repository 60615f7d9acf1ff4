// Validation of ordered blocks (ARCHITECTURE.md section 3, step 4): a pure function of
// (chain config, committed state, block). The committer and `milk ledger verify` both call it,
// so an auditor's replay reproduces every validation code and commit hash.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/state.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "node/ledger/chain_config.h"
#include "node/ledger/config_update.h"
#include "node/ledger/thread_pool.h"
#include "node/storage/ledger_db.h"

namespace milk::ledger {

struct TxCheck;  // tx_check.h

struct ValidatedBlock {
  std::string codes;                     // one TxValidationCode byte per envelope
  std::vector<node::StateWrite> writes;  // of the valid transactions, in commit order
  // Transactions whose txid is proven (creator signature and txid derivation checked), valid or
  // not; others are not indexed so a forged envelope cannot burn someone else's txid.
  std::vector<std::pair<std::string, node::TxRecord>> txs;
  std::string commit_hash;
  // A valid config update: the config in force from the next block on, and the Raft membership
  // change it makes. Null for every other block.
  std::shared_ptr<const ChainConfigView> new_config;
  MembershipChange change;
  // What each sequenced transaction's execution answered, in order (BlockMetadata.sequenced).
  google::protobuf::RepeatedPtrField<milkpb::SequencedOutcome> sequenced;
};

// Checks what makes a block a block of this chain: number, previous header hash, data hash, and
// the consenter's signature over the header hash (consenter certificate valid at the block time).
// kDataLoss naming the block and the broken link.
Status CheckBlockIntegrity(const milkpb::Block& block, const std::string& previous_header_hash,
                           const ChainConfigView& config);

// Checks a genesis block (admin-signed CONFIG envelope) and runs every chaincode's Init.
// Returns the config and the validated block. kInvalidArgument naming the problem.
struct ValidatedGenesis {
  std::shared_ptr<const ChainConfigView> config;
  ValidatedBlock block;
};
Result<ValidatedGenesis> ValidateGenesis(const milkpb::Block& genesis,
                                         const chaincode::Registry& registry,
                                         chaincode::StateReader& empty_state);

// Thread-safety: Validate may be called by one thread at a time (it drives the pool).
class Validator {
 public:
  // registry: the chaincodes sequenced calls execute (ProposalResponsePayload.sequenced).
  Validator(ThreadPool& pool, const chaincode::Registry& registry)
      : pool_(pool), registry_(registry) {}

  // REQUIRES: block passed CheckBlockIntegrity against `config` (the config in force before the
  // block) and block number > 0. `state` is the committed state after the previous block;
  // tx_id_committed answers whether a txid is in the ledger. A block holding one CONFIG
  // envelope is a config update (config_update.h); a CONFIG envelope among others is invalid.
  ValidatedBlock Validate(const milkpb::Block& block, const ChainConfigView& config,
                          chaincode::StateReader& state,
                          const std::function<bool(const std::string&)>& tx_id_committed,
                          const std::string& previous_commit_hash) const;

 private:
  ValidatedBlock ValidateConfigBlock(const milkpb::Block& block, const ChainConfigView& config,
                                     const std::function<bool(const std::string&)>& tx_id_committed,
                                     const std::string& previous_commit_hash) const;

  // Runs a sequenced call against the state so far (committed + this block's earlier valid
  // writes); VALID puts its writes in check.rwset. Records its outcome in out.sequenced.
  uint8_t ExecuteSequenced(const chaincode::TxContext& call, uint32_t tx_index,
                           const ChainConfigView& config, chaincode::StateReader& overlay,
                           TxCheck& check, ValidatedBlock& out) const;

  ThreadPool& pool_;
  const chaincode::Registry& registry_;
};

}  // namespace milk::ledger
