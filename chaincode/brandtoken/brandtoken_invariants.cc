// CheckBrandTokenInvariants and ReadBrandTokenView: read-only passes over committed state.
#include <functional>
#include <optional>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/brandtoken_state.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode {
namespace {

using namespace brandtoken;  // NOLINT: the private helpers of this chaincode

Result<Amount> ReadTotal(StateReader& state, const std::string& name) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("total", {name}));
  MILK_ASSIGN_OR_RETURN(std::optional<VersionedValue> stored,
                        state.Get(kBrandTokenChaincodeName, key));
  if (!stored.has_value()) return Amount{0};
  auto amount = ParseAmount(stored->value);
  if (!amount.ok()) return DataLoss("total " + name + " is corrupt");
  return amount;
}

Result<Config> ReadConfig(StateReader& state, const std::string& ns) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_ASSIGN_OR_RETURN(std::optional<VersionedValue> stored, state.Get(ns, key));
  if (!stored.has_value()) return DataLoss("brandtoken is not initialised: no config");
  auto config = ParseConfig(stored->value);
  if (!config.ok()) return DataLoss("brandtoken config is corrupt: " + config.status().message());
  return config;
}

// The single attribute of a composite key, or the quoted key when it has another shape.
std::string KeyName(const std::string& key) {
  auto split = SplitCompositeKey(key);
  return split.ok() && split->second.size() == 1 ? split->second[0] : Quote(key);
}

// Adds each lot (checked: the lots of corrupt state may overflow).
Status AddTo(Amount& sum, const Lots& lots, const std::string& where) {
  for (const Lot& lot : lots) {
    std::optional<Amount> next = CheckedAdd(sum, lot.amount);
    if (!next.has_value()) return DataLoss("the sum of all lots overflows at " + where);
    sum = *next;
  }
  return Status::Ok();
}

// Visits every ("lots", address) record: its parsed lots. Stops at the first error.
Status ScanLots(StateReader& state,
                const std::function<Status(const std::string& address, const Lots&)>& visit) {
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange("lots", {}));
  Status broken;
  MILK_RETURN_IF_ERROR(
      state.Scan(kBrandTokenChaincodeName, range.first, range.second,
                 [&](const std::string& key, const VersionedValue& value) {
                   const std::string address = KeyName(key);
                   auto lots = ParseLots(value.value);  // sorted, positive, within the bound
                   if (!lots.ok()) {
                     broken = DataLoss("lots of " + address + ": " + lots.status().message());
                   } else if (lots->empty()) {
                     broken = DataLoss("an empty lot list is stored for " + address);
                   } else {
                     broken = visit(address, *lots);
                   }
                   return broken.ok();
                 }));
  return broken;
}

// Visits every ("escrow", swap_id) record. Stops at the first error.
Status ScanEscrows(StateReader& state, const std::string& ns,
                   const std::function<Status(const std::string& swap_id, const Escrow&)>& visit) {
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange("escrow", {}));
  Status broken;
  MILK_RETURN_IF_ERROR(state.Scan(
      ns, range.first, range.second, [&](const std::string& key, const VersionedValue& value) {
        const std::string swap_id = KeyName(key);
        auto escrow = ParseEscrow(value.value);
        broken = escrow.ok()
                     ? visit(swap_id, *escrow)
                     : DataLoss("escrow of swap " + swap_id + ": " + escrow.status().message());
        return broken.ok();
      }));
  return broken;
}

}  // namespace

Status CheckBrandTokenInvariants(StateReader& state) {
  // A state without the brand (not initialised) has nothing to check but its (absent) totals.
  MILK_ASSIGN_OR_RETURN(std::string config_key, CreateCompositeKey("config", {}));
  MILK_ASSIGN_OR_RETURN(std::optional<VersionedValue> stored,
                        state.Get(kBrandTokenChaincodeName, config_key));
  Config config;
  if (stored.has_value()) {
    MILK_ASSIGN_OR_RETURN(config, ReadConfig(state, kBrandTokenChaincodeName));
  }
  Amount sum = 0;
  MILK_RETURN_IF_ERROR(ScanLots(state, [&](const std::string& address, const Lots& lots) {
    if (address == config.platform_address &&
        (lots.size() != 1 || lots[0].expiry_ms != kNeverExpiresMs)) {
      return DataLoss("TICA's account " + address + " holds a lot that expires (" +
                      std::string(kPlatformMovesOnlyThroughSwaps) +
                      ", released lots never expire)");
    }
    return AddTo(sum, lots, address);
  }));
  MILK_RETURN_IF_ERROR(ScanEscrows(
      state, kBrandTokenChaincodeName, [&](const std::string& swap_id, const Escrow& escrow) {
        if (escrow.owner == config.platform_address) {
          return DataLoss("escrow of swap " + swap_id + " is owned by TICA's account");
        }
        return AddTo(sum, escrow.lots, "escrow " + swap_id);
      }));
  MILK_ASSIGN_OR_RETURN(Amount issued, ReadTotal(state, "issued"));
  MILK_ASSIGN_OR_RETURN(Amount redeemed, ReadTotal(state, "redeemed"));
  MILK_ASSIGN_OR_RETURN(Amount expired, ReadTotal(state, "expired"));
  std::optional<Amount> gone = CheckedAdd(redeemed, expired);
  std::optional<Amount> outstanding = gone ? CheckedSub(issued, *gone) : std::nullopt;
  if (!outstanding.has_value()) return DataLoss("redeemed + expired exceed issued");
  if (*outstanding != sum) {
    return DataLoss("issued - redeemed - expired = " + FormatAmount(*outstanding) +
                    " but the lots and escrows hold " + FormatAmount(sum));
  }
  return Status::Ok();
}

Result<BrandTokenView> ReadBrandTokenView(StateReader& state, const std::string& ns) {
  MILK_ASSIGN_OR_RETURN(Config config, ReadConfig(state, ns));
  BrandTokenView view;
  view.symbol = config.symbol;
  view.platform_address = config.platform_address;
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("lots", {config.platform_address}));
  MILK_ASSIGN_OR_RETURN(std::optional<VersionedValue> stored, state.Get(ns, key));
  if (stored.has_value()) {
    auto lots = ParseLots(stored->value);
    if (!lots.ok()) return DataLoss("lots of TICA's account: " + lots.status().message());
    view.platform_balance = SumLots(*lots);
  }
  MILK_RETURN_IF_ERROR(
      ScanEscrows(state, ns, [&](const std::string& swap_id, const Escrow& escrow) {
        view.escrows[swap_id] = BrandTokenEscrowView{escrow.owner, SumLots(escrow.lots)};
        return Status::Ok();
      }));
  return view;
}

}  // namespace milk::chaincode
