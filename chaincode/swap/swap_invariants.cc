// ReadSwapState and CheckSwapInvariants: read-only passes over committed state.
#include <functional>
#include <set>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/shim/text.h"
#include "chaincode/swap/swap.h"
#include "chaincode/swap/swap_state.h"

namespace milk::chaincode {
namespace {

using swap::Config;
using swap::Delivery;
using swap::Record;

Result<Config> ReadConfig(StateReader& state) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_ASSIGN_OR_RETURN(std::optional<VersionedValue> stored, state.Get(kSwapChaincodeName, key));
  if (!stored.has_value()) return DataLoss("the swap chaincode is not initialised: no config");
  auto config = swap::ParseConfig(stored->value);
  if (!config.ok()) return DataLoss("swap config is corrupt: " + config.status().message());
  return config;
}

// Visits the records stored under object type `type` in namespace "swap" with their single
// key attribute; stops at the first error.
Status ScanType(StateReader& state, const std::string& type,
                const std::function<Status(const std::string& attr, const std::string&)>& visit) {
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange(type, {}));
  Status broken;
  MILK_RETURN_IF_ERROR(state.Scan(kSwapChaincodeName, range.first, range.second,
                                  [&](const std::string& key, const VersionedValue& value) {
                                    auto split = SplitCompositeKey(key);
                                    if (!split.ok() || split->second.size() != 1) {
                                      broken = DataLoss("malformed " + type + " key " + Quote(key));
                                    } else {
                                      broken = visit(split->second[0], value.value);
                                    }
                                    return broken.ok();
                                  }));
  return broken;
}

}  // namespace

Result<SwapStateView> ReadSwapState(StateReader& state) {
  MILK_ASSIGN_OR_RETURN(Config config, ReadConfig(state));
  SwapStateView view;
  view.brandtoken_chaincode = config.brandtoken_chaincode;
  MILK_RETURN_IF_ERROR(
      ScanType(state, "swap", [&](const std::string& id, const std::string& value) -> Status {
        auto record = swap::ParseRecord(value);
        if (!record.ok()) return DataLoss("swap " + id + ": " + record.status().message());
        if (record->id != id) return DataLoss("swap " + id + " is stored under another id");
        view.swaps[id] = SwapRecordView{record->id,    record->kind,   record->owner,
                                        record->state, record->reason, record->amount};
        return Status::Ok();
      }));
  MILK_RETURN_IF_ERROR(
      ScanType(state, "delivery", [&](const std::string& txid, const std::string& value) -> Status {
        auto delivery = swap::ParseDelivery(value);
        if (!delivery.ok())
          return DataLoss("delivery " + txid + ": " + delivery.status().message());
        if (delivery->tx != txid) return DataLoss("delivery " + txid + " names another purchase");
        view.deliveries[txid] = DeliveryView{delivery->tx, delivery->buyer, delivery->amount};
        return Status::Ok();
      }));
  return view;
}

Status CheckSwapInvariants(StateReader& state) {
  MILK_ASSIGN_OR_RETURN(SwapStateView swaps, ReadSwapState(state));
  std::set<std::string> open;
  MILK_RETURN_IF_ERROR(ScanType(state, "open", [&](const std::string& id, const std::string&) {
    open.insert(id);
    return Status::Ok();
  }));
  MILK_ASSIGN_OR_RETURN(BrandTokenView brand,
                        ReadBrandTokenView(state, swaps.brandtoken_chaincode));
  for (const auto& [id, record] : swaps.swaps) {
    const bool locked = record.state == "locked";
    if (locked != (open.count(id) == 1)) {
      return DataLoss("swap " + id + " is " + record.state + " but " +
                      (locked ? "missing from" : "still in") + " the open index");
    }
    auto escrow = brand.escrows.find(id);
    if (locked && (escrow == brand.escrows.end() || escrow->second.amount != record.amount ||
                   escrow->second.owner != record.owner)) {
      return DataLoss("locked swap " + id + " of " + FormatAmount(record.amount) +
                      " is not held in escrow for its owner");
    }
    if (!locked && escrow != brand.escrows.end()) {
      return DataLoss("swap " + id + " is " + record.state + " but its escrow still holds " +
                      FormatAmount(escrow->second.amount));
    }
  }
  for (const std::string& id : open) {
    if (swaps.swaps.count(id) == 0) return DataLoss("open index names unknown swap " + id);
  }
  for (const auto& [id, escrow] : brand.escrows) {
    if (swaps.swaps.count(id) == 0) return DataLoss("escrow " + id + " belongs to no swap");
  }
  return Status::Ok();
}

}  // namespace milk::chaincode
