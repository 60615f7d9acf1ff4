// Read-only functions: balances, pools, supply, parameters, burned totals.
#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::mlk {
namespace {

struct LotSums {
  Amount matured = 0;         // unlock time passed, not yet released: spendable
  Amount locked = 0;          // still locked at the tx time
  Json lots = Json::array();  // the locked ones
};

// Sums the lots under (type "lot", attrs), splitting them at the tx time.
Result<LotSums> SumLots(Stub& stub, const std::vector<std::string>& attrs) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> lots, stub.GetStateByPartialCompositeKey("lot", attrs));
  LotSums sums;
  for (const KV& lot : lots) {
    MILK_ASSIGN_OR_RETURN(auto parts, SplitCompositeKey(lot.key));
    MILK_CHECK(parts.second.size() == 3);
    auto amount = ParseAmount(lot.value);
    if (!amount.ok()) return DataLoss("stored lot is corrupt");
    const int64_t unlock_ms = std::stoll(parts.second[1]);
    if (unlock_ms <= stub.GetTxTimestamp()) {
      sums.matured += *amount;  // lots are part of the fixed supply: no overflow
    } else {
      sums.locked += *amount;
      sums.lots.push_back({{"unlock_ms", unlock_ms}, {"amount", FormatAmount(*amount)}});
    }
  }
  return sums;
}

}  // namespace

Result<milkpb::Response> BalanceQuery(Stub& stub, const Args& args) {
  if (args.size() != 1) return BadRequest("usage: balance <address>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {args[0]}));
  MILK_ASSIGN_OR_RETURN(LotSums sums, SumLots(stub, {args[0]}));
  MILK_ASSIGN_OR_RETURN(Amount burned, LoadAmount(stub, "burned_by", {args[0]}));
  MILK_ASSIGN_OR_RETURN(Amount staked, LoadAmount(stub, "staked", {args[0]}));
  MILK_ASSIGN_OR_RETURN(Amount bonded, LoadAmount(stub, "bonded", {args[0]}));
  return Success(Json{{"address", args[0]},
                      {"unlocked", FormatAmount(balance + sums.matured)},
                      {"locked", FormatAmount(sums.locked)},
                      {"lots", sums.lots},
                      {"staked", FormatAmount(staked)},
                      {"bonded", FormatAmount(bonded)},
                      {"burned", FormatAmount(burned)}}
                     .dump());
}

Result<milkpb::Response> PoolQuery(Stub& stub, const Args& args) {
  if (args.size() != 1) return BadRequest("usage: pool <name>");
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  MILK_ASSIGN_OR_RETURN(Amount initial, PoolInitial(params, args[0]));
  MILK_ASSIGN_OR_RETURN(Amount remaining, LoadAmount(stub, "pool", {args[0]}));
  Json result = {{"pool", args[0]},
                 {"initial", FormatAmount(initial)},
                 {"remaining", FormatAmount(remaining)}};
  if (args[0] == "user_distribution") {
    result["released"] = FormatAmount(
        UserReleased(initial, params["listing_ms"].get<int64_t>(), stub.GetTxTimestamp()));
  }
  return Success(result.dump());
}

// circulating = total - pool remainders - amounts still locked at the tx time - burned.
Result<milkpb::Response> SupplyQuery(Stub& stub, const Args& args) {
  if (!args.empty()) return BadRequest("usage: supply");
  MILK_RETURN_IF_ERROR(Params(stub).status());
  Amount pools = 0;
  for (const PoolShare& share : kPools) {
    MILK_ASSIGN_OR_RETURN(Amount remaining, LoadAmount(stub, "pool", {share.name}));
    pools += remaining;
  }
  MILK_ASSIGN_OR_RETURN(LotSums sums, SumLots(stub, {}));
  MILK_ASSIGN_OR_RETURN(Amount burned, LoadAmount(stub, "burned", {}));
  const Amount held_back = pools + sums.locked + burned;
  if (held_back > kMlkTotalSupply) return DataLoss("mlk state is inconsistent: supply exceeded");
  return Success(Json{{"total", FormatAmount(kMlkTotalSupply)},
                      {"circulating", FormatAmount(kMlkTotalSupply - held_back)},
                      {"pools", FormatAmount(pools)},
                      {"locked", FormatAmount(sums.locked)},
                      {"burned", FormatAmount(burned)}}
                     .dump());
}

Result<milkpb::Response> ParamsQuery(Stub& stub, const Args& args) {
  if (!args.empty()) return BadRequest("usage: params");
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  return Success(params.dump());
}

Result<milkpb::Response> BurnedQuery(Stub& stub, const Args& args) {
  if (args.size() != 1) return BadRequest("usage: burned <address>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount burned, LoadAmount(stub, "burned_by", {args[0]}));
  return Success(FormatAmount(burned));
}

}  // namespace milk::chaincode::mlk
