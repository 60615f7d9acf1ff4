#include "chaincode/exchange/exchange.h"

#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode {
namespace {

using exchange::Config;
using exchange::Json;

Result<milkpb::Response> InitExchange(Stub& stub) {
  const std::vector<std::string>& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: Init <json> (docs/chaincode_exchange.md)");
  MILK_ASSIGN_OR_RETURN(Config config, exchange::ParseConfig(args[0]));
  MILK_RETURN_IF_ERROR(exchange::Save(stub, "config", {}, exchange::ConfigJson(config)));
  return Success();
}

Result<milkpb::Response> Dispatch(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Config config, exchange::LoadConfig(stub));
  const std::string& function = stub.GetFunction();
  const std::vector<std::string>& args = stub.GetArgs();
  if (function == "open_market") return exchange::OpenMarket(stub, config, args);
  if (function == "settle_contribution") return exchange::SettleContribution(stub, config, args);
  if (function == "set_feed") return exchange::SetFeed(stub, config, args);
  if (function == "buy") return exchange::Buy(stub, config, args);
  if (function == "settle_swap") return exchange::SettleSwap(stub, config, args);
  if (function == "abort_swap") return exchange::AbortSwap(stub, config, args);
  std::optional<Result<milkpb::Response>> query =
      exchange::Query(stub, config, function, args);
  if (query.has_value()) return *query;
  return NotFound("unknown function " + Quote(function) +
                  " (exchange has open_market, settle_contribution, set_feed, buy, "
                  "settle_swap, abort_swap, market, markets, quote, feed, swap, purchase, "
                  "partner_volume)");
}

}  // namespace

milkpb::Response ExchangeChaincode::Init(Stub& stub) {
  return ResponseFromResult(InitExchange(stub));
}

milkpb::Response ExchangeChaincode::Invoke(Stub& stub) {
  return ResponseFromResult(Dispatch(stub));
}

bool ExchangeChaincode::IsSequenced(const std::string& function) const {
  return function == "buy" || function == "settle_swap" || function == "abort_swap" ||
         function == "settle_contribution";
}

}  // namespace milk::chaincode
