// CheckMlkInvariants: the conservation and lock rules over committed state, for model tests.
#include <map>
#include <nlohmann/json.hpp>

#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode {
namespace {

struct Totals {
  std::map<std::string, Amount> pools;
  Amount balances = 0, staked = 0, bonded = 0, lots = 0, burned = 0, burned_by = 0, lot_count = 0;
  size_t lots_seen = 0;
  std::map<std::string, Amount> lot_by_key;    // "addr/unlock/ref" -> amount
  std::map<std::string, Amount> grant_by_key;  // lock_grant, same key form
  std::string params;
};

Status Broken(const std::string& what) { return Internal("mlk invariant broken: " + what); }

Status Add(Amount& sum, Amount amount, const std::string& what) {
  std::optional<Amount> next = CheckedAdd(sum, amount);
  if (!next.has_value() || *next > kMlkTotalSupply)
    return Broken(what + " exceed the total supply");
  sum = *next;
  return Status::Ok();
}

// Adds one stored key to the totals; kInternal when a key or value is not what mlk writes.
Status Visit(const std::string& key, const std::string& value, Totals& totals) {
  auto split = SplitCompositeKey(key);
  if (!split.ok()) return Broken("key " + Quote(key) + " is not a composite key");
  const auto& [type, attrs] = *split;
  if (type == "params" || type == "request") {
    if (type == "params") totals.params = value;
    return Status::Ok();
  }
  auto amount = ParseAmount(value);
  if (!amount.ok()) return Broken(type + " holds " + Quote(value) + ", not an amount");
  const std::string joined = attrs.size() == 3 ? attrs[0] + "/" + attrs[1] + "/" + attrs[2] : "";
  if (type == "pool" && attrs.size() == 1) {
    totals.pools[attrs[0]] = *amount;
  } else if (type == "balance") {
    MILK_RETURN_IF_ERROR(Add(totals.balances, *amount, "balances"));
  } else if (type == "staked") {
    MILK_RETURN_IF_ERROR(Add(totals.staked, *amount, "pack custody"));
  } else if (type == "bonded") {
    MILK_RETURN_IF_ERROR(Add(totals.bonded, *amount, "alliance bonds"));
  } else if (type == "lot" && !joined.empty()) {
    MILK_RETURN_IF_ERROR(Add(totals.lots, *amount, "lots"));
    totals.lot_by_key[joined] = *amount;
    ++totals.lots_seen;
  } else if (type == "lock_grant" && !joined.empty()) {
    totals.grant_by_key[joined] = *amount;
  } else if (type == "burned") {
    totals.burned = *amount;
  } else if (type == "burned_by") {
    MILK_RETURN_IF_ERROR(Add(totals.burned_by, *amount, "burned_by"));
  } else if (type == "lot_count") {
    totals.lot_count = *amount;
  } else if (type != "paid_to") {
    return Broken("unexpected key " + Quote(key));
  }
  return Status::Ok();
}

}  // namespace

Status CheckMlkInvariants(StateReader& state, int64_t now_ms) {
  Totals totals;
  Status visit_status;
  MILK_RETURN_IF_ERROR(state.Scan(kMlkChaincodeName, "", "",
                                  [&](const std::string& key, const VersionedValue& value) {
                                    visit_status = Visit(key, value.value, totals);
                                    return visit_status.ok();
                                  }));
  MILK_RETURN_IF_ERROR(visit_status);
  auto params = mlk::Json::parse(totals.params, nullptr, false);
  if (params.is_discarded() || !params.is_object()) return Broken("params missing or not JSON");
  Amount sum = totals.balances;
  MILK_RETURN_IF_ERROR(Add(sum, totals.lots, "lots"));
  MILK_RETURN_IF_ERROR(Add(sum, totals.staked, "pack custody"));
  MILK_RETURN_IF_ERROR(Add(sum, totals.bonded, "alliance bonds"));
  MILK_RETURN_IF_ERROR(Add(sum, totals.burned, "burned"));
  for (const mlk::PoolShare& share : mlk::kPools) {
    const mlk::Json& size = params["pools"][share.name];
    Result<Amount> initial = size.is_string() ? ParseAmount(size.get<std::string>())
                                              : Result<Amount>(InvalidArgument("not a string"));
    if (!initial.ok()) return Broken(std::string("initial size of ") + share.name);
    const Amount remaining = totals.pools[share.name];
    if (remaining > *initial) return Broken(std::string("pool ") + share.name + " above its size");
    MILK_RETURN_IF_ERROR(Add(sum, remaining, "pools"));
    if (std::string(share.name) == "user_distribution" &&
        params["listing_ms"].is_number_integer() &&
        *initial - remaining >
            mlk::UserReleased(*initial, params["listing_ms"].get<int64_t>(), now_ms)) {
      return Broken("user_distribution paid " + FormatAmount(*initial - remaining) +
                    ", more than released at " + std::to_string(now_ms));
    }
  }
  if (sum != kMlkTotalSupply) {
    return Broken("pools + balances + lots + staked + bonded + burned = " + FormatAmount(sum) +
                  ", not " + FormatAmount(kMlkTotalSupply));
  }
  if (totals.burned != totals.burned_by)
    return Broken("burned total differs from the per-address sum");
  if (totals.lot_count != totals.lots_seen || totals.lots_seen > kLotsMax) {
    return Broken("lot_count " + FormatAmount(totals.lot_count) + " but " +
                  std::to_string(totals.lots_seen) + " lots stored");
  }
  for (const auto& [key, granted] : totals.grant_by_key) {
    const int64_t unlock_ms = std::stoll(key.substr(key.find('/') + 1, 20));
    auto lot = totals.lot_by_key.find(key);
    if (unlock_ms > now_ms && (lot == totals.lot_by_key.end() || lot->second != granted)) {
      return Broken("locked lot " + key + " moved before its unlock time");
    }
    if (lot != totals.lot_by_key.end() && lot->second != granted)
      return Broken("lot " + key + " changed");
  }
  for (const auto& [key, amount] : totals.lot_by_key) {
    if (totals.grant_by_key.count(key) == 0) return Broken("lot " + key + " without a grant");
  }
  return Status::Ok();
}

}  // namespace milk::chaincode
