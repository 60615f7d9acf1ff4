// Summaries of the exchange's market, quote and trade answers.
#include "tools/milk/market_view.h"

#include <optional>
#include <sstream>

#include "chaincode/exchange/pricing.h"
#include "tools/milk/economy_call.h"

namespace milk::cli {
namespace {

namespace exchange = chaincode::exchange;

// An amount held as a decimal string (the chaincodes' form) or a JSON number.
std::optional<Amount> AmountAt(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return std::nullopt;
  const Json& value = object[key];
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return static_cast<Amount>(value.get<int64_t>());
  }
  if (value.is_number_unsigned()) return static_cast<Amount>(value.get<uint64_t>());
  if (!value.is_string()) return std::nullopt;
  Result<Amount> parsed = chaincode::ParseAmount(value.get<std::string>());
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

// The first key present, for answers that name a value in one of a few ways.
std::optional<Amount> FirstAmount(const Json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (std::optional<Amount> value = AmountAt(object, key)) return value;
  }
  return std::nullopt;
}

std::string Krw(const std::optional<Amount>& micro) {
  return micro.has_value() ? FormatDecimal(*micro, kKrwDecimals) : "?";
}

std::string Units(const std::optional<Amount>& units) {
  return units.has_value() ? chaincode::FormatAmount(*units) : "?";
}

// The pricing rule's parameters when the market holds them all.
std::optional<exchange::MarketParams> ParamsOf(const Json& market) {
  const std::optional<Amount> redemption = AmountAt(market, "redemption_value_micro_krw");
  const std::optional<Amount> depth = AmountAt(market, "depth_units");
  const std::optional<Amount> fee = AmountAt(market, "fee_bps");
  const std::optional<Amount> min_bps = AmountAt(market, "min_price_bps");
  if (!redemption || !depth || !fee || !min_bps || *fee > exchange::kFeeBpsMax ||
      *min_bps > exchange::kBpsDenominator) {
    return std::nullopt;
  }
  exchange::MarketParams params;
  params.redemption_value_micro_krw = *redemption;
  params.bt_unit = AmountAt(market, "bt_unit").value_or(1);
  params.fee_bps = static_cast<uint32_t>(*fee);
  params.min_price_bps = static_cast<uint32_t>(*min_bps);
  params.depth_units = *depth;
  if (!exchange::ValidateMarketParams(params).ok()) return std::nullopt;
  return params;
}

std::string BoolState(const Json& market, const char* key, std::optional<bool> computed,
                      const char* why) {
  std::optional<bool> halted = computed;
  if (market.contains(key) && market[key].is_boolean()) halted = market[key].get<bool>();
  if (!halted.has_value()) return "?";
  return *halted ? std::string("halted (") + why + ")" : "open";
}

std::string ShowValue(const std::string& key, const Json& value, bool raw_units) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (key.find("lzm") != std::string::npos) {
    return ShowToken(text, raw_units) + (raw_units ? " units" : " LZM");
  }
  const bool mlk = key.find("mlk") != std::string::npos;
  const bool krw = key.find("krw") != std::string::npos || key.find("price") != std::string::npos;
  if (mlk && !krw) return ShowToken(text, raw_units) + (raw_units ? " units" : " MLK");
  if (key.find("price") != std::string::npos) return ShowKrw(text) + " KRW per BT";
  if (krw) return ShowKrw(text) + " KRW";
  return text;
}

}  // namespace

std::vector<Json> MarketList(const Json& answer) {
  const Json* list = &answer;
  if (answer.is_object() && answer.contains("markets")) list = &answer["markets"];
  std::vector<Json> markets;
  if (list->is_array() || (list != &answer && list->is_object())) {
    for (const Json& market : *list) markets.push_back(market);
  } else {
    markets.push_back(answer);
  }
  return markets;
}

std::string MarketSummary(const Json& market, bool raw_units) {
  const std::optional<exchange::MarketParams> params = ParamsOf(market);
  const std::optional<Amount> inventory = AmountAt(market, "inventory");
  std::optional<Amount> price =
      FirstAmount(market, {"price_micro_krw", "spot_price_micro_krw", "price"});
  std::optional<Amount> max_price = FirstAmount(market, {"max_price_micro_krw", "max_price"});
  std::optional<Amount> min_price = FirstAmount(market, {"min_price_micro_krw", "min_price"});
  if (params.has_value()) {
    Result<exchange::PriceBounds> bounds = exchange::Bounds(*params);
    if (bounds.ok() && !max_price) max_price = bounds->max_price_micro_krw;
    if (bounds.ok() && !min_price) min_price = bounds->min_price_micro_krw;
    if (inventory && !price) {
      Result<Amount> spot = exchange::SpotPrice(*params, *inventory);
      if (spot.ok()) price = *spot;
    }
  }
  const std::optional<Amount> depth = AmountAt(market, "depth_units");
  std::optional<bool> buy_halted, sell_halted;
  if (inventory) buy_halted = *inventory == 0;
  if (inventory && depth) sell_halted = *inventory >= *depth;
  std::ostringstream out;
  const Json brand = market.value("brand", Json("?"));
  out << "market " << (brand.is_string() ? brand.get<std::string>() : brand.dump()) << "\n"
      << "  price:     " << Krw(price) << " KRW per BT (bounds " << Krw(min_price) << " .. "
      << Krw(max_price) << ")\n"
      << "  inventory: " << Units(inventory) << " (depth " << Units(depth) << ")\n"
      << "  buying:    " << BoolState(market, "buy_halted", buy_halted, "TICA's inventory is empty")
      << "\n"
      << "  selling:   "
      << BoolState(market, "sell_halted", sell_halted, "the price is at the partner's minimum")
      << "\n";
  if (AmountAt(market, "fees_mlk").has_value()) {
    out << "  fees:      " << ShowValue("fees_mlk", market["fees_mlk"], raw_units) << "\n";
  }
  return out.str();
}

std::string FeedSummary(const Json& feed) {
  std::string line = "feed:      " + Krw(AmountAt(feed, "micro_krw_per_mlk")) + " KRW per MLK";
  if (feed.contains("time_ms") && feed["time_ms"].is_number_integer()) {
    line += ", set " + IsoTimeMs(feed["time_ms"].get<int64_t>());
  }
  if (feed.value("stale", false)) line += " (stale: trading is refused until the oracle sets it)";
  return line + "\n";
}

std::string TradeSummary(const Json& trade, bool raw_units) {
  std::ostringstream out;
  if (!trade.is_object()) {
    out << "  " << trade.dump() << "\n";
    return out.str();
  }
  for (const auto& item : trade.items()) {
    const Json* value = &item.value();
    // A reward answered by another chaincode ({"paid": units}) is shown as the amount paid.
    if (value->is_object() && value->contains("paid")) value = &(*value)["paid"];
    if (value->is_structured()) continue;  // other nested details: --json has them
    out << "  " << item.key() << ": " << ShowValue(item.key(), *value, raw_units) << "\n";
  }
  return out.str();
}

}  // namespace milk::cli
