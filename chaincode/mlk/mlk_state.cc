#include "chaincode/mlk/mlk_state.h"

#include <regex>

#include "chaincode/mlk/mlk.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode::mlk {

Result<Amount> LoadAmount(Stub& stub, const std::string& type,
                          const std::vector<std::string>& attrs) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Amount{0};
  auto amount = ParseAmount(*stored);
  if (!amount.ok()) return DataLoss("stored " + type + " is corrupt: " + amount.status().message());
  return amount;
}

Status SaveAmount(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
                  Amount amount) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  if (amount == 0 && (type == "balance" || type == "staked")) return stub.DelState(key);
  return stub.PutState(key, FormatAmount(amount));
}

Result<Json> LoadJson(Stub& stub, const std::string& type, const std::vector<std::string>& attrs) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Json();
  Json value = Json::parse(*stored, nullptr, false);
  if (value.is_discarded()) return DataLoss("stored " + type + " is not JSON");
  return value;
}

Status SaveJson(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
                const Json& value) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey(type, attrs));
  return stub.PutState(key, value.dump());
}

Result<Json> Params(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Json params, LoadJson(stub, "params", {}));
  if (!params.is_object()) return FailedPrecondition("mlk is not initialised: no params");
  return params;
}

Result<Amount> PoolInitial(const Json& params, const std::string& pool) {
  for (const PoolShare& share : kPools) {
    if (pool == share.name) {
      auto amount = ParseAmount(params["pools"][share.name].get<std::string>());
      if (!amount.ok()) return DataLoss("stored pool size is corrupt");
      return amount;
    }
  }
  return NotFound("unknown pool " + Quote(pool) +
                  " (pools: liquidity, user_distribution, partner_locked, partner_contribution, "
                  "operation, construction)");
}

Status RequireOperatorAdmin(Stub& stub, const Json& params) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  const std::string operator_org = params["operator_org"].get<std::string>();
  if (creator.is_wallet || creator.role != milkpb::ADMIN || creator.org != operator_org) {
    return PermissionDenied("this needs an admin of the operator " + operator_org + "; caller is " +
                            crypto::PrincipalName(creator));
  }
  return Status::Ok();
}

std::string CallerAddress(Stub& stub) {
  return crypto::WalletAddress(stub.GetCreator().public_key);
}

Status CheckAddress(const std::string& address) {
  if (crypto::IsValidWalletAddress(address)) return Status::Ok();
  return InvalidArgument("invalid address " + Quote(address) +
                         ": a wallet address is mlk1 followed by 48 lower-case hex characters");
}

Status CheckName(const std::string& what, const std::string& value) {
  static const std::regex kName("[A-Za-z0-9._:-]{1,64}");
  if (std::regex_match(value, kName)) return Status::Ok();
  return InvalidArgument(what + " " + Quote(value) + " must be 1-64 of [A-Za-z0-9._:-]");
}

Result<Amount> ParsePositiveAmount(const std::string& text) {
  MILK_ASSIGN_OR_RETURN(Amount amount, ParseAmount(text));
  if (amount == 0) return InvalidArgument("amount must be positive, got 0");
  return amount;
}

Result<int64_t> ParseMs(const std::string& text, const std::string& what) {
  static const std::regex kMs("0|[1-9][0-9]{0,14}");  // up to year ~33000 in Unix ms
  if (!std::regex_match(text, kMs)) {
    return InvalidArgument(what + " " + Quote(text) +
                           " must be Unix milliseconds (0 to 15 digits)");
  }
  return static_cast<int64_t>(std::stoll(text));
}

Result<std::optional<std::string>> FindRequest(Stub& stub, const std::string& ref,
                                               const Json& request) {
  MILK_ASSIGN_OR_RETURN(Json seen, LoadJson(stub, "request", {ref}));
  if (seen.is_null()) return std::optional<std::string>();
  if (seen["request"] != request) {
    return AlreadyExists("reference " + Quote(ref) +
                         " was already used for a different request: " + seen["request"].dump());
  }
  return std::optional<std::string>(seen["result"].get<std::string>());
}

Status RecordRequest(Stub& stub, const std::string& ref, const Json& request,
                     const std::string& result) {
  return SaveJson(stub, "request", {ref}, Json{{"request", request}, {"result", result}});
}

Result<Amount> ReleaseMatured(Stub& stub, const std::string& address) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> lots, stub.GetStateByPartialCompositeKey("lot", {address}));
  Amount released = 0;
  size_t count = 0;
  for (const KV& lot : lots) {
    MILK_ASSIGN_OR_RETURN(auto parts, SplitCompositeKey(lot.key));
    MILK_CHECK(parts.second.size() == 3);
    if (std::stoll(parts.second[1]) > stub.GetTxTimestamp()) break;  // sorted by unlock time
    auto amount = ParseAmount(lot.value);
    if (!amount.ok()) return DataLoss("stored lot is corrupt");
    std::optional<Amount> sum = CheckedAdd(released, *amount);
    MILK_CHECK(sum.has_value());  // lots are part of the fixed supply
    released = *sum;
    ++count;
    MILK_RETURN_IF_ERROR(stub.DelState(lot.key));
  }
  if (count == 0) return Amount{0};
  MILK_ASSIGN_OR_RETURN(Amount lot_count, LoadAmount(stub, "lot_count", {}));
  MILK_CHECK(lot_count >= count);
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "lot_count", {}, lot_count - count));
  MILK_RETURN_IF_ERROR(Credit(stub, address, released));
  return released;
}

Status Credit(Stub& stub, const std::string& address, Amount amount) {
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {address}));
  std::optional<Amount> next = CheckedAdd(balance, amount);
  MILK_CHECK(next.has_value());  // every balance is part of the fixed supply
  return SaveAmount(stub, "balance", {address}, *next);
}

Status Move(Stub& stub, const std::string& from, const std::string& to, Amount amount) {
  MILK_CHECK(from != to);
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {from}));
  if (balance < amount) {
    MILK_ASSIGN_OR_RETURN(std::vector<KV> lots, stub.GetStateByPartialCompositeKey("lot", {from}));
    std::string locked;
    if (!lots.empty()) {
      MILK_ASSIGN_OR_RETURN(auto first, SplitCompositeKey(lots.front().key));
      locked = "; " + std::to_string(lots.size()) + " locked lot(s), the first unlocking at " +
               std::to_string(std::stoll(first.second[1])) + " ms";
    }
    return FailedPrecondition("insufficient unlocked balance: " + from + " has " +
                              FormatAmount(balance) + ", needs " + FormatAmount(amount) + locked);
  }
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "balance", {from}, balance - amount));
  return Credit(stub, to, amount);
}

Status DebitPool(Stub& stub, const std::string& pool, Amount amount) {
  MILK_ASSIGN_OR_RETURN(Amount remaining, LoadAmount(stub, "pool", {pool}));
  if (remaining < amount) {
    return FailedPrecondition("pool " + pool + " has " + FormatAmount(remaining) +
                              " left, cannot pay " + FormatAmount(amount));
  }
  return SaveAmount(stub, "pool", {pool}, remaining - amount);
}

milkpb::Response FromStatus(const Status& status) { return ResponseFromStatus(status); }

}  // namespace milk::chaincode::mlk
