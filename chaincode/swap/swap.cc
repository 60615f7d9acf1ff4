// Init, dispatch and the queries of the swap chaincode.
#include "chaincode/swap/swap.h"

#include <optional>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/shim/text.h"
#include "chaincode/swap/swap_functions.h"
#include "chaincode/swap/swap_state.h"

namespace milk::chaincode {
namespace swap {

Result<milkpb::Response> SwapQuery(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 1) return BadRequest("usage: swap <swap_id>");
  MILK_RETURN_IF_ERROR(CheckSwapIdArg(args[0]));
  MILK_ASSIGN_OR_RETURN(std::optional<Record> record, LoadRecord(stub, args[0]));
  if (!record.has_value()) return NotFound("unknown swap " + args[0] + " on this chain");
  return Success(RecordToJson(*record).dump());
}

Result<milkpb::Response> OpenQuery(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() > 2) return BadRequest("usage: open [start_after] [limit]");
  size_t limit = kOpenLimitDefault;
  if (args.size() == 2) {
    auto parsed = ParseAmount(args[1]);
    if (!parsed.ok() || *parsed == 0 || *parsed > kOpenLimitMax) {
      return BadRequest("limit must be 1 to " + std::to_string(kOpenLimitMax) + ", got " +
                        Quote(args[1]));
    }
    limit = static_cast<size_t>(*parsed);
  }
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange("open", {}));
  std::string start = range.first;
  if (!args.empty() && !args[0].empty()) {
    MILK_RETURN_IF_ERROR(CheckSwapIdArg(args[0]));
    MILK_ASSIGN_OR_RETURN(std::string after, CreateCompositeKey("open", {args[0]}));
    start = after + '\x01';  // every key of a later id, none of start_after itself
  }
  // Bounded by kRangeResultsMax: a chain with more locked swaps than that answers 413; the
  // relay finishes swaps faster than customers lock them.
  MILK_ASSIGN_OR_RETURN(std::vector<KV> open, stub.GetStateByRange(start, range.second));
  Json ids = Json::array();
  for (const KV& kv : open) {
    if (ids.size() == limit) break;
    auto split = SplitCompositeKey(kv.key);
    if (!split.ok() || split->second.size() != 1) return DataLoss("malformed open index key");
    ids.push_back(split->second[0]);
  }
  return Success(Json{{"ids", ids}}.dump());
}

Result<milkpb::Response> DeliveryQuery(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 1) return BadRequest("usage: delivery <txid>");
  MILK_RETURN_IF_ERROR(CheckTxId(args[0]));
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("delivery", {args[0]}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return NotFound("no delivery of purchase " + args[0]);
  MILK_ASSIGN_OR_RETURN(Delivery delivery, ParseDelivery(*stored));
  return Success(DeliveryToJson(delivery).dump());
}

namespace {

Result<milkpb::Response> ConfigQuery(Stub& stub, const std::vector<std::string>& args) {
  if (!args.empty()) return BadRequest("usage: config");
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  return Success(ConfigToJson(config).dump());
}

Result<milkpb::Response> InitSwap(Stub& stub) {
  const std::vector<std::string>& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: init <json> (see docs/chaincode_swap.md)");
  MILK_ASSIGN_OR_RETURN(Config config, ParseConfig(args[0]));
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_RETURN_IF_ERROR(stub.PutState(key, ConfigToJson(config).dump()));
  return Success();
}

}  // namespace
}  // namespace swap

milkpb::Response SwapChaincode::Init(Stub& stub) {
  return ResponseFromResult(swap::InitSwap(stub));
}

milkpb::Response SwapChaincode::Invoke(Stub& stub) {
  const std::string& function = stub.GetFunction();
  const std::vector<std::string>& args = stub.GetArgs();
  // The brandtoken's bound: deadlines and ages stay far from int64 overflow.
  if (stub.GetTxTimestamp() < 0 || stub.GetTxTimestamp() >= kTxTimestampMsMax) {
    return BadRequest("transaction timestamp " + std::to_string(stub.GetTxTimestamp()) +
                      " is outside [0, " + std::to_string(kTxTimestampMsMax) + ") ms");
  }
  if (function == "sell") return ResponseFromResult(swap::Sell(stub, args));
  if (function == "stock") return ResponseFromResult(swap::Stock(stub, args));
  if (function == "finish") return ResponseFromResult(swap::Finish(stub, args));
  if (function == "deliver") return ResponseFromResult(swap::Deliver(stub, args));
  if (function == "swap") return ResponseFromResult(swap::SwapQuery(stub, args));
  if (function == "open") return ResponseFromResult(swap::OpenQuery(stub, args));
  if (function == "delivery") return ResponseFromResult(swap::DeliveryQuery(stub, args));
  if (function == "config") return ResponseFromResult(swap::ConfigQuery(stub, args));
  return BadRequest("unknown function " + Quote(function) +
                    " (swap has sell, stock, finish, deliver, swap, open, delivery, config)");
}

bool SwapChaincode::IsSequenced(const std::string& function) const {
  return function == "finish" || function == "deliver";
}

}  // namespace milk::chaincode
