// The trade path shared by buy and a settled sell swap (exchange_swap.cc), buy itself and the
// read-only quote.
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

Result<Amount> ParseLimit(const std::string& text, const std::string& what) {
  Result<Amount> amount = ParseAmount(text);
  if (!amount.ok()) return InvalidArgument(what + ": " + amount.status().message());
  return amount;
}

}  // namespace

// A buy pays TICA, it never draws on the reserve: only sells read it.
Result<TradeQuote> PriceTrade(Stub& stub, const Config& config, Market& market, Side side,
                              Amount bt_amount) {
  MILK_RETURN_IF_ERROR(RefreshParams(stub, config, market));
  MILK_ASSIGN_OR_RETURN(MlkFeed feed, FreshFeed(stub, config));
  Amount reserve = 0;
  if (side == Side::kSell) {
    MILK_ASSIGN_OR_RETURN(reserve, LiquidityReserve(stub, config));
  }
  Result<TradeQuote> quote = exchange::Quote(market.params, feed, market.inventory, reserve, side,
                                             bt_amount);
  if (!quote.ok()) return FromPricing(quote.status());
  return quote;
}

Json TradeJson(const TradeQuote& quote, const std::string& brand, const std::string& owner,
               const std::string& tx) {
  return Json{{"side", SideName(quote.side)},
              {"brand", brand},
              {"owner", owner},
              {"bt_amount", FormatAmount(quote.bt_amount)},
              {"krw_value", FormatAmount(quote.krw_value)},
              {"krw_fee", FormatAmount(quote.krw_fee)},
              {"mlk_total", FormatAmount(quote.mlk_total)},
              {"mlk_fee", FormatAmount(quote.mlk_fee)},
              {"price_before", FormatAmount(quote.price_before_micro_krw)},
              {"price_after", FormatAmount(quote.price_after_micro_krw)},
              {"inventory_after", FormatAmount(quote.inventory_after)},
              {"tx", tx}};
}

Status AddTo(Amount& total, Amount amount, const std::string& what) {
  std::optional<Amount> sum = CheckedAdd(total, amount);
  if (!sum.has_value()) return InvalidArgument(what + " would overflow");
  total = *sum;
  return Status::Ok();
}

Result<Json> FinishTrade(Stub& stub, const Config& config, Market& market,
                         const TradeQuote& quote, const std::string& owner,
                         const Json& event_extra) {
  market.inventory = quote.inventory_after;
  MILK_RETURN_IF_ERROR(AddTo(market.fees_mlk, quote.mlk_fee, "the market's fees"));
  MILK_RETURN_IF_ERROR(SaveMarket(stub, market));
  const Amount volume = quote.MlkLiquidityLeg();
  MILK_ASSIGN_OR_RETURN(Json partner, Load(stub, "partner", {market.partner_org}));
  if (partner.is_null()) partner = Json{{"volume", "0"}, {"settled", "0"}};
  MILK_ASSIGN_OR_RETURN(Amount total, FieldAmount(partner, "volume"));
  MILK_RETURN_IF_ERROR(AddTo(total, volume, "the partner's trade volume"));
  partner["volume"] = FormatAmount(total);
  MILK_RETURN_IF_ERROR(Save(stub, "partner", {market.partner_org}, partner));
  Json event = TradeJson(quote, market.brand, owner, stub.GetTxID());
  for (const auto& item : event_extra.items()) event[item.key()] = item.value();
  MILK_RETURN_IF_ERROR(stub.SetEvent("trade", event.dump()));
  Json reward = "0";
  if (!config.lzm_chaincode.empty()) {
    Result<Json> paid = Call(stub, config.lzm_chaincode, "trade_reward",
                             {owner, FormatAmount(volume), "MLK", stub.GetTxID()});
    if (paid.ok()) {
      reward = *paid;
    } else if (paid.status().code() != Code::kFailedPrecondition) {
      return paid.status();
    }
  }
  event["lzm_reward"] = reward;
  return event;
}

Result<milkpb::Response> Buy(Stub& stub, const Config& config, const Args& args) {
  MILK_ASSIGN_OR_RETURN(std::string buyer, RequireWallet(stub, "buy"));
  if (args.size() != 3) return BadRequest("usage: buy <brand> <bt_amount> <max_mlk>");
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[1], "bt_amount"));
  MILK_ASSIGN_OR_RETURN(Amount max_mlk, ParseLimit(args[2], "max_mlk"));
  MILK_ASSIGN_OR_RETURN(Market market, LoadMarket(stub, args[0]));
  MILK_ASSIGN_OR_RETURN(TradeQuote quote, PriceTrade(stub, config, market, Side::kBuy, amount));
  if (quote.mlk_total > max_mlk) {
    return FailedPrecondition("the cost, " + FormatAmount(quote.mlk_total) +
                              " MLK units, is above your maximum of " + FormatAmount(max_mlk) +
                              ": the price moved past your limit");
  }
  MILK_ASSIGN_OR_RETURN(Json existing, Load(stub, "purchase", {stub.GetTxID()}));
  if (!existing.is_null()) return AlreadyExists("purchase " + stub.GetTxID() + " exists");
  MILK_RETURN_IF_ERROR(Call(stub, config.mlk_chaincode, "exchange_collect",
                            {buyer, FormatAmount(quote.mlk_total - quote.mlk_fee),
                             config.fee_account, FormatAmount(quote.mlk_fee)})
                           .status());
  MILK_RETURN_IF_ERROR(AddTo(market.bought, amount, "the market's bought total"));
  const Json purchase = {{"tx", stub.GetTxID()},
                         {"brand", market.brand},
                         {"chain_id", market.chain_id},
                         {"buyer", buyer},
                         {"bt_amount", FormatAmount(amount)},
                         {"mlk_total", FormatAmount(quote.mlk_total)},
                         {"time_ms", stub.GetTxTimestamp()},
                         {"state", "pending"}};
  MILK_RETURN_IF_ERROR(Save(stub, "purchase", {stub.GetTxID()}, purchase));
  MILK_ASSIGN_OR_RETURN(Json trade,
                        FinishTrade(stub, config, market, quote, buyer, Json::object()));
  return Success(trade.dump());
}

namespace {

Json QuoteJson(const TradeQuote& quote, const std::string& brand) {
  Json out = TradeJson(quote, brand, "", "");
  out.erase("owner");
  out.erase("tx");
  out["krw_total"] = FormatAmount(quote.krw_total);
  out["inventory_before"] = FormatAmount(quote.inventory_before);
  return out;
}

}  // namespace

Result<milkpb::Response> QuoteTrade(Stub& stub, const Config& config, const Args& args) {
  if (args.size() != 3) return BadRequest("usage: quote <brand> <buy|sell> <bt_amount>");
  if (args[1] != "buy" && args[1] != "sell") {
    return BadRequest("side is buy or sell, got " + chaincode::Quote(args[1]));
  }
  const Side side = args[1] == "buy" ? Side::kBuy : Side::kSell;
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[2], "bt_amount"));
  MILK_ASSIGN_OR_RETURN(Market market, LoadMarket(stub, args[0]));
  MILK_ASSIGN_OR_RETURN(TradeQuote quote, PriceTrade(stub, config, market, side, amount));
  return Success(QuoteJson(quote, market.brand).dump());
}

}  // namespace milk::chaincode::exchange
