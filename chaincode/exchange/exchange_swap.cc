// The center chain's side of the swap protocol (docs/swaps.md): settle_swap decides a swap locked
// on a brand chain from an endorsed view of it, abort_swap is the customer's abort after the
// deadline. Each swap is decided once, under ("swap", brand_chain_id, swap_id).
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/proof/view_proof.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

// The brand chain's swap record, as the proof showed it (docs/swaps.md, agreed formats).
struct LockedSwap {
  std::string id, chain_id, brand, kind, owner, ref;
  Amount amount = 0;
  Amount min_mlk = 0;
  int64_t deadline_ms = 0;
};

// 409 naming the decision when the swap was decided already.
Status RefuseDecided(Stub& stub, const std::string& chain_id, const std::string& swap_id) {
  MILK_ASSIGN_OR_RETURN(Json decided, Load(stub, "swap", {chain_id, swap_id}));
  if (decided.is_null()) return Status::Ok();
  const Json reason = decided.is_object() ? decided.value("reason", Json("")) : Json("");
  const std::string why = reason.is_string() && !reason.get<std::string>().empty()
                              ? " (" + reason.get<std::string>() + ")"
                              : "";
  return AlreadyExists(
      "swap " + swap_id + " of " + chain_id + " was already decided " +
      (decided.is_object() ? decided.value("state", Json("?")) : Json("?")).dump() + why);
}

// The alliance's registry entry of the brand chain, as the proof library reads it.
Result<std::pair<proof::Source, std::string>> RegisteredSource(Stub& stub, const Config& config,
                                                               const std::string& chain_id) {
  Result<Json> entry = Call(stub, config.alliance_chaincode, "brand_chain", {chain_id});
  if (!entry.ok()) {
    if (entry.status().code() != Code::kNotFound) return entry.status();
    return NotFound("brand chain " + chaincode::Quote(chain_id) +
                    " is not registered in the alliance: its proofs cannot be checked");
  }
  if (!entry->is_object() || !entry->contains("org") || !(*entry)["org"].is_string()) {
    return Internal("the alliance's brand_chain entry of " + chain_id + " has no org");
  }
  const Json source_json = {{"chain_id", entry->value("chain_id", Json())},
                            {"policy", entry->value("policy", Json())},
                            {"root_keys", entry->value("root_keys", Json())}};
  Result<proof::Source> source = proof::SourceFromJson(source_json.dump());
  if (!source.ok()) {
    return Internal("the alliance's brand_chain entry of " + chain_id +
                    " is unusable: " + source.status().message());
  }
  return std::make_pair(*source, (*entry)["org"].get<std::string>());
}

// VerifyView's refusals as answers: a forged or unauthorised signature is 403, not a server error.
Status FromProof(const Status& status) {
  if (status.code() == Code::kUnauthenticated) {
    return PermissionDenied("proof refused: " + status.message());
  }
  if (status.code() == Code::kInvalidArgument || status.code() == Code::kFailedPrecondition) {
    return Status(status.code(), "proof refused: " + status.message());
  }
  return status;
}

Result<std::string> StringField(const Json& record, const char* field) {
  if (!record.contains(field) || !record[field].is_string()) {
    return InvalidArgument(std::string("the proven swap record has no string ") + field);
  }
  return record[field].get<std::string>();
}

// deadline_ms as the swap chaincode stores it: an integer (or its decimal string).
Result<int64_t> DeadlineField(const Json& record) {
  if (record.contains("deadline_ms") && record["deadline_ms"].is_number_integer()) {
    return record["deadline_ms"].get<int64_t>();
  }
  if (record.contains("deadline_ms") && record["deadline_ms"].is_string()) {
    return ParseMs(record["deadline_ms"].get<std::string>(), "the proven deadline_ms");
  }
  return InvalidArgument("the proven swap record has no deadline_ms");
}

// The swap record a proof shows, checked against what the center asked about.
Result<LockedSwap> ParseProvenSwap(const milkpb::ViewResult& view, const std::string& chain_id,
                                   const std::string& swap_id) {
  if (view.status() != 200) {
    return FailedPrecondition("the proof shows status " + std::to_string(view.status()) +
                              " for swap " + swap_id + " on " + chain_id +
                              ": it is not locked there (yet)");
  }
  const Json record = Json::parse(view.payload(), nullptr, false);
  if (!record.is_object()) return InvalidArgument("the proven swap record is not a JSON object");
  LockedSwap swap;
  MILK_ASSIGN_OR_RETURN(swap.id, StringField(record, "id"));
  MILK_ASSIGN_OR_RETURN(swap.chain_id, StringField(record, "chain_id"));
  MILK_ASSIGN_OR_RETURN(swap.brand, StringField(record, "brand"));
  MILK_ASSIGN_OR_RETURN(swap.kind, StringField(record, "kind"));
  MILK_ASSIGN_OR_RETURN(swap.owner, StringField(record, "owner"));
  MILK_ASSIGN_OR_RETURN(swap.ref, StringField(record, "ref"));
  MILK_ASSIGN_OR_RETURN(std::string state, StringField(record, "state"));
  MILK_ASSIGN_OR_RETURN(swap.deadline_ms, DeadlineField(record));
  MILK_ASSIGN_OR_RETURN(std::string amount, StringField(record, "amount"));
  MILK_ASSIGN_OR_RETURN(swap.amount, ParsePositive(amount, "the proven amount"));
  if (state != "locked") {
    return FailedPrecondition("the proof shows swap " + swap_id + " " + chaincode::Quote(state) +
                              ", not locked");
  }
  if (swap.kind != "sell" && swap.kind != "stock") {
    return InvalidArgument("the proven swap kind " + chaincode::Quote(swap.kind) +
                           " is neither sell nor stock");
  }
  if (swap.kind == "sell") {
    MILK_ASSIGN_OR_RETURN(std::string min_text, StringField(record, "min_mlk"));
    Result<Amount> min_mlk = ParseAmount(min_text);
    if (!min_mlk.ok()) return InvalidArgument("the proven min_mlk is malformed");
    swap.min_mlk = *min_mlk;
  }
  if (swap.chain_id != chain_id || swap.id != swap_id) {
    return FailedPrecondition("the proof shows swap " + swap.id + " of " + swap.chain_id +
                              ", not " + swap_id + " of " + chain_id);
  }
  MILK_RETURN_IF_ERROR(CheckAddress(swap.owner));
  MILK_RETURN_IF_ERROR(CheckName("ref", swap.ref));
  if (SwapIdOf(chain_id, swap.owner, swap.ref) != swap_id) {
    return FailedPrecondition("the proven swap's owner and ref do not give the id " + swap_id);
  }
  return swap;
}

// The decision record of docs/chaincode_exchange.md ("swap", brand_chain_id, swap_id).
Json DecisionJson(Stub& stub, const LockedSwap& swap, const std::string& state,
                  const std::string& reason) {
  return Json{{"id", swap.id},
              {"chain_id", swap.chain_id},
              {"brand", swap.brand},
              {"kind", swap.kind},
              {"owner", swap.owner},
              {"amount", FormatAmount(swap.amount)},
              {"state", state},
              {"reason", reason},
              {"mlk_total", "0"},
              {"mlk_fee", "0"},
              {"deadline_ms", swap.deadline_ms},
              {"tx", stub.GetTxID()},
              {"time_ms", stub.GetTxTimestamp()}};
}

Result<milkpb::Response> StoreDecision(Stub& stub, const Json& record) {
  MILK_RETURN_IF_ERROR(
      Save(stub, "swap", {record["chain_id"].get<std::string>(), record["id"].get<std::string>()},
           record));
  MILK_RETURN_IF_ERROR(stub.SetEvent("swap_decided", record.dump()));
  return Success(record.dump());
}

// A sell: the trade of exchange_trade.cc from the proven owner and amount, or the reason it
// cannot happen now (the decision is then "aborted" with that reason).
Result<Json> DecideSell(Stub& stub, const Config& config, Market& market, const LockedSwap& swap) {
  Result<TradeQuote> quote = PriceTrade(stub, config, market, Side::kSell, swap.amount);
  if (!quote.ok()) {
    const Code code = quote.status().code();
    if (code != Code::kFailedPrecondition && code != Code::kInvalidArgument) return quote.status();
    return DecisionJson(stub, swap, "aborted", quote.status().message());
  }
  if (quote->mlk_total < swap.min_mlk) {
    return DecisionJson(stub, swap, "aborted",
                        "the proceeds, " + FormatAmount(quote->mlk_total) +
                            " MLK units, are below the minimum of " + FormatAmount(swap.min_mlk));
  }
  MILK_RETURN_IF_ERROR(Call(stub, config.mlk_chaincode, "exchange_pay",
                            {swap.owner, FormatAmount(quote->mlk_total), config.fee_account,
                             FormatAmount(quote->mlk_fee)})
                           .status());
  MILK_RETURN_IF_ERROR(AddTo(market.sold, swap.amount, "the market's sold total"));
  MILK_RETURN_IF_ERROR(
      FinishTrade(stub, config, market, *quote, swap.owner, Json{{"swap", swap.id}}).status());
  Json record = DecisionJson(stub, swap, "settled", "");
  record["mlk_total"] = FormatAmount(quote->mlk_total);
  record["mlk_fee"] = FormatAmount(quote->mlk_fee);
  return record;
}

// A stock swap: TICA's own BT joins the inventory, no MLK moves.
Result<Json> DecideStock(Stub& stub, Market& market, const LockedSwap& swap) {
  MILK_RETURN_IF_ERROR(AddTo(market.inventory, swap.amount, "the market's inventory"));
  MILK_RETURN_IF_ERROR(AddTo(market.seeded, swap.amount, "the market's seeded total"));
  MILK_RETURN_IF_ERROR(SaveMarket(stub, market));
  // The market after the stock: its price moved, and the price announcement of the block says so.
  MILK_RETURN_IF_ERROR(stub.SetEvent("stock", MarketJson(market).dump()));
  return DecisionJson(stub, swap, "settled", "");
}

}  // namespace

Result<milkpb::Response> SettleSwap(Stub& stub, const Config& config, const Args& args) {
  if (args.size() != 3) return BadRequest("usage: settle_swap <brand_chain_id> <swap_id> <proof>");
  const std::string &chain_id = args[0], &swap_id = args[1];
  MILK_RETURN_IF_ERROR(CheckChainId(chain_id));
  MILK_RETURN_IF_ERROR(CheckSwapId(swap_id));
  MILK_RETURN_IF_ERROR(RefuseDecided(stub, chain_id, swap_id));
  MILK_ASSIGN_OR_RETURN(auto registered, RegisteredSource(stub, config, chain_id));
  proof::Expectation expect;
  expect.chaincode = config.swap_chaincode;
  expect.function = "swap";
  expect.args = {swap_id};
  expect.now_ms = stub.GetTxTimestamp();
  expect.max_age_ms = config.proof_max_age_ms;
  Result<milkpb::ViewResult> view = proof::VerifyView(args[2], registered.first, expect);
  if (!view.ok()) return FromProof(view.status());
  MILK_ASSIGN_OR_RETURN(LockedSwap swap, ParseProvenSwap(*view, chain_id, swap_id));
  MILK_ASSIGN_OR_RETURN(Market market, MarketOfChain(stub, chain_id));
  if (market.brand != swap.brand || market.partner_org != registered.second) {
    return FailedPrecondition("swap " + swap_id + " is of brand " + chaincode::Quote(swap.brand) +
                              " by " + registered.second + ", but " + chain_id + "'s market is " +
                              market.brand + " of " + market.partner_org);
  }
  Json record;
  if (stub.GetTxTimestamp() > swap.deadline_ms) {
    record = DecisionJson(
        stub, swap, "aborted",
        "the deadline " + std::to_string(swap.deadline_ms) + " passed before the center decided");
  } else if (swap.kind == "stock") {
    MILK_ASSIGN_OR_RETURN(record, DecideStock(stub, market, swap));
  } else {
    MILK_ASSIGN_OR_RETURN(record, DecideSell(stub, config, market, swap));
  }
  return StoreDecision(stub, record);
}

Result<milkpb::Response> AbortSwap(Stub& stub, const Config& /*config*/, const Args& args) {
  MILK_ASSIGN_OR_RETURN(std::string owner, RequireWallet(stub, "abort_swap"));
  if (args.size() != 3) return BadRequest("usage: abort_swap <brand_chain_id> <ref> <deadline_ms>");
  LockedSwap swap;
  swap.chain_id = args[0];
  swap.ref = args[1];
  swap.owner = owner;
  swap.kind = "sell";  // customers' swaps are sells; the center has not seen the lock
  MILK_RETURN_IF_ERROR(CheckChainId(swap.chain_id));
  MILK_RETURN_IF_ERROR(CheckName("ref", swap.ref));
  MILK_ASSIGN_OR_RETURN(swap.deadline_ms, ParseMs(args[2], "deadline_ms"));
  swap.id = SwapIdOf(swap.chain_id, owner, swap.ref);
  MILK_RETURN_IF_ERROR(RefuseDecided(stub, swap.chain_id, swap.id));
  if (stub.GetTxTimestamp() <= swap.deadline_ms) {
    return FailedPrecondition("swap " + swap.id + " can be aborted only after its deadline " +
                              std::to_string(swap.deadline_ms) + " (now " +
                              std::to_string(stub.GetTxTimestamp()) + ")");
  }
  MILK_ASSIGN_OR_RETURN(Market market, MarketOfChain(stub, swap.chain_id));
  swap.brand = market.brand;
  return StoreDecision(
      stub, DecisionJson(stub, swap, "aborted", "aborted by the customer after the deadline"));
}

}  // namespace milk::chaincode::exchange
