// Moves between holders: transfer, burn, release of matured lots and the exchange gateway.
#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::mlk {
namespace {

// The gateway account moves only through deposit and withdraw, so its balance always equals what
// was withdrawn to the external exchange minus what came back (plus what TICA funded it with).
Status RefuseGateway(const Json& params, const std::string& address, const std::string& what) {
  if (address == params["gateway_account"].get<std::string>()) {
    return InvalidArgument("the gateway account " + address + " moves only by deposit and " +
                           "withdraw, not by " + what);
  }
  return Status::Ok();
}

// MISSION.md: the liquidity pool is "only for exchange liquidity, never distributed out". The
// liquidity account therefore moves only through the exchange (exchange_collect/exchange_pay)
// and receives only the liquidity pool's grant: whoever holds its key cannot spend it, and its
// balance always equals granted + collected - paid.
Status RefuseLiquidity(const Json& params, const std::string& address, const std::string& what) {
  if (address == params["liquidity_account"].get<std::string>()) {
    return InvalidArgument("the liquidity account " + address +
                           " moves only through the exchange, not by " + what);
  }
  return Status::Ok();
}

// The LZM reward for a burn: lzm `burn_reward <from> <amount> <txid>` when mlk is configured with
// an lzm chaincode. Answers the LZM paid ("0" without lzm or when its events pool is exhausted,
// 412: the burn stands); any other refusal fails the burn with lzm's status.
Result<std::string> BurnReward(Stub& stub, const Json& params, const std::string& from,
                               Amount amount) {
  const std::string lzm = params.value("lzm_chaincode", std::string());
  if (lzm.empty()) return std::string("0");
  milkpb::Response reward =
      stub.InvokeChaincode(lzm, "burn_reward", {from, FormatAmount(amount), stub.GetTxID()});
  if (reward.status() == 412) return std::string("0");
  if (reward.status() != 200) {
    // The burn answers lzm's refusal as its own: 403, 404 (lzm not installed), 409; else 500.
    const Code code = reward.status() == 403   ? Code::kPermissionDenied
                      : reward.status() == 404 ? Code::kNotFound
                      : reward.status() == 409 ? Code::kAlreadyExists
                                               : Code::kInternal;
    return Status(code, "the burn's LZM reward was refused by " + lzm + " (" +
                            std::to_string(reward.status()) + "): " + reward.message());
  }
  Json paid = Json::parse(reward.payload(), nullptr, false);
  if (paid.is_discarded() || !paid.contains("paid") || !paid["paid"].is_string() ||
      !ParseAmount(paid["paid"].get<std::string>()).ok()) {
    return Internal(lzm + " burn_reward answered " + Quote(reward.payload()) +
                    ", not {\"paid\":\"<amount>\"}");
  }
  return paid["paid"].get<std::string>();
}

}  // namespace

Result<milkpb::Response> Transfer(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  if (args.size() != 2) return BadRequest("usage: transfer <to_address> <amount>");
  const std::string from = CallerAddress(stub);
  const std::string& to = args[0];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  if (to == from) return BadRequest("cannot transfer to yourself: to is the caller's address");
  MILK_RETURN_IF_ERROR(RefuseGateway(params, from, "transfer"));
  MILK_RETURN_IF_ERROR(RefuseGateway(params, to, "transfer (use withdraw)"));
  MILK_RETURN_IF_ERROR(RefuseLiquidity(params, from, "transfer"));
  MILK_RETURN_IF_ERROR(RefuseLiquidity(params, to, "transfer"));
  MILK_RETURN_IF_ERROR(ReleaseMatured(stub, from).status());
  MILK_RETURN_IF_ERROR(Move(stub, from, to, amount));
  const std::string event =
      Json{{"from", from}, {"to", to}, {"amount", FormatAmount(amount)}}.dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("transfer", event));
  return Success(event);
}

Result<milkpb::Response> Burn(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  if (args.size() != 1) return BadRequest("usage: burn <amount>");
  const std::string from = CallerAddress(stub);
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[0]));
  MILK_RETURN_IF_ERROR(RefuseGateway(params, from, "burn"));
  MILK_RETURN_IF_ERROR(RefuseLiquidity(params, from, "burn"));
  MILK_RETURN_IF_ERROR(ReleaseMatured(stub, from).status());
  MILK_ASSIGN_OR_RETURN(Amount balance, LoadAmount(stub, "balance", {from}));
  if (balance < amount) {
    return FailedPrecondition("insufficient unlocked balance to burn: " + from + " has " +
                              FormatAmount(balance) + ", burns " + FormatAmount(amount));
  }
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "balance", {from}, balance - amount));
  MILK_ASSIGN_OR_RETURN(Amount burned, LoadAmount(stub, "burned", {}));
  MILK_ASSIGN_OR_RETURN(Amount burned_by, LoadAmount(stub, "burned_by", {from}));
  // Burned amounts came out of the fixed supply, so neither sum can overflow.
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "burned", {}, burned + amount));
  MILK_RETURN_IF_ERROR(SaveAmount(stub, "burned_by", {from}, burned_by + amount));
  MILK_ASSIGN_OR_RETURN(std::string lzm_reward, BurnReward(stub, params, from, amount));
  const std::string event = Json{{"from", from},
                                 {"amount", FormatAmount(amount)},
                                 {"burned_by_address", FormatAmount(burned_by + amount)},
                                 {"lzm_reward", lzm_reward}}
                                .dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("burn", event));
  return Success(event);
}

Result<milkpb::Response> Release(Stub& stub, const Args& args) {
  MILK_RETURN_IF_ERROR(Params(stub).status());
  if (!args.empty()) return BadRequest("usage: release");
  const std::string address = CallerAddress(stub);
  MILK_ASSIGN_OR_RETURN(Amount released, ReleaseMatured(stub, address));
  const std::string result =
      Json{{"address", address}, {"released", FormatAmount(released)}}.dump();
  if (released > 0) MILK_RETURN_IF_ERROR(stub.SetEvent("release", result));
  return Success(result);
}

Result<milkpb::Response> Deposit(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, params));
  if (args.size() != 3) return BadRequest("usage: deposit <to_address> <amount> <external_ref>");
  const std::string &to = args[0], &ref = args[2];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(CheckName("external_ref", ref));
  const std::string gateway = params["gateway_account"].get<std::string>();
  if (to == gateway) return BadRequest("cannot deposit to the gateway account itself");
  MILK_RETURN_IF_ERROR(RefuseLiquidity(params, to, "deposit"));
  const Json request = {{"function", "deposit"}, {"args", args}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first, FindRequest(stub, "ext:" + ref, request));
  if (first.has_value()) return Success(*first);
  MILK_RETURN_IF_ERROR(Move(stub, gateway, to, amount));
  const std::string result =
      Json{{"to", to}, {"amount", FormatAmount(amount)}, {"external_ref", ref}}.dump();
  MILK_RETURN_IF_ERROR(RecordRequest(stub, "ext:" + ref, request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("deposit", result));
  return Success(result);
}

Result<milkpb::Response> Withdraw(Stub& stub, const Args& args) {
  MILK_ASSIGN_OR_RETURN(Json params, Params(stub));
  if (args.size() != 2) return BadRequest("usage: withdraw <amount> <external_ref>");
  const std::string from = CallerAddress(stub);
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[0]));
  const std::string& ref = args[1];
  MILK_RETURN_IF_ERROR(CheckName("external_ref", ref));
  const std::string gateway = params["gateway_account"].get<std::string>();
  MILK_RETURN_IF_ERROR(RefuseGateway(params, from, "withdraw"));
  MILK_RETURN_IF_ERROR(RefuseLiquidity(params, from, "withdraw"));
  const Json request = {{"function", "withdraw"}, {"from", from}, {"args", args}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first, FindRequest(stub, "ext:" + ref, request));
  if (first.has_value()) return Success(*first);
  MILK_RETURN_IF_ERROR(ReleaseMatured(stub, from).status());
  MILK_RETURN_IF_ERROR(Move(stub, from, gateway, amount));
  const std::string result =
      Json{{"from", from}, {"amount", FormatAmount(amount)}, {"external_ref", ref}}.dump();
  MILK_RETURN_IF_ERROR(RecordRequest(stub, "ext:" + ref, request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("withdraw", result));
  return Success(result);
}

}  // namespace milk::chaincode::mlk
