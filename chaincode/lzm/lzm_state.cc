// chaincode/lzm: configuration, state access, roles, pools, idempotency and levels.
#include <algorithm>
#include <set>

#include "chaincode/lzm/lzm.h"
#include "chaincode/lzm/lzm_internal.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode::lzm {
namespace {

Status CheckKeys(const Json& object, const std::string& what, const std::set<std::string>& keys) {
  if (!object.is_object()) return InvalidArgument(what + " must be a JSON object");
  for (const auto& item : object.items()) {
    if (!keys.count(item.key()))
      return InvalidArgument("unknown key " + Quote(item.key()) + " in " + what);
  }
  for (const std::string& key : keys) {
    if (!object.contains(key)) return InvalidArgument("missing key \"" + key + "\" in " + what);
  }
  return Status::Ok();
}

Result<Amount> JsonAmount(const Json& value, const std::string& what) {
  if (!value.is_string()) return InvalidArgument(what + " must be a decimal string");
  auto amount = ParseAmount(value.get<std::string>());
  if (!amount.ok()) return InvalidArgument(what + ": " + amount.status().message());
  return amount;
}

Result<Rate> JsonRate(const Json& value, const std::string& what) {
  MILK_RETURN_IF_ERROR(CheckKeys(value, what, {"num", "den"}));
  Rate rate;
  MILK_ASSIGN_OR_RETURN(rate.num, JsonAmount(value["num"], what + ".num"));
  MILK_ASSIGN_OR_RETURN(rate.den, JsonAmount(value["den"], what + ".den"));
  if (rate.den == 0) return InvalidArgument(what + ".den must be positive");
  return rate;
}

Result<std::vector<Level>> JsonLevels(const Json& value) {
  if (!value.is_array() || value.empty() || value.size() > kLzmLevelsMax) {
    return InvalidArgument("levels must be an array of 1 to " + std::to_string(kLzmLevelsMax) +
                           " {\"name\",\"min\"} objects");
  }
  std::vector<Level> levels;
  for (const Json& entry : value) {
    MILK_RETURN_IF_ERROR(CheckKeys(entry, "a level", {"name", "min"}));
    if (!entry["name"].is_string() || entry["name"].get<std::string>().empty()) {
      return InvalidArgument("a level name must be a non-empty string");
    }
    Level level{entry["name"].get<std::string>(), 0};
    MILK_ASSIGN_OR_RETURN(level.min, JsonAmount(entry["min"], "level min"));
    if (!levels.empty() && level.min <= levels.back().min) {
      return InvalidArgument("level thresholds must be strictly ascending");
    }
    levels.push_back(level);
  }
  return levels;
}

}  // namespace

Result<Config> ParseConfig(const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return InvalidArgument("Init argument is not valid JSON");
  MILK_RETURN_IF_ERROR(CheckKeys(json, "the lzm config",
                                 {"operator_org", "rates", "attendance_reward", "level_window_days",
                                  "levels", "pack_chaincode"}));
  Config config;
  if (!json["operator_org"].is_string() || json["operator_org"].get<std::string>().empty()) {
    return InvalidArgument("operator_org must be a non-empty string");
  }
  config.operator_org = json["operator_org"].get<std::string>();
  const Json& rates = json["rates"];
  MILK_RETURN_IF_ERROR(
      CheckKeys(rates, "rates", {"trade_krw", "trade_mlk", "coupon_krw", "burn_mlk"}));
  MILK_ASSIGN_OR_RETURN(config.trade_krw, JsonRate(rates["trade_krw"], "rates.trade_krw"));
  MILK_ASSIGN_OR_RETURN(config.trade_mlk, JsonRate(rates["trade_mlk"], "rates.trade_mlk"));
  MILK_ASSIGN_OR_RETURN(config.coupon_krw, JsonRate(rates["coupon_krw"], "rates.coupon_krw"));
  MILK_ASSIGN_OR_RETURN(config.burn_mlk, JsonRate(rates["burn_mlk"], "rates.burn_mlk"));
  MILK_ASSIGN_OR_RETURN(config.attendance_reward,
                        JsonAmount(json["attendance_reward"], "attendance_reward"));
  const Json& window = json["level_window_days"];
  if (!window.is_number_integer() || window.get<int64_t>() < 1 ||
      window.get<int64_t>() > kLzmWindowDaysMax) {
    return InvalidArgument("level_window_days must be an integer in [1, " +
                           std::to_string(kLzmWindowDaysMax) + "]");
  }
  config.level_window_days = window.get<int64_t>();
  MILK_ASSIGN_OR_RETURN(config.levels, JsonLevels(json["levels"]));
  if (!json["pack_chaincode"].is_string())
    return InvalidArgument("pack_chaincode must be a string");
  config.pack_chaincode = json["pack_chaincode"].get<std::string>();
  return config;
}

Result<Config> LoadConfig(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return FailedPrecondition("lzm is not initialised");
  auto config = ParseConfig(*stored);
  if (!config.ok()) return DataLoss("stored lzm config is corrupt: " + config.status().message());
  return config;
}

Result<Amount> ReadAmount(Stub& stub, const std::string& type,
                          const std::vector<std::string>& attrs) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Amount{0};
  auto amount = ParseAmount(*stored);
  if (!amount.ok()) return DataLoss("stored amount is corrupt: " + amount.status().message());
  return amount;
}

Status WriteAmount(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
                   Amount amount) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  return stub.PutState(key, FormatAmount(amount));
}

Result<Json> Load(Stub& stub, const std::string& type, const std::vector<std::string>& attrs) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Json();
  Json json = Json::parse(*stored, nullptr, false);
  if (json.is_discarded()) return DataLoss("stored JSON under " + type + " is corrupt");
  return json;
}

Status Save(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
            const Json& value) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  return stub.PutState(key, value.dump());
}

Status CheckAddress(const std::string& address) {
  if (crypto::IsValidWalletAddress(address)) return Status::Ok();
  return InvalidArgument("invalid address " + Quote(address) +
                         ": a wallet address is mlk1 followed by 48 lower-case hex characters");
}

Result<Amount> ParsePositive(const std::string& text, const std::string& what) {
  auto amount = ParseAmount(text);
  if (!amount.ok()) return InvalidArgument(what + ": " + amount.status().message());
  if (*amount == 0) return InvalidArgument(what + " must be positive, got 0");
  return amount;
}

Status CheckReference(const std::string& ref) {
  bool ok = !ref.empty() && ref.size() <= 128;  // ids of other systems: a hash or a number
  for (char c : ref) ok = ok && c > ' ' && c < 0x7f;
  if (ok) return Status::Ok();
  return InvalidArgument("invalid reference " + Quote(ref) +
                         ": 1 to 128 printable ASCII characters without spaces");
}

std::optional<Amount> CheckedMul(Amount a, Amount b) {
  if (a != 0 && b > kAmountMax / a) return std::nullopt;
  return a * b;
}

Result<Amount> ApplyRate(Amount quantity, const Rate& rate) {
  std::optional<Amount> product = CheckedMul(quantity, rate.num);
  if (!product.has_value()) {
    return InvalidArgument("quantity " + FormatAmount(quantity) + " is too large for the rate");
  }
  return *product / rate.den;
}

bool IsOperatorAdmin(const crypto::IdentityInfo& who, const Config& config) {
  return !who.is_wallet && who.org == config.operator_org && who.role == milkpb::ADMIN;
}

Status RequireReporter(Stub& stub, const Config& config, const std::string& function) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!who.is_wallet && who.org == config.operator_org &&
      (who.role == milkpb::ADMIN || who.role == milkpb::CLIENT)) {
    return Status::Ok();
  }
  return PermissionDenied(function + " requires an admin or client of " + config.operator_org +
                          "; caller is " + crypto::PrincipalName(who));
}

Status RequireOperatorAdmin(Stub& stub, const Config& config, const std::string& function) {
  if (IsOperatorAdmin(stub.GetCreator(), config)) return Status::Ok();
  return PermissionDenied(function + " requires an admin of " + config.operator_org +
                          "; caller is " + crypto::PrincipalName(stub.GetCreator()));
}

milkpb::Response FromStatus(const Status& status) { return ResponseFromStatus(status); }

}  // namespace milk::chaincode::lzm
