// milk swap sell | stock | buy | abort | status: the customer's side of the cross-chain swaps of
// docs/swaps.md. sell and stock lock BT on a brand chain (chaincode "swap"); buy and abort are
// exchange calls on the center chain; status reads both chains. The relay (`milk relay`) does
// everything in between: these verbs start a swap, cancel one, or look at one.
#include <algorithm>
#include <ostream>

#include "chaincode/swap/swap.h"
#include "tools/client/transaction.h"
#include "tools/milk/economy_call.h"
#include "tools/milk/market_view.h"
#include "tools/milk/swap_args.h"

namespace milk::cli {
namespace {

constexpr int32_t kStatusOk = 200;
constexpr int32_t kStatusNotFound = 404;

struct SwapArgs {
  CallTarget target;
  std::string ref;
  std::string amount;  // BT units
  std::string mlk;     // min_mlk for sell, max_mlk for buy
  std::string deadline;
  std::string brand;
  std::string brand_chain;
  std::string swap_id;
  std::string brand_peer;
  std::string center_peer;
  std::string center_chain;
  std::string center_chaincode = "exchange";
  bool units = false;
};

std::string MlkText(const Amount& units, bool raw_units) {
  const std::string text = chaincode::FormatAmount(units);
  return ShowToken(text, raw_units) + (raw_units ? " units" : " MLK");
}

// A deadline for a new swap: in the future, as the brand chain requires.
int64_t FutureDeadlineOrFail(const CliContext& ctx, const std::string& text) {
  const int64_t now_ms = ctx.clock.NowMs();
  const int64_t deadline_ms = ctx.Take(ParseTimeArg(text, now_ms, "deadline"));
  if (deadline_ms <= now_ms) {
    ctx.Fail(InvalidArgument("deadline " + IsoTimeMs(deadline_ms) +
                             " has passed: a swap needs time to settle (try +30m)"));
  }
  return deadline_ms;
}

// Transaction output with the swap's id: --json {"tx_id","block","swap_id",...,"result"}.
void PrintSwapTransaction(const CliContext& ctx, const CallResult& result, const Json& extra,
                          const std::string& summary) {
  if (ctx.options.json) {
    Json answer = Json{{"tx_id", result.tx_id}, {"block", result.block_number}};
    for (const auto& [key, value] : extra.items()) answer[key] = value;
    Json parsed = nullptr;
    if (result.sequenced) {
      parsed = Json::parse(result.payload, nullptr, false);
      if (parsed.is_discarded()) parsed = result.payload;
    }
    answer["result"] = parsed;
    PrintJson(ctx.out, answer);
    return;
  }
  ctx.out << "tx_id: " << result.tx_id << "\n"
          << "block: " << result.block_number << "\n";
  for (const auto& [key, value] : extra.items()) {
    ctx.out << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
  ctx.out << summary << "\n";
}

void RunSell(const CliContext& ctx, const SwapArgs& args) {
  ctx.Check(CheckSwapRef(args.ref));
  const Amount amount = ctx.Take(ParseUnitsArg(args.amount, "amount"));
  const Amount min_mlk = ctx.Take(ParseTokenArg(args.mlk, args.units, "min_mlk"));
  const int64_t deadline_ms = FutureDeadlineOrFail(ctx, args.deadline);
  const std::string id = chaincode::SwapId(args.target.chain_id, OwnAddress(ctx), args.ref);
  const CallResult result =
      InvokeOrFail(ctx, args.target, "sell",
                   {args.ref, chaincode::FormatAmount(amount), chaincode::FormatAmount(min_mlk),
                    std::to_string(deadline_ms)});
  PrintSwapTransaction(ctx, result, {{"swap_id", id}, {"deadline_ms", deadline_ms}},
                       "locked " + chaincode::FormatAmount(amount) +
                           " for sale to TICA for at least " + MlkText(min_mlk, args.units) +
                           ", deadline " + IsoTimeMs(deadline_ms) +
                           "; the relay settles it on the center chain");
}

void RunStock(const CliContext& ctx, const SwapArgs& args) {
  ctx.Check(CheckSwapRef(args.ref));
  const Amount amount = ctx.Take(ParseUnitsArg(args.amount, "amount"));
  const int64_t deadline_ms = FutureDeadlineOrFail(ctx, args.deadline);
  const std::string id = chaincode::SwapId(args.target.chain_id, OwnAddress(ctx), args.ref);
  const CallResult result =
      InvokeOrFail(ctx, args.target, "stock",
                   {args.ref, chaincode::FormatAmount(amount), std::to_string(deadline_ms)});
  PrintSwapTransaction(ctx, result, {{"swap_id", id}, {"deadline_ms", deadline_ms}},
                       "locked " + chaincode::FormatAmount(amount) +
                           " for TICA's inventory, deadline " + IsoTimeMs(deadline_ms) +
                           "; the relay adds it on the center chain");
}

void RunBuy(const CliContext& ctx, const SwapArgs& args) {
  const Amount amount = ctx.Take(ParseUnitsArg(args.amount, "bt_amount"));
  const Amount max_mlk = ctx.Take(ParseTokenArg(args.mlk, args.units, "max_mlk"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "buy",
                   {args.brand, chaincode::FormatAmount(amount), chaincode::FormatAmount(max_mlk)});
  std::string summary = "bought " + chaincode::FormatAmount(amount) + " " + args.brand +
                        "; the relay delivers them on the brand chain";
  if (!result.payload.empty()) {
    const Json fill = ParseJsonOrFail(ctx, result.payload, args.target.chaincode + " trade");
    summary += "\n" + TradeSummary(fill, args.units);
    if (summary.back() == '\n') summary.pop_back();
  }
  PrintSwapTransaction(ctx, result, {{"purchase", result.tx_id}}, summary);
}

void RunAbort(const CliContext& ctx, const SwapArgs& args) {
  ctx.Check(CheckSwapRef(args.ref));
  const int64_t now_ms = ctx.clock.NowMs();
  const int64_t deadline_ms = ctx.Take(ParseTimeArg(args.deadline, now_ms, "deadline_ms"));
  if (deadline_ms >= now_ms) {
    ctx.Fail(FailedPrecondition("the deadline " + IsoTimeMs(deadline_ms) +
                                " has not passed yet: the center aborts a swap only after it"));
  }
  const std::string id = chaincode::SwapId(args.brand_chain, OwnAddress(ctx), args.ref);
  const CallResult result = InvokeOrFail(ctx, args.target, "abort_swap",
                                         {args.brand_chain, args.ref, std::to_string(deadline_ms)});
  PrintSwapTransaction(ctx, result, {{"swap_id", id}},
                       "aborted on the center chain; the relay refunds it on " + args.brand_chain);
}

// The record a chaincode answers at endpoint, or null when it answers 404 (no such record).
Json RecordAt(const CliContext& ctx, const std::string& endpoint, const std::string& chain_id,
              const std::string& chaincode, const std::vector<std::string>& call) {
  const client::Signer signer = ctx.Identity();
  const client::BuiltProposal proposal =
      ctx.Take(client::BuildProposal(signer, chain_id, chaincode, call.front(),
                                     {call.begin() + 1, call.end()}, ctx.clock.NowMs()));
  const client::GatewayClient peer(endpoint, ctx.Gateway());
  const Result<milkpb::Response> answered = peer.Evaluate(proposal.signed_proposal);
  // A node answers a chaincode's 404 as NOT_FOUND "chaincode '<name>': ..." (node/chain/
  // endorser.cc); a chain or chaincode it does not serve is NOT_FOUND too, worded otherwise.
  if (!answered.ok() && answered.status().code() == Code::kNotFound &&
      answered.status().message().rfind("chaincode '" + chaincode + "': ", 0) == 0) {
    return nullptr;
  }
  const milkpb::Response response = ctx.Take(answered);
  const std::string where = chaincode + "." + call.front() + " on " + chain_id + " at " + endpoint;
  if (response.status() == kStatusNotFound) return nullptr;
  if (response.status() != kStatusOk) {
    ctx.Fail(FailedPrecondition(where + " refused: " + response.message() + " (status " +
                                std::to_string(response.status()) + ")"));
  }
  const Json record = ParseJsonOrFail(ctx, response.payload(), where);
  if (!record.is_object()) ctx.Fail(DataLoss(where + " answered JSON that is not a record"));
  return record;
}

// One cell of the side-by-side table: the record's key shown in its unit, "-" when absent.
enum class Unit { kText, kMlk, kTime };
std::string Cell(const Json& record, const char* key, Unit unit, bool raw_units) {
  if (key == nullptr || !record.is_object() || !record.contains(key)) return "-";
  const Json& value = record[key];
  if (unit == Unit::kTime && value.is_number_integer()) return IsoTimeMs(value.get<int64_t>());
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.empty()) return "-";
  return unit == Unit::kMlk ? ShowToken(text, raw_units) + (raw_units ? " units" : " MLK") : text;
}

void PrintStatusTable(const CliContext& ctx, const SwapArgs& args, const Json& brand,
                      const Json& center) {
  struct Row {
    const char* label;
    const char* brand_key;   // docs/swaps.md, brand chain ("swap", id)
    const char* center_key;  // docs/swaps.md, center chain ("swap", brand_chain_id, id)
    Unit unit;
  };
  static constexpr Row kRows[] = {
      {"state", "state", "state", Unit::kText},
      {"kind", "kind", "kind", Unit::kText},
      {"brand", "brand", "brand", Unit::kText},
      {"owner", "owner", "owner", Unit::kText},
      {"ref", "ref", nullptr, Unit::kText},
      {"amount", "amount", "amount", Unit::kText},
      {"min_mlk", "min_mlk", nullptr, Unit::kMlk},
      {"mlk_total", nullptr, "mlk_total", Unit::kMlk},
      {"mlk_fee", nullptr, "mlk_fee", Unit::kMlk},
      {"deadline", "deadline_ms", "deadline_ms", Unit::kTime},
      {"time", "lock_ms", "time_ms", Unit::kTime},
      {"tx", "lock_tx", "tx", Unit::kText},
      {"finish_tx", "finish_tx", nullptr, Unit::kText},
      {"reason", "reason", "reason", Unit::kText},
  };
  const std::string brand_head = "brand chain " + args.target.chain_id;
  size_t width = brand_head.size();
  std::vector<std::pair<std::string, std::string>> cells;
  for (const Row& row : kRows) {
    cells.emplace_back(brand.is_null() && std::string(row.label) == "state"
                           ? "none"
                           : Cell(brand, row.brand_key, row.unit, args.units),
                       center.is_null() && std::string(row.label) == "state"
                           ? "undecided"
                           : Cell(center, row.center_key, row.unit, args.units));
    width = std::max(width, cells.back().first.size());
  }
  const auto pad = [&](const std::string& text) {
    return text + std::string(width + 2 - text.size(), ' ');
  };
  ctx.out << "swap " << args.swap_id << "\n"
          << std::string(13, ' ') << pad(brand_head) << "center chain " << args.center_chain
          << "\n";
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string label = std::string(kRows[i].label) + ":";
    ctx.out << "  " << label << std::string(11 - label.size(), ' ') << pad(cells[i].first)
            << cells[i].second << "\n";
  }
}

void RunStatus(const CliContext& ctx, const SwapArgs& args) {
  ctx.Check(CheckSwapId(args.swap_id));
  const std::string fallback = ctx.Peers().front();
  const Json brand = RecordAt(ctx, args.brand_peer.empty() ? fallback : args.brand_peer,
                              args.target.chain_id, args.target.chaincode, {"swap", args.swap_id});
  const Json center =
      RecordAt(ctx, args.center_peer.empty() ? fallback : args.center_peer, args.center_chain,
               args.center_chaincode, {"swap", args.target.chain_id, args.swap_id});
  const SwapStage stage = StageOf(brand, center);
  if (brand.is_null() && center.is_null()) {
    ctx.Fail(NotFound("swap " + args.swap_id + " is on neither chain: brand chain " +
                      args.target.chain_id + " has no such swap and center chain " +
                      args.center_chain + " has no decision for it"));
  }
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"swap_id", args.swap_id},
                        {"brand_chain", {{"chain_id", args.target.chain_id}, {"record", brand}}},
                        {"center", {{"chain_id", args.center_chain}, {"decision", center}}},
                        {"stage", stage.name}});
    return;
  }
  PrintStatusTable(ctx, args, brand, center);
  ctx.out << "stage: " << stage.text << "\n";
}

void AddUnitsFlag(CLI::App* command, bool* units) {
  command->add_flag("--units", *units, "MLK in smallest units (10^-18 MLK), not whole MLK");
}

}  // namespace

void RegisterSwapCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* swap = app.add_subcommand("swap", "cross-chain swaps: BT for MLK and back");
  swap->require_subcommand(1);
  // Each verb has its own arguments: their defaults (the chaincode name) differ.
  std::shared_ptr<SwapArgs> args;
  const char* kDeadlineHelp = "Unix ms, RFC 3339 (2026-11-24T03:00:00Z) or +30m from now";

  args = std::make_shared<SwapArgs>();
  CLI::App* sell = swap->add_subcommand("sell", "lock own BT on a brand chain for sale to TICA");
  AddTargetOptions(sell, &args->target, "swap");
  sell->add_option("ref", args->ref, "your name for the swap, unique per brand chain")->required();
  sell->add_option("amount", args->amount, "BT units")->required();
  sell->add_option("min_mlk", args->mlk, "refunded if the proceeds are below this (MLK)")
      ->required();
  sell->add_option("deadline", args->deadline, kDeadlineHelp)->required();
  AddUnitsFlag(sell, &args->units);
  sell->callback([ctx, args] { RunSell(*ctx, *args); });

  args = std::make_shared<SwapArgs>();
  CLI::App* stock = swap->add_subcommand(
      "stock", "a partner member or TICA's admin locks own BT for TICA's inventory");
  AddTargetOptions(stock, &args->target, "swap");
  stock->add_option("ref", args->ref, "your name for the swap, unique per brand chain")->required();
  stock->add_option("amount", args->amount, "BT units")->required();
  stock->add_option("deadline", args->deadline, kDeadlineHelp)->required();
  stock->callback([ctx, args] { RunStock(*ctx, *args); });

  args = std::make_shared<SwapArgs>();
  CLI::App* buy = swap->add_subcommand("buy", "buy BT from TICA with MLK on the center chain");
  AddTargetOptions(buy, &args->target, "exchange");
  buy->add_option("brand", args->brand, "brand symbol")->required();
  buy->add_option("bt_amount", args->amount, "BT units")->required();
  buy->add_option("max_mlk", args->mlk, "refuse a cost above this (MLK)")->required();
  AddUnitsFlag(buy, &args->units);
  buy->callback([ctx, args] { RunBuy(*ctx, *args); });

  args = std::make_shared<SwapArgs>();
  CLI::App* abort = swap->add_subcommand(
      "abort", "after its deadline, abort own undecided swap on the center chain");
  AddTargetOptions(abort, &args->target, "exchange");
  abort->add_option("brand_chain", args->brand_chain, "the swap's brand chain")->required();
  abort->add_option("ref", args->ref, "the swap's ref")->required();
  abort->add_option("deadline_ms", args->deadline, "the deadline it was locked with")->required();
  abort->callback([ctx, args] { RunAbort(*ctx, *args); });

  args = std::make_shared<SwapArgs>();
  CLI::App* status = swap->add_subcommand(
      "status", "a swap on its brand chain (-C) and the center's decision, side by side");
  AddTargetOptions(status, &args->target, "swap");
  status->add_option("--brand-peer", args->brand_peer,
                     "a peer of the brand chain (default --peer)");
  status->add_option("--center-peer", args->center_peer,
                     "a peer of the center chain (default --peer)");
  status->add_option("--center", args->center_chain, "the center chain's id")->required();
  status->add_option("--center-name", args->center_chaincode, "the exchange's chaincode name")
      ->capture_default_str();
  status->add_option("swap_id", args->swap_id, "as `swap sell` printed it")->required();
  AddUnitsFlag(status, &args->units);
  status->callback([ctx, args] { RunStatus(*ctx, *args); });
}

}  // namespace milk::cli
