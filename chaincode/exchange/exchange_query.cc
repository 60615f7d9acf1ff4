// Read-only functions (anyone): market, markets, quote, feed, swap, purchase, partner_volume.
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

// A market with its bounds, as the stored parameters give them.
Result<Json> MarketView(const Market& market) {
  Json out = MarketJson(market);
  Result<PriceBounds> bounds = Bounds(market.params);
  if (!bounds.ok()) return FromPricing(bounds.status());
  out["max_price_micro_krw"] = FormatAmount(bounds->max_price_micro_krw);
  out["min_price_micro_krw"] = FormatAmount(bounds->min_price_micro_krw);
  return out;
}

Result<milkpb::Response> Markets(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> rows, stub.GetStateByPartialCompositeKey("market", {}));
  Json out = Json::array();
  for (const KV& row : rows) {
    Json value = Json::parse(row.value, nullptr, false);
    MILK_ASSIGN_OR_RETURN(Market market, MarketFromJson(value));
    MILK_ASSIGN_OR_RETURN(Json view, MarketView(market));
    out.push_back(std::move(view));
  }
  return Success(out.dump());
}

Result<milkpb::Response> Feed(Stub& stub, const Config& config) {
  MILK_ASSIGN_OR_RETURN(Json feed, Load(stub, "feed", {}));
  if (feed.is_null()) return NotFound("no MLK/KRW price yet");
  Result<MlkFeed> fresh = FreshFeed(stub, config);
  feed["stale"] = !fresh.ok();
  feed["max_age_ms"] = config.feed_max_age_ms;
  return Success(feed.dump());
}

Result<milkpb::Response> Purchase(Stub& stub, const Args& args) {
  if (args.size() != 1) return BadRequest("usage: purchase <txid>");
  MILK_RETURN_IF_ERROR(CheckName("purchase", args[0]));
  MILK_ASSIGN_OR_RETURN(Json value, Load(stub, "purchase", {args[0]}));
  if (value.is_null()) return NotFound("no purchase " + chaincode::Quote(args[0]));
  return Success(value.dump());
}

// The decision; 404 while undecided (the relay's proof of "not decided yet" is a 404 view).
Result<milkpb::Response> Swap(Stub& stub, const Args& args) {
  if (args.size() != 2) return BadRequest("usage: swap <brand_chain_id> <swap_id>");
  MILK_RETURN_IF_ERROR(CheckChainId(args[0]));
  MILK_RETURN_IF_ERROR(CheckSwapId(args[1]));
  MILK_ASSIGN_OR_RETURN(Json value, Load(stub, "swap", {args[0], args[1]}));
  if (value.is_null()) return NotFound("swap " + args[1] + " of " + args[0] + " is undecided");
  return Success(value.dump());
}

Result<milkpb::Response> PartnerVolume(Stub& stub, const Args& args) {
  if (args.size() != 1) return BadRequest("usage: partner_volume <partner_org>");
  MILK_RETURN_IF_ERROR(CheckName("partner_org", args[0]));
  MILK_ASSIGN_OR_RETURN(Json value, Load(stub, "partner", {args[0]}));
  if (value.is_null()) value = Json{{"volume", "0"}, {"settled", "0"}};
  value["org"] = args[0];
  return Success(value.dump());
}

}  // namespace

std::optional<Result<milkpb::Response>> Query(Stub& stub, const Config& config,
                                              const std::string& function, const Args& args) {
  if (function == "market") {
    if (args.size() != 1) return Result<milkpb::Response>(BadRequest("usage: market <brand>"));
    Result<Market> market = LoadMarket(stub, args[0]);
    if (!market.ok()) return Result<milkpb::Response>(market.status());
    Result<Json> view = MarketView(*market);
    if (!view.ok()) return Result<milkpb::Response>(view.status());
    return Result<milkpb::Response>(Success(view->dump()));
  }
  if (function == "markets") return Markets(stub);
  if (function == "quote") return QuoteTrade(stub, config, args);
  if (function == "feed") return Feed(stub, config);
  if (function == "swap") return Swap(stub, args);
  if (function == "purchase") return Purchase(stub, args);
  if (function == "partner_volume") return PartnerVolume(stub, args);
  return std::nullopt;
}

}  // namespace milk::chaincode::exchange
