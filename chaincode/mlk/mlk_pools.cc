// Payments out of the genesis pools: grants, partner contribution payouts and user rewards.
#include <algorithm>
#include <cstdio>

#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::mlk {
namespace {

// Unlock times as 20 zero-padded digits, so lots sort by unlock time within an address.
std::string PadMs(int64_t ms) {
  char text[24];
  std::snprintf(text, sizeof(text), "%020lld", static_cast<long long>(ms));
  return text;
}

// Creates a lot locked until unlock_ms; kFailedPrecondition past the lot bounds.
Status CreateLot(Stub& stub, const std::string& to, Amount amount, int64_t unlock_ms,
                 const std::string& ref) {
  MILK_ASSIGN_OR_RETURN(Amount lot_count, LoadAmount(stub, "lot_count", {}));
  if (lot_count >= kLotsMax) {
    return FailedPrecondition("the chain holds " + FormatAmount(lot_count) +
                              " locked lots, the maximum");
  }
  MILK_ASSIGN_OR_RETURN(std::vector<KV> own, stub.GetStateByPartialCompositeKey("lot", {to}));
  if (own.size() >= kMlkLotsPerAddressMax) {
    return FailedPrecondition(to + " already holds " + std::to_string(own.size()) +
                              " locked lots, the maximum per address");
  }
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "lot", {to, PadMs(unlock_ms), ref}, amount));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "lock_grant", {to, PadMs(unlock_ms), ref}, amount));
  return SaveAmount(stub, "lot_count", {}, lot_count + 1);
}

// The unlock time of a grant from pool (0: unlocked), checking which pools grant may pay from.
Result<int64_t> GrantUnlockMs(const Json& params, const std::string& pool, const std::string& to,
                              const Args& args) {
  const int64_t listing_ms = params["listing_ms"].get<int64_t>();
  if (pool == "user_distribution") {
    return InvalidArgument("user_distribution pays out by reward only (released over two years)");
  }
  if (pool == "partner_contribution") {
    return InvalidArgument("partner_contribution pays out by contribution only");
  }
  if (pool != "partner_locked" && args.size() == 5) {
    return InvalidArgument("joining_ms is only for grants from partner_locked");
  }
  if (pool == "liquidity" && to != params["liquidity_account"].get<std::string>()) {
    return FailedPrecondition(
        "the liquidity pool is never distributed: it only funds TICA's "
        "exchange liquidity account " +
        params["liquidity_account"].get<std::string>());
  }
  if (pool == "construction") return listing_ms + kConstructionLockYears * kLockYearMs;
  if (pool == "partner_locked") {
    if (args.size() != 5) {
      return InvalidArgument("a grant from partner_locked needs the partner's joining_ms");
    }
    MILK_ASSIGN_OR_RETURN(int64_t joining_ms, ParseMs(args[4], "joining_ms"));
    return std::max(joining_ms, listing_ms) + kPartnerLockYears * kLockYearMs;
  }
  return int64_t{0};
}

}  // namespace

Amount UserReleased(Amount initial, int64_t listing_ms, int64_t now_ms) {
  if (now_ms <= listing_ms) return 0;
  const int64_t elapsed_ms = now_ms - listing_ms;
  if (elapsed_ms >= kUserReleaseMs) return initial;
  MILK_CHECK(initial <= kMlkTotalSupply);  // 1.3e27 * 6.4e10 < 2^128
  return initial * static_cast<Amount>(elapsed_ms) / static_cast<Amount>(kUserReleaseMs);
}

Result<milkpb::Response> Grant(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, params));
  if (args.size() != 4 && args.size() != 5) {
    return BadRequest("usage: grant <pool> <to_address> <amount> <ref> [joining_ms]");
  }
  const std::string &pool = args[0], &to = args[1], &ref = args[3];
  MILK_RETURN_IF_ERROR(PoolInitial(params, pool).status());
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[2]));
  MILK_RETURN_IF_ERROR(CheckName("ref", ref));
  MILK_ASSIGN_OR_RETURN(int64_t unlock_ms, GrantUnlockMs(params, pool, to, args));
  const Json request = {{"function", "grant"}, {"args", args}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first, FindRequest(stub, ref, request));
  if (first.has_value()) return Success(*first);

  MILK_RETURN_IF_ERROR(DebitPool(stub, pool, amount));
  if (unlock_ms > 0) {
    MILK_RETURN_IF_ERROR(CreateLot(stub, to, amount, unlock_ms, ref));
  } else {
    MILK_RETURN_IF_ERROR(Credit(stub, to, amount));
  }
  const std::string result = Json{
      {"pool", pool},
      {"to", to},
      {"amount", FormatAmount(amount)},
      {"unlock_ms", unlock_ms},
      {"ref", ref}}.dump();
  MILK_RETURN_IF_ERROR(RecordRequest(stub, ref, request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("grant", result));
  return Success(result);
}

Result<milkpb::Response> Contribution(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, params));
  if (args.size() != 4) {
    return BadRequest("usage: contribution <partner_org> <to_address> <volume> <ref>");
  }
  const std::string &org = args[0], &to = args[1], &ref = args[3];
  MILK_RETURN_IF_ERROR(CheckName("partner_org", org));
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount volume, ParsePositiveAmount(args[2]));
  MILK_RETURN_IF_ERROR(CheckName("ref", ref));
  if (volume > kAmountMax / kBpsDenominator) {
    return BadRequest("volume " + FormatAmount(volume) + " is beyond any possible trade volume");
  }
  const Json request = {{"function", "contribution"}, {"args", args}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first, FindRequest(stub, ref, request));
  if (first.has_value()) return Success(*first);

  const int64_t listing_ms = params["listing_ms"].get<int64_t>();
  const int64_t now_ms = stub.GetTxTimestamp();
  if (now_ms < listing_ms) {
    return FailedPrecondition("contribution payouts start at listing (" +
                              std::to_string(listing_ms) + " ms)");
  }
  const Json& schedule = params["contribution_bps_by_year"];
  const int64_t year = (now_ms - listing_ms) / kScheduleYearMs;
  if (year >= static_cast<int64_t>(schedule.size())) {
    return FailedPrecondition("the contribution schedule ended after " +
                              std::to_string(schedule.size()) + " years from listing");
  }
  const int64_t bps = schedule[static_cast<size_t>(year)].get<int64_t>();
  const Amount amount = volume * static_cast<Amount>(bps) / kBpsDenominator;  // floor: TICA's
  if (amount == 0) {
    return FailedPrecondition("a volume of " + FormatAmount(volume) + " at " + std::to_string(bps) +
                              " bps pays nothing");
  }
  MILK_RETURN_IF_ERROR(DebitPool(stub, "partner_contribution", amount));
  MILK_RETURN_IF_ERROR(Credit(stub, to, amount));
  MILK_ASSIGN_OR_RETURN(Amount paid, LoadAmount(stub, "paid_to", {org}));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "paid_to", {org}, paid + amount));  // <= the pool
  const std::string result = Json{
      {"partner_org", org}, {"to", to},   {"volume", FormatAmount(volume)},
      {"year", year},       {"bps", bps}, {"amount", FormatAmount(amount)},
      {"ref", ref}}.dump();
  MILK_RETURN_IF_ERROR(RecordRequest(stub, ref, request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("contribution", result));
  return Success(result);
}

Result<milkpb::Response> Reward(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, params));
  if (args.size() != 4) return BadRequest("usage: reward <to_address> <amount> <reason> <ref>");
  const std::string &to = args[0], &reason = args[2], &ref = args[3];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(CheckName("reason", reason));
  MILK_RETURN_IF_ERROR(CheckName("ref", ref));
  const Json request = {{"function", "reward"}, {"args", args}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first, FindRequest(stub, ref, request));
  if (first.has_value()) return Success(*first);

  MILK_ASSIGN_OR_RETURN(Amount initial, PoolInitial(params, "user_distribution"));
  MILK_ASSIGN_OR_RETURN(Amount remaining, LoadAmount(stub, "pool", {"user_distribution"}));
  MILK_CHECK(remaining <= initial);
  const Amount paid = initial - remaining;
  const Amount released =
      UserReleased(initial, params["listing_ms"].get<int64_t>(), stub.GetTxTimestamp());
  if (amount > released - std::min(paid, released)) {
    return FailedPrecondition("user distribution is paid over two years from listing: " +
                              FormatAmount(released) + " released so far, " + FormatAmount(paid) +
                              " already paid, cannot pay " + FormatAmount(amount));
  }
  MILK_RETURN_IF_ERROR(DebitPool(stub, "user_distribution", amount));
  MILK_RETURN_IF_ERROR(Credit(stub, to, amount));
  const std::string result =
      Json{{"to", to}, {"amount", FormatAmount(amount)}, {"reason", reason}, {"ref", ref}}.dump();
  MILK_RETURN_IF_ERROR(RecordRequest(stub, ref, request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("reward", result));
  return Success(result);
}

}  // namespace milk::chaincode::mlk
