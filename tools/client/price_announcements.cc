#include "tools/client/price_announcements.h"

#include <map>
#include <nlohmann/json.hpp>

namespace milk::client {
namespace {

using Json = nlohmann::json;

// The string field `key` of an event payload, or kDataLoss naming the event.
Result<std::string> Field(const Json& payload, const char* key, const std::string& event) {
  auto it = payload.find(key);
  if (it == payload.end() || !it->is_string() || it->get<std::string>().empty()) {
    return DataLoss("exchange event '" + event + "' lacks the field " + key);
  }
  return it->get<std::string>();
}

}  // namespace

Result<std::vector<PriceAnnouncement>> PriceAnnouncements(
    const milkpb::ChaincodeEventsResponse& block_events, const std::string& exchange_chaincode) {
  std::map<std::string, PriceAnnouncement> by_brand;  // ordered: announcements by brand
  for (const milkpb::ChaincodeEvent& event : block_events.events()) {
    if (event.chaincode() != exchange_chaincode) continue;
    const bool trade = event.name() == "trade";
    if (!trade && event.name() != "stock") continue;
    const Json payload = Json::parse(event.payload(), nullptr, false);
    if (!payload.is_object()) {
      return DataLoss("exchange event '" + event.name() + "' of tx " + event.tx_id() +
                      " is not a JSON object");
    }
    MILK_ASSIGN_OR_RETURN(std::string brand, Field(payload, "brand", event.name()));
    PriceAnnouncement& a = by_brand[brand];
    a.block_number = block_events.block_number();
    a.brand = brand;
    MILK_ASSIGN_OR_RETURN(a.price_micro_krw,
                          Field(payload, trade ? "price_after" : "price_micro_krw", event.name()));
    MILK_ASSIGN_OR_RETURN(a.inventory,
                          Field(payload, trade ? "inventory_after" : "inventory", event.name()));
    if (trade) ++a.trades;
  }
  std::vector<PriceAnnouncement> out;
  for (auto& [brand, a] : by_brand) out.push_back(std::move(a));
  return out;
}

}  // namespace milk::client
