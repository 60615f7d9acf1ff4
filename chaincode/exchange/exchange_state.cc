// Configuration, state access, argument checks and roles of the exchange.
#include <limits>
#include <regex>

#include "chaincode/exchange/exchange.h"
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"
#include "chaincode/swap/swap.h"
#include "crypto/identity.h"

namespace milk::chaincode::exchange {
namespace {

const char* const kConfigKeys[] = {"operator_org",       "mlk_chaincode",   "lzm_chaincode",
                                   "alliance_chaincode", "fee_account",     "feed_max_age_ms",
                                   "swap_chaincode",     "proof_max_age_ms"};

Result<std::string> ConfigString(const Json& init, const char* key) {
  if (!init.contains(key)) return InvalidArgument(std::string("Init: missing key ") + key);
  if (!init[key].is_string()) return InvalidArgument(std::string("Init: ") + key + " is a string");
  return init[key].get<std::string>();
}

// An integer key in [min, max] (kInvalidArgument naming the key and the range).
Result<int64_t> ConfigMs(const Json& init, const char* key, int64_t min, int64_t max) {
  if (!init.contains(key)) return InvalidArgument(std::string("Init: missing key ") + key);
  const Json& value = init[key];
  if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > max) {
    return InvalidArgument(std::string("Init: ") + key + " is an integer in [" +
                           std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value.get<int64_t>();
}

}  // namespace

Result<Config> ParseConfig(const std::string& text) {
  Json init = Json::parse(text, nullptr, false);
  if (init.is_discarded() || !init.is_object()) {
    return InvalidArgument("Init takes one JSON object (docs/chaincode_exchange.md)");
  }
  for (const auto& item : init.items()) {
    bool known = false;
    for (const char* key : kConfigKeys) known = known || item.key() == key;
    if (!known) return InvalidArgument("Init: unknown key " + chaincode::Quote(item.key()));
  }
  Config config;
  MILK_ASSIGN_OR_RETURN(config.operator_org, ConfigString(init, "operator_org"));
  MILK_ASSIGN_OR_RETURN(config.mlk_chaincode, ConfigString(init, "mlk_chaincode"));
  MILK_ASSIGN_OR_RETURN(config.lzm_chaincode, ConfigString(init, "lzm_chaincode"));
  MILK_ASSIGN_OR_RETURN(config.alliance_chaincode, ConfigString(init, "alliance_chaincode"));
  MILK_ASSIGN_OR_RETURN(config.fee_account, ConfigString(init, "fee_account"));
  MILK_RETURN_IF_ERROR(CheckName("operator_org", config.operator_org));
  MILK_RETURN_IF_ERROR(CheckName("mlk_chaincode", config.mlk_chaincode));
  MILK_RETURN_IF_ERROR(CheckName("alliance_chaincode", config.alliance_chaincode));
  if (!config.lzm_chaincode.empty()) {
    MILK_RETURN_IF_ERROR(CheckName("lzm_chaincode", config.lzm_chaincode));
  }
  MILK_RETURN_IF_ERROR(CheckAddress(config.fee_account));
  MILK_ASSIGN_OR_RETURN(config.swap_chaincode, ConfigString(init, "swap_chaincode"));
  MILK_RETURN_IF_ERROR(CheckName("swap_chaincode", config.swap_chaincode));
  MILK_ASSIGN_OR_RETURN(config.feed_max_age_ms,
                        ConfigMs(init, "feed_max_age_ms", kFeedMaxAgeMsMin, kFeedMaxAgeMsMax));
  MILK_ASSIGN_OR_RETURN(config.proof_max_age_ms,
                        ConfigMs(init, "proof_max_age_ms", kProofMaxAgeMsMin, kProofMaxAgeMsMax));
  return config;
}

Json ConfigJson(const Config& config) {
  return Json{{"operator_org", config.operator_org},
              {"mlk_chaincode", config.mlk_chaincode},
              {"lzm_chaincode", config.lzm_chaincode},
              {"alliance_chaincode", config.alliance_chaincode},
              {"fee_account", config.fee_account},
              {"feed_max_age_ms", config.feed_max_age_ms},
              {"swap_chaincode", config.swap_chaincode},
              {"proof_max_age_ms", config.proof_max_age_ms}};
}

Result<Config> LoadConfig(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Json stored, Load(stub, "config", {}));
  if (stored.is_null()) return DataLoss("the exchange has no configuration (Init not run)");
  Result<Config> config = ParseConfig(stored.dump());
  if (!config.ok()) return DataLoss("corrupt exchange configuration: " + config.status().message());
  return config;
}

Result<Json> Load(Stub& stub, const std::string& type, const Args& attrs) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> value, stub.GetState(key));
  if (!value.has_value()) return Json();
  Json parsed = Json::parse(*value, nullptr, false);
  if (parsed.is_discarded() || parsed.is_null()) return DataLoss("corrupt " + type + " record");
  return parsed;
}

Status Save(Stub& stub, const std::string& type, const Args& attrs, const Json& value) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  return stub.PutState(key, value.dump());
}

Result<Amount> FieldAmount(const Json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_string()) {
    return DataLoss(std::string("stored record lacks the amount ") + field);
  }
  Result<Amount> amount = ParseAmount(object[field].get<std::string>());
  if (!amount.ok()) return DataLoss(std::string("stored amount ") + field + " is malformed");
  return amount;
}

Result<int64_t> FieldInt(const Json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_number_integer()) {
    return DataLoss(std::string("stored record lacks the integer ") + field);
  }
  return object[field].get<int64_t>();
}

Status CheckName(const std::string& what, const std::string& value) {
  static const std::regex kName("[A-Za-z0-9._:-]{1,64}");
  if (std::regex_match(value, kName)) return Status::Ok();
  return InvalidArgument(what + " " + chaincode::Quote(value) + " must be 1-64 of [A-Za-z0-9._:-]");
}

Status CheckAddress(const std::string& address) {
  if (crypto::IsValidWalletAddress(address)) return Status::Ok();
  return InvalidArgument("invalid address " + chaincode::Quote(address) +
                         ": a wallet address is mlk1 followed by 48 lower-case hex characters");
}

Status CheckChainId(const std::string& chain_id) {
  static const std::regex kChainId("[a-z0-9][a-z0-9.-]{0,63}");
  if (std::regex_match(chain_id, kChainId)) return Status::Ok();
  return InvalidArgument("brand chain id " + chaincode::Quote(chain_id) +
                         " must be 1-64 of [a-z0-9.-], starting with a letter or digit");
}

Status CheckSwapId(const std::string& swap_id) {
  static const std::regex kSwapId("[0-9a-f]{64}");
  if (std::regex_match(swap_id, kSwapId)) return Status::Ok();
  return InvalidArgument("swap id " + chaincode::Quote(swap_id) +
                         " must be 64 lower-case hex characters (docs/swaps.md)");
}

std::string SwapIdOf(const std::string& chain_id, const std::string& owner,
                     const std::string& ref) {
  return SwapId(chain_id, owner, ref);  // chaincode/swap/swap.h: one layout for both chains
}

Result<Amount> ParsePositive(const std::string& text, const std::string& what) {
  Result<Amount> amount = ParseAmount(text);
  if (!amount.ok()) return InvalidArgument(what + ": " + amount.status().message());
  if (*amount == 0) return InvalidArgument(what + " must be positive");
  return amount;
}

Result<int64_t> ParseMs(const std::string& text, const std::string& what) {
  Result<Amount> value = ParseAmount(text);
  if (!value.ok() || *value > Amount{std::numeric_limits<int64_t>::max()}) {
    return InvalidArgument(what + " is a Unix time in ms, got " + chaincode::Quote(text));
  }
  return static_cast<int64_t>(*value);
}

Status RequireOperatorAdmin(Stub& stub, const Config& config, const std::string& function) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!who.is_wallet && who.org == config.operator_org && who.role == milkpb::ADMIN) {
    return Status::Ok();
  }
  return PermissionDenied(function + " needs an admin of " + config.operator_org +
                          "; caller is " + crypto::PrincipalName(who));
}

Status RequireOracle(Stub& stub, const Config& config) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!who.is_wallet && who.org == config.operator_org && who.role == milkpb::ORACLE) {
    return Status::Ok();
  }
  return PermissionDenied("only the oracle of " + config.operator_org +
                          " sets the MLK/KRW feed; caller is " + crypto::PrincipalName(who));
}

Result<std::string> RequireWallet(Stub& stub, const std::string& function) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!who.is_wallet) {
    return PermissionDenied(function + " is signed by the customer's wallet; caller is " +
                            crypto::PrincipalName(who));
  }
  return crypto::WalletAddress(who.public_key);
}

Result<std::optional<Json>> Replay(Stub& stub, const std::string& kind, const std::string& ref,
                                   const Json& request) {
  MILK_RETURN_IF_ERROR(CheckName("reference", ref));
  MILK_ASSIGN_OR_RETURN(Json seen, Load(stub, "ref", {kind, ref}));
  if (seen.is_null()) return std::optional<Json>();
  if (seen["request"] != request) {
    return AlreadyExists(kind + " reference " + chaincode::Quote(ref) +
                         " was already used for a different request: " + seen["request"].dump());
  }
  return std::optional<Json>(seen["result"]);
}

Status Record(Stub& stub, const std::string& kind, const std::string& ref, const Json& request,
              const Json& result) {
  return Save(stub, "ref", {kind, ref}, Json{{"request", request}, {"result", result}});
}

}  // namespace milk::chaincode::exchange
