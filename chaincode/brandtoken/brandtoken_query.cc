// balance, sweep, totals and the invariant checker.
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

namespace {

Result<Amount> ReadTotal(StateReader& state, const std::string& name) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("total", {name}));
  MILK_ASSIGN_OR_RETURN(std::optional<VersionedValue> stored,
                        state.Get(kBrandTokenChaincodeName, key));
  if (!stored.has_value()) return Amount{0};
  auto amount = ParseAmount(stored->value);
  if (!amount.ok()) return DataLoss("total " + name + " is corrupt");
  return amount;
}

// Adds the lots stored under key to sum; kDataLoss when they break an invariant.
Status AddStoredLots(const std::string& key, const std::string& value, Amount& sum) {
  auto split = SplitCompositeKey(key);
  const std::string address =
      split.ok() && split->second.size() == 1 ? split->second[0] : Quote(key);
  auto lots = ParseLots(value);  // sorted, positive, within the bound
  if (!lots.ok()) return DataLoss("lots of " + address + ": " + lots.status().message());
  if (lots->empty()) return DataLoss("an empty lot list is stored for " + address);
  for (const Lot& lot : *lots) {
    std::optional<Amount> next = CheckedAdd(sum, lot.amount);
    if (!next.has_value()) return DataLoss("the sum of all lots overflows at " + address);
    sum = *next;
  }
  return Status::Ok();
}

}  // namespace

}  // namespace milk::chaincode::brandtoken

namespace milk::chaincode {

Status CheckBrandTokenInvariants(StateReader& state) {
  using namespace brandtoken;  // NOLINT
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange("lots", {}));
  Amount sum = 0;
  Status broken;
  MILK_RETURN_IF_ERROR(state.Scan(kBrandTokenChaincodeName, range.first, range.second,
                                  [&](const std::string& key, const VersionedValue& value) {
                                    broken = AddStoredLots(key, value.value, sum);
                                    return broken.ok();
                                  }));
  MILK_RETURN_IF_ERROR(broken);
  MILK_ASSIGN_OR_RETURN(Amount issued, ReadTotal(state, "issued"));
  MILK_ASSIGN_OR_RETURN(Amount redeemed, ReadTotal(state, "redeemed"));
  MILK_ASSIGN_OR_RETURN(Amount expired, ReadTotal(state, "expired"));
  std::optional<Amount> gone = CheckedAdd(redeemed, expired);
  std::optional<Amount> outstanding = gone ? CheckedSub(issued, *gone) : std::nullopt;
  if (!outstanding.has_value()) return DataLoss("redeemed + expired exceed issued");
  if (*outstanding != sum) {
    return DataLoss("issued - redeemed - expired = " + FormatAmount(*outstanding) +
                    " but the lots hold " + FormatAmount(sum));
  }
  return Status::Ok();
}

}  // namespace milk::chaincode
