// Functions only another chaincode may call (GetCallingChaincode): the exchange moving MLK in and
// out of TICA's liquidity account, pack taking MLK into custody and giving it back, and the
// alliance bonding a joining partner's stake. The creator stays the transaction's signer, so
// each (but alliance_release) also checks that the wallet it moves is the signer's own: the
// calling chaincode cannot take anyone else's MLK.
#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::mlk {
namespace {

Status RequireCallingChaincode(Stub& stub, const std::string& expected,
                               const std::string& function) {
  const std::string& caller = stub.GetCallingChaincode();
  if (caller == expected) return Status::Ok();
  return PermissionDenied(function + " may be called only by the " + expected +
                          " chaincode; caller is " +
                          (caller.empty() ? std::string("the transaction itself (no chaincode)")
                                          : "chaincode " + Quote(caller)));
}

Status RequireSigner(Stub& stub, const std::string& address, const std::string& function) {
  const std::string signer = CallerAddress(stub);
  if (address == signer) return Status::Ok();
  return PermissionDenied(function + " moves only the signer's own MLK: " + Quote(address) +
                          " is not the signer's address " + signer);
}

// The four arguments of exchange_collect / exchange_pay, checked.
struct ExchangeMove {
  std::string holder;  // from (collect) or to (pay): the signer's wallet
  Amount amount = 0;
  std::string fee_to;
  Amount fee = 0;
  Amount total = 0;  // amount + fee
  std::string liquidity;
};

// Fills move (an out-parameter: GCC 12 misreads a Result of this struct as maybe-uninitialized).
Status ParseExchangeMove(Stub& stub, const Json& params, const Args& args,
                         const std::string& function, const std::string& holder,
                         ExchangeMove& move) {
  if (args.size() != 4) {
    return InvalidArgument("usage: " + function + " <" + holder + "> <amount> <fee_to> <fee>");
  }
  move.holder = args[0];
  move.fee_to = args[2];
  move.liquidity = params["liquidity_account"].get<std::string>();
  MILK_RETURN_IF_ERROR(CheckAddress(move.holder));
  MILK_ASSIGN_OR_RETURN(move.amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(CheckAddress(move.fee_to));
  MILK_ASSIGN_OR_RETURN(move.fee, ParseAmount(args[3]));
  std::optional<Amount> total = CheckedAdd(move.amount, move.fee);
  if (!total.has_value()) return InvalidArgument("amount + fee overflows");
  move.total = *total;
  // Taking MLK from an account needs its owner's signature; paying into one is the exchange's
  // decision alone (a swap's sale is settled by whoever carries the brand chain's proof).
  if (function == "exchange_collect") MILK_RETURN_IF_ERROR(RequireSigner(stub, move.holder, function));
  const std::string gateway = params["gateway_account"].get<std::string>();
  if (move.holder == gateway || move.fee_to == gateway) {
    return InvalidArgument("the gateway account " + gateway +
                           " moves only by deposit and withdraw, not by " + function);
  }
  if (move.holder == move.liquidity) {
    return InvalidArgument(function + ": " + holder + " is the liquidity account itself");
  }
  if (move.fee > 0 && (move.fee_to == move.holder || move.fee_to == move.liquidity)) {
    return InvalidArgument(function + ": fee_to must differ from " + holder +
                           " and from the liquidity account");
  }
  return Status::Ok();
}

Result<milkpb::Response> Moved(Stub& stub, const ExchangeMove& move, const std::string& function) {
  MILK_ASSIGN_OR_RETURN(Amount liquidity, LoadAmount(stub, "balance", {move.liquidity}));
  const std::string balance = FormatAmount(liquidity);
  MILK_RETURN_IF_ERROR(stub.SetEvent(function, Json{{"holder", move.holder},
                                                    {"amount", FormatAmount(move.amount)},
                                                    {"fee_to", move.fee_to},
                                                    {"fee", FormatAmount(move.fee)},
                                                    {"liquidity_balance", balance}}
                                                   .dump()));
  return Success(Json{{"liquidity_balance", balance}}.dump());
}

Result<Amount> ParseCustodyArgs(Stub& stub, const Args& args, const std::string& function) {
  MILK_RETURN_IF_ERROR(RequireCallingChaincode(stub, kPackCallerName, function));
  if (args.size() != 2) return InvalidArgument("usage: " + function + " <address> <amount>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(RequireSigner(stub, args[0], function));
  return amount;
}

Result<milkpb::Response> Custody(Stub& stub, const std::string& address) {
  MILK_ASSIGN_OR_RETURN(Amount staked, LoadAmount(stub, "staked", {address}));
  return Success(Json{{"address", address}, {"staked", FormatAmount(staked)}}.dump());
}

Result<milkpb::Response> Bonded(Stub& stub, const std::string& address) {
  MILK_ASSIGN_OR_RETURN(Amount bonded, LoadAmount(stub, "bonded", {address}));
  return Success(Json{{"address", address}, {"bonded", FormatAmount(bonded)}}.dump());
}

}  // namespace

Result<milkpb::Response> ExchangeCollect(Stub& stub, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireCallingChaincode(stub, kExchangeCallerName, "exchange_collect"));
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  ExchangeMove move;
  MILK_RETURN_IF_ERROR(ParseExchangeMove(stub, params, args, "exchange_collect", "from", move));
  MILK_RETURN_IF_ERROR(ReleaseMatured(stub, move.holder).status());
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {move.holder}));
  if (balance < move.total) {
    return FailedPrecondition("insufficient unlocked balance: " + move.holder + " has " +
                              FormatAmount(balance) + ", the purchase needs " +
                              FormatAmount(move.total) + " (amount + fee)");
  }
  MILK_RETURN_IF_ERROR(Move(stub, move.holder, move.liquidity, move.amount));
  if (move.fee > 0) MILK_RETURN_IF_ERROR(Move(stub, move.holder, move.fee_to, move.fee));
  return Moved(stub, move, "exchange_collect");
}

Result<milkpb::Response> ExchangePay(Stub& stub, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireCallingChaincode(stub, kExchangeCallerName, "exchange_pay"));
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  ExchangeMove move;
  MILK_RETURN_IF_ERROR(ParseExchangeMove(stub, params, args, "exchange_pay", "to", move));
  MILK_ASSIGN_OR_RETURN(Amount liquidity, LoadAmount(stub, "balance", {move.liquidity}));
  if (liquidity < move.total) {
    return FailedPrecondition("the liquidity account " + move.liquidity + " holds " +
                              FormatAmount(liquidity) + ", cannot pay " +
                              FormatAmount(move.total) + " (amount + fee)");
  }
  MILK_RETURN_IF_ERROR(Move(stub, move.liquidity, move.holder, move.amount));
  if (move.fee > 0) MILK_RETURN_IF_ERROR(Move(stub, move.liquidity, move.fee_to, move.fee));
  return Moved(stub, move, "exchange_pay");
}

Result<milkpb::Response> PackLock(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Amount amount, ParseCustodyArgs(stub, args, "pack_lock"));
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  const std::string& address = args[0];
  if (address == params["gateway_account"].get<std::string>()) {
    return InvalidArgument("the gateway account moves only by deposit and withdraw");
  }
  MILK_RETURN_IF_ERROR(ReleaseMatured(stub, address).status());
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {address}));
  if (balance < amount) {
    return FailedPrecondition("insufficient unlocked balance to stake: " + address + " has " +
                              FormatAmount(balance) + ", stakes " + FormatAmount(amount));
  }
  MILK_ASSIGN_OR_RETURN(Amount staked, LoadAmount(stub, "staked", {address}));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "balance", {address}, balance - amount));
  // Custody is part of the fixed supply: no overflow.
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "staked", {address}, staked + amount));
  return Custody(stub, address);
}

Result<milkpb::Response> PackRelease(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Amount amount, ParseCustodyArgs(stub, args, "pack_release"));
  MILK_RETURN_IF_ERROR(Params(stub).status());
  const std::string& address = args[0];
  MILK_ASSIGN_OR_RETURN(Amount staked, LoadAmount(stub, "staked", {address}));
  if (staked < amount) {
    return FailedPrecondition("pack custody of " + address + " holds " + FormatAmount(staked) +
                              ", cannot release " + FormatAmount(amount));
  }
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "staked", {address}, staked - amount));
  MILK_RETURN_IF_ERROR(Credit(stub, address, amount));
  return Custody(stub, address);
}

// The alliance's stake: unlocked MLK of the signer's own address into custody ("bonded").
Result<milkpb::Response> AllianceLock(Stub& stub, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireCallingChaincode(stub, kAllianceCallerName, "alliance_lock"));
  if (args.size() != 2) return InvalidArgument("usage: alliance_lock <address> <amount>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(RequireSigner(stub, args[0], "alliance_lock"));
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  const std::string& address = args[0];
  if (address == params["gateway_account"].get<std::string>()) {
    return InvalidArgument("the gateway account moves only by deposit and withdraw");
  }
  // MISSION.md: the liquidity pool is never distributed out, so it cannot back a stake either.
  if (address == params["liquidity_account"].get<std::string>()) {
    return InvalidArgument("the liquidity account moves only through the exchange");
  }
  MILK_RETURN_IF_ERROR(ReleaseMatured(stub, address).status());
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {address}));
  if (balance < amount) {
    return FailedPrecondition("insufficient unlocked balance to bond: " + address + " has " +
                              FormatAmount(balance) + ", the stake needs " + FormatAmount(amount));
  }
  MILK_ASSIGN_OR_RETURN(Amount bonded, LoadAmount(stub, "bonded", {address}));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "balance", {address}, balance - amount));
  // Custody is part of the fixed supply: no overflow.
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "bonded", {address}, bonded + amount));
  return Bonded(stub, address);
}

// Gives bonded MLK back. The signer need not own the address: TICA's admin withdrawing a
// proposal returns its stakes; only the alliance chaincode can ask, and only to the address
// that bonded them.
Result<milkpb::Response> AllianceRelease(Stub& stub, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireCallingChaincode(stub, kAllianceCallerName, "alliance_release"));
  if (args.size() != 2) return InvalidArgument("usage: alliance_release <address> <amount>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(Params(stub).status());
  const std::string& address = args[0];
  MILK_ASSIGN_OR_RETURN(Amount bonded, LoadAmount(stub, "bonded", {address}));
  if (bonded < amount) {
    return FailedPrecondition("the alliance bond of " + address + " holds " +
                              FormatAmount(bonded) + ", cannot release " + FormatAmount(amount));
  }
  if (bonded == amount) {  // state holds only live bonds
    MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("bonded", {address}));
    MILK_RETURN_IF_ERROR(stub.DelState(key));
  } else {
    MILK_RETURN_IF_ERROR(SaveAmount(stub, "bonded", {address}, bonded - amount));
  }
  MILK_RETURN_IF_ERROR(Credit(stub, address, amount));
  return Bonded(stub, address);
}

}  // namespace milk::chaincode::mlk
