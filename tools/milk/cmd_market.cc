// milk market show | quote | buy (watch: cmd_market_watch.cc) and milk oracle set (chaincode
// "exchange"). Selling BT is a cross-chain swap: `milk swap sell` (cmd_swap.cc).
#include <optional>
#include <ostream>

#include "tools/milk/economy_call.h"
#include "tools/milk/market_view.h"

namespace milk::cli {
namespace {

struct MarketArgs {
  CallTarget target;
  std::string brand;
  std::string side;
  std::string bt_amount;
  std::string limit_mlk;  // --max-mlk for buy
  std::string krw_per_mlk;
  bool units = false;
};

void RunShow(const CliContext& ctx, const MarketArgs& args) {
  const bool one = !args.brand.empty();
  const std::string payload = one ? QueryOrFail(ctx, args.target, "market", {args.brand})
                                  : QueryOrFail(ctx, args.target, "markets", {});
  const Json answer = ParseJsonOrFail(ctx, payload, args.target.chaincode + ".market");
  if (ctx.options.json) {
    PrintJson(ctx.out, answer);
    return;
  }
  for (const Json& market : MarketList(answer)) ctx.out << MarketSummary(market, args.units);
  // Trading needs a fresh MLK/KRW price as well: show it (a feed not set yet is said so).
  const Result<std::string> feed = Query(ctx, args.target, "feed", {});
  const Json parsed = feed.ok() ? Json::parse(*feed, nullptr, false) : Json();
  if (parsed.is_object()) {
    ctx.out << FeedSummary(parsed);
  } else {
    ctx.out << "feed:      none (trading is refused until the oracle sets the MLK/KRW price)\n";
  }
}

void RunQuote(const CliContext& ctx, const MarketArgs& args) {
  if (args.side != "buy" && args.side != "sell") {
    ctx.Fail(InvalidArgument("side must be buy or sell, got \"" + args.side + "\""));
  }
  const Amount amount = ctx.Take(ParseUnitsArg(args.bt_amount, "bt_amount"));
  const std::string payload = QueryOrFail(ctx, args.target, "quote",
                                          {args.brand, args.side, chaincode::FormatAmount(amount)});
  const Json quote = ParseJsonOrFail(ctx, payload, args.target.chaincode + ".quote");
  if (ctx.options.json) {
    PrintJson(ctx.out, quote);
    return;
  }
  ctx.out << TradeSummary(quote, args.units);
}

std::string Fill(const CliContext& ctx, const MarketArgs& args, const CallResult& result) {
  if (result.payload.empty()) return "";
  const Json fill = ParseJsonOrFail(ctx, result.payload, args.target.chaincode + " trade");
  return TradeSummary(fill, args.units);
}

void RunBuy(const CliContext& ctx, const MarketArgs& args) {
  const Amount amount = ctx.Take(ParseUnitsArg(args.bt_amount, "bt_amount"));
  const Amount max_mlk = ctx.Take(ParseTokenArg(args.limit_mlk, args.units, "--max-mlk"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "buy",
                   {args.brand, chaincode::FormatAmount(amount), chaincode::FormatAmount(max_mlk)});
  std::string summary = Fill(ctx, args, result);
  if (!summary.empty() && summary.back() == '\n') summary.pop_back();
  PrintTransaction(ctx, result,
                   "bought " + chaincode::FormatAmount(amount) + " " + args.brand + "\n" + summary);
}

void RunOracleSet(const CliContext& ctx, const MarketArgs& args) {
  const Amount micro = ctx.Take(ParseDecimal(args.krw_per_mlk, kKrwDecimals, "krw_per_mlk"));
  if (micro == 0) ctx.Fail(InvalidArgument("krw_per_mlk must be more than 0"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "set_feed", {chaincode::FormatAmount(micro)});
  PrintTransaction(ctx, result,
                   "MLK/KRW feed set to " + FormatDecimal(micro, kKrwDecimals) + " KRW per MLK");
}

void AddUnitsFlag(CLI::App* command, bool* units) {
  command->add_flag("--units", *units, "MLK in smallest units (10^-18 MLK), not whole MLK");
}

}  // namespace

void RegisterMarketCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* market = app.add_subcommand("market", "the exchange: Brand Tokens for MLK");
  market->require_subcommand(1);
  auto args = std::make_shared<MarketArgs>();

  CLI::App* show = market->add_subcommand("show", "a market's price, bounds and halts (or all)");
  AddTargetOptions(show, &args->target, "exchange");
  show->add_option("brand", args->brand, "brand symbol (default: every market)");
  AddUnitsFlag(show, &args->units);
  show->callback([ctx, args] { RunShow(*ctx, *args); });

  CLI::App* quote = market->add_subcommand("quote", "price a trade; nothing is written");
  AddTargetOptions(quote, &args->target, "exchange");
  quote->add_option("brand", args->brand, "brand symbol")->required();
  quote->add_option("side", args->side, "buy or sell (the customer's side)")->required();
  quote->add_option("bt_amount", args->bt_amount, "BT units")->required();
  AddUnitsFlag(quote, &args->units);
  quote->callback([ctx, args] { RunQuote(*ctx, *args); });

  CLI::App* buy = market->add_subcommand("buy", "buy BT from TICA with MLK");
  AddTargetOptions(buy, &args->target, "exchange");
  buy->add_option("brand", args->brand, "brand symbol")->required();
  buy->add_option("bt_amount", args->bt_amount, "BT units")->required();
  buy->add_option("--max-mlk", args->limit_mlk, "refuse a cost above this (MLK)")->required();
  AddUnitsFlag(buy, &args->units);
  buy->callback([ctx, args] { RunBuy(*ctx, *args); });
  AddMarketWatchCommand(market, ctx);

  CLI::App* oracle = app.add_subcommand("oracle", "TICA's oracle: the MLK/KRW price feed");
  oracle->require_subcommand(1);
  CLI::App* set = oracle->add_subcommand("set", "set the MLK/KRW price (role oracle)");
  AddTargetOptions(set, &args->target, "exchange");
  set->add_option("krw_per_mlk", args->krw_per_mlk, "KRW per MLK, up to 6 decimals")->required();
  set->callback([ctx, args] { RunOracleSet(*ctx, *args); });
}

}  // namespace milk::cli
