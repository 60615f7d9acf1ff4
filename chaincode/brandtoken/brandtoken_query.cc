// balance, sweep and totals.
#include "chaincode/brandtoken/brandtoken_query.h"

#include <set>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/brandtoken_state.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode::brandtoken {

Result<milkpb::Response> Balance(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 1) return BadRequest("usage: balance <address>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Lots lots, LoadLots(stub, args[0]));
  const int64_t now_ms = stub.GetTxTimestamp();
  Json payload = {{"address", args[0]},
                  {"lots", LotsToJson(lots)},
                  {"spendable", FormatAmount(Spendable(lots, now_ms))},
                  {"expired", FormatAmount(ExpiredAmount(lots, now_ms))}};
  return Success(payload.dump());
}

Result<milkpb::Response> Sweep(Stub& stub, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > kSweepAddressesMax) {
    return BadRequest("usage: sweep <address>... (1 to " + std::to_string(kSweepAddressesMax) +
                      " addresses, got " + std::to_string(args.size()) + ")");
  }
  std::set<std::string> seen;
  for (const std::string& address : args) {
    MILK_RETURN_IF_ERROR(CheckAddress(address));
    if (!seen.insert(address).second) return BadRequest("address " + address + " is listed twice");
  }
  const int64_t now_ms = stub.GetTxTimestamp();
  Json swept = Json::array();
  Amount total = 0;
  for (const std::string& address : args) {
    MILK_ASSIGN_OR_RETURN(Lots lots, LoadLots(stub, address));
    Amount expired = DropExpired(lots, now_ms);
    if (expired == 0) continue;
    std::optional<Amount> sum = CheckedAdd(total, expired);
    if (!sum.has_value()) return DataLoss("expired amounts overflow: the brand state is corrupt");
    total = *sum;
    MILK_RETURN_IF_ERROR(SaveLots(stub, address, lots));
    swept.push_back(Json{{"address", address}, {"amount", FormatAmount(expired)}});
  }
  if (total > 0) MILK_RETURN_IF_ERROR(AddToTotal(stub, "expired", total));
  std::string payload = Json{{"swept", swept}, {"total", FormatAmount(total)}}.dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("sweep", payload));
  return Success(payload);
}

Result<milkpb::Response> Totals(Stub& stub, const std::vector<std::string>& args) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (creator.is_wallet) {
    return Forbidden("totals are visible to the chain's org members only; caller is " +
                     crypto::PrincipalName(creator));
  }
  if (!args.empty()) return BadRequest("usage: totals");
  MILK_ASSIGN_OR_RETURN(Amount issued, LoadTotal(stub, "issued"));
  MILK_ASSIGN_OR_RETURN(Amount redeemed, LoadTotal(stub, "redeemed"));
  MILK_ASSIGN_OR_RETURN(Amount expired, LoadTotal(stub, "expired"));
  std::optional<Amount> gone = CheckedAdd(redeemed, expired);
  std::optional<Amount> outstanding = gone ? CheckedSub(issued, *gone) : std::nullopt;
  if (!outstanding.has_value()) return DataLoss("redeemed + expired exceed issued: corrupt state");
  Json payload = {{"issued", FormatAmount(issued)},
                  {"redeemed", FormatAmount(redeemed)},
                  {"expired", FormatAmount(expired)},
                  {"outstanding", FormatAmount(*outstanding)}};
  return Success(payload.dump());
}

}  // namespace milk::chaincode::brandtoken
