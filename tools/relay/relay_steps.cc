// The protocol steps of one swap or purchase (docs/swaps.md): settle on the center, finish and
// deliver on the brand chain. Each step logs one line and counts one
// milk_relay_steps_total{chain,step,outcome}.
#include <nlohmann/json.hpp>

#include "milk/view.pb.h"
#include "node/ops/logging.h"
#include "tools/relay/relay.h"

namespace milk::relay {
namespace {

using Json = nlohmann::json;

constexpr int32_t kStatusOk = 200;
constexpr int32_t kStatusNotFound = 404;
constexpr int32_t kStatusConflict = 409;

// How a submitted step ended. kAlready: another relay made this step (409 at endorsement or at
// sequenced execution); kConflict: an MVCC conflict, probably the same race; re-read to know.
enum class Submitted { kOk, kAlready, kConflict, kFailed };

Submitted Classify(const InvokeAnswer& answer) {
  if (!answer.endorsed) {
    return answer.status == kStatusConflict ? Submitted::kAlready : Submitted::kFailed;
  }
  switch (answer.code) {
    case milkpb::VALID:
      if (answer.status == kStatusOk) return Submitted::kOk;
      return answer.status == kStatusConflict ? Submitted::kAlready : Submitted::kFailed;
    case milkpb::MVCC_READ_CONFLICT:
    case milkpb::PHANTOM_READ_CONFLICT:
      return Submitted::kConflict;
    case milkpb::SEQUENCED_EXECUTION_FAILED:
      return answer.status == kStatusConflict ? Submitted::kAlready : Submitted::kFailed;
    default:
      return Submitted::kFailed;
  }
}

const char* SubmittedName(Submitted s) {
  switch (s) {
    case Submitted::kOk:
      return "ok";
    case Submitted::kAlready:
      return "already";
    case Submitted::kConflict:
      return "conflict";
    case Submitted::kFailed:
      return "failed";
  }
  return "failed";
}

std::string Describe(const InvokeAnswer& answer) {
  if (!answer.endorsed) {
    return "refused at endorsement: " + std::to_string(answer.status) + " " + answer.message;
  }
  std::string text = milkpb::TxValidationCode_Name(answer.code);
  if (answer.status != kStatusOk)
    text += ": " + std::to_string(answer.status) + " " + answer.message;
  return text;
}

// json[key] when json is an object with a string there, else "".
std::string StringField(const std::string& json, const char* key) {
  const Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return "";
  auto it = parsed.find(key);
  return it != parsed.end() && it->is_string() ? it->get<std::string>() : "";
}

// A fetched proof must show the answer the destination expects; a peer that lags behind the
// one that answered the query shows the earlier state, so wait for the next pass.
Status CheckProofStatus(const std::string& proof_bytes, int32_t want_status) {
  milkpb::ViewProof proof;
  if (!proof.ParseFromString(proof_bytes)) return DataLoss("the peer's proof does not parse");
  if (proof.result().status() != want_status) {
    return FailedPrecondition("the proof shows status " + std::to_string(proof.result().status()) +
                              " at height " + std::to_string(proof.result().height()) +
                              ", not yet " + std::to_string(want_status));
  }
  return Status::Ok();
}

void LogStep(const char* step, const std::string& chain, const char* key, const std::string& id,
             const char* outcome, const std::string& tx_id, const std::string& detail) {
  const bool failed = std::string_view(outcome) == "failed";
  auto log = failed ? ops::LogWarn : ops::LogInfo;
  log("relay step", {{"chain", chain},
                     {key, id},
                     {"step", step},
                     {"outcome", outcome},
                     {"tx_id", tx_id},
                     {"detail", detail}});
}

}  // namespace

void Relay::CountStep(const std::string& chain, const char* step, const char* outcome) {
  metrics_
      .GetCounter("milk_relay_steps_total", "Protocol steps the relay attempted, by outcome.",
                  {{"chain", chain}, {"step", step}, {"outcome", outcome}})
      .Inc();
}

Relay::Outcome Relay::DriveSwap(const BrandChain& brand, const std::string& swap_id) {
  const std::string& chain = brand.port->chain_id();
  Result<QueryAnswer> decided =
      topology_.center->Query(topology_.exchange_chaincode, "swap", {chain, swap_id});
  if (!decided.ok() || (decided->status != kStatusOk && decided->status != kStatusNotFound)) {
    const std::string detail = decided.ok()
                                   ? std::to_string(decided->status) + " " + decided->message
                                   : decided.status().ToString();
    LogStep("read_decision", chain, "swap", swap_id, "failed", "", detail);
    CountStep(chain, "read_decision", "failed");
    return Outcome::kLeft;
  }
  if (decided->status == kStatusNotFound && Settle(brand, swap_id) == Outcome::kLeft) {
    return Outcome::kLeft;
  }
  return Finish(brand, swap_id);
}

Relay::Outcome Relay::Settle(const BrandChain& brand, const std::string& swap_id) {
  const std::string& chain = brand.port->chain_id();
  auto fail = [&](const std::string& detail, const std::string& tx_id = "") {
    LogStep("settle", chain, "swap", swap_id, "failed", tx_id, detail);
    CountStep(chain, "settle", "failed");
    return Outcome::kLeft;
  };
  Result<std::string> proof = brand.port->View(brand.swap_chaincode, "swap", {swap_id});
  if (!proof.ok()) return fail("proof of the lock: " + proof.status().ToString());
  if (Status s = CheckProofStatus(*proof, kStatusOk); !s.ok()) return fail(s.message());
  faults_.Reach("settle.proof_fetched");
  Result<InvokeAnswer> answer = topology_.center->Invoke(topology_.exchange_chaincode,
                                                         "settle_swap", {chain, swap_id, *proof});
  faults_.Reach("settle.submitted");
  if (!answer.ok()) return fail(answer.status().ToString());
  const Submitted submitted = Classify(*answer);
  if (submitted == Submitted::kFailed) return fail(Describe(*answer), answer->tx_id);
  // kOk, kAlready and kConflict alike: the decision is read back before finishing.
  LogStep("settle", chain, "swap", swap_id, SubmittedName(submitted), answer->tx_id,
          submitted == Submitted::kOk ? "" : Describe(*answer));
  CountStep(chain, "settle", SubmittedName(submitted));
  return submitted == Submitted::kOk ? Outcome::kDone : Outcome::kAlready;
}

Relay::Outcome Relay::Finish(const BrandChain& brand, const std::string& swap_id) {
  const std::string& chain = brand.port->chain_id();
  auto fail = [&](const std::string& detail, const std::string& tx_id = "") {
    LogStep("finish", chain, "swap", swap_id, "failed", tx_id, detail);
    CountStep(chain, "finish", "failed");
    return Outcome::kLeft;
  };
  Result<std::string> proof =
      topology_.center->View(topology_.exchange_chaincode, "swap", {chain, swap_id});
  if (!proof.ok()) return fail("proof of the decision: " + proof.status().ToString());
  if (Status s = CheckProofStatus(*proof, kStatusOk); !s.ok()) return fail(s.message());
  faults_.Reach("finish.proof_fetched");
  Result<InvokeAnswer> answer =
      brand.port->Invoke(brand.swap_chaincode, "finish", {swap_id, *proof});
  faults_.Reach("finish.submitted");
  if (!answer.ok()) return fail(answer.status().ToString());
  Submitted submitted = Classify(*answer);
  if (submitted == Submitted::kConflict) {
    // Re-read: finished by someone else, or still locked (then the next pass tries again).
    Result<QueryAnswer> record = brand.port->Query(brand.swap_chaincode, "swap", {swap_id});
    const std::string state =
        record.ok() && record->status == kStatusOk ? StringField(record->payload, "state") : "";
    const bool finished = state == "released" || state == "refunded";
    if (!finished) return fail(Describe(*answer), answer->tx_id);
    submitted = Submitted::kAlready;
  }
  if (submitted == Submitted::kFailed) return fail(Describe(*answer), answer->tx_id);
  LogStep("finish", chain, "swap", swap_id, SubmittedName(submitted), answer->tx_id,
          submitted == Submitted::kOk ? "" : Describe(*answer));
  CountStep(chain, "finish", SubmittedName(submitted));
  return submitted == Submitted::kOk ? Outcome::kDone : Outcome::kAlready;
}

Relay::Outcome Relay::Deliver(const BrandChain& brand, const std::string& tx) {
  const std::string& chain = brand.port->chain_id();
  auto fail = [&](const std::string& detail, const std::string& tx_id = "") {
    LogStep("deliver", chain, "purchase", tx, "failed", tx_id, detail);
    CountStep(chain, "deliver", "failed");
    return Outcome::kLeft;
  };
  Result<QueryAnswer> delivery = brand.port->Query(brand.swap_chaincode, "delivery", {tx});
  if (!delivery.ok()) return fail("reading the delivery: " + delivery.status().ToString());
  if (delivery->status == kStatusOk) return Outcome::kAlready;
  if (delivery->status != kStatusNotFound) {
    return fail("reading the delivery: " + std::to_string(delivery->status) + " " +
                delivery->message);
  }
  Result<std::string> proof =
      topology_.center->View(topology_.exchange_chaincode, "purchase", {tx});
  if (!proof.ok()) return fail("proof of the purchase: " + proof.status().ToString());
  if (Status s = CheckProofStatus(*proof, kStatusOk); !s.ok()) return fail(s.message());
  faults_.Reach("deliver.proof_fetched");
  Result<InvokeAnswer> answer = brand.port->Invoke(brand.swap_chaincode, "deliver", {tx, *proof});
  faults_.Reach("deliver.submitted");
  if (!answer.ok()) return fail(answer.status().ToString());
  Submitted submitted = Classify(*answer);
  if (submitted == Submitted::kConflict) {
    Result<QueryAnswer> again = brand.port->Query(brand.swap_chaincode, "delivery", {tx});
    if (!again.ok() || again->status != kStatusOk) return fail(Describe(*answer), answer->tx_id);
    submitted = Submitted::kAlready;
  }
  if (submitted == Submitted::kFailed) return fail(Describe(*answer), answer->tx_id);
  LogStep("deliver", chain, "purchase", tx, SubmittedName(submitted), answer->tx_id,
          submitted == Submitted::kOk ? "" : Describe(*answer));
  CountStep(chain, "deliver", SubmittedName(submitted));
  return submitted == Submitted::kOk ? Outcome::kDone : Outcome::kAlready;
}

}  // namespace milk::relay
