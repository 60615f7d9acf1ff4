#include "chaincode/token/token.h"

#include <string>
#include <vector>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace {

// Chaincode-side statuses become responses: the caller's input is 400, anything else 500.
milkpb::Response FromStatus(const Status& status) {
  if (status.code() == Code::kInvalidArgument) return BadRequest(status.message());
  return Error(500, status.ToString());
}

Result<std::string> BalanceKey(const std::string& address) {
  return CreateCompositeKey("balance", {address});
}
Result<std::string> SupplyKey() { return CreateCompositeKey("supply", {}); }
Result<std::string> SymbolKey() { return CreateCompositeKey("symbol", {}); }

// An amount stored by this chaincode; 0 when absent. A stored value that does not parse means
// the state is corrupt: kDataLoss, never the caller's fault.
Result<Amount> ReadAmount(Stub& stub, const std::string& key) {
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return Amount{0};
  auto amount = ParseAmount(*stored);
  if (!amount.ok()) return DataLoss("stored amount is corrupt: " + amount.status().message());
  return amount;
}

Status CheckAddress(const std::string& address) {
  if (crypto::IsValidWalletAddress(address)) return Status::Ok();
  return InvalidArgument("invalid address " + Quote(address) +
                         ": a wallet address is mlk1 followed by 48 lower-case hex characters");
}

Result<Amount> ParsePositiveAmount(const std::string& text) {
  MILK_ASSIGN_OR_RETURN(Amount amount, ParseAmount(text));
  if (amount == 0) return InvalidArgument("amount must be positive, got 0");
  return amount;
}

Result<milkpb::Response> Issue(Stub& stub, const std::vector<std::string>& args) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (creator.is_wallet || (creator.role != milkpb::CLIENT && creator.role != milkpb::ADMIN)) {
    return Forbidden("issue requires an org member with role client or admin; caller is " +
                     crypto::PrincipalName(creator));
  }
  if (args.size() != 2) return BadRequest("usage: issue <to_address> <amount>");
  const std::string& to = args[0];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_ASSIGN_OR_RETURN(std::string supply_key, SupplyKey());
  MILK_ASSIGN_OR_RETURN(std::string balance_key, BalanceKey(to));
  MILK_ASSIGN_OR_RETURN(Amount supply, ReadAmount(stub, supply_key));
  MILK_ASSIGN_OR_RETURN(Amount balance, ReadAmount(stub, balance_key));
  std::optional<Amount> new_supply = CheckedAdd(supply, amount);
  std::optional<Amount> new_balance = CheckedAdd(balance, amount);
  if (!new_supply.has_value() || !new_balance.has_value()) {
    return BadRequest("issuing " + FormatAmount(amount) + " would overflow the total supply " +
                      FormatAmount(supply) + " (maximum " + FormatAmount(kAmountMax) + ")");
  }
  MILK_RETURN_IF_ERROR(stub.PutState(balance_key, FormatAmount(*new_balance)));
  MILK_RETURN_IF_ERROR(stub.PutState(supply_key, FormatAmount(*new_supply)));
  MILK_RETURN_IF_ERROR(stub.SetEvent(
      "issue", "{\"to\":\"" + to + "\",\"amount\":\"" + FormatAmount(amount) + "\"}"));
  return Success();
}

Result<milkpb::Response> Transfer(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 2) return BadRequest("usage: transfer <to_address> <amount>");
  const std::string from = crypto::WalletAddress(stub.GetCreator().public_key);
  const std::string& to = args[0];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  if (to == from)
    return BadRequest("cannot transfer to yourself: to is the caller's address " + from);
  MILK_ASSIGN_OR_RETURN(std::string from_key, BalanceKey(from));
  MILK_ASSIGN_OR_RETURN(std::string to_key, BalanceKey(to));
  MILK_ASSIGN_OR_RETURN(Amount from_balance, ReadAmount(stub, from_key));
  std::optional<Amount> new_from = CheckedSub(from_balance, amount);
  if (!new_from.has_value()) {
    return BadRequest("insufficient funds: balance " + FormatAmount(from_balance) + ", transfer " +
                      FormatAmount(amount));
  }
  MILK_ASSIGN_OR_RETURN(Amount to_balance, ReadAmount(stub, to_key));
  std::optional<Amount> new_to = CheckedAdd(to_balance, amount);
  if (!new_to.has_value()) {  // balances sum to the supply, so this means corrupt state
    return Error(500, "balance of " + to + " would overflow: the token state is inconsistent");
  }
  MILK_RETURN_IF_ERROR(stub.PutState(from_key, FormatAmount(*new_from)));
  MILK_RETURN_IF_ERROR(stub.PutState(to_key, FormatAmount(*new_to)));
  MILK_RETURN_IF_ERROR(stub.SetEvent("transfer", "{\"from\":\"" + from + "\",\"to\":\"" + to +
                                                     "\",\"amount\":\"" + FormatAmount(amount) +
                                                     "\"}"));
  return Success();
}

Result<milkpb::Response> Balance(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 1) return BadRequest("usage: balance <address>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(std::string key, BalanceKey(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount balance, ReadAmount(stub, key));
  return Success(FormatAmount(balance));
}

Result<milkpb::Response> Supply(Stub& stub, const std::vector<std::string>& args) {
  if (!args.empty()) return BadRequest("usage: supply");
  MILK_ASSIGN_OR_RETURN(std::string key, SupplyKey());
  MILK_ASSIGN_OR_RETURN(Amount supply, ReadAmount(stub, key));
  return Success(FormatAmount(supply));
}

Status CheckSymbol(const std::string& symbol) {
  bool ok = !symbol.empty() && symbol.size() <= kTokenSymbolBytesMax;
  for (char c : symbol) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid symbol " + Quote(symbol) + ": 1 to " +
                         std::to_string(kTokenSymbolBytesMax) + " letters or digits");
}

Result<milkpb::Response> InitToken(Stub& stub) {
  const std::vector<std::string>& args = stub.GetArgs();
  if (args.size() > 1) return BadRequest("usage: init [symbol]");
  std::string symbol = args.empty() ? kTokenDefaultSymbol : args[0];
  MILK_RETURN_IF_ERROR(CheckSymbol(symbol));
  MILK_ASSIGN_OR_RETURN(std::string symbol_key, SymbolKey());
  MILK_ASSIGN_OR_RETURN(std::string supply_key, SupplyKey());
  MILK_RETURN_IF_ERROR(stub.PutState(symbol_key, symbol));
  MILK_RETURN_IF_ERROR(stub.PutState(supply_key, FormatAmount(0)));
  return Success();
}

milkpb::Response Flatten(const Result<milkpb::Response>& result) {
  return result.ok() ? result.value() : FromStatus(result.status());
}

}  // namespace

milkpb::Response TokenChaincode::Init(Stub& stub) { return Flatten(InitToken(stub)); }

milkpb::Response TokenChaincode::Invoke(Stub& stub) {
  const std::string& function = stub.GetFunction();
  const std::vector<std::string>& args = stub.GetArgs();
  if (function == "issue") return Flatten(Issue(stub, args));
  if (function == "transfer") return Flatten(Transfer(stub, args));
  if (function == "balance") return Flatten(Balance(stub, args));
  if (function == "supply") return Flatten(Supply(stub, args));
  return BadRequest("unknown function " + Quote(function) +
                    " (token has issue, transfer, balance, supply)");
}

}  // namespace milk::chaincode
