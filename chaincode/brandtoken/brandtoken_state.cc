#include "chaincode/brandtoken/brandtoken_state.h"

#include <set>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode::brandtoken {
namespace {

Result<Json> LoadJson(Stub& stub, const std::string& key, const std::string& what) {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Json();
  Json value = Json::parse(*stored, nullptr, false);
  if (value.is_discarded()) return DataLoss("stored " + what + " is not JSON");
  return value;
}

Status CheckSymbol(const std::string& symbol) {
  bool ok = !symbol.empty() && symbol.size() <= kBrandSymbolBytesMax;
  for (char c : symbol) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid symbol " + Quote(symbol) + ": 1 to " +
                         std::to_string(kBrandSymbolBytesMax) + " letters or digits");
}

Result<int64_t> ConfigPeriod(const Json& init, const char* key) {
  const Json& value = init.at(key);
  if (!value.is_number_integer()) return InvalidArgument(std::string(key) + " must be an integer");
  int64_t period = value.get<int64_t>();
  if (period < kPeriodMsMin || period > kPeriodMsMax) {
    return InvalidArgument(std::string(key) + " must be in [" + std::to_string(kPeriodMsMin) +
                           ", " + std::to_string(kPeriodMsMax) + "] ms, got " +
                           std::to_string(period));
  }
  return period;
}

Result<std::string> ConfigString(const Json& init, const char* key) {
  const Json& value = init.at(key);
  if (!value.is_string()) return InvalidArgument(std::string(key) + " must be a string");
  return value.get<std::string>();
}

}  // namespace

Result<Config> ParseConfig(const std::string& text) {
  static const std::set<std::string> kKeys = {
      "symbol",       "redemption_krw", "default_expiry_ms", "renewal_ms",
      "transferable", "partner_org",    "platform_address"};
  static const std::set<std::string> kOptionalKeys = {"swap_chaincode"};
  Json init = Json::parse(text, nullptr, false);
  if (init.is_discarded() || !init.is_object()) return InvalidArgument("init is not a JSON object");
  for (const auto& [key, value] : init.items()) {
    if (kKeys.count(key) == 0 && kOptionalKeys.count(key) == 0) {
      return InvalidArgument("unknown init key " + Quote(key));
    }
  }
  for (const std::string& key : kKeys) {
    if (!init.contains(key)) return InvalidArgument("init key " + Quote(key) + " is required");
  }
  Config config;
  MILK_ASSIGN_OR_RETURN(config.symbol, ConfigString(init, "symbol"));
  MILK_RETURN_IF_ERROR(CheckSymbol(config.symbol));
  MILK_ASSIGN_OR_RETURN(std::string redemption, ConfigString(init, "redemption_krw"));
  auto value = ParsePositiveAmount(redemption);
  if (!value.ok()) return InvalidArgument("redemption_krw: " + value.status().message());
  config.redemption_krw = *value;
  MILK_ASSIGN_OR_RETURN(config.default_expiry_ms, ConfigPeriod(init, "default_expiry_ms"));
  MILK_ASSIGN_OR_RETURN(config.renewal_ms, ConfigPeriod(init, "renewal_ms"));
  if (!init.at("transferable").is_boolean())
    return InvalidArgument("transferable must be a boolean");
  config.transferable = init.at("transferable").get<bool>();
  MILK_ASSIGN_OR_RETURN(config.partner_org, ConfigString(init, "partner_org"));
  if (config.partner_org.empty() || config.partner_org.size() > kReferenceBytesMax ||
      !IsValidUtf8(config.partner_org)) {
    return InvalidArgument("partner_org must be an org name of 1 to " +
                           std::to_string(kReferenceBytesMax) + " bytes");
  }
  MILK_ASSIGN_OR_RETURN(config.platform_address, ConfigString(init, "platform_address"));
  auto address_ok = CheckAddress(config.platform_address);
  if (!address_ok.ok()) return InvalidArgument("platform_address: " + address_ok.message());
  if (init.contains("swap_chaincode")) {
    MILK_ASSIGN_OR_RETURN(config.swap_chaincode, ConfigString(init, "swap_chaincode"));
    if (config.swap_chaincode.empty() || config.swap_chaincode.size() > kReferenceBytesMax ||
        !IsValidUtf8(config.swap_chaincode)) {
      return InvalidArgument("swap_chaincode must be a chaincode name of 1 to " +
                             std::to_string(kReferenceBytesMax) + " bytes");
    }
  }
  return config;
}

Json ConfigToJson(const Config& config) {
  return Json{{"symbol", config.symbol},
              {"redemption_krw", FormatAmount(config.redemption_krw)},
              {"default_expiry_ms", config.default_expiry_ms},
              {"renewal_ms", config.renewal_ms},
              {"transferable", config.transferable},
              {"partner_org", config.partner_org},
              {"platform_address", config.platform_address},
              {"swap_chaincode", config.swap_chaincode}};
}

Result<Config> LoadConfig(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return DataLoss("the brand is not initialised: no config in state");
  auto config = ParseConfig(*stored);
  if (!config.ok()) return DataLoss("stored config is corrupt: " + config.status().message());
  return config;
}

Result<Lots> ParseLots(const std::string& text) {
  Json array = Json::parse(text, nullptr, false);
  if (array.is_discarded() || !array.is_array())
    return DataLoss("stored lots are not a JSON array");
  if (array.size() > kBrandLotsPerAddressMax)
    return DataLoss("stored lots exceed kBrandLotsPerAddressMax");
  Lots lots;
  for (const Json& entry : array) {
    if (!entry.is_object() || entry.size() != 2 || !entry.contains("expiry_ms") ||
        !entry["expiry_ms"].is_number_integer() || !entry.contains("amount") ||
        !entry["amount"].is_string()) {
      return DataLoss("stored lot is malformed");
    }
    auto amount = ParseAmount(entry["amount"].get<std::string>());
    if (!amount.ok() || *amount == 0) return DataLoss("stored lot amount is not positive");
    Lot lot{entry["expiry_ms"].get<int64_t>(), *amount};
    if (!lots.empty() && lots.back().expiry_ms >= lot.expiry_ms) {
      return DataLoss("stored lots are not sorted by strictly increasing expiry");
    }
    lots.push_back(lot);
  }
  return lots;
}

Json LotsToJson(const Lots& lots) {
  Json array = Json::array();
  for (const Lot& lot : lots) {
    array.push_back(Json{{"expiry_ms", lot.expiry_ms}, {"amount", FormatAmount(lot.amount)}});
  }
  return array;
}

Result<Lots> LoadLots(Stub& stub, const std::string& address) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("lots", {address}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Lots{};
  return ParseLots(*stored);
}

Status SaveLots(Stub& stub, const std::string& address, const Lots& lots) {
  MILK_CHECK(lots.size() <= kBrandLotsPerAddressMax);
  for (size_t i = 0; i < lots.size(); ++i) {
    MILK_CHECK(lots[i].amount > 0);
    MILK_CHECK(i == 0 || lots[i - 1].expiry_ms < lots[i].expiry_ms);
  }
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("lots", {address}));
  if (lots.empty()) return stub.DelState(key);
  return stub.PutState(key, LotsToJson(lots).dump());
}

Amount Spendable(const Lots& lots, int64_t now_ms) {
  Amount sum = 0;
  for (const Lot& lot : lots) {
    if (lot.expiry_ms > now_ms) sum += lot.amount;  // bounded by the issued total
  }
  return sum;
}

Amount ExpiredAmount(const Lots& lots, int64_t now_ms) {
  Amount sum = 0;
  for (const Lot& lot : lots) {
    if (lot.expiry_ms <= now_ms) sum += lot.amount;
  }
  return sum;
}

Status RequireSpendable(const Lots& lots, Amount amount, int64_t now_ms, const std::string& who) {
  Amount spendable = Spendable(lots, now_ms);
  if (spendable >= amount) return Status::Ok();
  return FailedPrecondition("insufficient spendable balance: " + who + " holds " +
                            FormatAmount(spendable) + " unexpired units (" +
                            FormatAmount(ExpiredAmount(lots, now_ms)) +
                            " expired units cannot be used), needs " + FormatAmount(amount));
}

Lots TakeEarliest(Lots& lots, Amount amount, int64_t now_ms) {
  MILK_CHECK(Spendable(lots, now_ms) >= amount);
  Lots taken;
  Lots kept;
  for (const Lot& lot : lots) {
    if (lot.expiry_ms <= now_ms || amount == 0) {
      kept.push_back(lot);
      continue;
    }
    Amount piece = lot.amount < amount ? lot.amount : amount;
    amount -= piece;
    taken.push_back(Lot{lot.expiry_ms, piece});
    if (piece < lot.amount) kept.push_back(Lot{lot.expiry_ms, lot.amount - piece});
  }
  MILK_CHECK(amount == 0);
  lots = std::move(kept);
  return taken;
}

Amount DropExpired(Lots& lots, int64_t now_ms) {
  Amount expired = ExpiredAmount(lots, now_ms);
  Lots kept;
  for (const Lot& lot : lots) {
    if (lot.expiry_ms > now_ms) kept.push_back(lot);
  }
  lots = std::move(kept);
  return expired;
}

Status AddLots(Lots& lots, const Lots& pieces, const std::string& address) {
  Lots merged = lots;
  for (const Lot& piece : pieces) {
    auto at = merged.begin();
    while (at != merged.end() && at->expiry_ms < piece.expiry_ms) ++at;
    if (at != merged.end() && at->expiry_ms == piece.expiry_ms) {
      std::optional<Amount> sum = CheckedAdd(at->amount, piece.amount);
      if (!sum.has_value()) return DataLoss("lot of " + address + " would overflow");
      at->amount = *sum;
    } else {
      merged.insert(at, piece);
    }
  }
  if (merged.size() > kBrandLotsPerAddressMax) {
    return FailedPrecondition(address + " would hold " + std::to_string(merged.size()) +
                              " lots (at most " + std::to_string(kBrandLotsPerAddressMax) +
                              "): sweep its expired lots or let it spend some first");
  }
  lots = std::move(merged);
  return Status::Ok();
}

Result<Amount> AddLotsFolding(Lots& lots, const Lots& pieces, int64_t now_ms,
                              const std::string& address) {
  Lots merged = lots;
  for (const Lot& piece : pieces) {
    auto at = merged.begin();
    while (at != merged.end() && at->expiry_ms < piece.expiry_ms) ++at;
    if (at != merged.end() && at->expiry_ms == piece.expiry_ms) {
      std::optional<Amount> sum = CheckedAdd(at->amount, piece.amount);
      if (!sum.has_value()) return DataLoss("lot of " + address + " would overflow");
      at->amount = *sum;
    } else {
      merged.insert(at, piece);
    }
  }
  Amount expired = 0;
  if (merged.size() > kBrandLotsPerAddressMax) expired = DropExpired(merged, now_ms);
  while (merged.size() > kBrandLotsPerAddressMax) {  // all unexpired now: merge the earliest two
    std::optional<Amount> sum = CheckedAdd(merged[0].amount, merged[1].amount);
    if (!sum.has_value()) return DataLoss("lot of " + address + " would overflow");
    merged[0].amount = *sum;
    merged.erase(merged.begin() + 1);
  }
  lots = std::move(merged);
  return expired;
}

Amount SumLots(const Lots& lots) {
  Amount sum = 0;
  for (const Lot& lot : lots) sum += lot.amount;
  return sum;
}

Result<Escrow> ParseEscrow(const std::string& text) {
  Json record = Json::parse(text, nullptr, false);
  if (record.is_discarded() || !record.is_object() || record.size() != 2 ||
      !record.contains("owner") || !record["owner"].is_string() || !record.contains("lots")) {
    return DataLoss("stored escrow is malformed");
  }
  Escrow escrow;
  escrow.owner = record["owner"].get<std::string>();
  if (!crypto::IsValidWalletAddress(escrow.owner))
    return DataLoss("escrow owner is not an address");
  MILK_ASSIGN_OR_RETURN(escrow.lots, ParseLots(record["lots"].dump()));
  if (escrow.lots.empty()) return DataLoss("escrow holds no lots");
  return escrow;
}

Result<std::optional<Escrow>> LoadEscrow(Stub& stub, const std::string& swap_id) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("escrow", {swap_id}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return std::optional<Escrow>();
  MILK_ASSIGN_OR_RETURN(Escrow escrow, ParseEscrow(*stored));
  return std::optional<Escrow>(std::move(escrow));
}

Status SaveEscrow(Stub& stub, const std::string& swap_id, const Escrow& escrow) {
  MILK_CHECK(!escrow.lots.empty() && escrow.lots.size() <= kBrandLotsPerAddressMax);
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("escrow", {swap_id}));
  return stub.PutState(key,
                       Json{{"owner", escrow.owner}, {"lots", LotsToJson(escrow.lots)}}.dump());
}

Status CheckSwapId(const std::string& swap_id) {
  bool ok = swap_id.size() == 64;
  for (char c : swap_id) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (ok) return Status::Ok();
  return InvalidArgument("invalid swap_id " + Quote(swap_id) +
                         ": 64 lower-case hex characters (docs/swaps.md, \"The swap id\")");
}

Result<Amount> LoadTotal(Stub& stub, const std::string& name) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("total", {name}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Amount{0};
  auto amount = ParseAmount(*stored);
  if (!amount.ok()) return DataLoss("stored total " + name + " is corrupt");
  return amount;
}

Status AddToTotal(Stub& stub, const std::string& name, Amount amount) {
  MILK_ASSIGN_OR_RETURN(Amount total, LoadTotal(stub, name));
  std::optional<Amount> sum = CheckedAdd(total, amount);
  if (!sum.has_value()) return DataLoss("total " + name + " would overflow");
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("total", {name}));
  return stub.PutState(key, FormatAmount(*sum));
}

Status CheckAddress(const std::string& address) {
  if (crypto::IsValidWalletAddress(address)) return Status::Ok();
  return InvalidArgument("invalid address " + Quote(address) +
                         ": a wallet address is mlk1 followed by 48 lower-case hex characters");
}

Result<Amount> ParsePositiveAmount(const std::string& text) {
  MILK_ASSIGN_OR_RETURN(Amount amount, ParseAmount(text));
  if (amount == 0) return InvalidArgument("amount must be positive, got 0");
  return amount;
}

Status CheckReference(const std::string& what, const std::string& reference) {
  bool ok = !reference.empty() && reference.size() <= kReferenceBytesMax;
  for (char c : reference) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c == ':');
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid " + what + " " + Quote(reference) + ": 1 to " +
                         std::to_string(kReferenceBytesMax) + " of [A-Za-z0-9._:-]");
}

Result<int64_t> ParseMs(const std::string& what, const std::string& text) {
  bool ok = !text.empty() && text.size() <= 15 && (text == "0" || text[0] != '0');
  for (char c : text) ok = ok && c >= '0' && c <= '9';  // 15 digits: far beyond any date
  if (!ok)
    return InvalidArgument(what + " must be Unix milliseconds in decimal, got " + Quote(text));
  return std::stoll(text);
}

int64_t ExpiryAfter(int64_t now_ms, int64_t period_ms) {
  int64_t end_ms = now_ms + period_ms;
  int64_t expiry_ms = end_ms - ((end_ms % kDayMs) + kDayMs) % kDayMs;  // floor, also below 0
  MILK_CHECK(expiry_ms > now_ms);
  return expiry_ms;
}

Result<std::optional<std::string>> FindIdempotent(Stub& stub, const std::string& type,
                                                  const std::string& reference,
                                                  const Json& request) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, {reference}));
  MILK_ASSIGN_OR_RETURN(Json record, LoadJson(stub, key, type));
  if (record.is_null()) return std::optional<std::string>();
  if (!record.is_object() || !record.contains("request") || !record["result"].is_string()) {
    return DataLoss("stored " + type + " record is malformed");
  }
  if (record["request"] != request) {
    return AlreadyExists(type + " " + Quote(reference) +
                         " was already used for a different request " + record["request"].dump() +
                         "; use a new reference");
  }
  return std::optional<std::string>(record["result"].get<std::string>());
}

Status SaveIdempotent(Stub& stub, const std::string& type, const std::string& reference,
                      const Json& request, const std::string& result) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, {reference}));
  return stub.PutState(key, Json{{"request", request}, {"result", result}}.dump());
}

milkpb::Response FromStatus(const Status& status) { return ResponseFromStatus(status); }

}  // namespace milk::chaincode::brandtoken
