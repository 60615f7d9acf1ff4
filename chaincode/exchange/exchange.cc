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
  if (function == "seed") return exchange::Seed(stub, config, args);
  if (function == "settle_contribution") return exchange::SettleContribution(stub, config, args);
  // deposit <ref> (one argument) is the query; the relay's deposit takes five.
  if (function == "deposit" && args.size() != 1) return exchange::Deposit(stub, config, args);
  if (function == "return_deposit") return exchange::ReturnDeposit(stub, config, args);
  if (function == "set_feed") return exchange::SetFeed(stub, config, args);
  if (function == "sell") return exchange::Sell(stub, config, args);
  if (function == "buy") return exchange::Buy(stub, config, args);
  std::optional<Result<milkpb::Response>> query =
      exchange::Query(stub, config, function, args);
  if (query.has_value()) return *query;
  return NotFound("unknown function " + Quote(function) +
                  " (exchange has open_market, seed, settle_contribution, deposit, "
                  "return_deposit, set_feed, sell, buy, market, markets, quote, feed, deposit, "
                  "purchase, partner_volume)");
}

}  // namespace

milkpb::Response ExchangeChaincode::Init(Stub& stub) {
  return ResponseFromResult(InitExchange(stub));
}

milkpb::Response ExchangeChaincode::Invoke(Stub& stub) {
  return ResponseFromResult(Dispatch(stub));
}

bool ExchangeChaincode::IsSequenced(const std::string& function) const {
  return function == "buy" || function == "sell" || function == "seed" ||
         function == "settle_contribution";
}

}  // namespace milk::chaincode
