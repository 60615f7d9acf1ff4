// The exchange's price announcements (docs/chaincode_exchange.md, "Events"): after each block, the
// price of every market the block's transactions moved. The price is a function of TICA's
// inventory only, so the last event of a brand in a block — a "trade" (price_after,
// inventory_after) or a "stock" (price_micro_krw, inventory: a stock swap settled) — is that market's price at the end
// of the block. Clients derive the announcement from the block's chaincode events, which every
// peer delivers identically (`milk market watch`, ChaincodeEvents).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/services.pb.h"

namespace milk::client {

struct PriceAnnouncement {
  uint64_t block_number = 0;
  std::string brand;
  std::string price_micro_krw;  // decimal, micro-KRW per whole BT
  std::string inventory;        // TICA's inventory, BT smallest units
  uint32_t trades = 0;          // trades of this brand in the block
};

// One announcement per brand moved in the block, ordered by brand. Events of other chaincodes
// or names are ignored; a "trade" or "stock" event whose payload is not the exchange's JSON is
// kDataLoss (the chain's events are the exchange's own output). Pure and thread-safe.
Result<std::vector<PriceAnnouncement>> PriceAnnouncements(
    const milkpb::ChaincodeEventsResponse& block_events, const std::string& exchange_chaincode);

}  // namespace milk::client
