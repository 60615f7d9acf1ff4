// chaincode/lzm: the reward functions and the gated team and reserve grants.
#include "chaincode/lzm/lzm.h"
#include "chaincode/lzm/lzm_internal.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode::lzm {
namespace {

// " via chaincode 'x'" when another chaincode made the call, for refusal messages.
std::string CallingChaincodeNote(Stub& stub) {
  const std::string& caller = stub.GetCallingChaincode();
  return caller.empty() ? "" : " via chaincode " + Quote(caller);
}

Result<milkpb::Response> Paid(Amount paid) {
  return Success(Json{{"paid", FormatAmount(paid)}}.dump());
}

// Pays rate * quantity from pool, idempotent on (kind, ref).
Result<milkpb::Response> RateReward(Stub& stub, const Config& config, const std::string& kind,
                                    const std::string& ref_scope, const std::string& pool,
                                    const std::string& address, const std::string& quantity_text,
                                    const Rate& rate, const std::string& unit = "") {
  MILK_RETURN_IF_ERROR(CheckAddress(address));
  MILK_ASSIGN_OR_RETURN(Amount quantity, ParsePositive(quantity_text, "quantity"));
  MILK_ASSIGN_OR_RETURN(Amount reward, ApplyRate(quantity, rate));
  return Idempotent(stub, kind, ref_scope, address + " " + quantity_text + unit,
                    [&]() -> Result<milkpb::Response> {
                      MILK_ASSIGN_OR_RETURN(Amount paid,
                                            PayFromPool(stub, config, pool, address, reward, kind));
                      return Paid(paid);
                    });
}

}  // namespace

Result<milkpb::Response> TradeReward(Stub& stub, const Config& config) {
  // The exchange reports its own trades inside the trade's transaction (signed by the wallet).
  if (stub.GetCallingChaincode() != kExchangeCaller) {
    MILK_RETURN_IF_ERROR(RequireReporter(stub, config, "trade_reward"));
  }
  const auto& args = stub.GetArgs();
  if (args.size() != 4) return BadRequest("usage: trade_reward <address> <volume> <KRW|MLK> <ref>");
  if (args[2] != "KRW" && args[2] != "MLK") {
    return BadRequest("unit must be KRW or MLK, got " + Quote(args[2]));
  }
  const Rate& rate = args[2] == "KRW" ? config.trade_krw : config.trade_mlk;
  MILK_RETURN_IF_ERROR(CheckReference(args[3]));
  return RateReward(stub, config, "trade", args[3], "rewards", args[0], args[1], rate,
                    " " + args[2]);
}

Result<milkpb::Response> CouponReward(Stub& stub, const Config& config) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (who.is_wallet || (who.role != milkpb::ADMIN && who.role != milkpb::CLIENT)) {
    return Forbidden(
        "coupon_reward requires a partner's org member with role admin or client; "
        "caller is " +
        crypto::PrincipalName(who));
  }
  const auto& args = stub.GetArgs();
  if (args.size() != 3) return BadRequest("usage: coupon_reward <address> <amount_krw> <ref>");
  MILK_RETURN_IF_ERROR(CheckReference(args[2]));
  // A partner's reference is unique within its own legacy system only.
  return RateReward(stub, config, "coupon", who.org + "/" + args[2], "rewards", args[0], args[1],
                    config.coupon_krw);
}

Result<milkpb::Response> BurnReward(Stub& stub, const Config& config) {
  // mlk reports the burn inside the burn's own transaction (signed by the burning wallet).
  if (stub.GetCallingChaincode() != kMlkCaller) {
    MILK_RETURN_IF_ERROR(RequireReporter(stub, config, "burn_reward"));
  }
  const auto& args = stub.GetArgs();
  if (args.size() != 3) return BadRequest("usage: burn_reward <address> <mlk_burned> <burn_ref>");
  MILK_RETURN_IF_ERROR(CheckReference(args[2]));
  return RateReward(stub, config, "burn", args[2], "events", args[0], args[1], config.burn_mlk);
}

Result<milkpb::Response> PackReward(Stub& stub, const Config& config) {
  const auto& args = stub.GetArgs();
  if (args.size() != 3) return BadRequest("usage: pack_reward <address> <lzm_amount> <stake_id>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[1], "lzm_amount"));
  MILK_RETURN_IF_ERROR(CheckReference(args[2]));
  // The pack chaincode pays the reward it decided inside the unstake (signed by the wallet).
  const bool from_pack =
      !config.pack_chaincode.empty() && stub.GetCallingChaincode() == config.pack_chaincode;
  if (!from_pack && !IsOperatorAdmin(stub.GetCreator(), config)) {
    return Forbidden("pack_reward requires an admin of " + config.operator_org +
                     (config.pack_chaincode.empty()
                          ? std::string()
                          : " or a call from the " + config.pack_chaincode + " chaincode") +
                     "; caller is " + crypto::PrincipalName(stub.GetCreator()) +
                     CallingChaincodeNote(stub));
  }
  return Idempotent(
      stub, "pack", args[2], args[0] + " " + args[1], [&]() -> Result<milkpb::Response> {
        MILK_ASSIGN_OR_RETURN(Amount paid,
                              PayFromPool(stub, config, "events", args[0], amount, "pack"));
        return Paid(paid);
      });
}

Result<milkpb::Response> Attendance(Stub& stub, const Config& config) {
  const auto& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: attendance <address>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!(who.is_wallet && crypto::WalletAddress(who.public_key) == args[0])) {
    MILK_RETURN_IF_ERROR(RequireReporter(stub, config, "attendance for another address"));
  }
  if (stub.GetTxTimestamp() < 0) return BadRequest("transaction timestamp is negative");
  const std::string day = std::to_string(stub.GetTxTimestamp() / kDayMs);
  MILK_ASSIGN_OR_RETURN(Json seen, Load(stub, "attended", {args[0], day}));
  if (!seen.is_null()) {
    return Error(409, "attendance of " + args[0] + " was already rewarded on UTC day " + day);
  }
  MILK_RETURN_IF_ERROR(Save(stub, "attended", {args[0], day}, Json(1)));
  MILK_ASSIGN_OR_RETURN(Amount paid, PayFromPool(stub, config, "events", args[0],
                                                 config.attendance_reward, "attendance"));
  return Paid(paid);
}

Result<milkpb::Response> TeamGrant(Stub& stub, const Config& config) {
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, config, "team_grant"));
  const auto& args = stub.GetArgs();
  if (args.size() != 2) return BadRequest("usage: team_grant <address> <amount>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[1], "amount"));
  MILK_ASSIGN_OR_RETURN(Amount rewards, ReadAmount(stub, "pool", {"rewards"}));
  MILK_ASSIGN_OR_RETURN(Amount events, ReadAmount(stub, "pool", {"events"}));
  if (rewards != 0 || events != 0) {
    return Error(412,
                 "the team pool is gated until the rewards and events pools are fully "
                 "distributed; they still hold " +
                     FormatAmount(rewards) + " and " + FormatAmount(events));
  }
  MILK_ASSIGN_OR_RETURN(Amount received, ReadAmount(stub, "stat", {"users_received"}));
  MILK_ASSIGN_OR_RETURN(Amount team_paid, ReadAmount(stub, "stat", {"team_paid"}));
  const Amount allowed = received / 10;  // floor: never above 10% of what users received
  if (team_paid + amount > allowed) {
    return Error(412, "team payouts may not exceed 10% of what users received (" +
                          FormatAmount(allowed) + "); already paid " + FormatAmount(team_paid) +
                          ", requested " + FormatAmount(amount));
  }
  MILK_ASSIGN_OR_RETURN(Amount pool, ReadAmount(stub, "pool", {"team"}));
  if (amount > pool) {
    return Error(
        412, "the team pool holds " + FormatAmount(pool) + ", requested " + FormatAmount(amount));
  }
  MILK_RETURN_IF_ERROR(WriteAmount(stub, "stat", {"team_paid"}, team_paid + amount));
  MILK_ASSIGN_OR_RETURN(Amount paid, PayFromPool(stub, config, "team", args[0], amount, "team"));
  return Paid(paid);
}

Result<milkpb::Response> ReserveGrant(Stub& stub, const Config& config) {
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, config, "reserve_grant"));
  const auto& args = stub.GetArgs();
  if (args.size() != 2) return BadRequest("usage: reserve_grant <address> <amount>");
  MILK_RETURN_IF_ERROR(CheckAddress(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[1], "amount"));
  for (const char* other : {"rewards", "events"}) {
    MILK_ASSIGN_OR_RETURN(Amount held, ReadAmount(stub, "pool", {other}));
    if (held != 0) {
      return Error(412, std::string("the reserve pool is gated until every other pool is "
                                    "exhausted; the ") +
                            other + " pool still holds " + FormatAmount(held));
    }
  }
  // The team pool is exhausted when empty or when it paid all that the 10% gate will ever allow:
  // with users capped at 85% of the supply, 10% of that is below the team's 10% cap.
  MILK_ASSIGN_OR_RETURN(Amount team, ReadAmount(stub, "pool", {"team"}));
  MILK_ASSIGN_OR_RETURN(Amount received, ReadAmount(stub, "stat", {"users_received"}));
  MILK_ASSIGN_OR_RETURN(Amount team_paid, ReadAmount(stub, "stat", {"team_paid"}));
  if (team != 0 && team_paid < received / 10) {
    return Error(412,
                 "the reserve pool is gated until every other pool is exhausted; the team "
                 "pool may still pay " +
                     FormatAmount(received / 10 - team_paid));
  }
  MILK_ASSIGN_OR_RETURN(Amount pool, ReadAmount(stub, "pool", {"reserve"}));
  if (amount > pool) {
    return Error(412, "the reserve pool holds " + FormatAmount(pool) + ", requested " +
                          FormatAmount(amount));
  }
  MILK_ASSIGN_OR_RETURN(Amount paid,
                        PayFromPool(stub, config, "reserve", args[0], amount, "reserve"));
  return Paid(paid);
}

}  // namespace milk::chaincode::lzm
