// The trades (sell, buy; both sequenced) and the read-only quote they share their pricing with.
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

Result<Amount> ParseLimit(const std::string& text, const std::string& what) {
  Result<Amount> amount = ParseAmount(text);
  if (!amount.ok()) return InvalidArgument(what + ": " + amount.status().message());
  return amount;
}

// Prices a trade on market with the alliance's current parameters and a fresh feed; the MLK
// reserve is read for sells only (a buy pays TICA, it never draws on the reserve).
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

// After the MLK moved: the market's inventory and fees, the partner's trade volume, the LZM
// trade reward (an exhausted pool pays 0 and the trade stands) and the "trade" event.
Result<milkpb::Response> Settle(Stub& stub, const Config& config, Market& market,
                                const TradeQuote& quote, const std::string& owner) {
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
  return Success(event.dump());
}

}  // namespace

Result<milkpb::Response> Sell(Stub& stub, const Config& config, const Args& args) {
  MILK_ASSIGN_OR_RETURN(std::string owner, RequireWallet(stub, "sell"));
  if (args.size() != 2) return BadRequest("usage: sell <deposit_ref> <min_mlk>");
  const std::string& ref = args[0];
  MILK_ASSIGN_OR_RETURN(Amount min_mlk, ParseLimit(args[1], "min_mlk"));
  MILK_ASSIGN_OR_RETURN(Json deposit, LoadDeposit(stub, ref));
  if (deposit["owner"] != owner) {
    return PermissionDenied("deposit " + ref + " belongs to " + deposit["owner"].dump() +
                            ", not to the signer " + owner);
  }
  if (deposit["state"] != "open") {
    return FailedPrecondition("deposit " + ref + " is " + deposit["state"].dump() +
                              ", only an open deposit can be sold");
  }
  MILK_ASSIGN_OR_RETURN(int64_t expiry_ms, FieldInt(deposit, "expiry_ms"));
  if (stub.GetTxTimestamp() >= expiry_ms) {
    return FailedPrecondition("deposit " + ref + " expired: it can only be returned");
  }
  MILK_ASSIGN_OR_RETURN(Amount amount, FieldAmount(deposit, "amount"));
  if (!deposit["brand"].is_string()) return DataLoss("corrupt deposit " + ref);
  MILK_ASSIGN_OR_RETURN(Market market, LoadMarket(stub, deposit["brand"].get<std::string>()));
  MILK_ASSIGN_OR_RETURN(TradeQuote quote, PriceTrade(stub, config, market, Side::kSell, amount));
  if (quote.mlk_total < min_mlk) {
    return FailedPrecondition("the proceeds, " + FormatAmount(quote.mlk_total) +
                              " MLK units, are below your minimum of " + FormatAmount(min_mlk) +
                              ": the price moved past your limit");
  }
  MILK_RETURN_IF_ERROR(Call(stub, config.mlk_chaincode, "exchange_pay",
                            {owner, FormatAmount(quote.mlk_total), config.fee_account,
                             FormatAmount(quote.mlk_fee)})
                           .status());
  MILK_RETURN_IF_ERROR(AddTo(market.sold, amount, "the market's sold total"));
  deposit["state"] = "sold";
  deposit["sold_ms"] = stub.GetTxTimestamp();
  deposit["sold_tx"] = stub.GetTxID();
  deposit["mlk_total"] = FormatAmount(quote.mlk_total);
  MILK_RETURN_IF_ERROR(Save(stub, "deposit", {ref}, deposit));
  return Settle(stub, config, market, quote, owner);
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
                         {"buyer", buyer},
                         {"bt_amount", FormatAmount(amount)},
                         {"mlk_total", FormatAmount(quote.mlk_total)},
                         {"time_ms", stub.GetTxTimestamp()},
                         {"state", "pending"}};
  MILK_RETURN_IF_ERROR(Save(stub, "purchase", {stub.GetTxID()}, purchase));
  return Settle(stub, config, market, quote, buyer);
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
