// sell and stock: step 1 of a swap, the lock (docs/swaps.md). Every refusal is decided before the
// first write; the brandtoken's escrow_lock is the last check and the first write.
#include <optional>

#include "chaincode/shim/text.h"
#include "chaincode/swap/swap.h"
#include "chaincode/swap/swap_functions.h"
#include "chaincode/swap/swap_state.h"
#include "crypto/identity.h"

namespace milk::chaincode::swap {
namespace {

struct LockRequest {
  std::string kind;  // "sell" | "stock"
  std::string ref;
  Amount amount = 0;
  Amount min_mlk = 0;
  int64_t deadline_ms = 0;
};

bool SameRequest(const Record& record, const LockRequest& request) {
  return record.kind == request.kind && record.amount == request.amount &&
         record.min_mlk == request.min_mlk && record.deadline_ms == request.deadline_ms;
}

Status CheckDeadline(const Config& config, int64_t deadline_ms, int64_t now_ms) {
  if (deadline_ms <= now_ms) {
    return InvalidArgument("deadline_ms " + std::to_string(deadline_ms) +
                           " is not after the transaction time " + std::to_string(now_ms));
  }
  if (deadline_ms - now_ms > config.deadline_max_ms) {
    return InvalidArgument("deadline_ms " + std::to_string(deadline_ms) + " is more than " +
                           std::to_string(config.deadline_max_ms) +
                           " ms (deadline_max_ms) after the transaction time " +
                           std::to_string(now_ms));
  }
  return Status::Ok();
}

Result<milkpb::Response> Lock(Stub& stub, const Config& config, const LockRequest& request) {
  const std::string owner = crypto::WalletAddress(stub.GetCreator().public_key);
  const std::string id = SwapId(stub.GetChainID(), owner, request.ref);
  MILK_ASSIGN_OR_RETURN(std::optional<Record> existing, LoadRecord(stub, id));
  if (existing.has_value()) {
    if (SameRequest(*existing, request)) return Success(RecordToJson(*existing).dump());
    return AlreadyExists("ref " + Quote(request.ref) + " was already used for swap " + id + " (" +
                         existing->kind + " of " + FormatAmount(existing->amount) +
                         ", deadline_ms " + std::to_string(existing->deadline_ms) +
                         ") with a different request; use a new ref");
  }
  const int64_t now_ms = stub.GetTxTimestamp();
  MILK_RETURN_IF_ERROR(CheckDeadline(config, request.deadline_ms, now_ms));
  milkpb::Response locked = stub.InvokeChaincode(config.brandtoken_chaincode, "escrow_lock",
                                                 {owner, FormatAmount(request.amount), id});
  if (locked.status() != 200) return Error(locked.status(), locked.message());
  Json escrow = Json::parse(locked.payload(), nullptr, false);
  if (escrow.is_discarded() || !escrow.contains("brand") || !escrow["brand"].is_string()) {
    return Internal("brandtoken escrow_lock answered without the brand: " +
                    Quote(locked.payload()));
  }
  Record record;
  record.id = id;
  record.kind = request.kind;
  record.chain_id = stub.GetChainID();
  record.brand = escrow["brand"].get<std::string>();
  record.owner = owner;
  record.ref = request.ref;
  record.amount = request.amount;
  record.min_mlk = request.min_mlk;
  record.deadline_ms = request.deadline_ms;
  record.state = "locked";
  record.lock_tx = stub.GetTxID();
  record.lock_ms = now_ms;
  MILK_RETURN_IF_ERROR(SaveRecord(stub, record));
  std::string payload = RecordToJson(record).dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("swap_locked", payload));
  return Success(payload);
}

}  // namespace

Result<milkpb::Response> Sell(Stub& stub, const std::vector<std::string>& args) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (!creator.is_wallet) {
    return Forbidden("sell is signed by the customer's wallet; caller is " +
                     crypto::PrincipalName(creator));
  }
  if (args.size() != 4) return BadRequest("usage: sell <ref> <amount> <min_mlk> <deadline_ms>");
  LockRequest request;
  request.kind = "sell";
  request.ref = args[0];
  MILK_RETURN_IF_ERROR(CheckRef(request.ref));
  MILK_ASSIGN_OR_RETURN(request.amount, ParseAmountArg("amount", args[1], /*positive=*/true));
  MILK_ASSIGN_OR_RETURN(request.min_mlk, ParseAmountArg("min_mlk", args[2], /*positive=*/false));
  MILK_ASSIGN_OR_RETURN(request.deadline_ms, ParseMsArg("deadline_ms", args[3]));
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  return Lock(stub, config, request);
}

Result<milkpb::Response> Stock(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  const crypto::IdentityInfo& creator = stub.GetCreator();
  const bool partner = !creator.is_wallet && creator.org == config.partner_org &&
                       (creator.role == milkpb::CLIENT || creator.role == milkpb::ADMIN);
  const bool operator_admin =
      !creator.is_wallet && creator.org == config.operator_org && creator.role == milkpb::ADMIN;
  if (!partner && !operator_admin) {
    return Forbidden("stock requires a member of " + config.partner_org +
                     " (role client or admin) or an admin of " + config.operator_org +
                     "; caller is " + crypto::PrincipalName(creator));
  }
  if (args.size() != 3) return BadRequest("usage: stock <ref> <amount> <deadline_ms>");
  LockRequest request;
  request.kind = "stock";
  request.ref = args[0];
  MILK_RETURN_IF_ERROR(CheckRef(request.ref));
  MILK_ASSIGN_OR_RETURN(request.amount, ParseAmountArg("amount", args[1], /*positive=*/true));
  MILK_ASSIGN_OR_RETURN(request.deadline_ms, ParseMsArg("deadline_ms", args[2]));
  return Lock(stub, config, request);
}

}  // namespace milk::chaincode::swap
