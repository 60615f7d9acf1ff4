#include "tests/integration/ledger_scan.h"

#include <charconv>

#include "crypto/identity.h"

namespace milk::integration {
namespace {

Result<uint64_t> ParseSmallAmount(const std::string& text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || (text.size() > 1 && text[0] == '0')) {
    return InvalidArgument("amount \"" + text + "\" is not a small canonical decimal");
  }
  return value;
}

Result<LedgerTx> ParseTransaction(const std::string& envelope_bytes, uint64_t block_number,
                                  uint32_t index) {
  const std::string where = "block " + std::to_string(block_number) + " tx " +
                            std::to_string(index);
  milkpb::Envelope envelope;
  milkpb::Transaction tx;
  milkpb::Proposal proposal;
  if (!envelope.ParseFromString(envelope_bytes) || !tx.ParseFromString(envelope.payload()) ||
      !proposal.ParseFromString(tx.proposal())) {
    return DataLoss(where + ": the envelope does not parse as an endorser transaction");
  }
  LedgerTx out;
  out.block_number = block_number;
  out.tx_index = index;
  out.tx_id = proposal.tx_id();
  out.chaincode = proposal.chaincode();
  out.function = proposal.function();
  for (const std::string& arg : proposal.args()) out.args.push_back(arg);
  auto creator = crypto::ParseIdentity(proposal.creator());
  if (!creator.ok()) return DataLoss(where + ": creator: " + creator.status().message());
  out.creator_address = crypto::WalletAddress(creator->public_key);
  return out;
}

Status AddBlock(const milkpb::Block& block, LedgerScan& scan) {
  const uint64_t number = block.header().number();
  if (number != scan.height) {
    return DataLoss("Deliver sent block " + std::to_string(number) + " where block " +
                    std::to_string(scan.height) + " was expected");
  }
  const std::string& codes = block.metadata().validation_codes();
  if (codes.size() != static_cast<size_t>(block.data().envelopes_size())) {
    return DataLoss("block " + std::to_string(number) + " has " + std::to_string(codes.size()) +
                    " validation codes for " + std::to_string(block.data().envelopes_size()) +
                    " envelopes");
  }
  ++scan.height;
  for (int i = 0; i < block.data().envelopes_size(); ++i) {
    milkpb::Envelope envelope;
    if (!envelope.ParseFromString(block.data().envelopes(i))) {
      return DataLoss("block " + std::to_string(number) + " envelope " + std::to_string(i) +
                      " does not parse");
    }
    if (envelope.type() != milkpb::ENDORSER_TRANSACTION) continue;  // the genesis config
    MILK_ASSIGN_OR_RETURN(LedgerTx tx, ParseTransaction(block.data().envelopes(i), number,
                                                        static_cast<uint32_t>(i)));
    tx.code = static_cast<uint8_t>(codes[static_cast<size_t>(i)]);
    scan.by_tx_id[tx.tx_id].push_back(scan.transactions.size());
    scan.transactions.push_back(std::move(tx));
  }
  return Status::Ok();
}

}  // namespace

size_t LedgerScan::OccurrencesOf(const std::string& tx_id) const {
  auto it = by_tx_id.find(tx_id);
  return it == by_tx_id.end() ? 0 : it->second.size();
}

Result<LedgerScan> ScanLedger(const client::GatewayClient& peer, const std::string& chain_id) {
  milkpb::DeliverRequest request;
  request.set_chain_id(chain_id);
  request.set_start_block(0);  // follow=false, stop 0: up to the current height
  LedgerScan scan;
  Status inner;
  Status status = peer.Blocks(request, [&](const milkpb::Block& block) {
    inner = AddBlock(block, scan);
    return inner.ok();
  });
  MILK_RETURN_IF_ERROR(status);
  MILK_RETURN_IF_ERROR(inner);
  return scan;
}

Result<TokenState> ReplayTokenState(const LedgerScan& scan) {
  TokenState state;
  for (const LedgerTx& tx : scan.transactions) {
    if (tx.code != milkpb::VALID || tx.chaincode != "token") continue;
    const std::string where = "block " + std::to_string(tx.block_number) + " tx " +
                              std::to_string(tx.tx_index) + " (" + tx.function + ")";
    if (tx.function != "issue" && tx.function != "transfer") continue;  // queries write nothing
    if (tx.args.size() != 2) return DataLoss(where + ": a valid call with " +
                                             std::to_string(tx.args.size()) + " arguments");
    MILK_ASSIGN_OR_RETURN(uint64_t amount, ParseSmallAmount(tx.args[1]));
    if (tx.function == "issue") {
      state.supply += amount;
    } else {
      uint64_t& from = state.balances[tx.creator_address];
      if (from < amount) {
        return DataLoss(where + ": a valid transfer of " + tx.args[1] + " from " +
                        tx.creator_address + " whose replayed balance is " +
                        std::to_string(from));
      }
      from -= amount;
    }
    state.balances[tx.args[0]] += amount;
  }
  return state;
}

}  // namespace milk::integration
