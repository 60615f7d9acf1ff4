#include "chaincode/lzm/lzm.h"

#include <string>
#include <vector>

#include "chaincode/lzm/lzm_internal.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace {

using lzm::Config;
using lzm::Json;

Result<milkpb::Response> InitLzm(Stub& stub) {
  const std::vector<std::string>& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: init <config_json>");
  MILK_ASSIGN_OR_RETURN(Config config, lzm::ParseConfig(args[0]));
  (void)config;
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_RETURN_IF_ERROR(stub.PutState(key, args[0]));
  MILK_RETURN_IF_ERROR(lzm::WriteAmount(stub, "pool", {"rewards"}, kLzmRewardsCap));
  MILK_RETURN_IF_ERROR(lzm::WriteAmount(stub, "pool", {"events"}, kLzmEventsCap));
  MILK_RETURN_IF_ERROR(lzm::WriteAmount(stub, "pool", {"team"}, kLzmTeamCap));
  MILK_RETURN_IF_ERROR(lzm::WriteAmount(stub, "pool", {"reserve"}, kLzmReserveCap));
  return Success();
}

// Debits from, credits to; both addresses already checked.
Result<milkpb::Response> Move(Stub& stub, const std::string& from, const std::string& to,
                              Amount amount) {
  MILK_ASSIGN_OR_RETURN(Amount from_balance, lzm::ReadAmount(stub, "balance", {from}));
  if (from_balance < amount) {
    return Error(412, "insufficient LZM: balance " + FormatAmount(from_balance) + ", needed " +
                          FormatAmount(amount));
  }
  MILK_ASSIGN_OR_RETURN(Amount to_balance, lzm::ReadAmount(stub, "balance", {to}));
  MILK_RETURN_IF_ERROR(lzm::WriteAmount(stub, "balance", {from}, from_balance - amount));
  MILK_RETURN_IF_ERROR(lzm::WriteAmount(stub, "balance", {to}, to_balance + amount));
  return Success();
}

Result<std::string> WalletCaller(Stub& stub, const std::string& function) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!who.is_wallet) {
    return PermissionDenied(function + " is for customer wallets; caller is " +
                            crypto::PrincipalName(who));
  }
  return crypto::WalletAddress(who.public_key);
}

Result<milkpb::Response> Transfer(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::string from, WalletCaller(stub, "transfer"));
  const auto& args = stub.GetArgs();
  if (args.size() != 2) return BadRequest("usage: transfer <to_address> <amount>");
  MILK_RETURN_IF_ERROR(lzm::CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, lzm::ParsePositive(args[1], "amount"));
  if (args[0] == from) return BadRequest("cannot transfer to yourself (" + from + ")");
  MILK_ASSIGN_OR_RETURN(milkpb::Response moved, Move(stub, from, args[0], amount));
  if (moved.status() != 200) return moved;
  MILK_RETURN_IF_ERROR(stub.SetEvent(
      "transfer", Json{{"from", from}, {"to", args[0]}, {"amount", FormatAmount(amount)}}.dump()));
  return moved;
}

Result<milkpb::Response> PayService(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::string from, WalletCaller(stub, "pay_service"));
  const auto& args = stub.GetArgs();
  if (args.size() != 2) return BadRequest("usage: pay_service <amount> <memo>");
  MILK_ASSIGN_OR_RETURN(Amount amount, lzm::ParsePositive(args[0], "amount"));
  if (args[1].empty() || args[1].size() > kLzmMemoBytesMax || !IsValidUtf8(args[1])) {
    return BadRequest("memo must be 1 to " + std::to_string(kLzmMemoBytesMax) +
                      " bytes of UTF-8 naming the service paid for");
  }
  MILK_ASSIGN_OR_RETURN(milkpb::Response moved, Move(stub, from, kLzmServiceAccount, amount));
  if (moved.status() != 200) return moved;
  MILK_RETURN_IF_ERROR(stub.SetEvent(
      "service_paid",
      Json{{"from", from}, {"amount", FormatAmount(amount)}, {"memo", args[1]}}.dump()));
  return moved;
}

Result<milkpb::Response> Balance(Stub& stub) {
  const auto& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: balance <address>");
  if (args[0] != kLzmServiceAccount) MILK_RETURN_IF_ERROR(lzm::CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount balance, lzm::ReadAmount(stub, "balance", {args[0]}));
  return Success(FormatAmount(balance));
}

Result<milkpb::Response> LevelQuery(Stub& stub, const Config& config) {
  const auto& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: level <address>");
  MILK_RETURN_IF_ERROR(lzm::CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Json level, lzm::LevelOf(stub, config, args[0]));
  return Success(level.dump());
}

Result<milkpb::Response> Dispatch(Stub& stub) {
  const std::string& function = stub.GetFunction();
  if (function == "balance") return Balance(stub);
  if (function == "supply") return lzm::Supply(stub);
  if (function == "transfer") return Transfer(stub);
  if (function == "pay_service") return PayService(stub);
  MILK_ASSIGN_OR_RETURN(Config config, lzm::LoadConfig(stub));
  if (function == "trade_reward") return lzm::TradeReward(stub, config);
  if (function == "coupon_reward") return lzm::CouponReward(stub, config);
  if (function == "pack_reward") return lzm::PackReward(stub, config);
  if (function == "attendance") return lzm::Attendance(stub, config);
  if (function == "burn_reward") return lzm::BurnReward(stub, config);
  if (function == "team_grant") return lzm::TeamGrant(stub, config);
  if (function == "reserve_grant") return lzm::ReserveGrant(stub, config);
  if (function == "level") return LevelQuery(stub, config);
  if (function == "vip") return lzm::Vip(stub, config);
  // No function spends LZM on a trade or turns it into MLK (MISSION.md, "LoungeM").
  return Error(404, "unknown function " + Quote(function) +
                        " (lzm has trade_reward, coupon_reward, pack_reward, attendance, "
                        "burn_reward, team_grant, reserve_grant, transfer, pay_service, balance, "
                        "level, vip, supply; LZM can never pay for a trade nor become MLK)");
}

}  // namespace

milkpb::Response LzmChaincode::Init(Stub& stub) { return ResponseFromResult(InitLzm(stub)); }
milkpb::Response LzmChaincode::Invoke(Stub& stub) { return ResponseFromResult(Dispatch(stub)); }

bool LzmChaincode::IsSequenced(const std::string& function) const {
  for (const char* sequenced : {"trade_reward", "coupon_reward", "pack_reward", "attendance",
                                "burn_reward", "team_grant", "reserve_grant", "pay_service"}) {
    if (function == sequenced) return true;
  }
  return false;
}

}  // namespace milk::chaincode
