// CheckCrossChainConservation (conservation.h): the center's markets, decisions and purchases
// read from the exchange namespace (docs/chaincode_exchange.md), each brand chain's swaps,
// deliveries, escrows and TICA's account (docs/chaincode_swap.md, docs/chaincode_brandtoken.md),
// and the balance rule of docs/swaps.md ("What always holds").
#include "chaincode/swap/conservation.h"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/exchange/exchange.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/stub.h"
#include "chaincode/shim/text.h"
#include "chaincode/swap/swap.h"

namespace milk::swap {
namespace {

using chaincode::Amount;
using chaincode::FormatAmount;
using Json = nlohmann::json;

struct Decision {
  std::string state, kind, owner;
  Amount amount = 0;
};
struct Purchase {
  std::string buyer;
  Amount amount = 0;
};
struct BrandOnCenter {
  std::string brand;
  Amount inventory = 0;
  std::map<std::string, Decision> decisions;  // swap id -> decision
  std::map<std::string, Purchase> purchases;  // txid -> purchase
  bool has_market = false;
};
using Center = std::map<std::string, BrandOnCenter>;  // brand chain id -> its market and swaps

Result<std::string> Str(const Json& record, const char* key, const std::string& what) {
  if (!record.is_object() || !record.contains(key) || !record[key].is_string()) {
    return DataLoss("center chain: " + what + " has no " + key);
  }
  return record[key].get<std::string>();
}

Result<Amount> Amt(const Json& record, const char* key, const std::string& what) {
  MILK_ASSIGN_OR_RETURN(std::string text, Str(record, key, what));
  auto amount = chaincode::ParseAmount(text);
  if (!amount.ok()) return DataLoss("center chain: " + what + " has a bad " + key);
  return amount;
}

// Visits the exchange records of one object type: key attributes and parsed JSON value.
Status ScanExchange(
    chaincode::StateReader& center, const std::string& type,
    const std::function<Status(const std::vector<std::string>&, const Json&)>& visit) {
  MILK_ASSIGN_OR_RETURN(auto range, chaincode::PartialCompositeKeyRange(type, {}));
  Status broken;
  MILK_RETURN_IF_ERROR(
      center.Scan(chaincode::kExchangeChaincodeName, range.first, range.second,
                  [&](const std::string& key, const chaincode::VersionedValue& value) {
                    auto split = chaincode::SplitCompositeKey(key);
                    Json json = Json::parse(value.value, nullptr, false);
                    broken = !split.ok() || json.is_discarded()
                                 ? DataLoss("center chain: malformed " + type + " record")
                                 : visit(split->second, json);
                    return broken.ok();
                  }));
  return broken;
}

Result<Center> ReadCenter(chaincode::StateReader& center) {
  Center chains;
  MILK_RETURN_IF_ERROR(ScanExchange(center, "market", [&](const auto&, const Json& market) {
    MILK_ASSIGN_OR_RETURN(std::string chain_id, Str(market, "chain_id", "a market"));
    BrandOnCenter& on = chains[chain_id];
    MILK_ASSIGN_OR_RETURN(on.brand, Str(market, "brand", "a market"));
    MILK_ASSIGN_OR_RETURN(on.inventory, Amt(market, "inventory", "market " + on.brand));
    on.has_market = true;
    return Status::Ok();
  }));
  MILK_RETURN_IF_ERROR(ScanExchange(center, "swap", [&](const auto& attrs, const Json& record) {
    if (attrs.size() != 2) return DataLoss("center chain: malformed swap decision key");
    const std::string what = "decision of swap " + attrs[1];
    Decision decision;
    MILK_ASSIGN_OR_RETURN(decision.state, Str(record, "state", what));
    MILK_ASSIGN_OR_RETURN(decision.kind, Str(record, "kind", what));
    MILK_ASSIGN_OR_RETURN(decision.owner, Str(record, "owner", what));
    MILK_ASSIGN_OR_RETURN(decision.amount, Amt(record, "amount", what));
    chains[attrs[0]].decisions[attrs[1]] = decision;  // keyed: a swap is decided at most once
    return Status::Ok();
  }));
  MILK_RETURN_IF_ERROR(ScanExchange(center, "purchase", [&](const auto& attrs, const Json& record) {
    if (attrs.size() != 1) return DataLoss("center chain: malformed purchase key");
    const std::string what = "purchase " + attrs[0];
    MILK_ASSIGN_OR_RETURN(std::string chain_id, Str(record, "chain_id", what));
    Purchase purchase;
    MILK_ASSIGN_OR_RETURN(purchase.buyer, Str(record, "buyer", what));
    MILK_ASSIGN_OR_RETURN(purchase.amount, Amt(record, "bt_amount", what));
    chains[chain_id].purchases[attrs[0]] = purchase;
    return Status::Ok();
  }));
  return chains;
}

Status Broken(const std::string& chain_id, const std::string& message) {
  return DataLoss("brand chain " + chain_id + ": " + message);
}

// Each brand swap against the center's decision; fills the swap counts and settled_unreleased.
Status CheckSwaps(const std::string& chain_id, const chaincode::SwapStateView& swaps,
                  const BrandOnCenter& center, ConservationReport::Brand& report,
                  Amount& settled_unreleased, bool& in_flight) {
  for (const auto& [id, swap] : swaps.swaps) {
    auto found = center.decisions.find(id);
    const Decision* decision = found == center.decisions.end() ? nullptr : &found->second;
    const std::string decided = decision ? decision->state : "not decided";
    if (decision && decision->owner != swap.owner) {
      return Broken(chain_id, "swap " + id + " has another owner on the center");
    }
    if (decision && decision->state == "settled" &&
        (decision->amount != swap.amount || decision->kind != swap.kind)) {
      return Broken(chain_id,
                    "swap " + id + " was settled on the center for another amount or kind");
    }
    if (swap.state == "released" && decided != "settled") {
      return Broken(chain_id,
                    "swap " + id + " was released to TICA but the center has it " + decided);
    }
    if (swap.state == "refunded" && decided != "aborted") {
      return Broken(chain_id, "swap " + id + " was refunded but the center has it " + decided);
    }
    if (swap.state == "locked") {
      ++report.swaps_locked;
      if (decided == "settled") settled_unreleased += swap.amount;  // bounded by the issued total
      in_flight = in_flight || decision != nullptr;
    }
    report.swaps_released += swap.state == "released";
    report.swaps_refunded += swap.state == "refunded";
  }
  for (const auto& [id, decision] : center.decisions) {
    if (decision.state == "settled" && swaps.swaps.count(id) == 0) {
      return Broken(chain_id, "the center settled swap " + id + " that was never locked here");
    }
  }
  return Status::Ok();
}

// Each delivery against its purchase; fills purchases_delivered and purchases_undelivered.
Status CheckDeliveries(const std::string& chain_id, const chaincode::SwapStateView& swaps,
                       const BrandOnCenter& center, ConservationReport::Brand& report,
                       Amount& undelivered) {
  for (const auto& [txid, delivery] : swaps.deliveries) {
    auto purchase = center.purchases.find(txid);
    if (purchase == center.purchases.end()) {
      return Broken(chain_id, "delivery " + txid + " has no purchase of this chain on the center");
    }
    if (purchase->second.buyer != delivery.buyer || purchase->second.amount != delivery.amount) {
      return Broken(chain_id, "delivery " + txid + " does not match its purchase");
    }
    ++report.purchases_delivered;
  }
  for (const auto& [txid, purchase] : center.purchases) {
    if (swaps.deliveries.count(txid) == 0) undelivered += purchase.amount;
  }
  return Status::Ok();
}

// One brand chain; in_flight is set when a decided swap is unfinished or a purchase undelivered.
Result<ConservationReport::Brand> CheckBrand(const BrandChainState& brand, const Center& center,
                                             bool& in_flight) {
  const std::string& chain_id = brand.chain_id;
  Status own = chaincode::CheckBrandTokenInvariants(*brand.state);
  if (own.ok()) own = chaincode::CheckSwapInvariants(*brand.state);
  if (!own.ok()) return Broken(chain_id, own.message());
  auto on_center = center.find(chain_id);
  if (on_center == center.end() || !on_center->second.has_market) {
    return Broken(chain_id, "no market on the center trades this chain's BT");
  }
  const BrandOnCenter& market = on_center->second;
  MILK_ASSIGN_OR_RETURN(chaincode::SwapStateView swaps, chaincode::ReadSwapState(*brand.state));
  MILK_ASSIGN_OR_RETURN(chaincode::BrandTokenView tokens,
                        chaincode::ReadBrandTokenView(*brand.state, swaps.brandtoken_chaincode));
  if (tokens.symbol != market.brand) {
    return Broken(chain_id, "its BT is " + tokens.symbol + " but the market is " + market.brand);
  }
  ConservationReport::Brand report;
  report.chain_id = chain_id;
  report.brand = market.brand;
  Amount settled_unreleased = 0, undelivered = 0;
  MILK_RETURN_IF_ERROR(CheckSwaps(chain_id, swaps, market, report, settled_unreleased, in_flight));
  MILK_RETURN_IF_ERROR(CheckDeliveries(chain_id, swaps, market, report, undelivered));
  in_flight = in_flight || undelivered > 0;
  report.platform_balance = FormatAmount(tokens.platform_balance);
  report.inventory = FormatAmount(market.inventory);
  report.settled_unreleased = FormatAmount(settled_unreleased);
  report.purchases_undelivered = FormatAmount(undelivered);
  // balance = inventory - settled_unreleased + undelivered, without a subtraction that could
  // underflow on broken state.
  auto left = chaincode::CheckedAdd(tokens.platform_balance, settled_unreleased);
  auto right = chaincode::CheckedAdd(market.inventory, undelivered);
  if (!left || !right || *left != *right) {
    return Broken(chain_id, "TICA's account holds " + report.platform_balance +
                                " but the market's inventory " + report.inventory +
                                " - settled unreleased " + report.settled_unreleased +
                                " + undelivered purchases " + report.purchases_undelivered +
                                " says otherwise");
  }
  return report;
}

}  // namespace

Result<ConservationReport> CheckCrossChainConservation(chaincode::StateReader& center,
                                                       const std::vector<BrandChainState>& brands,
                                                       int64_t now_ms) {
  Status own = chaincode::CheckExchangeInvariants(center, now_ms);
  if (own.ok()) own = chaincode::CheckMlkInvariants(center, now_ms);
  if (!own.ok()) return DataLoss("center chain: " + own.message());
  MILK_ASSIGN_OR_RETURN(Center chains, ReadCenter(center));
  ConservationReport report;
  report.quiescent = true;
  for (const BrandChainState& brand : brands) {
    MILK_CHECK(brand.state != nullptr);
    bool in_flight = false;
    MILK_ASSIGN_OR_RETURN(ConservationReport::Brand checked, CheckBrand(brand, chains, in_flight));
    report.quiescent = report.quiescent && !in_flight;
    report.brands.push_back(std::move(checked));
  }
  return report;
}

}  // namespace milk::swap
