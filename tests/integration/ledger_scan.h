// What the integration tests read back from a node: every block through Deliver, every
// transaction in it, and the token state recomputed from the valid transactions alone, so the
// node's answers can be compared with an independent replay.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tools/client/gateway_client.h"

namespace milk::integration {

// One endorser transaction found in a block.
struct LedgerTx {
  uint64_t block_number = 0;
  uint32_t tx_index = 0;
  uint8_t code = milkpb::NOT_VALIDATED;  // from the block's metadata
  std::string tx_id;                     // Proposal.tx_id
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
  std::string creator_address;  // WalletAddress(creator public key), as the token computes it
};

struct LedgerScan {
  uint64_t height = 0;  // blocks read (genesis included)
  std::vector<LedgerTx> transactions;
  // tx_id -> indices into transactions (several when a txid occurs more than once).
  std::map<std::string, std::vector<size_t>> by_tx_id;
  size_t OccurrencesOf(const std::string& tx_id) const;
};

// Reads blocks 0 .. height-1 of chain_id and parses each ENDORSER_TRANSACTION envelope. An
// envelope that does not parse, or a block whose validation codes do not match its envelope
// count, is kDataLoss naming the block.
Result<LedgerScan> ScanLedger(const client::GatewayClient& peer, const std::string& chain_id);

// The token state implied by the VALID token transactions of a scan, in block order: issue adds
// to balance and supply, transfer moves from the creator's address. Amounts must be canonical
// decimals that fit in 64 bits (the tests use small ones); a transfer that overdraws is
// kDataLoss, since a valid transaction can never do that.
struct TokenState {
  std::map<std::string, uint64_t> balances;
  uint64_t supply = 0;
};
Result<TokenState> ReplayTokenState(const LedgerScan& scan);

}  // namespace milk::integration
