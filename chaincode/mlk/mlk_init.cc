// Genesis: the strict Init parameters and the creation of the six pools.
#include <set>

#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::mlk {
namespace {

const std::set<std::string> kInitKeys = {"operator_org",
                                         "listing_ms",
                                         "liquidity_account",
                                         "gateway_account",
                                         "contribution_bps_by_year",
                                         "pools",
                                         "lzm_chaincode"};
// Keys Init may omit, with their defaults: every other key is required.
const std::set<std::string> kOptionalInitKeys = {"operator_org", "lzm_chaincode"};

Result<Amount> ParsePools(const Json& pools) {
  if (!pools.is_object()) return InvalidArgument("pools must be an object of decimal strings");
  for (const auto& [name, value] : pools.items()) {
    bool known = false;
    for (const PoolShare& share : kPools) known = known || name == share.name;
    if (!known) return InvalidArgument("unknown pool " + Quote(name) + " in pools");
  }
  Amount sum = 0;
  for (const PoolShare& share : kPools) {
    if (!pools.contains(share.name) || !pools[share.name].is_string()) {
      return InvalidArgument(std::string("pools.") + share.name + " is missing (decimal string)");
    }
    MILK_ASSIGN_OR_RETURN(Amount amount, ParseAmount(pools[share.name].get<std::string>()));
    const Amount target = kMlkTotalSupply / kBpsDenominator * share.share_bps;
    const Amount tolerance = kMlkTotalSupply / kBpsDenominator * kPoolShareToleranceBps;
    const Amount gap = amount > target ? amount - target : target - amount;
    if (gap > tolerance) {
      return InvalidArgument(std::string("pool ") + share.name + " is " + FormatAmount(amount) +
                             ", more than 1% of the total away from its share of " +
                             FormatAmount(target));
    }
    sum += amount;  // six amounts each near 1.3e27 cannot overflow 2^128
  }
  if (sum != kMlkTotalSupply) {
    return InvalidArgument("the pools sum to " + FormatAmount(sum) + ", not exactly the total " +
                           FormatAmount(kMlkTotalSupply));
  }
  return sum;
}

Status CheckSchedule(const Json& schedule) {
  if (!schedule.is_array() || schedule.size() < kScheduleYearsMin ||
      schedule.size() > kScheduleYearsMax) {
    return InvalidArgument("contribution_bps_by_year must be an array of 5 to 10 integers");
  }
  int64_t previous = kBpsDenominator;
  for (const Json& bps : schedule) {
    if (!bps.is_number_integer() || bps.get<int64_t>() < 0 || bps.get<int64_t>() > previous) {
      return InvalidArgument(
          "contribution_bps_by_year must be integers in [0, 10000], "
          "falling year by year (each at most the previous)");
    }
    previous = bps.get<int64_t>();
  }
  if (schedule[0].get<int64_t>() == 0) {
    return InvalidArgument("contribution_bps_by_year must start above 0");
  }
  return Status::Ok();
}

Result<Json> ParseInitParams(const std::vector<std::string>& args) {
  if (args.size() != 1) return InvalidArgument("usage: init <params_json>");
  Json params = Json::parse(args[0], nullptr, false);
  if (params.is_discarded() || !params.is_object()) {
    return InvalidArgument("init params are not a JSON object");
  }
  for (const auto& [key, value] : params.items()) {
    if (kInitKeys.count(key) == 0) return InvalidArgument("unknown init key " + Quote(key));
  }
  for (const std::string& key : kInitKeys) {
    if (kOptionalInitKeys.count(key) == 0 && !params.contains(key)) {
      return InvalidArgument("init key " + key + " is missing");
    }
  }
  if (!params.contains("operator_org")) params["operator_org"] = "TICA";
  if (!params.contains("lzm_chaincode")) params["lzm_chaincode"] = "";
  if (!params["lzm_chaincode"].is_string()) {
    return InvalidArgument("lzm_chaincode must be a string (\"\" for no burn reward)");
  }
  const std::string lzm = params["lzm_chaincode"].get<std::string>();
  if (!lzm.empty()) MILK_RETURN_IF_ERROR(CheckName("lzm_chaincode", lzm));
  if (lzm == kMlkChaincodeName) return InvalidArgument("lzm_chaincode cannot be mlk itself");
  if (!params["operator_org"].is_string()) return InvalidArgument("operator_org must be a string");
  MILK_RETURN_IF_ERROR(CheckName("operator_org", params["operator_org"].get<std::string>()));
  if (!params["listing_ms"].is_number_integer() || params["listing_ms"].get<int64_t>() < 0) {
    return InvalidArgument("listing_ms must be a non-negative integer (Unix ms)");
  }
  for (const char* account : {"liquidity_account", "gateway_account"}) {
    if (!params[account].is_string())
      return InvalidArgument(std::string(account) + " must be a string");
    MILK_RETURN_IF_ERROR(CheckAddress(params[account].get<std::string>()));
  }
  if (params["liquidity_account"] == params["gateway_account"]) {
    return InvalidArgument("liquidity_account and gateway_account must differ");
  }
  MILK_RETURN_IF_ERROR(CheckSchedule(params["contribution_bps_by_year"]));
  MILK_ASSIGN_OR_RETURN(Amount sum, ParsePools(params["pools"]));
  MILK_CHECK(sum == kMlkTotalSupply);
  return params;
}

}  // namespace

Result<milkpb::Response> InitMlk(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Json params, ParseInitParams(stub.GetArgs()));
  MILK_ASSIGN_OR_RETURN(Json existing, LoadJson(stub, "params", {}));
  if (!existing.is_null()) return AlreadyExists("mlk is already initialised: genesis runs once");
  // Stored in a fixed key order so every peer writes identical bytes.
  Json stored = {{"operator_org", params["operator_org"]},
                 {"listing_ms", params["listing_ms"]},
                 {"liquidity_account", params["liquidity_account"]},
                 {"gateway_account", params["gateway_account"]},
                 {"contribution_bps_by_year", params["contribution_bps_by_year"]},
                 {"lzm_chaincode", params["lzm_chaincode"]},
                 {"pools", Json::object()}};
  for (const PoolShare& share : kPools) {
    stored["pools"][share.name] = params["pools"][share.name];
    MILK_ASSIGN_OR_RETURN(Amount amount,
                          ParseAmount(params["pools"][share.name].get<std::string>()));
    MILK_RETURN_IF_ERROR(SaveAmount(stub, "pool", {share.name}, amount));
  }
  MILK_RETURN_IF_ERROR(SaveJson(stub, "params", {}, stored));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "burned", {}, 0));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "lot_count", {}, 0));
  MILK_RETURN_IF_ERROR(
      stub.SetEvent("genesis", Json{{"total", FormatAmount(kMlkTotalSupply)}}.dump()));
  return Success();
}

}  // namespace milk::chaincode::mlk
