// chaincode/model: random exchange operations, the exchange's reference model (every trade
// re-priced with pricing.h and compared to the unit), and its checks (exchange.h).
#include <nlohmann/json.hpp>

#include "chaincode/exchange/exchange.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/model/model_world.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::json;
constexpr int64_t kFeedMaxAgeMs = 300'000;  // the exchange's Init below
constexpr int64_t kProofMaxAgeMs = 600'000;  // the exchange's and the swap chaincode's Init

// A read-only call the model makes to learn what the chain holds now; not an operation.
Json Peek(World& world, const std::string& chaincode, const std::string& function,
          const std::vector<std::string>& args) {
  TxContext context;
  context.chain_id = world.chains[kCenter].id;
  context.tx_id = "peek";
  context.creator = world.tica_client;
  context.timestamp_ms = world.now_ms;
  context.chaincode = chaincode;
  context.function = function;
  context.args = args;
  SimulationResult result =
      Simulate(world.chains[kCenter].registry, world.chains[kCenter].state, context);
  if (result.response.status() != 200) return Json();
  return Json::parse(result.response.payload(), nullptr, false);
}

Json TradeEvent(const SimulationResult& result) {
  for (const auto& event : result.events) {
    if (event.chaincode() == "exchange" && event.name() == "trade") {
      return Json::parse(event.payload(), nullptr, false);
    }
  }
  return Json();
}

// "" when the event carries exactly the quote's numbers.
std::string CompareTrade(const Json& event, const exchange::TradeQuote& quote) {
  if (!event.is_object()) return "no trade event";
  const std::pair<const char*, Amount> fields[] = {{"bt_amount", quote.bt_amount},
                                                   {"krw_value", quote.krw_value},
                                                   {"krw_fee", quote.krw_fee},
                                                   {"mlk_total", quote.mlk_total},
                                                   {"mlk_fee", quote.mlk_fee},
                                                   {"price_before", quote.price_before_micro_krw},
                                                   {"price_after", quote.price_after_micro_krw},
                                                   {"inventory_after", quote.inventory_after}};
  for (const auto& [field, expected] : fields) {
    if (ParseOr(event.value(field, ""), expected + 1) != expected) {
      return std::string("trade ") + field + " " + event.value(field, "?") + ", model " +
             FormatAmount(expected);
    }
  }
  return "";
}

// "" when both spot prices of the trade lie within the market's bounds at its parameters.
std::string CheckTradeBounds(const exchange::MarketParams& params,
                             const exchange::TradeQuote& quote) {
  Result<exchange::PriceBounds> bounds = exchange::Bounds(params);
  if (!bounds.ok()) return "a trade was priced with invalid parameters";
  for (Amount price : {quote.price_before_micro_krw, quote.price_after_micro_krw}) {
    if (price < bounds->min_price_micro_krw || price > bounds->max_price_micro_krw) {
      return "a trade's price " + FormatAmount(price) + " is outside [" +
             FormatAmount(bounds->min_price_micro_krw) + ", " +
             FormatAmount(bounds->max_price_micro_krw) + "]";
    }
  }
  return "";
}

}  // namespace

bool ExchangeBuilt() { return true; }

bool RegisterExchange(Registry& registry) {
  registry.Register("exchange", std::make_shared<ExchangeChaincode>());
  return true;
}

bool World::SetUpExchange() {
  const Json config = {{"operator_org", "TICA"},     {"mlk_chaincode", "mlk"},
                       {"lzm_chaincode", "lzm"},     {"alliance_chaincode", "alliance"},
                       {"fee_account", fee_account}, {"feed_max_age_ms", kFeedMaxAgeMs},
                       {"swap_chaincode", "swap"},   {"proof_max_age_ms", kProofMaxAgeMs}};
  TxContext context;
  context.chain_id = chains[kCenter].id;
  context.tx_id = "genesis-exchange";
  context.creator = tica_admin;
  context.timestamp_ms = now_ms;
  context.chaincode = "exchange";
  context.args = {config.dump()};
  SimulationResult init = Simulate(chains[kCenter].registry, chains[kCenter].state, context, true);
  if (init.response.status() != 200) {
    Fail("Init of exchange refused: " + init.response.message());
    return false;
  }
  chains[kCenter].state.Apply(init.rwset, Version{chains[kCenter].block++, 0});
  // BTA: whole points worth 10 KRW; BTB: points with two decimals worth 5 KRW.
  const struct {
    const char *redemption, *unit, *depth, *seed;
  } markets[] = {{"10000000", "1", "1000000", "300000"},
                 {"5000000", "100", "100000000", "30000000"}};
  auto must = [this](Op op) {
    SimulationResult result = Run(op);
    if (result.response.status() != 200) {
      Fail("set-up exchange." + op.function + " refused: " + result.response.message());
    }
  };
  must({kCenter, "exchange", "set_feed", {"50000000"}, tica_oracle});
  exchange_model.feed_micro_krw = 50'000'000;
  exchange_model.feed_ms = now_ms;
  for (size_t i = 0; i < 2; ++i) {
    const auto& m = markets[i];
    must({kCenter,
          "exchange",
          "open_market",
          {brands_symbols[i], partner_orgs[i], m.redemption, m.unit, m.depth, chains[i + 1].id},
          tica_admin});
    MarketModel market;
    market.partner_org = partner_orgs[i];
    market.params.redemption_value_micro_krw = ParseOr(m.redemption, 0);
    market.params.bt_unit = ParseOr(m.unit, 0);
    market.params.depth_units = ParseOr(m.depth, 0);
    exchange_model.markets[brands_symbols[i]] = market;
    // TICA's first inventory: the partner stocks it through a stock swap, the whole protocol.
    const int chain = static_cast<int>(i) + 1;
    const std::string id = LockSwap({chain, "swap", "stock", {Ref("stock"), m.seed,
                                                               Num(now_ms + kDayMs)},
                                     partner_clients[i]},
                                    /*stock=*/true);
    if (id.empty()) {
      Fail("set-up stock swap of " + brands_symbols[i] + " refused");
      return false;
    }
    SwapModel& swap = exchange_model.swaps[id];
    SettleWithProof(swap, ProveView(chain, "swap", "swap", {id}, partner_peers[i], now_ms), true);
    FinishSwap(swap);
  }
  return !failed();
}

// The market's parameters as the exchange will apply them now (fee and minimum from alliance).
static exchange::MarketParams CurrentParams(World& world, const MarketModel& market) {
  exchange::MarketParams params = market.params;
  Json alliance = Peek(world, "alliance", "params", {});
  Json partner = Peek(world, "alliance", "partner", {market.partner_org});
  if (alliance.is_object()) params.fee_bps = alliance.value("fee_bps", 150u);
  if (partner.is_object()) params.min_price_bps = partner.value("min_price_bps", 6000u);
  return params;
}

void World::ExchangeOp() {
  ExchangeModel& ex = exchange_model;
  const uint64_t roll = rng.Below(100);
  const std::string brand = rng.Percent(95) ? brands_symbols[rng.Below(2)] : "NOPE";
  // TICA's oracle keeps the feed fresh most of the time (an update in the same block before
  // the trade); now and then trading meets a stale feed.
  if (roll >= 8 && now_ms - ex.feed_ms > kFeedMaxAgeMs && rng.Percent(80)) {
    Op feed{kCenter, "exchange", "set_feed", {FormatAmount(ex.feed_micro_krw)}, tica_oracle};
    if (Run(feed).response.status() != 200) return Fail("the oracle could not set the feed");
    ex.feed_ms = now_ms;
  }
  if (roll < 8) return ExchangeSetFeed();
  if (roll < 24) return SwapLock(rng.Percent(15));
  if (roll < 40) return SwapSettle();
  if (roll < 48) return SwapFinish();
  if (roll < 51) return SwapAbort();
  if (roll < 71) return ExchangeBuy(brand);
  if (roll < 78) return SwapDeliver();
  if (roll < 80) return SwapQuery();
  ExchangeAdminOp(roll);
}

void World::ExchangeSetFeed() {
  ExchangeModel& ex = exchange_model;
  Op op;
  op.chaincode = "exchange";
  op.function = "set_feed";
  op.who = Right(tica_oracle);
  const Amount price = ex.feed_micro_krw * (80 + rng.Below(46)) / 100;
  op.args = {rng.Percent(95) ? FormatAmount(price) : "0"};
  SimulationResult result = Run(op);
  MustRefuse(result, op.who.is_wallet || op.who.role != milkpb::ORACLE, "not TICA's oracle");
  if (result.response.status() != 200) return;
  ex.feed_micro_krw = ParseOr(op.args[0], 0);
  ex.feed_ms = now_ms;
}

// The center's decision on a proven lock, predicted: aborted past the deadline or when a sell
// cannot trade now (stale feed, halted, beyond the depth or reserve, below min_mlk); settled
// otherwise, a sell being the trade of docs/chaincode_exchange.md to the unit.
void World::SettleWithProof(SwapModel& swap, const std::string& proof, bool proof_ok) {
  ExchangeModel& ex = exchange_model;
  const std::string chain_id = chains[static_cast<size_t>(swap.chain)].id;
  const std::string brand = brands_symbols[static_cast<size_t>(swap.chain - 1)];
  MarketModel& market = ex.markets[brand];
  const exchange::MarketParams params = CurrentParams(*this, market);
  Result<exchange::TradeQuote> quote = FailedPrecondition("not a sell");
  if (swap.kind == "sell") {
    quote = exchange::Quote(params, {ex.feed_micro_krw, kMlkUnit}, market.inventory,
                            MlkAvailable(liquidity_account), exchange::Side::kSell, swap.amount);
  }
  // TICA's relay carries the proof; the owner is paid whoever submits it.
  Op op{kCenter, "exchange", "settle_swap", {chain_id, swap.id, proof}, tica_relay};
  SimulationResult result = Run(op);
  MustRefuse(result, !proof_ok, "the proof is forged, replayed, stale or of another chain");
  MustRefuse(result, !swap.decision.empty(), "the swap was decided already");
  if (!proof_ok || !swap.decision.empty()) return;
  if (result.response.status() != 200) {
    return Fail("a genuine proof of a locked swap was refused: " + result.response.message());
  }
  std::string expected = "settled";
  if (now_ms > swap.deadline_ms) {
    expected = "aborted";
  } else if (swap.kind == "sell" && (now_ms - ex.feed_ms > kFeedMaxAgeMs || !quote.ok() ||
                                     quote->mlk_total < swap.min_mlk)) {
    expected = "aborted";
  }
  const Json decision = Json::parse(result.response.payload(), nullptr, false);
  if (!decision.is_object() || decision.value("state", "") != expected) {
    return Fail("settle_swap decided " + result.response.payload() + ", the model " + expected);
  }
  swap.decision = expected;
  if (expected == "aborted") return;
  if (swap.kind == "stock") {
    market.inventory += swap.amount;
    return;
  }
  std::string broken = CompareTrade(TradeEvent(result), *quote);
  if (broken.empty()) broken = CheckTradeBounds(params, *quote);
  if (!broken.empty()) return Fail(broken);
  market.inventory = quote->inventory_after;
  MlkMove(liquidity_account, swap.owner, quote->mlk_total);
  MlkMove(liquidity_account, fee_account, quote->mlk_fee);
  mlk.liquidity_paid += quote->mlk_total + quote->mlk_fee;
  mlk.fees += quote->mlk_fee;
  ex.volume[market.partner_org] += quote->MlkLiquidityLeg();
  ApplyLzmRewards(result, quote->MlkLiquidityLeg() * lzm.trade_mlk_num / lzm.trade_mlk_den,
                  "rewards");
}

void World::ExchangeBuy(const std::string& brand) {
  ExchangeModel& ex = exchange_model;
  Op op;
  op.chaincode = "exchange";
  op.function = "buy";
  op.who = rng.Percent(95) ? AnyWallet() : AnyCaller();
  const std::string buyer = Address(op.who);
  auto found = ex.markets.find(brand);
  const Amount typical = brand == "BTB" ? Amount{1'000'000} : Amount{10'000};
  op.args = {brand, AmountArg(typical, found == ex.markets.end() ? 0 : found->second.inventory),
             rng.Percent(90) ? FormatAmount(kAmountMax) : FormatAmount(kMlkUnit)};
  std::optional<Result<exchange::TradeQuote>> quote;
  exchange::MarketParams params;
  if (found != ex.markets.end()) {
    params = CurrentParams(*this, found->second);
    quote = exchange::Quote(params, {ex.feed_micro_krw, kMlkUnit}, found->second.inventory, 0,
                            exchange::Side::kBuy, ParseOr(op.args[1], 0));
  }
  SimulationResult result = Run(op);
  MustRefuse(result, !quote || !quote->ok(), "the model refuses the purchase");
  MustRefuse(result, now_ms - ex.feed_ms > kFeedMaxAgeMs, "the feed is stale");
  if (result.response.status() != 200 || !quote || !quote->ok()) return;
  const exchange::TradeQuote& q = **quote;
  MustRefuse(result, q.mlk_total > ParseOr(op.args[2], 0), "the cost is above the maximum");
  MustRefuse(result, q.mlk_total > MlkAvailable(buyer), "the buyer lacks the MLK (LZM never pays)");
  std::string broken = CompareTrade(TradeEvent(result), q);
  if (broken.empty()) broken = CheckTradeBounds(params, q);
  if (!broken.empty()) return Fail(broken);
  // A buyer's all-in price never above 95% of redemption value.
  const exchange::MarketParams& p = found->second.params;
  if (q.krw_total * p.bt_unit * 10'000 >
      Amount{9'500} * p.redemption_value_micro_krw * q.bt_amount) {
    return Fail("a buyer paid " + FormatAmount(q.krw_total) + " micro-KRW for " +
                FormatAmount(q.bt_amount) + " units: above 95% of redemption value");
  }
  found->second.inventory = q.inventory_after;
  const int chain = brand == brands_symbols[0] ? 1 : 2;
  ex.purchases.push_back({chain, TxId(), buyer, q.bt_amount, false});
  MlkMove(buyer, liquidity_account, q.mlk_total - q.mlk_fee);
  MlkMove(buyer, fee_account, q.mlk_fee);
  mlk.liquidity_collected += q.mlk_total - q.mlk_fee;
  mlk.fees += q.mlk_fee;
  ex.volume[found->second.partner_org] += q.MlkLiquidityLeg();
  ApplyLzmRewards(result, q.MlkLiquidityLeg() * lzm.trade_mlk_num / lzm.trade_mlk_den, "rewards");
}

}  // namespace milk::chaincode::model
