// milk brand issue | redeem | transfer | balance (chaincode "brandtoken" on a brand chain).
// Brand Token amounts are whole points (the chaincode's units), never decimals.
#include <optional>
#include <ostream>

#include "tools/milk/economy_call.h"

namespace milk::cli {
namespace {

struct BrandArgs {
  CallTarget target;
  std::string to;
  std::string amount;
  std::string legacy_ref;
  std::optional<int64_t> expiry_ms;
  std::string address;
};

void RunIssue(const CliContext& ctx, const BrandArgs& args) {
  ctx.Check(CheckAddressArg(args.to, "to"));
  const Amount amount = ctx.Take(ParseUnitsArg(args.amount, "amount"));
  if (args.legacy_ref.empty()) ctx.Fail(InvalidArgument("legacy_ref must not be empty"));
  std::vector<std::string> call = {args.to, chaincode::FormatAmount(amount), args.legacy_ref};
  if (args.expiry_ms.has_value()) call.push_back(std::to_string(*args.expiry_ms));
  const CallResult result = InvokeOrFail(ctx, args.target, "issue", call);
  std::string summary = "issued " + chaincode::FormatAmount(amount) + " to " + args.to +
                        " (legacy ref " + args.legacy_ref + ")";
  if (args.expiry_ms.has_value()) summary += ", expiring " + IsoTimeMs(*args.expiry_ms);
  PrintTransaction(ctx, result, summary);
}

void RunRedeem(const CliContext& ctx, const BrandArgs& args) {
  const Amount amount = ctx.Take(ParseUnitsArg(args.amount, "amount"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "redeem", {chaincode::FormatAmount(amount)});
  PrintTransaction(ctx, result, "redeemed " + chaincode::FormatAmount(amount));
}

void RunTransfer(const CliContext& ctx, const BrandArgs& args) {
  ctx.Check(CheckAddressArg(args.to, "to"));
  const Amount amount = ctx.Take(ParseUnitsArg(args.amount, "amount"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "transfer", {args.to, chaincode::FormatAmount(amount)});
  PrintTransaction(ctx, result,
                   "transferred " + chaincode::FormatAmount(amount) + " to " + args.to);
}

std::string Text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.is_null() ? "?" : value.dump();
}

// brandtoken balance: {"address","lots":[{"expiry_ms","amount"}],"spendable","expired"}.
void RunBalance(const CliContext& ctx, const BrandArgs& args) {
  const std::string address = AddressOrOwn(ctx, args.address);
  const std::string payload = QueryOrFail(ctx, args.target, "balance", {address});
  const Json balance = ParseJsonOrFail(ctx, payload, args.target.chaincode + ".balance");
  if (ctx.options.json) {
    PrintJson(ctx.out, balance);
    return;
  }
  ctx.out << "address:   " << address << "\n"
          << "spendable: " << Text(balance.value("spendable", Json())) << "\n"
          << "expired:   " << Text(balance.value("expired", Json())) << "\n";
  if (balance.contains("lots") && balance["lots"].is_array()) {
    for (const Json& lot : balance["lots"]) {
      ctx.out << "  lot " << Text(lot.value("amount", Json())) << " expires "
              << IsoTimeMs(lot.value("expiry_ms", int64_t{0})) << "\n";
    }
  }
}

}  // namespace

void RegisterBrandCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* brand = app.add_subcommand("brand", "Brand Tokens on a brand chain (points)");
  brand->require_subcommand(1);
  auto args = std::make_shared<BrandArgs>();

  CLI::App* issue = brand->add_subcommand(
      "issue", "the partner issues points to a wallet; idempotent on the legacy reference");
  AddTargetOptions(issue, &args->target, "brandtoken");
  issue->add_option("to", args->to, "recipient's wallet address")->required();
  issue->add_option("amount", args->amount, "points (whole units)")->required();
  issue->add_option("legacy_ref", args->legacy_ref, "the points' reference in the partner's system")
      ->required();
  issue
      ->add_option("--expiry-ms", args->expiry_ms,
                   "expiry, Unix ms (default: the brand's default expiry)")
      ->check(CLI::PositiveNumber);
  issue->callback([ctx, args] { RunIssue(*ctx, *args); });

  CLI::App* redeem = brand->add_subcommand("redeem", "spend own points with the partner");
  AddTargetOptions(redeem, &args->target, "brandtoken");
  redeem->add_option("amount", args->amount, "points (whole units)")->required();
  redeem->callback([ctx, args] { RunRedeem(*ctx, *args); });

  CLI::App* transfer = brand->add_subcommand("transfer", "send own points (if the brand allows)");
  AddTargetOptions(transfer, &args->target, "brandtoken");
  transfer->add_option("to", args->to, "recipient's wallet address")->required();
  transfer->add_option("amount", args->amount, "points (whole units)")->required();
  transfer->callback([ctx, args] { RunTransfer(*ctx, *args); });

  CLI::App* balance = brand->add_subcommand("balance", "points by expiry (default: own address)");
  AddTargetOptions(balance, &args->target, "brandtoken");
  balance->add_option("address", args->address, "wallet address");
  balance->callback([ctx, args] { RunBalance(*ctx, *args); });
}

}  // namespace milk::cli
