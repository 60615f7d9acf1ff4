// TICA's functions: open_market, settle_contribution, set_feed.
#include "chaincode/exchange/exchange.h"
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

Result<size_t> CountMarkets(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> markets, stub.GetStateByPartialCompositeKey("market", {}));
  return markets.size();
}

// The alliance's brand_chain entry of the market's chain must name the market's partner: proofs
// of that chain are checked against the roots the partner registered.
Status CheckBrandChain(Stub& stub, const Config& config, const Market& market) {
  Result<Json> entry = Call(stub, config.alliance_chaincode, "brand_chain", {market.chain_id});
  if (!entry.ok()) {
    if (entry.status().code() != Code::kNotFound) return entry.status();
    return FailedPrecondition("brand chain " + chaincode::Quote(market.chain_id) +
                              " is not registered in the alliance (register_brand_chain)");
  }
  if (!entry->is_object() || !entry->contains("org") || (*entry)["org"] != market.partner_org) {
    return FailedPrecondition("brand chain " + chaincode::Quote(market.chain_id) +
                              " is registered to " +
                              (entry->is_object() ? entry->value("org", Json("?")) : Json("?"))
                                  .dump() +
                              ", not to " + chaincode::Quote(market.partner_org));
  }
  return Status::Ok();
}

}  // namespace

Result<milkpb::Response> OpenMarket(Stub& stub, const Config& config, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, config, "open_market"));
  if (args.size() != 6) {
    return BadRequest(
        "usage: open_market <brand> <partner_org> <redemption_value_micro_krw> <bt_unit> "
        "<depth_units> <brand_chain_id>");
  }
  Market market;
  market.brand = args[0];
  market.partner_org = args[1];
  market.chain_id = args[5];
  MILK_RETURN_IF_ERROR(CheckName("brand", market.brand));
  MILK_RETURN_IF_ERROR(CheckName("partner_org", market.partner_org));
  MILK_RETURN_IF_ERROR(CheckChainId(market.chain_id));
  MILK_ASSIGN_OR_RETURN(market.params.redemption_value_micro_krw,
                        ParsePositive(args[2], "redemption_value_micro_krw"));
  MILK_ASSIGN_OR_RETURN(market.params.bt_unit, ParsePositive(args[3], "bt_unit"));
  MILK_ASSIGN_OR_RETURN(market.params.depth_units, ParsePositive(args[4], "depth_units"));
  MILK_ASSIGN_OR_RETURN(Json existing, Load(stub, "market", {market.brand}));
  if (!existing.is_null()) return AlreadyExists("the market for " + market.brand + " is open");
  Result<Market> same_chain = MarketOfChain(stub, market.chain_id);
  if (same_chain.ok()) {
    return AlreadyExists("brand chain " + market.chain_id + " already has the market " +
                         same_chain->brand);
  }
  if (same_chain.status().code() != Code::kNotFound) return same_chain.status();
  MILK_ASSIGN_OR_RETURN(size_t markets, CountMarkets(stub));
  if (markets >= kMarketsMax) {
    return FailedPrecondition("the exchange holds " + std::to_string(kMarketsMax) +
                              " markets, its maximum");
  }
  Result<Json> partner = Call(stub, config.alliance_chaincode, "partner", {market.partner_org});
  if (!partner.ok()) {
    if (partner.status().code() != Code::kNotFound) return partner.status();
    return FailedPrecondition(chaincode::Quote(market.partner_org) + " is not an active alliance partner");
  }
  if (!partner->contains("brand") || (*partner)["brand"] != market.brand) {
    return FailedPrecondition(chaincode::Quote(market.partner_org) + "'s brand is " +
                              partner->value("brand", Json("?")).dump() + ", not " +
                              chaincode::Quote(market.brand));
  }
  MILK_RETURN_IF_ERROR(CheckBrandChain(stub, config, market));
  MILK_RETURN_IF_ERROR(RefreshParams(stub, config, market));
  MILK_RETURN_IF_ERROR(SaveMarket(stub, market));
  const Json answer = MarketJson(market);
  MILK_RETURN_IF_ERROR(stub.SetEvent("market_opened", answer.dump()));
  return Success(answer.dump());
}

Result<milkpb::Response> SettleContribution(Stub& stub, const Config& config, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, config, "settle_contribution"));
  if (args.size() != 3) return BadRequest("usage: settle_contribution <partner_org> <to> <ref>");
  const std::string &org = args[0], &to = args[1], &ref = args[2];
  MILK_RETURN_IF_ERROR(CheckName("partner_org", org));
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  const Json request = {{"partner_org", org}, {"to", to}};
  MILK_ASSIGN_OR_RETURN(std::optional<Json> replay, Replay(stub, "settle", ref, request));
  if (replay.has_value()) return Success(replay->dump());
  MILK_ASSIGN_OR_RETURN(Json partner, Load(stub, "partner", {org}));
  if (partner.is_null()) return FailedPrecondition(org + " has no trade volume to settle");
  MILK_ASSIGN_OR_RETURN(Amount volume, FieldAmount(partner, "volume"));
  MILK_ASSIGN_OR_RETURN(Amount settled, FieldAmount(partner, "settled"));
  if (settled >= volume) {
    return FailedPrecondition(org + "'s trade volume is settled: nothing unsettled");
  }
  const Amount unsettled = volume - settled;
  MILK_ASSIGN_OR_RETURN(Json paid, Call(stub, config.mlk_chaincode, "contribution",
                                        {org, to, FormatAmount(unsettled), ref}));
  partner["settled"] = FormatAmount(volume);
  MILK_RETURN_IF_ERROR(Save(stub, "partner", {org}, partner));
  const Json result = {{"partner_org", org},
                       {"to", to},
                       {"volume_settled", FormatAmount(unsettled)},
                       {"mlk", paid}};
  MILK_RETURN_IF_ERROR(Record(stub, "settle", ref, request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("contribution_settled", result.dump()));
  return Success(result.dump());
}

Result<milkpb::Response> SetFeed(Stub& stub, const Config& config, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireOracle(stub, config));
  if (args.size() != 1) return BadRequest("usage: set_feed <micro_krw_per_mlk>");
  MILK_ASSIGN_OR_RETURN(Amount price, ParsePositive(args[0], "micro_krw_per_mlk"));
  const Json feed = {{"micro_krw_per_mlk", FormatAmount(price)},
                     {"time_ms", stub.GetTxTimestamp()},
                     {"tx", stub.GetTxID()}};
  MILK_RETURN_IF_ERROR(Save(stub, "feed", {}, feed));
  MILK_RETURN_IF_ERROR(stub.SetEvent("feed", feed.dump()));
  return Success(feed.dump());
}

}  // namespace milk::chaincode::exchange
