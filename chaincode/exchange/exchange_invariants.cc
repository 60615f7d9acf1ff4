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

// Sums of sold deposits per brand; every deposit well formed, sold before it expired.
Result<std::map<std::string, Amount>> CheckDeposits(StateReader& state,
                                                    const std::map<std::string, Market>& markets,
                                                    int64_t now_ms) {
  MILK_ASSIGN_OR_RETURN(auto rows, Rows(state, "deposit"));
  std::map<std::string, Amount> sold;
  for (const auto& [attrs, deposit] : rows) {
    const std::string name = "deposit " + (attrs.empty() ? std::string("?") : attrs[0]) + ": ";
    if (!deposit.contains("brand") || !deposit["brand"].is_string() ||
        markets.count(deposit["brand"].get<std::string>()) == 0) {
      return DataLoss(name + "names no known market");
    }
    MILK_ASSIGN_OR_RETURN(Amount amount, exchange::FieldAmount(deposit, "amount"));
    MILK_ASSIGN_OR_RETURN(int64_t expiry_ms, exchange::FieldInt(deposit, "expiry_ms"));
    const Json state_name = deposit.value("state", Json());
    if (state_name == "sold") {
      MILK_ASSIGN_OR_RETURN(int64_t sold_ms, exchange::FieldInt(deposit, "sold_ms"));
      if (sold_ms >= expiry_ms || sold_ms > now_ms) {
        return DataLoss(name + "sold at or after its expiry, or in the future");
      }
      MILK_RETURN_IF_ERROR(Add(sold, deposit["brand"].get<std::string>(), amount));
    } else if (state_name != "open" && state_name != "returned") {
      return DataLoss(name + "unknown state");
    }
  }
  return sold;
}

Result<std::map<std::string, Amount>> CheckPurchases(StateReader& state,
                                                     const std::map<std::string, Market>& markets) {
  MILK_ASSIGN_OR_RETURN(auto rows, Rows(state, "purchase"));
  std::map<std::string, Amount> bought;
  for (const auto& [attrs, purchase] : rows) {
    if (!purchase.contains("brand") || !purchase["brand"].is_string() ||
        markets.count(purchase["brand"].get<std::string>()) == 0) {
      return DataLoss("a purchase names no known market");
    }
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
  MILK_ASSIGN_OR_RETURN(auto sold, CheckDeposits(state, markets, now_ms));
  MILK_ASSIGN_OR_RETURN(auto bought, CheckPurchases(state, markets));
  for (const auto& [brand, market] : markets) {
    if (sold[brand] != market.sold) {
      return DataLoss("market " + brand + ": sold != the sum of its sold deposits");
    }
    if (bought[brand] != market.bought) {
      return DataLoss("market " + brand + ": bought != the sum of its purchases");
    }
  }
  return CheckPartners(state);
}

}  // namespace milk::chaincode
