// milk lzm balance | level | vip, milk pack stake | unstake, milk alliance propose | approve | list
// (chaincodes "lzm", "pack" and "alliance" on the center chain).
#include <ostream>

#include "chaincode/lzm/lzm.h"
#include "tools/milk/economy_call.h"

namespace milk::cli {
namespace {

struct EconomyArgs {
  CallTarget target;
  std::string address;
  std::string min_level;
  std::string product;
  std::string amount;
  std::string stake_id;
  std::string org;
  std::string sector;
  std::string brand;
  bool units = false;
};

std::string Field(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "?";
  const Json& value = object[key];
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string TimeAt(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer()) return "?";
  return IsoTimeMs(object[key].get<int64_t>());
}

std::string Lzm(const std::string& units_text, bool raw_units) {
  return ShowToken(units_text, raw_units) + (raw_units ? " units" : " LZM");
}

// lzm balance answers the bare amount text.
void RunLzmBalance(const CliContext& ctx, const EconomyArgs& args) {
  const std::string address = AddressOrOwn(ctx, args.address);
  const std::string balance = QueryOrFail(ctx, args.target, "balance", {address});
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"address", address}, {"balance", balance}});
    return;
  }
  ctx.out << address << ": " << Lzm(balance, args.units) << "\n";
}

// lzm level: {"address","earned","level":N,"name"}.
void RunLzmLevel(const CliContext& ctx, const EconomyArgs& args) {
  const std::string address = AddressOrOwn(ctx, args.address);
  const Json level = ParseJsonOrFail(ctx, QueryOrFail(ctx, args.target, "level", {address}),
                                     args.target.chaincode + ".level");
  if (ctx.options.json) {
    PrintJson(ctx.out, level);
    return;
  }
  ctx.out << address << ": level " << Field(level, "level") << " (" << Field(level, "name")
          << "), earned " << Lzm(Field(level, "earned"), args.units) << " in the window\n";
}

// lzm vip answers one of kLzmVipShards shards per call: {"addresses":[...],"next":"<shard>"|""};
// the command walks them all, so a partner gets the whole list.
void RunLzmVip(const CliContext& ctx, const EconomyArgs& args) {
  const Result<Amount> level = chaincode::ParseAmount(args.min_level);
  if (!level.ok() || *level == 0 || *level > chaincode::kLzmLevelsMax) {
    ctx.Fail(InvalidArgument("min_level must be a level number from 1 to " +
                             std::to_string(chaincode::kLzmLevelsMax) + ", got \"" +
                             args.min_level + "\""));
  }
  Json addresses = Json::array();
  std::string shard = "00";
  // At most one call per shard: an answer whose "next" never ends cannot loop forever.
  for (size_t calls = 0; calls < chaincode::kLzmVipShards && !shard.empty(); ++calls) {
    const Json page =
        ParseJsonOrFail(ctx, QueryOrFail(ctx, args.target, "vip", {args.min_level, shard}),
                        args.target.chaincode + ".vip");
    if (page.contains("addresses") && page["addresses"].is_array()) {
      for (const Json& address : page["addresses"]) addresses.push_back(address);
    }
    const Json next = page.value("next", Json(""));
    shard = next.is_string() ? next.get<std::string>() : "";
  }
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"min_level", args.min_level}, {"addresses", addresses}});
    return;
  }
  for (const Json& address : addresses) {
    ctx.out << (address.is_string() ? address.get<std::string>() : address.dump()) << "\n";
  }
}

void RunStake(const CliContext& ctx, const EconomyArgs& args) {
  if (args.product.empty()) ctx.Fail(InvalidArgument("product must not be empty"));
  const Amount amount = ctx.Take(ParseTokenArg(args.amount, args.units, "amount"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "stake", {args.product, chaincode::FormatAmount(amount)});
  const Json stake = result.payload.empty()
                         ? Json::object()
                         : ParseJsonOrFail(ctx, result.payload, args.target.chaincode + ".stake");
  const std::string mlk = args.units ? " units" : " MLK";
  PrintTransaction(ctx, result,
                   "stake " + Field(stake, "id") + ": " +
                       ShowToken(Field(stake, "amount"), args.units) + mlk + " in " + args.product +
                       ", matures " + TimeAt(stake, "maturity_ms") + ", reward " +
                       Lzm(Field(stake, "reward"), args.units));
}

// unstake: {"stake","owner","amount","reward","early"}.
void RunUnstake(const CliContext& ctx, const EconomyArgs& args) {
  if (args.stake_id.empty()) ctx.Fail(InvalidArgument("stake_id must not be empty"));
  const CallResult result = InvokeOrFail(ctx, args.target, "unstake", {args.stake_id});
  const Json closed = result.payload.empty() ? Json::object()
                                             : ParseJsonOrFail(ctx, result.payload,
                                                               args.target.chaincode + ".unstake");
  const bool early = closed.value("early", false);
  PrintTransaction(ctx, result,
                   "unstaked " + args.stake_id + ": " +
                       ShowToken(Field(closed, "amount"), args.units) +
                       (args.units ? " units" : " MLK") + " back, reward " +
                       Lzm(Field(closed, "reward"), args.units) +
                       (early ? " (early exit: the reward is forfeited)" : ""));
}

void RunPropose(const CliContext& ctx, const EconomyArgs& args) {
  const CallResult result =
      InvokeOrFail(ctx, args.target, "propose", {args.org, args.sector, args.brand});
  PrintTransaction(ctx, result,
                   "proposed " + args.org + " (sector " + args.sector + ", brand " + args.brand +
                       "); it joins once every partner approved and it accepted the agreement");
}

void RunApprove(const CliContext& ctx, const EconomyArgs& args) {
  const CallResult result = InvokeOrFail(ctx, args.target, "approve", {args.org});
  PrintTransaction(ctx, result, "approved " + args.org);
}

// alliance partners: [{"org","sector","brand","joined_ms","min_price_bps","renewal_ms","stake"}].
void RunList(const CliContext& ctx, const EconomyArgs& args) {
  const Json partners = ParseJsonOrFail(ctx, QueryOrFail(ctx, args.target, "partners", {}),
                                        args.target.chaincode + ".partners");
  if (ctx.options.json) {
    PrintJson(ctx.out, partners);
    return;
  }
  if (!partners.is_array() || partners.empty()) {
    ctx.out << "no partners yet\n";
    return;
  }
  for (const Json& p : partners) {
    ctx.out << Field(p, "org") << "  sector " << Field(p, "sector") << "  brand "
            << Field(p, "brand") << "  min price " << Field(p, "min_price_bps") << " bps\n";
  }
}

void AddUnitsFlag(CLI::App* command, bool* units) {
  command->add_flag("--units", *units, "amounts in smallest units (10^-18), not whole tokens");
}

void RegisterLzm(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* lzm = app.add_subcommand("lzm", "LoungeM membership tokens and levels");
  lzm->require_subcommand(1);
  auto args = std::make_shared<EconomyArgs>();
  CLI::App* balance = lzm->add_subcommand("balance", "LZM held (default: own address)");
  AddTargetOptions(balance, &args->target, "lzm");
  balance->add_option("address", args->address, "wallet address");
  AddUnitsFlag(balance, &args->units);
  balance->callback([ctx, args] { RunLzmBalance(*ctx, *args); });
  CLI::App* level = lzm->add_subcommand("level", "membership level (default: own address)");
  AddTargetOptions(level, &args->target, "lzm");
  level->add_option("address", args->address, "wallet address");
  AddUnitsFlag(level, &args->units);
  level->callback([ctx, args] { RunLzmLevel(*ctx, *args); });
  CLI::App* vip = lzm->add_subcommand("vip", "wallets at or above a level (org members only)");
  AddTargetOptions(vip, &args->target, "lzm");
  vip->add_option("min_level", args->min_level, "level number, 1 and up")->required();
  vip->callback([ctx, args] { RunLzmVip(*ctx, *args); });
}

void RegisterPack(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* pack = app.add_subcommand("pack", "MiL.k Pack: lock MLK for a term, earn LZM");
  pack->require_subcommand(1);
  auto args = std::make_shared<EconomyArgs>();
  CLI::App* stake = pack->add_subcommand("stake", "lock own MLK in a product");
  AddTargetOptions(stake, &args->target, "pack");
  stake->add_option("product", args->product, "product id")->required();
  stake->add_option("amount", args->amount, "MLK, up to 18 decimals")->required();
  AddUnitsFlag(stake, &args->units);
  stake->callback([ctx, args] { RunStake(*ctx, *args); });
  CLI::App* unstake = pack->add_subcommand(
      "unstake", "take a stake's MLK back; the LZM reward only at or after maturity");
  AddTargetOptions(unstake, &args->target, "pack");
  unstake->add_option("stake_id", args->stake_id, "the stake's id (its tx id)")->required();
  AddUnitsFlag(unstake, &args->units);
  unstake->callback([ctx, args] { RunUnstake(*ctx, *args); });
}

void RegisterAlliance(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* alliance = app.add_subcommand("alliance", "the partner registry");
  alliance->require_subcommand(1);
  auto args = std::make_shared<EconomyArgs>();
  CLI::App* propose = alliance->add_subcommand("propose", "TICA proposes a partner (TICA admin)");
  AddTargetOptions(propose, &args->target, "alliance");
  propose->add_option("org", args->org, "the joining org")->required();
  propose->add_option("sector", args->sector, "its industry sector (one partner each)")->required();
  propose->add_option("brand", args->brand, "its brand token symbol")->required();
  propose->callback([ctx, args] { RunPropose(*ctx, *args); });
  CLI::App* approve = alliance->add_subcommand("approve", "a partner's admin approves a proposal");
  AddTargetOptions(approve, &args->target, "alliance");
  approve->add_option("org", args->org, "the proposed org")->required();
  approve->callback([ctx, args] { RunApprove(*ctx, *args); });
  CLI::App* list = alliance->add_subcommand("list", "the active partners");
  AddTargetOptions(list, &args->target, "alliance");
  list->callback([ctx, args] { RunList(*ctx, *args); });
}

}  // namespace

void RegisterEconomyCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  RegisterBrandCommands(app, ctx);
  RegisterWalletCommands(app, ctx);
  RegisterMarketCommands(app, ctx);
  RegisterSwapCommands(app, ctx);
  RegisterLzm(app, ctx);
  RegisterPack(app, ctx);
  RegisterAlliance(app, ctx);
}

}  // namespace milk::cli
