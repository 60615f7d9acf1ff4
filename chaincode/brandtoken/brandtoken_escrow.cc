// The brandtoken side of swaps (docs/swaps.md): escrow_lock, escrow_release, escrow_refund and
// credit_purchase, each callable only from the swap chaincode, which checks the proofs. Every
// refusal is decided before the first write.
#include "chaincode/brandtoken/brandtoken_escrow.h"

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/brandtoken_state.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::brandtoken {
namespace {

// The creator of a swap transaction is the customer or the relay, never proof of anything: the
// swap chaincode is the authority (it checked the center chain's decision), so the calling
// chaincode is what is checked here.
Status RequireSwapCaller(const Stub& stub, const Config& config, const std::string& function) {
  const std::string& caller = stub.GetCallingChaincode();
  if (caller == config.swap_chaincode) return Status::Ok();
  return PermissionDenied(function + " is called only by the swap chaincode " +
                          Quote(config.swap_chaincode) + "; " +
                          (caller.empty() ? std::string("this is a direct call")
                                          : "the caller is chaincode " + Quote(caller)));
}

Result<Escrow> RequireEscrow(Stub& stub, const std::string& swap_id) {
  MILK_ASSIGN_OR_RETURN(std::optional<Escrow> escrow, LoadEscrow(stub, swap_id));
  if (!escrow.has_value()) {
    return NotFound("no escrow for swap " + swap_id +
                    " (never locked, or already released or refunded)");
  }
  return std::move(*escrow);
}

Status DeleteEscrow(Stub& stub, const std::string& swap_id) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("escrow", {swap_id}));
  return stub.DelState(key);
}

// Config, caller and the single swap_id argument of escrow_release / escrow_refund.
Result<Config> SwapIdCall(Stub& stub, const std::vector<std::string>& args,
                          const std::string& function) {
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  MILK_RETURN_IF_ERROR(RequireSwapCaller(stub, config, function));
  if (args.size() != 1) return InvalidArgument("usage: " + function + " <swap_id>");
  MILK_RETURN_IF_ERROR(CheckSwapId(args[0]));
  return config;
}

}  // namespace

Result<milkpb::Response> EscrowLock(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  MILK_RETURN_IF_ERROR(RequireSwapCaller(stub, config, "escrow_lock"));
  if (args.size() != 3) return BadRequest("usage: escrow_lock <owner> <amount> <swap_id>");
  const std::string &owner = args[0], &swap_id = args[2];
  MILK_RETURN_IF_ERROR(CheckAddress(owner));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(CheckSwapId(swap_id));
  if (owner == config.platform_address) {
    return Forbidden(std::string(kPlatformMovesOnlyThroughSwaps) +
                     ": the platform account cannot lock BT in escrow");
  }
  MILK_ASSIGN_OR_RETURN(std::optional<Escrow> existing, LoadEscrow(stub, swap_id));
  if (existing.has_value()) {
    return AlreadyExists("swap " + swap_id + " already holds an escrow of " + existing->owner);
  }
  const int64_t now_ms = stub.GetTxTimestamp();
  MILK_ASSIGN_OR_RETURN(Lots lots, LoadLots(stub, owner));
  MILK_RETURN_IF_ERROR(RequireSpendable(lots, amount, now_ms, owner));
  Lots pieces = TakeEarliest(lots, amount, now_ms);  // earliest expiry first, expiries kept
  MILK_RETURN_IF_ERROR(SaveLots(stub, owner, lots));
  MILK_RETURN_IF_ERROR(SaveEscrow(stub, swap_id, Escrow{owner, pieces}));
  std::string payload = Json{
      {"swap_id", swap_id},
      {"owner", owner},
      {"amount", FormatAmount(amount)},
      {"brand", config.symbol},
      {"lots",
       LotsToJson(pieces)}}.dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("escrow_lock", payload));
  return Success(payload);
}

Result<milkpb::Response> EscrowRelease(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, SwapIdCall(stub, args, "escrow_release"));
  const std::string& swap_id = args[0];
  MILK_ASSIGN_OR_RETURN(Escrow escrow, RequireEscrow(stub, swap_id));
  const Amount amount = SumLots(escrow.lots);
  MILK_ASSIGN_OR_RETURN(Lots platform, LoadLots(stub, config.platform_address));
  // TICA's lots all expire at kNeverExpiresMs, so they merge into one and nothing is dropped.
  MILK_ASSIGN_OR_RETURN(Amount dropped,
                        AddLotsFolding(platform, {Lot{kNeverExpiresMs, amount}},
                                       stub.GetTxTimestamp(), config.platform_address));
  MILK_CHECK(dropped == 0);
  MILK_RETURN_IF_ERROR(SaveLots(stub, config.platform_address, platform));
  MILK_RETURN_IF_ERROR(DeleteEscrow(stub, swap_id));
  std::string payload =
      Json{{"swap_id", swap_id}, {"owner", escrow.owner}, {"amount", FormatAmount(amount)}}.dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("escrow_release", payload));
  return Success(payload);
}

Result<milkpb::Response> EscrowRefund(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, SwapIdCall(stub, args, "escrow_refund"));
  const std::string& swap_id = args[0];
  MILK_ASSIGN_OR_RETURN(Escrow escrow, RequireEscrow(stub, swap_id));
  MILK_ASSIGN_OR_RETURN(Lots lots, LoadLots(stub, escrow.owner));
  MILK_ASSIGN_OR_RETURN(Amount expired,
                        AddLotsFolding(lots, escrow.lots, stub.GetTxTimestamp(), escrow.owner));
  MILK_RETURN_IF_ERROR(SaveLots(stub, escrow.owner, lots));
  if (expired > 0) MILK_RETURN_IF_ERROR(AddToTotal(stub, "expired", expired));
  MILK_RETURN_IF_ERROR(DeleteEscrow(stub, swap_id));
  std::string payload = Json{{"swap_id", swap_id},
                             {"owner", escrow.owner},
                             {"amount", FormatAmount(SumLots(escrow.lots))},
                             {"expired", FormatAmount(expired)}}
                            .dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("escrow_refund", payload));
  return Success(payload);
}

Result<milkpb::Response> CreditPurchase(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  MILK_RETURN_IF_ERROR(RequireSwapCaller(stub, config, "credit_purchase"));
  if (args.size() != 3)
    return BadRequest("usage: credit_purchase <to_address> <amount> <purchase_ref>");
  const std::string &to = args[0], &reference = args[2];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(CheckReference("purchase_ref", reference));
  if (to == config.platform_address) {
    return BadRequest("cannot credit a purchase to the platform account " + to + " itself");
  }
  Json request = {{"to", to}, {"amount", FormatAmount(amount)}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first,
                        FindIdempotent(stub, "purchase_ref", reference, request));
  if (first.has_value()) return Success(*first);

  const int64_t now_ms = stub.GetTxTimestamp();
  const int64_t expiry_ms = ExpiryAfter(now_ms, config.renewal_ms);
  MILK_ASSIGN_OR_RETURN(Lots platform_lots, LoadLots(stub, config.platform_address));
  MILK_RETURN_IF_ERROR(RequireSpendable(platform_lots, amount, now_ms,
                                        "the platform account " + config.platform_address));
  MILK_ASSIGN_OR_RETURN(Lots to_lots, LoadLots(stub, to));
  MILK_ASSIGN_OR_RETURN(Amount expired,  // a fresh expiry
                        AddLotsFolding(to_lots, {Lot{expiry_ms, amount}}, now_ms, to));
  TakeEarliest(platform_lots, amount, now_ms);
  MILK_RETURN_IF_ERROR(SaveLots(stub, config.platform_address, platform_lots));
  MILK_RETURN_IF_ERROR(SaveLots(stub, to, to_lots));
  if (expired > 0) MILK_RETURN_IF_ERROR(AddToTotal(stub, "expired", expired));
  std::string payload = Json{
      {"to", to},
      {"amount", FormatAmount(amount)},
      {"expiry_ms", expiry_ms},
      {"purchase_ref",
       reference}}.dump();
  MILK_RETURN_IF_ERROR(SaveIdempotent(stub, "purchase_ref", reference, request, payload));
  MILK_RETURN_IF_ERROR(stub.SetEvent("credit_purchase", payload));
  return Success(payload);
}

Result<milkpb::Response> EscrowQuery(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 1) return BadRequest("usage: escrow <swap_id>");
  MILK_RETURN_IF_ERROR(CheckSwapId(args[0]));
  MILK_ASSIGN_OR_RETURN(Escrow escrow, RequireEscrow(stub, args[0]));
  return Success(Json{{"owner", escrow.owner}, {"lots", LotsToJson(escrow.lots)}}.dump());
}

}  // namespace milk::chaincode::brandtoken
