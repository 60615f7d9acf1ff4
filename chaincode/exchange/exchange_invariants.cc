// CheckExchangeInvariants: the exchange's committed state re-derived from its records.
#include <map>
#include <utility>

#include "chaincode/exchange/exchange.h"
#include "chaincode/exchange/exchange_internal.h"

namespace milk::chaincode {
namespace {

using exchange::Json;
using exchange::Market;

// Every (attributes, JSON value) stored under the composite type, in key order.
Result<std::vector<std::pair<std::vector<std::string>, Json>>> Rows(StateReader& state,
                                                                    const std::string& type) {
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange(type, {}));
  std::vector<std::pair<std::vector<std::string>, Json>> rows;
  Status failed;
  MILK_RETURN_IF_ERROR(state.Scan(
      kExchangeChaincodeName, range.first, range.second,
      [&](const std::string& key, const VersionedValue& value) {
        auto split = SplitCompositeKey(key);
        Json parsed = Json::parse(value.value, nullptr, false);
        if (!split.ok() || parsed.is_discarded() || !parsed.is_object()) {
          failed = DataLoss("corrupt " + type + " record");
          return false;
        }
        rows.emplace_back(split->second, std::move(parsed));
        return true;
      }));
  MILK_RETURN_IF_ERROR(failed);
  return rows;
}

Status Add(std::map<std::string, Amount>& sums, const std::string& brand, Amount amount) {
  std::optional<Amount> sum = CheckedAdd(sums[brand], amount);
  if (!sum.has_value()) return DataLoss("totals of " + brand + " overflow");
  sums[brand] = *sum;
  return Status::Ok();
}

Result<std::map<std::string, Market>> CheckMarkets(StateReader& state) {
  MILK_ASSIGN_OR_RETURN(auto rows, Rows(state, "market"));
  std::map<std::string, Market> markets;
  for (const auto& [attrs, value] : rows) {
    MILK_ASSIGN_OR_RETURN(Market market, exchange::MarketFromJson(value));
    const std::string name = "market " + market.brand + ": ";
    if (attrs.size() != 1 || attrs[0] != market.brand) return DataLoss(name + "stored under another key");
    std::optional<Amount> in = CheckedAdd(market.seeded, market.sold);
    if (!in.has_value() || *in < market.bought || *in - market.bought != market.inventory) {
      return DataLoss(name + "inventory != seeded + sold - bought");
    }
    Status bounded = exchange::CheckMarketInvariants(market.params, market.inventory);
    if (!bounded.ok()) return DataLoss(name + bounded.message());
    Result<Amount> price = exchange::SpotPrice(market.params, market.inventory);
    if (!price.ok() || *price != market.price_micro_krw) {
      return DataLoss(name + "stored price is not the spot price of its inventory");
    }
    markets.emplace(market.brand, market);
  }
  return markets;
}

struct SwapSums {
  std::map<std::string, Amount> sold;    // settled sells per brand
  std::map<std::string, Amount> seeded;  // settled stock swaps per brand
};

// The market a swap or purchase names: known, and trading on the chain the record names.
Status CheckMarketOf(const Json& record, const std::map<std::string, Market>& markets,
                     const std::string& name) {
  if (!record.contains("brand") || !record["brand"].is_string() ||
      markets.count(record["brand"].get<std::string>()) == 0) {
    return DataLoss(name + "names no known market");
  }
  const Market& market = markets.at(record["brand"].get<std::string>());
  if (!record.contains("chain_id") || record["chain_id"] != market.chain_id) {
    return DataLoss(name + "names another chain than its market's");
  }
  return Status::Ok();
}

// One decision: stored under its chain and id, decided by now, settled without a reason or
// aborted with one and no MLK; a stock swap never pays MLK.
Status CheckSwap(const std::vector<std::string>& attrs, const Json& swap, int64_t now_ms,
                 const std::string& name) {
  if (attrs.size() != 2 || swap.value("chain_id", Json()) != attrs[0] ||
      swap.value("id", Json()) != attrs[1]) {
    return DataLoss(name + "stored under another key");
  }
  MILK_ASSIGN_OR_RETURN(int64_t time_ms, exchange::FieldInt(swap, "time_ms"));
  if (time_ms > now_ms) return DataLoss(name + "decided in the future");
  MILK_ASSIGN_OR_RETURN(Amount mlk_total, exchange::FieldAmount(swap, "mlk_total"));
  MILK_ASSIGN_OR_RETURN(Amount mlk_fee, exchange::FieldAmount(swap, "mlk_fee"));
  const Json state = swap.value("state", Json());
  const Json kind = swap.value("kind", Json());
  const Json reason = swap.value("reason", Json());
  if (!reason.is_string() || (kind != "sell" && kind != "stock")) {
    return DataLoss(name + "malformed reason or kind");
  }
  if (state == "settled") {
    if (!reason.get<std::string>().empty()) return DataLoss(name + "settled with a reason");
    if (kind == "stock" && (mlk_total != 0 || mlk_fee != 0)) {
      return DataLoss(name + "a stock swap paid MLK");
    }
    if (kind == "sell" && mlk_total == 0) return DataLoss(name + "a sell settled for nothing");
  } else if (state == "aborted") {
    if (reason.get<std::string>().empty()) return DataLoss(name + "aborted without a reason");
    if (mlk_total != 0 || mlk_fee != 0) return DataLoss(name + "an aborted swap paid MLK");
  } else {
    return DataLoss(name + "unknown state");
  }
  return Status::Ok();
}

Result<SwapSums> CheckSwaps(StateReader& state, const std::map<std::string, Market>& markets,
                            int64_t now_ms) {
  MILK_ASSIGN_OR_RETURN(auto rows, Rows(state, "swap"));
  SwapSums sums;
  for (const auto& [attrs, swap] : rows) {
    const std::string name = "swap " + (attrs.size() == 2 ? attrs[1] : std::string("?")) + ": ";
    MILK_RETURN_IF_ERROR(CheckMarketOf(swap, markets, name));
    MILK_RETURN_IF_ERROR(CheckSwap(attrs, swap, now_ms, name));
    MILK_ASSIGN_OR_RETURN(Amount amount, exchange::FieldAmount(swap, "amount"));
    if (swap["state"] != "settled") continue;
    if (amount == 0) return DataLoss(name + "settled nothing");
    const std::string brand = swap["brand"].get<std::string>();
    MILK_RETURN_IF_ERROR(Add(swap["kind"] == "sell" ? sums.sold : sums.seeded, brand, amount));
  }
  return sums;
}

Result<std::map<std::string, Amount>> CheckPurchases(StateReader& state,
                                                     const std::map<std::string, Market>& markets) {
  MILK_ASSIGN_OR_RETURN(auto rows, Rows(state, "purchase"));
  std::map<std::string, Amount> bought;
  for (const auto& [attrs, purchase] : rows) {
    MILK_RETURN_IF_ERROR(CheckMarketOf(purchase, markets, "a purchase: "));
    MILK_ASSIGN_OR_RETURN(Amount amount, exchange::FieldAmount(purchase, "bt_amount"));
    MILK_ASSIGN_OR_RETURN(Amount mlk, exchange::FieldAmount(purchase, "mlk_total"));
    if (amount == 0 || mlk == 0) return DataLoss("a purchase of nothing or for nothing");
    MILK_RETURN_IF_ERROR(Add(bought, purchase["brand"].get<std::string>(), amount));
  }
  return bought;
}

Status CheckPartners(StateReader& state) {
  MILK_ASSIGN_OR_RETURN(auto rows, Rows(state, "partner"));
  for (const auto& [attrs, partner] : rows) {
    MILK_ASSIGN_OR_RETURN(Amount volume, exchange::FieldAmount(partner, "volume"));
    MILK_ASSIGN_OR_RETURN(Amount settled, exchange::FieldAmount(partner, "settled"));
    if (settled > volume) return DataLoss("partner volume settled beyond its trade volume");
  }
  return Status::Ok();
}

}  // namespace

Status CheckExchangeInvariants(StateReader& state, int64_t now_ms) {
  MILK_ASSIGN_OR_RETURN(auto markets, CheckMarkets(state));
  MILK_ASSIGN_OR_RETURN(SwapSums swaps, CheckSwaps(state, markets, now_ms));
  MILK_ASSIGN_OR_RETURN(auto bought, CheckPurchases(state, markets));
  for (const auto& [brand, market] : markets) {
    if (swaps.sold[brand] != market.sold) {
      return DataLoss("market " + brand + ": sold != the sum of its settled sell swaps");
    }
    if (swaps.seeded[brand] != market.seeded) {
      return DataLoss("market " + brand + ": seeded != the sum of its settled stock swaps");
    }
    if (bought[brand] != market.bought) {
      return DataLoss("market " + brand + ": bought != the sum of its purchases");
    }
  }
  return CheckPartners(state);
}

}  // namespace milk::chaincode
