// finish and deliver: the brand chain follows the center chain's decision, on proof
// (docs/swaps.md, steps 3 of a sale and 2 of a purchase). The proof is the authority, so the
// creator does not matter; every refusal is decided before the first write.
#include <optional>

#include "chaincode/shim/text.h"
#include "chaincode/swap/swap.h"
#include "chaincode/swap/swap_functions.h"
#include "chaincode/swap/swap_state.h"
#include "crypto/identity.h"

namespace milk::chaincode::swap {
namespace {

// VerifyView's refusals as this chaincode answers them (swap.h): malformed 400, not signed as
// the policy requires 403, wrong or stale 412.
Status ProofRefused(const Status& status) {
  const std::string message = "proof refused: " + status.message();
  switch (status.code()) {
    case Code::kInvalidArgument:
      return InvalidArgument(message);
    case Code::kUnauthenticated:
      return PermissionDenied(message);
    case Code::kFailedPrecondition:
      return FailedPrecondition(message);
    default:
      return status;
  }
}

Result<milkpb::ViewResult> VerifyCenterView(Stub& stub, const Config& config,
                                            const std::string& proof_bytes,
                                            const std::string& function,
                                            std::vector<std::string> args) {
  proof::Expectation expect;
  expect.chaincode = config.exchange_chaincode;
  expect.function = function;
  expect.args = std::move(args);
  expect.now_ms = stub.GetTxTimestamp();
  expect.max_age_ms = config.proof_max_age_ms;
  auto view = proof::VerifyView(proof_bytes, CenterSource(config), expect);
  if (!view.ok()) return ProofRefused(view.status());
  return view;
}

Result<Json> ViewPayload(const milkpb::ViewResult& view, const std::string& what) {
  Json json = Json::parse(view.payload(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return FailedPrecondition(what + " in the proof is not a JSON object");
  }
  return json;
}

// "" when json[key] is the string expected, else the mismatch for the message.
std::string Mismatch(const Json& json, const char* key, const std::string& expected) {
  if (json.contains(key) && json[key].is_string() && json[key].get<std::string>() == expected) {
    return "";
  }
  return std::string(key) + " is " + (json.contains(key) ? json[key].dump() : "missing") +
         ", expected " + Quote(expected);
}

Status CheckDecision(const Record& record, const Json& decision) {
  std::string wrong = Mismatch(decision, "id", record.id);
  if (wrong.empty()) wrong = Mismatch(decision, "chain_id", record.chain_id);
  if (wrong.empty()) wrong = Mismatch(decision, "owner", record.owner);
  const bool settled = wrong.empty() && Mismatch(decision, "state", "settled").empty();
  if (wrong.empty() && !settled) wrong = Mismatch(decision, "state", "aborted");
  if (wrong.empty() && settled) wrong = Mismatch(decision, "amount", FormatAmount(record.amount));
  if (wrong.empty() && settled) wrong = Mismatch(decision, "kind", record.kind);
  if (wrong.empty() && !(decision.contains("reason") && decision["reason"].is_string())) {
    wrong = "reason is missing";
  }
  if (wrong.empty()) return Status::Ok();
  return FailedPrecondition("the center's decision does not match swap " + record.id + ": " +
                            wrong);
}

Result<Record> LockedRecord(Stub& stub, const std::string& id) {
  MILK_ASSIGN_OR_RETURN(std::optional<Record> record, LoadRecord(stub, id));
  if (!record.has_value()) return NotFound("unknown swap " + id + " on this chain");
  if (record->state != "locked") {
    return AlreadyExists("swap " + id + " is already " + record->state + " (finished in tx " +
                         record->finish_tx + ")");
  }
  return std::move(*record);
}

}  // namespace

Result<milkpb::Response> Finish(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 2) return BadRequest("usage: finish <swap_id> <proof>");
  const std::string& id = args[0];
  MILK_RETURN_IF_ERROR(CheckSwapIdArg(id));
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  MILK_ASSIGN_OR_RETURN(Record record, LockedRecord(stub, id));
  MILK_ASSIGN_OR_RETURN(milkpb::ViewResult view,
                        VerifyCenterView(stub, config, args[1], "swap", {record.chain_id, id}));
  if (view.status() == 404) {
    return FailedPrecondition("the center chain had not decided swap " + id + " at height " +
                              std::to_string(view.height()) + "; retry with a newer proof");
  }
  if (view.status() != 200) {
    return FailedPrecondition("the center chain's view of swap " + id + " answered status " +
                              std::to_string(view.status()));
  }
  MILK_ASSIGN_OR_RETURN(Json decision, ViewPayload(view, "the decision"));
  MILK_RETURN_IF_ERROR(CheckDecision(record, decision));
  const bool settled = decision["state"] == "settled";
  milkpb::Response moved = stub.InvokeChaincode(config.brandtoken_chaincode,
                                                settled ? "escrow_release" : "escrow_refund", {id});
  if (moved.status() != 200) return Error(moved.status(), moved.message());
  record.state = settled ? "released" : "refunded";
  record.finish_tx = stub.GetTxID();
  record.reason = decision["reason"].get<std::string>();
  record.proof_height = view.height();
  MILK_RETURN_IF_ERROR(SaveRecord(stub, record));
  std::string payload = RecordToJson(record).dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("swap_finished", payload));
  return Success(payload);
}

Result<milkpb::Response> Deliver(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 2) return BadRequest("usage: deliver <txid> <proof>");
  const std::string& txid = args[0];
  MILK_RETURN_IF_ERROR(CheckTxId(txid));
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("delivery", {txid}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (stored.has_value()) {
    MILK_ASSIGN_OR_RETURN(Delivery done, ParseDelivery(*stored));
    return AlreadyExists("purchase " + txid + " was already delivered (in tx " + done.deliver_tx +
                         ")");
  }
  MILK_ASSIGN_OR_RETURN(milkpb::ViewResult view,
                        VerifyCenterView(stub, config, args[1], "purchase", {txid}));
  if (view.status() == 404) {
    return NotFound("no purchase " + txid + " on the center chain at height " +
                    std::to_string(view.height()));
  }
  if (view.status() != 200) {
    return FailedPrecondition("the center chain's view of purchase " + txid + " answered status " +
                              std::to_string(view.status()));
  }
  MILK_ASSIGN_OR_RETURN(Json purchase, ViewPayload(view, "the purchase"));
  std::string wrong = Mismatch(purchase, "chain_id", stub.GetChainID());
  if (!wrong.empty()) {
    return FailedPrecondition("purchase " + txid + " is not for this brand chain: " + wrong);
  }
  wrong = Mismatch(purchase, "tx", txid);
  const bool buyer_ok = purchase.contains("buyer") && purchase["buyer"].is_string() &&
                        crypto::IsValidWalletAddress(purchase["buyer"].get<std::string>());
  auto amount = purchase.contains("bt_amount") && purchase["bt_amount"].is_string()
                    ? ParseAmount(purchase["bt_amount"].get<std::string>())
                    : Result<Amount>(InvalidArgument("missing"));
  if (!wrong.empty() || !buyer_ok || !amount.ok() || *amount == 0) {
    return FailedPrecondition("purchase " + txid + " in the proof is malformed: " +
                              (wrong.empty() ? "buyer or bt_amount" : wrong));
  }
  Delivery delivery{txid, purchase["buyer"].get<std::string>(), *amount, 0, stub.GetTxID()};
  milkpb::Response credited =
      stub.InvokeChaincode(config.brandtoken_chaincode, "credit_purchase",
                           {delivery.buyer, FormatAmount(delivery.amount), txid});
  if (credited.status() != 200) return Error(credited.status(), credited.message());
  Json credit = Json::parse(credited.payload(), nullptr, false);
  if (credit.is_discarded() || !credit.contains("expiry_ms") ||
      !credit["expiry_ms"].is_number_integer()) {
    return Internal("brandtoken credit_purchase answered without expiry_ms");
  }
  delivery.expiry_ms = credit["expiry_ms"].get<int64_t>();
  std::string payload = DeliveryToJson(delivery).dump();
  MILK_RETURN_IF_ERROR(stub.PutState(key, payload));
  MILK_RETURN_IF_ERROR(stub.SetEvent("swap_delivered", payload));
  return Success(payload);
}

}  // namespace milk::chaincode::swap
