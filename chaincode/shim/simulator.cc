#include "chaincode/shim/simulator.h"

#include <exception>
#include <utility>

#include "chaincode/shim/text.h"
#include "chaincode/shim/tx_recorder.h"

namespace milk::chaincode {
namespace {

using internal::PendingWrite;
using internal::TxRecorder;

// What every call inside one transaction shares.
struct TxShared {
  const Registry& registry;
  StateReader& state;
  const TxContext& context;
  TxRecorder recorder;
};

// One chaincode call: the top-level one or a nested InvokeChaincode. Borrows its strings.
struct Call {
  const std::string& chaincode;  // also the namespace of its state
  const std::string& function;
  const std::vector<std::string>& args;
  int depth = 0;
  bool init = false;
  const std::string* caller = nullptr;  // the chaincode whose InvokeChaincode made this call
};

milkpb::Response RunChaincode(TxShared& tx, const Call& call);

class SimulatorStub final : public Stub {
 public:
  SimulatorStub(TxShared& tx, const Call& call) : tx_(tx), call_(call) {}

  Result<std::optional<std::string>> GetState(const std::string& key) override {
    MILK_RETURN_IF_ERROR(CheckKey(key));
    if (const PendingWrite* write = tx_.recorder.FindWrite(call_.chaincode, key)) {
      if (write->is_delete) return std::optional<std::string>();
      return std::optional<std::string>(write->value);  // own write: nothing to validate
    }
    auto got = tx_.state.Get(call_.chaincode, key);
    if (!got.ok()) return tx_.recorder.Fail(got.status());
    std::optional<Version> version;
    std::optional<std::string> value;
    if (got->has_value()) {
      version = (*got)->version;
      value = std::move((*got)->value);
    }
    MILK_RETURN_IF_ERROR(tx_.recorder.RecordRead(call_.chaincode, key, version));
    return value;
  }

  Status PutState(const std::string& key, std::string value) override {
    MILK_RETURN_IF_ERROR(CheckKey(key));
    if (value.size() > kValueBytesMax) {
      return tx_.recorder.Fail(ResourceExhausted(
          "value of " + std::to_string(value.size()) + " bytes for key " + Quote(key) +
          " exceeds kValueBytesMax (" + std::to_string(kValueBytesMax) + ")"));
    }
    return tx_.recorder.RecordWrite(call_.chaincode, key, PendingWrite{false, std::move(value)});
  }

  Status DelState(const std::string& key) override {
    MILK_RETURN_IF_ERROR(CheckKey(key));
    return tx_.recorder.RecordWrite(call_.chaincode, key, PendingWrite{true, ""});
  }

  Result<std::vector<KV>> GetStateByRange(const std::string& start,
                                          const std::string& end) override;

  Result<std::vector<KV>> GetStateByPartialCompositeKey(
      const std::string& object_type, const std::vector<std::string>& attributes) override {
    MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange(object_type, attributes));
    return GetStateByRange(range.first, range.second);
  }

  Result<std::vector<HistoryEntry>> GetHistoryForKey(const std::string& key) override {
    MILK_RETURN_IF_ERROR(CheckKey(key));
    auto history = tx_.state.History(call_.chaincode, key);
    if (!history.ok()) return tx_.recorder.Fail(history.status());
    if (history->size() > kHistoryEntriesMax) {
      return tx_.recorder.Fail(ResourceExhausted(
          "history of key " + Quote(key) + " has " + std::to_string(history->size()) +
          " entries, more than kHistoryEntriesMax (" + std::to_string(kHistoryEntriesMax) + ")"));
    }
    return history;
  }

  const std::string& GetTxID() const override { return tx_.context.tx_id; }
  const std::string& GetChainID() const override { return tx_.context.chain_id; }
  const crypto::IdentityInfo& GetCreator() const override { return tx_.context.creator; }
  int64_t GetTxTimestamp() const override { return tx_.context.timestamp_ms; }
  const std::string& GetFunction() const override { return call_.function; }
  const std::vector<std::string>& GetArgs() const override { return call_.args; }
  const std::string& GetCallingChaincode() const override {
    static const std::string kNone;
    return call_.caller == nullptr ? kNone : *call_.caller;
  }

  Status SetEvent(const std::string& name, std::string payload) override;

  milkpb::Response InvokeChaincode(const std::string& chaincode, const std::string& function,
                                   const std::vector<std::string>& args) override {
    if (call_.depth >= kInvokeDepthMax) {
      Status breach = tx_.recorder.Fail(ResourceExhausted(
          "InvokeChaincode of '" + chaincode + "' would nest deeper than kInvokeDepthMax (" +
          std::to_string(kInvokeDepthMax) + ")"));
      return Error(413, breach.message());
    }
    Call child{chaincode, function, args, call_.depth + 1, false, &call_.chaincode};
    tx_.recorder.BeginNested();
    milkpb::Response response = RunChaincode(tx_, child);
    tx_.recorder.EndNested(response.status() == 200);
    return response;
  }

 private:
  // Empty or non-UTF-8 keys are the caller's mistake; oversized ones breach a bound.
  Status CheckKey(const std::string& key) {
    if (key.empty()) return InvalidArgument("state key is empty");
    return CheckKeyText(key);
  }
  // Also for range bounds, which may be empty.
  Status CheckKeyText(const std::string& key) {
    if (key.size() > kKeyBytesMax) {
      return tx_.recorder.Fail(ResourceExhausted("key " + Quote(key) + " exceeds kKeyBytesMax (" +
                                                 std::to_string(kKeyBytesMax) + " bytes)"));
    }
    if (IsValidUtf8(key)) return Status::Ok();
    return InvalidArgument("state key " + Quote(key) + " is not valid UTF-8");
  }

  TxShared& tx_;
  const Call& call_;
};

Result<std::vector<KV>> SimulatorStub::GetStateByRange(const std::string& start,
                                                       const std::string& end) {
  MILK_RETURN_IF_ERROR(CheckKeyText(start));
  MILK_RETURN_IF_ERROR(CheckKeyText(end));
  if (!end.empty() && end < start) {
    return InvalidArgument("range start " + Quote(start) + " is after its end " + Quote(end));
  }
  std::vector<KV> results;
  milkpb::RangeQueryInfo info;
  bool too_many = false;
  Status scanned = tx_.state.Scan(
      call_.chaincode, start, end, [&](const std::string& key, const VersionedValue& value) {
        if (results.size() == kRangeResultsMax) {
          too_many = true;
          return false;
        }
        results.push_back(KV{key, value.value});
        milkpb::KVRead* read = info.add_reads();
        read->set_key(key);
        read->mutable_version()->set_block_number(value.version.block_number);
        read->mutable_version()->set_tx_index(value.version.tx_index);
        return true;
      });
  if (!scanned.ok()) return tx_.recorder.Fail(scanned);
  if (too_many) {
    return tx_.recorder.Fail(ResourceExhausted(
        "range [" + Quote(start) + ", " + Quote(end) + ") of '" + call_.chaincode +
        "' holds more than kRangeResultsMax (" + std::to_string(kRangeResultsMax) + ") keys"));
  }
  info.set_start_key(start);
  info.set_end_key(end);
  // Always true here: a range is read to its end, and one too large fails the transaction.
  info.set_exhausted(true);
  MILK_RETURN_IF_ERROR(tx_.recorder.RecordRangeQuery(call_.chaincode, std::move(info)));
  return results;
}

Status SimulatorStub::SetEvent(const std::string& name, std::string payload) {
  if (name.empty()) return InvalidArgument("event name is empty");
  if (!IsValidUtf8(name))
    return InvalidArgument("event name " + Quote(name) + " is not valid UTF-8");
  if (name.size() > kEventNameBytesMax) {
    return tx_.recorder.Fail(ResourceExhausted("event name " + Quote(name) +
                                               " exceeds kEventNameBytesMax (" +
                                               std::to_string(kEventNameBytesMax) + " bytes)"));
  }
  if (payload.size() > kEventPayloadBytesMax) {
    return tx_.recorder.Fail(ResourceExhausted(
        "payload of event " + Quote(name) + " has " + std::to_string(payload.size()) +
        " bytes, more than kEventPayloadBytesMax (" + std::to_string(kEventPayloadBytesMax) + ")"));
  }
  milkpb::ChaincodeEvent event;
  event.set_chaincode(call_.chaincode);
  event.set_name(name);
  event.set_payload(std::move(payload));
  event.set_tx_id(tx_.context.tx_id);
  return tx_.recorder.RecordEvent(std::move(event));
}

milkpb::Response RunChaincode(TxShared& tx, const Call& call) {
  Chaincode* chaincode = tx.registry.Find(call.chaincode);
  if (chaincode == nullptr) {
    return Error(404, "chaincode " + Quote(call.chaincode) + " is not installed on this node");
  }
  SimulatorStub stub(tx, call);
  milkpb::Response response;
  try {
    response = call.init ? chaincode->Init(stub) : chaincode->Invoke(stub);
  } catch (const std::exception& e) {
    return Error(500, "chaincode '" + call.chaincode + "' threw: " + ToValidUtf8(e.what()));
  } catch (...) {
    return Error(500, "chaincode '" + call.chaincode + "' threw a non-standard exception");
  }
  if (response.status() == 0) {
    return Error(500, "chaincode '" + call.chaincode + "' returned a response without a status");
  }
  // Response.message is a proto string: a message quoting raw input must still serialize.
  if (!IsValidUtf8(response.message())) response.set_message(ToValidUtf8(response.message()));
  return response;
}

milkpb::Response FailureResponse(const Status& failure) {
  if (failure.code() == Code::kResourceExhausted) return Error(413, ToValidUtf8(failure.message()));
  return Error(500, "reading the world state failed: " + ToValidUtf8(failure.ToString()));
}

}  // namespace

SimulationResult Simulate(const Registry& registry, StateReader& state, const TxContext& context,
                          bool init) {
  TxShared tx{registry, state, context, TxRecorder()};
  Call top{context.chaincode, context.function, context.args, 0, init};
  SimulationResult result;
  result.response = RunChaincode(tx, top);
  if (!tx.recorder.failure().ok()) result.response = FailureResponse(tx.recorder.failure());
  if (result.response.status() == 200) {
    result.rwset = tx.recorder.BuildRwset();
    result.events = tx.recorder.TakeEvents();
  }
  return result;
}

}  // namespace milk::chaincode
