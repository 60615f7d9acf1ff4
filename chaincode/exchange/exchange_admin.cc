// TICA's functions: open_market, seed, settle_contribution, set_feed; the relay's deposit and
// return_deposit.
#include "chaincode/exchange/exchange.h"
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

Result<size_t> CountMarkets(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::vector<KV> markets, stub.GetStateByPartialCompositeKey("market", {}));
  return markets.size();
}

}  // namespace

Result<Json> LoadDeposit(Stub& stub, const std::string& ref) {
  MILK_RETURN_IF_ERROR(CheckName("deposit reference", ref));
  MILK_ASSIGN_OR_RETURN(Json deposit, Load(stub, "deposit", {ref}));
  if (deposit.is_null()) return NotFound("no deposit " + chaincode::Quote(ref));
  return deposit;
}

Result<milkpb::Response> OpenMarket(Stub& stub, const Config& config, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, config, "open_market"));
  if (args.size() != 5) {
    return BadRequest(
        "usage: open_market <brand> <partner_org> <redemption_value_micro_krw> <bt_unit> "
        "<depth_units>");
  }
  Market market;
  market.brand = args[0];
  market.partner_org = args[1];
  MILK_RETURN_IF_ERROR(CheckName("brand", market.brand));
  MILK_RETURN_IF_ERROR(CheckName("partner_org", market.partner_org));
  MILK_ASSIGN_OR_RETURN(market.params.redemption_value_micro_krw,
                        ParsePositive(args[2], "redemption_value_micro_krw"));
  MILK_ASSIGN_OR_RETURN(market.params.bt_unit, ParsePositive(args[3], "bt_unit"));
  MILK_ASSIGN_OR_RETURN(market.params.depth_units, ParsePositive(args[4], "depth_units"));
  MILK_ASSIGN_OR_RETURN(Json existing, Load(stub, "market", {market.brand}));
  if (!existing.is_null()) return AlreadyExists("the market for " + market.brand + " is open");
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
  MILK_RETURN_IF_ERROR(RefreshParams(stub, config, market));
  MILK_RETURN_IF_ERROR(SaveMarket(stub, market));
  const Json answer = MarketJson(market);
  MILK_RETURN_IF_ERROR(stub.SetEvent("market_opened", answer.dump()));
  return Success(answer.dump());
}

Result<milkpb::Response> Seed(Stub& stub, const Config& config, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireOperatorAdmin(stub, config, "seed"));
  if (args.size() != 3) return BadRequest("usage: seed <brand> <amount> <ref>");
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[1], "amount"));
  const Json request = {{"brand", args[0]}, {"amount", FormatAmount(amount)}};
  MILK_ASSIGN_OR_RETURN(std::optional<Json> replay, Replay(stub, "seed", args[2], request));
  if (replay.has_value()) return Success(replay->dump());
  MILK_ASSIGN_OR_RETURN(Market market, LoadMarket(stub, args[0]));
  std::optional<Amount> inventory = CheckedAdd(market.inventory, amount);
  std::optional<Amount> seeded = CheckedAdd(market.seeded, amount);
  if (!inventory.has_value() || !seeded.has_value()) return InvalidArgument("seed overflows");
  market.inventory = *inventory;
  market.seeded = *seeded;
  MILK_RETURN_IF_ERROR(SaveMarket(stub, market));
  const Json result = MarketJson(market);
  MILK_RETURN_IF_ERROR(Record(stub, "seed", args[2], request, result));
  MILK_RETURN_IF_ERROR(stub.SetEvent("seed", result.dump()));
  return Success(result.dump());
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

Result<milkpb::Response> Deposit(Stub& stub, const Config& config, const Args& args) {
  MILK_RETURN_IF_ERROR(RequireAdminOrRelay(stub, config, "deposit"));
  if (args.size() != 5) {
    return BadRequest("usage: deposit <brand> <owner> <amount> <expiry_ms> <ref>");
  }
  MILK_RETURN_IF_ERROR(CheckName("brand", args[0]));
  MILK_RETURN_IF_ERROR(CheckAddress(args[1]));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositive(args[2], "amount"));
  MILK_ASSIGN_OR_RETURN(int64_t expiry_ms, ParseMs(args[3], "expiry_ms"));
  const std::string& ref = args[4];
  const Json request = {{"brand", args[0]},
                        {"owner", args[1]},
                        {"amount", FormatAmount(amount)},
                        {"expiry_ms", expiry_ms}};
  MILK_ASSIGN_OR_RETURN(std::optional<Json> replay, Replay(stub, "deposit", ref, request));
  if (replay.has_value()) return Success(replay->dump());
  MILK_RETURN_IF_ERROR(LoadMarket(stub, args[0]).status());
  if (expiry_ms <= stub.GetTxTimestamp()) {
    return FailedPrecondition("deposit " + ref + " arrives expired (expiry_ms " + args[3] +
                              " is not after the tx time)");
  }
  Json deposit = request;
  deposit["ref"] = ref;
  deposit["state"] = "open";
  deposit["tx"] = stub.GetTxID();
  MILK_RETURN_IF_ERROR(Save(stub, "deposit", {ref}, deposit));
  MILK_RETURN_IF_ERROR(Record(stub, "deposit", ref, request, deposit));
  MILK_RETURN_IF_ERROR(stub.SetEvent("deposit", deposit.dump()));
  return Success(deposit.dump());
}

Result<milkpb::Response> ReturnDeposit(Stub& stub, const Config& config, const Args& args) {
  if (args.size() != 1) return BadRequest("usage: return_deposit <deposit_ref>");
  MILK_ASSIGN_OR_RETURN(Json deposit, LoadDeposit(stub, args[0]));
  const crypto::IdentityInfo& who = stub.GetCreator();
  const bool owner = who.is_wallet && crypto::WalletAddress(who.public_key) == deposit["owner"];
  if (!owner && !IsAdminOrRelay(who, config)) {
    return PermissionDenied("deposit " + args[0] +
                            " is returned by its owner or TICA's admin or relay; caller is " +
                            crypto::PrincipalName(who));
  }
  if (deposit["state"] == "returned") return Success(deposit.dump());  // the same return again
  if (deposit["state"] != "open") {
    return FailedPrecondition("deposit " + args[0] + " is " + deposit["state"].dump() +
                              ", only an open deposit can be returned");
  }
  deposit["state"] = "returned";
  deposit["returned_tx"] = stub.GetTxID();
  MILK_RETURN_IF_ERROR(Save(stub, "deposit", {args[0]}, deposit));
  MILK_RETURN_IF_ERROR(stub.SetEvent("deposit_returned", deposit.dump()));
  return Success(deposit.dump());
}

}  // namespace milk::chaincode::exchange
