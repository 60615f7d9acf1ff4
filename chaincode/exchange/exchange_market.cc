// Markets in state, calls to mlk / lzm / alliance, the feed's freshness and TICA's MLK reserve.
#include "chaincode/exchange/exchange_internal.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode::exchange {
namespace {

// The bps fields are small integers in state; kDataLoss outside uint32.
Result<uint32_t> FieldBps(const Json& object, const char* field) {
  MILK_ASSIGN_OR_RETURN(int64_t value, FieldInt(object, field));
  if (value < 0 || value > int64_t{kBpsDenominator}) {
    return DataLoss(std::string("stored ") + field + " out of range");
  }
  return static_cast<uint32_t>(value);
}

Status CodeFromHttp(int32_t status, std::string message) {
  switch (status) {
    case 400: return InvalidArgument(std::move(message));
    case 403: return PermissionDenied(std::move(message));
    case 404: return NotFound(std::move(message));
    case 409: return AlreadyExists(std::move(message));
    case 412: return FailedPrecondition(std::move(message));
    default: return Internal(std::move(message) + " (status " + std::to_string(status) + ")");
  }
}

}  // namespace

Result<Market> MarketFromJson(const Json& value) {
  Market market;
  if (!value.is_object() || !value.contains("brand") || !value["brand"].is_string() ||
      !value.contains("partner_org") || !value["partner_org"].is_string() ||
      !value.contains("chain_id") || !value["chain_id"].is_string()) {
    return DataLoss("corrupt market record");
  }
  market.brand = value["brand"].get<std::string>();
  market.partner_org = value["partner_org"].get<std::string>();
  market.chain_id = value["chain_id"].get<std::string>();
  MILK_ASSIGN_OR_RETURN(market.params.redemption_value_micro_krw,
                        FieldAmount(value, "redemption_value_micro_krw"));
  MILK_ASSIGN_OR_RETURN(market.params.bt_unit, FieldAmount(value, "bt_unit"));
  MILK_ASSIGN_OR_RETURN(market.params.depth_units, FieldAmount(value, "depth_units"));
  MILK_ASSIGN_OR_RETURN(market.params.fee_bps, FieldBps(value, "fee_bps"));
  MILK_ASSIGN_OR_RETURN(market.params.min_price_bps, FieldBps(value, "min_price_bps"));
  MILK_ASSIGN_OR_RETURN(market.inventory, FieldAmount(value, "inventory"));
  MILK_ASSIGN_OR_RETURN(market.seeded, FieldAmount(value, "seeded"));
  MILK_ASSIGN_OR_RETURN(market.sold, FieldAmount(value, "sold"));
  MILK_ASSIGN_OR_RETURN(market.bought, FieldAmount(value, "bought"));
  MILK_ASSIGN_OR_RETURN(market.fees_mlk, FieldAmount(value, "fees_mlk"));
  MILK_ASSIGN_OR_RETURN(market.price_micro_krw, FieldAmount(value, "price_micro_krw"));
  return market;
}

Json MarketJson(const Market& market) {
  return Json{{"brand", market.brand},
              {"partner_org", market.partner_org},
              {"chain_id", market.chain_id},
              {"redemption_value_micro_krw", FormatAmount(market.params.redemption_value_micro_krw)},
              {"bt_unit", FormatAmount(market.params.bt_unit)},
              {"depth_units", FormatAmount(market.params.depth_units)},
              {"fee_bps", market.params.fee_bps},
              {"min_price_bps", market.params.min_price_bps},
              {"inventory", FormatAmount(market.inventory)},
              {"seeded", FormatAmount(market.seeded)},
              {"sold", FormatAmount(market.sold)},
              {"bought", FormatAmount(market.bought)},
              {"fees_mlk", FormatAmount(market.fees_mlk)},
              {"price_micro_krw", FormatAmount(market.price_micro_krw)}};
}

Result<Market> LoadMarket(Stub& stub, const std::string& brand) {
  MILK_RETURN_IF_ERROR(CheckName("brand", brand));
  MILK_ASSIGN_OR_RETURN(Json value, Load(stub, "market", {brand}));
  if (value.is_null()) return NotFound("no market for brand " + chaincode::Quote(brand));
  return MarketFromJson(value);
}

Status SaveMarket(Stub& stub, Market& market) {
  Result<Amount> price = SpotPrice(market.params, market.inventory);
  if (!price.ok()) return FromPricing(price.status());
  market.price_micro_krw = *price;
  return Save(stub, "market", {market.brand}, MarketJson(market));
}

Result<Market> MarketOfChain(Stub& stub, const std::string& chain_id) {
  MILK_RETURN_IF_ERROR(CheckChainId(chain_id));
  // At most kMarketsMax markets: a scan is bounded and cheaper than keeping an index in step.
  MILK_ASSIGN_OR_RETURN(std::vector<KV> rows, stub.GetStateByPartialCompositeKey("market", {}));
  for (const KV& row : rows) {
    Json value = Json::parse(row.value, nullptr, false);
    MILK_ASSIGN_OR_RETURN(Market market, MarketFromJson(value));
    if (market.chain_id == chain_id) return market;
  }
  return NotFound("no market trades on brand chain " + chaincode::Quote(chain_id));
}

Result<Json> Call(Stub& stub, const std::string& chaincode, const std::string& function,
                  const Args& args) {
  milkpb::Response response = stub.InvokeChaincode(chaincode, function, args);
  if (response.status() != 200) {
    return CodeFromHttp(response.status(), chaincode + " " + function + ": " + response.message());
  }
  Json parsed = Json::parse(response.payload(), nullptr, false);
  if (parsed.is_discarded()) return Json(response.payload());
  return parsed;
}

Status RefreshParams(Stub& stub, const Config& config, Market& market) {
  MILK_ASSIGN_OR_RETURN(Json params, Call(stub, config.alliance_chaincode, "params", {}));
  Result<Json> partner = Call(stub, config.alliance_chaincode, "partner", {market.partner_org});
  if (!partner.ok() && partner.status().code() == Code::kNotFound) {
    return FailedPrecondition("market " + market.brand + ": " + market.partner_org +
                              " is no longer an alliance partner; the market is closed");
  }
  MILK_RETURN_IF_ERROR(partner.status());
  if (!params.contains("fee_bps") || !params["fee_bps"].is_number_integer() ||
      !partner->contains("min_price_bps") || !(*partner)["min_price_bps"].is_number_integer()) {
    return Internal("the alliance answered parameters without fee_bps / min_price_bps");
  }
  const int64_t fee = params["fee_bps"].get<int64_t>();
  const int64_t min_price = (*partner)["min_price_bps"].get<int64_t>();
  if (fee < 0 || fee > int64_t{kFeeBpsMax} || min_price < 0 ||
      min_price > int64_t{kBpsDenominator}) {
    return Internal("the alliance answered parameters out of range");
  }
  market.params.fee_bps = static_cast<uint32_t>(fee);
  market.params.min_price_bps = static_cast<uint32_t>(min_price);
  // Governance may combine a fee and a partner's minimum that leave no price between the bounds
  // (the alliance refuses such a minimum, but a later fee rise can still do it): the market
  // cannot trade until one of them changes, a precondition rather than bad input.
  const Status valid = ValidateMarketParams(market.params);
  if (valid.code() == Code::kInvalidArgument) {
    return FailedPrecondition("market " + market.brand +
                              " cannot trade under the alliance's current fee and minimum "
                              "price: " + valid.message());
  }
  return FromPricing(valid);
}

Result<MlkFeed> FreshFeed(Stub& stub, const Config& config) {
  MILK_ASSIGN_OR_RETURN(Json stored, Load(stub, "feed", {}));
  if (stored.is_null()) return FailedPrecondition("no MLK/KRW price yet");
  MlkFeed feed;
  MILK_ASSIGN_OR_RETURN(feed.micro_krw_per_mlk, FieldAmount(stored, "micro_krw_per_mlk"));
  feed.mlk_unit = kMlkUnit;
  MILK_ASSIGN_OR_RETURN(int64_t time_ms, FieldInt(stored, "time_ms"));
  const int64_t now_ms = stub.GetTxTimestamp();
  // A feed stamped after now (clock skew between proposals) counts as fresh.
  if (now_ms > time_ms && now_ms - time_ms > config.feed_max_age_ms) {
    return FailedPrecondition("trading is halted: the MLK/KRW price is stale (set at " +
                              std::to_string(time_ms) + " ms, older than " +
                              std::to_string(config.feed_max_age_ms) + " ms)");
  }
  return feed;
}

Result<Amount> LiquidityReserve(Stub& stub, const Config& config) {
  MILK_ASSIGN_OR_RETURN(Json params, Call(stub, config.mlk_chaincode, "params", {}));
  if (!params.contains("liquidity_account") || !params["liquidity_account"].is_string()) {
    return Internal("mlk params has no liquidity_account");
  }
  MILK_ASSIGN_OR_RETURN(
      Json balance,
      Call(stub, config.mlk_chaincode, "balance", {params["liquidity_account"].get<std::string>()}));
  if (!balance.contains("unlocked") || !balance["unlocked"].is_string()) {
    return Internal("mlk balance has no unlocked amount");
  }
  Result<Amount> unlocked = ParseAmount(balance["unlocked"].get<std::string>());
  if (!unlocked.ok()) return Internal("mlk balance answered a malformed amount");
  return unlocked;
}

Status FromPricing(const Status& status) {
  if (status.code() == Code::kOutOfRange) return InvalidArgument(status.message());
  return status;
}

}  // namespace milk::chaincode::exchange
