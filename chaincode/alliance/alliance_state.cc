#include "chaincode/alliance/alliance_state.h"

#include <algorithm>
#include <map>
#include <regex>

#include "chaincode/alliance/alliance.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::alliance {
namespace {

// Default parameters of a new partner until it sets its own: the deepest discount allowed (the
// exchange's minimum price) and a one-year renewal period.
constexpr int64_t kDefaultMinPriceBps = kMinPriceBpsLow;
constexpr int64_t kDefaultRenewalMs = 365LL * 86'400'000;
// A verification policy is an expression like "OutOf(1, 'A.peer')"; a root key map names a few orgs.
constexpr size_t kPolicyBytesMax = 1024;
constexpr size_t kRootKeysMax = 16;

Result<Json> Parse(const std::string& text, const std::string& what) {
  Json value = Json::parse(text, nullptr, false);
  if (value.is_discarded()) return DataLoss("stored " + what + " is not JSON");
  return value;
}

}  // namespace

Result<Json> Load(Stub& stub, const std::string& type, const std::vector<std::string>& attrs) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Json();
  return Parse(*stored, type);
}

Status Save(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
            const Json& value) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  return stub.PutState(key, value.dump());
}

Status RequireOperatorAdmin(Stub& stub) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  MILK_ASSIGN_OR_RETURN(Json operator_org, Load(stub, "param", {"operator_org"}));
  if (creator.is_wallet || creator.role != milkpb::ADMIN ||
      creator.org != operator_org.get<std::string>()) {
    return PermissionDenied("this needs an admin of the operator " +
                            operator_org.get<std::string>() + "; caller is " +
                            crypto::PrincipalName(creator));
  }
  return Status::Ok();
}

Result<std::string> RequireActivePartnerAdmin(Stub& stub) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (creator.is_wallet || creator.role != milkpb::ADMIN) {
    return PermissionDenied("this needs an admin of an active partner; caller is " +
                            crypto::PrincipalName(creator));
  }
  MILK_ASSIGN_OR_RETURN(Json partner, Load(stub, "partner", {creator.org}));
  if (partner.is_null()) {
    return PermissionDenied("org " + Quote(creator.org) + " is not an active partner");
  }
  return creator.org;
}

Status CheckName(const std::string& what, const std::string& value) {
  static const std::regex kName("[A-Za-z0-9._-]{1,64}");
  if (std::regex_match(value, kName)) return Status::Ok();
  return InvalidArgument(what + " " + Quote(value) + " must be 1-64 of [A-Za-z0-9._-]");
}

Result<int64_t> ParseInt(const std::string& text, int64_t min, int64_t max, const std::string& what) {
  static const std::regex kInt("-?[0-9]{1,18}");
  if (!std::regex_match(text, kInt)) return InvalidArgument(what + " must be an integer");
  const int64_t value = std::stoll(text);
  if (value < min || value > max) {
    return InvalidArgument(what + " " + text + " is outside [" + std::to_string(min) + ", " +
                           std::to_string(max) + "]");
  }
  return value;
}

Result<std::vector<std::string>> PendingSectors(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> proposals, stub.GetStateByPartialCompositeKey("proposal", {}));
  std::vector<std::string> sectors;
  for (const KV& kv : proposals) {
    MILK_ASSIGN_OR_RETURN(Json p, Parse(kv.value, "proposal"));
    sectors.push_back(p["sector"].get<std::string>());
  }
  return sectors;
}

Result<size_t> CountPartners(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> partners, stub.GetStateByPartialCompositeKey("partner", {}));
  return partners.size();
}

Result<Json> AllPartners(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> partners, stub.GetStateByPartialCompositeKey("partner", {}));
  Json out = Json::array();
  for (const KV& kv : partners) {
    MILK_ASSIGN_OR_RETURN(Json p, Parse(kv.value, "partner"));
    out.push_back(std::move(p));
  }
  return out;
}

Result<Json> Params(Stub& stub) {
  Json out = Json::object();
  for (const char* name : {"operator_org", "phase", "stake_min", "fee_bps", "mlk_chaincode"}) {
    MILK_ASSIGN_OR_RETURN(Json value, Load(stub, "param", {name}));
    out[name] = value;
  }
  return out;
}

Result<milkpb::Response> ActivateIfReady(Stub& stub, const std::string& org) {
  MILK_ASSIGN_OR_RETURN(Json proposal, Load(stub, "proposal", {org}));
  MILK_ASSIGN_OR_RETURN(Json partners, AllPartners(stub));
  Json missing = Json::array();
  for (const Json& partner : partners) {
    const Json& approvals = proposal["approvals"];
    if (std::find(approvals.begin(), approvals.end(), partner["org"]) == approvals.end()) {
      missing.push_back("approval of " + partner["org"].get<std::string>());
    }
  }
  if (proposal["agreement"].get<std::string>().empty()) missing.push_back("service agreement");
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  if (params["phase"].get<int64_t>() == 2) {
    MILK_ASSIGN_OR_RETURN(Amount staked, ParseAmount(proposal["stake"].get<std::string>()));
    MILK_ASSIGN_OR_RETURN(Amount minimum, ParseAmount(params["stake_min"].get<std::string>()));
    if (staked < minimum) {
      missing.push_back("stake of " + FormatAmount(minimum) + " MLK (staked " +
                        FormatAmount(staked) + ")");
    }
  }
  const bool ready = missing.empty();
  if (ready) {
    Json partner = {{"org", org},
                    {"sector", proposal["sector"]},
                    {"brand", proposal["brand"]},
                    {"joined_ms", stub.GetTxTimestamp()},
                    {"min_price_bps", kDefaultMinPriceBps},
                    {"renewal_ms", kDefaultRenewalMs},
                    {"stake", proposal["stake"]},
                    {"stakes", proposal.value("stakes", Json::object())}};
    MILK_RETURN_IF_ERROR(Save(stub, "partner", {org}, partner));
    MILK_RETURN_IF_ERROR(Save(stub, "sector", {proposal["sector"].get<std::string>()}, org));
    MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("proposal", {org}));
    MILK_RETURN_IF_ERROR(stub.DelState(key));
    MILK_RETURN_IF_ERROR(stub.SetEvent("partner_joined", partner.dump()));
  }
  return Success(Json{{"org", org}, {"active", ready}, {"missing", missing}}.dump());
}

Result<milkpb::Response> ApplyFeeIfApproved(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Json proposal, Load(stub, "fee_proposal", {}));
  MILK_ASSIGN_OR_RETURN(Json partners, AllPartners(stub));
  Json missing = Json::array();
  for (const Json& partner : partners) {
    const Json& approvals = proposal["approvals"];
    if (std::find(approvals.begin(), approvals.end(), partner["org"]) == approvals.end()) {
      missing.push_back(partner["org"]);
    }
  }
  if (missing.empty()) {
    MILK_RETURN_IF_ERROR(Save(stub, "param", {"fee_bps"}, proposal["bps"]));
    MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("fee_proposal", {}));
    MILK_RETURN_IF_ERROR(stub.DelState(key));
    MILK_RETURN_IF_ERROR(stub.SetEvent("fee_changed", Json{{"fee_bps", proposal["bps"]}}.dump()));
  }
  return Success(Json{{"applied", missing.empty()}, {"waiting_for", missing}}.dump());
}

Result<milkpb::Response> RegisterBrandChain(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 4) {
    return BadRequest("usage: register_brand_chain <chain_id> <org> <policy> <root_keys_json>");
  }
  const std::string &chain_id = args[0], &org = args[1], &policy = args[2];
  static const std::regex kChainId("[a-z0-9][a-z0-9.-]{0,63}");
  if (!std::regex_match(chain_id, kChainId)) return InvalidArgument("bad chain id " + Quote(chain_id));
  const crypto::IdentityInfo& creator = stub.GetCreator();
  MILK_ASSIGN_OR_RETURN(Json operator_org, Load(stub, "param", {"operator_org"}));
  const bool by_operator = creator.org == operator_org.get<std::string>();
  if (creator.is_wallet || creator.role != milkpb::ADMIN || (!by_operator && creator.org != org)) {
    return PermissionDenied("a brand chain is registered by an admin of its partner or of the operator");
  }
  MILK_ASSIGN_OR_RETURN(Json partner, Load(stub, "partner", {org}));
  if (partner.is_null()) return FailedPrecondition("org " + Quote(org) + " is not an active partner");
  if (policy.empty() || policy.size() > kPolicyBytesMax) return InvalidArgument("bad policy");
  Json roots = Json::parse(args[3], nullptr, false);
  static const std::regex kKey("[0-9a-f]{64}");
  if (!roots.is_object() || roots.empty() || roots.size() > kRootKeysMax || !roots.contains(org)) {
    return InvalidArgument("root keys: a JSON object of org -> hex Ed25519 key, naming " + Quote(org));
  }
  for (const auto& [name, key] : roots.items()) {
    if (!key.is_string() || !std::regex_match(key.get<std::string>(), kKey)) {
      return InvalidArgument("root key of " + Quote(name) + " is not 64 hex characters");
    }
  }
  MILK_ASSIGN_OR_RETURN(Json existing, Load(stub, "brand_chain", {chain_id}));
  if (!existing.is_null() && existing["org"] != org) {
    return AlreadyExists("chain " + Quote(chain_id) + " is registered to another partner");
  }
  Json record = {{"chain_id", chain_id}, {"org", org}, {"policy", policy}, {"root_keys", roots},
                 {"registered_ms", stub.GetTxTimestamp()}};
  MILK_RETURN_IF_ERROR(Save(stub, "brand_chain", {chain_id}, record));
  MILK_RETURN_IF_ERROR(stub.SetEvent("brand_chain_registered", record.dump()));
  return Success();
}

Result<milkpb::Response> InitParams(Stub& stub) {
  if (stub.GetArgs().size() != 1) {
    return BadRequest("Init takes one JSON argument: {\"operator_org\": ..., \"phase\": 1, "
                      "\"stake_min\": \"0\", \"fee_bps\": 150}");
  }
  Json init = Json::parse(stub.GetArgs()[0], nullptr, false);
  if (!init.is_object()) return InvalidArgument("Init argument is not a JSON object");
  for (const auto& [key, value] : init.items()) {
    if (key != "operator_org" && key != "phase" && key != "stake_min" && key != "fee_bps" &&
        key != "mlk_chaincode") {
      return InvalidArgument("unknown Init key " + Quote(key));
    }
  }
  if (!init.contains("operator_org") || !init["operator_org"].is_string()) {
    return InvalidArgument("Init needs operator_org (the operator's org name)");
  }
  MILK_RETURN_IF_ERROR(CheckName("operator_org", init["operator_org"].get<std::string>()));
  const Json phase = init.value("phase", Json(1));
  const Json fee = init.value("fee_bps", Json(150));
  const Json stake = init.value("stake_min", Json("0"));
  const Json mlk = init.value("mlk_chaincode", Json(""));
  if (!mlk.is_string()) return InvalidArgument("mlk_chaincode is a chaincode name");
  if (!mlk.get<std::string>().empty()) {
    MILK_RETURN_IF_ERROR(CheckName("mlk_chaincode", mlk.get<std::string>()));
  }
  if (!phase.is_number_integer() || (phase != 1 && phase != 2)) return InvalidArgument("phase is 1 or 2");
  if (!fee.is_number_integer() || fee.get<int64_t>() < 0 || fee.get<int64_t>() > kFeeBpsMax) {
    return InvalidArgument("fee_bps is an integer in [0, " + std::to_string(kFeeBpsMax) + "]");
  }
  if (!stake.is_string()) return InvalidArgument("stake_min is a decimal string");
  MILK_ASSIGN_OR_RETURN(Amount stake_min, ParseAmount(stake.get<std::string>()));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"operator_org"}, init["operator_org"]));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"phase"}, phase));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"fee_bps"}, fee));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"stake_min"}, FormatAmount(stake_min)));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"mlk_chaincode"}, mlk));
  return Success();
}

milkpb::Response FromStatus(const Status& status) { return ResponseFromStatus(status); }

}  // namespace milk::chaincode::alliance

namespace milk::chaincode {

Status CheckAllianceInvariants(StateReader& state) {
  using alliance::Json;
  auto scan = [&](const std::string& type) -> Result<std::map<std::string, Json>> {
    MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange(type, {}));
    std::map<std::string, Json> out;
    Status failure;
    MILK_RETURN_IF_ERROR(state.Scan(kAllianceChaincodeName, range.first, range.second,
                                    [&](const std::string& key, const VersionedValue& v) {
                                      auto split = SplitCompositeKey(key);
                                      Json value = Json::parse(v.value, nullptr, false);
                                      if (!split.ok() || split->second.size() != 1 ||
                                          value.is_discarded()) {
                                        failure = DataLoss("bad " + type + " record");
                                        return false;
                                      }
                                      out[split->second[0]] = std::move(value);
                                      return true;
                                    }));
    MILK_RETURN_IF_ERROR(failure);
    return out;
  };
  MILK_ASSIGN_OR_RETURN(auto sectors, scan("sector"));
  MILK_ASSIGN_OR_RETURN(auto partners, scan("partner"));
  MILK_ASSIGN_OR_RETURN(auto proposals, scan("proposal"));
  if (sectors.size() != partners.size()) {
    return Internal(std::to_string(partners.size()) + " partners hold " +
                    std::to_string(sectors.size()) + " sectors: one partner per sector");
  }
  for (const auto& [sector, org] : sectors) {
    auto partner = partners.find(org.get<std::string>());
    if (partner == partners.end() || partner->second["sector"] != sector) {
      return Internal("sector " + sector + " maps to " + org.dump() + ", which does not own it");
    }
    const int64_t min_bps = partner->second["min_price_bps"].get<int64_t>();
    if (min_bps < kMinPriceBpsLow || min_bps > kMinPriceBpsHigh) {
      return Internal("partner " + org.dump() + " has a minimum price out of bounds");
    }
  }
  // A stake total is the sum of what each address bonded (records from before the per-address
  // stakes carry no "stakes" and are not checked).
  auto check_stakes = [](const std::string& org, const Json& record) -> Status {
    if (!record.contains("stakes")) return Status::Ok();
    Amount sum = 0;
    for (const auto& [address, value] : record["stakes"].items()) {
      auto amount = ParseAmount(value.is_string() ? value.get<std::string>() : "");
      std::optional<Amount> next = amount.ok() ? CheckedAdd(sum, *amount) : std::nullopt;
      if (!next.has_value()) return Internal("stake of " + address + " for " + org + " is corrupt");
      sum = *next;
    }
    if (!record["stake"].is_string() || record["stake"].get<std::string>() != FormatAmount(sum)) {
      return Internal("stake total of " + org + " is not the sum of its stakes");
    }
    return Status::Ok();
  };
  for (const auto& [org, partner] : partners) MILK_RETURN_IF_ERROR(check_stakes(org, partner));
  for (const auto& [org, proposal] : proposals) {
    MILK_RETURN_IF_ERROR(check_stakes(org, proposal));
    if (partners.count(org) != 0) return Internal("active partner " + org + " is also proposed");
    if (sectors.count(proposal["sector"].get<std::string>()) != 0) {
      return Internal("proposal of " + org + " is for a taken sector");
    }
  }
  return Status::Ok();
}

}  // namespace milk::chaincode
