// chaincode/model: the exchange's administrative operations and queries, and the checks of the
// exchange against the model after every operation (exchange.h).
#include <nlohmann/json.hpp>

#include "chaincode/exchange/exchange.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/model/model_world.h"
#include "chaincode/swap/conservation.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::json;

Json Stored(World& world, const std::string& type, const std::vector<std::string>& attrs) {
  std::optional<std::string> value = ReadKey(world.chains[kCenter], "exchange", type, attrs);
  return value ? Json::parse(*value, nullptr, false) : Json();
}

}  // namespace

void World::ExchangeAdminOp(uint64_t roll) {
  ExchangeModel& ex = exchange_model;
  Op op;
  op.chaincode = "exchange";
  const std::string brand = rng.Percent(95) ? brands_symbols[rng.Below(2)] : "NOPE";
  if (roll < 84) {
    op.function = "open_market";
    op.who = Right(tica_admin);
    const std::string org = rng.Percent(50) ? partner_orgs[rng.Below(2)] : candidates[0].org;
    op.args = {rng.Percent(70) ? brand : candidates[0].org + "Points", org, "1000000", "1", "1000",
               rng.Percent(80) ? chains[1 + rng.Below(2)].id : "brand.other"};
    SimulationResult result = Run(op);
    // Both brands and both brand chains already trade; a candidate that joined could open its
    // own market, but no brand chain is registered to it.
    MustRefuse(result, ex.markets.count(op.args[0]) > 0, "the market is already open");
    MustRefuse(result, op.args[5] != "brand.other", "the brand chain has its market");
    MustRefuse(result, op.args[5] == "brand.other", "the brand chain is not registered");
    if (result.response.status() == 200) {
      MarketModel market;
      market.partner_org = org;
      market.params.redemption_value_micro_krw = 1'000'000;
      market.params.bt_unit = 1;
      market.params.depth_units = 1000;
      ex.markets[op.args[0]] = market;
    }
  } else if (roll < 90) {
    ExchangeSettle();
  } else {
    static const char* const kQueries[] = {"market",   "markets",        "quote", "feed",
                                           "purchase", "partner_volume", "swap"};
    op.function = kQueries[rng.Below(7)];
    op.who = AnyCaller();
    if (op.function == "market") op.args = {brand};
    if (op.function == "quote") {
      op.args = {brand, rng.Percent(50) ? "buy" : "sell", AmountArg(Amount{1000}, Amount{1000})};
    }
    if (op.function == "purchase") {
      op.args = {ex.purchases.empty() || rng.Percent(30)
                     ? "tx" + Num(static_cast<int64_t>(rng.Below(100)))
                     : ex.purchases[rng.Below(ex.purchases.size())].tx};
    }
    if (op.function == "swap") {
      const size_t chain = 1 + rng.Below(2);
      op.args = {chains[chain].id, ex.swaps.empty() || rng.Percent(20)
                                       ? std::string(64, 'b')
                                       : std::next(ex.swaps.begin(),
                                                   static_cast<long>(rng.Below(ex.swaps.size())))
                                             ->first};
    }
    if (op.function == "partner_volume") op.args = {partner_orgs[rng.Below(2)]};
    SimulationResult result = Run(op);
    if (op.function == "partner_volume" && result.response.status() == 200) {
      Json answer = Json::parse(result.response.payload(), nullptr, false);
      const std::string& org = op.args[0];
      if (!answer.is_object() || ParseOr(answer.value("volume", ""), 1) != ex.volume[org] ||
          ParseOr(answer.value("settled", ""), 1) != ex.settled[org]) {
        Fail("partner_volume answered " + result.response.payload() + "; the model has " +
             FormatAmount(ex.volume[org]) + " of which " + FormatAmount(ex.settled[org]) +
             " settled");
      }
    }
  }
}

// TICA pays a partner its contribution for the unsettled trade volume, through mlk.
void World::ExchangeSettle() {
  ExchangeModel& ex = exchange_model;
  Op op;
  op.chaincode = "exchange";
  op.function = "settle_contribution";
  op.who = Right(tica_admin);
  const std::string org = partner_orgs[rng.Below(2)];
  op.args = {org, AnyAddress(), Ref("settle")};
  SimulationResult result = Run(op);
  const Amount unsettled = ex.volume[org] - ex.settled[org];
  const int64_t year = (now_ms - kListingMs) / kScheduleYearMs;
  static const int64_t kSchedule[] = {300, 250, 200, 150, 100};
  const bool open = now_ms >= kListingMs && year < 5;
  const Amount paid = open ? unsettled * static_cast<Amount>(kSchedule[year]) / 10'000 : 0;
  MustRefuse(result, unsettled == 0, "nothing is unsettled");
  MustRefuse(result, paid == 0 || paid > mlk.pools["partner_contribution"],
             "the contribution pays nothing or more than the pool");
  if (result.response.status() != 200) return;
  mlk.pools["partner_contribution"] -= paid;
  mlk.held[op.args[1]] += paid;
  ex.settled[org] = ex.volume[org];
}

std::string CheckExchangeModel(World& world) {
  Status own = CheckExchangeInvariants(world.chains[kCenter].state, world.now_ms);
  if (!own.ok()) return "exchange invariants: " + own.ToString();
  const ExchangeModel& ex = world.exchange_model;
  Amount market_fees = 0;
  for (const auto& [brand, market] : ex.markets) {
    Json stored = Stored(world, "market", {brand});
    if (!stored.is_object()) return "market " + brand + " missing from state";
    market_fees += ParseOr(stored.value("fees_mlk", ""), 0);
    if (ParseOr(stored.value("inventory", ""), market.inventory + 1) != market.inventory) {
      return "market " + brand + " inventory " + stored.value("inventory", "?") + ", model " +
             FormatAmount(market.inventory);
    }
    exchange::MarketParams params = market.params;
    params.fee_bps = stored.value("fee_bps", 0u);
    params.min_price_bps = stored.value("min_price_bps", 0u);
    Result<exchange::PriceBounds> bounds = exchange::Bounds(params);
    const Amount price = ParseOr(stored.value("price_micro_krw", ""), 0);
    if (!bounds.ok() || price < bounds->min_price_micro_krw ||
        price > bounds->max_price_micro_krw) {
      return "market " + brand + " price " + FormatAmount(price) + " outside its bounds";
    }
    // The maximum's all-in price (fee added) never above 95% of redemption value.
    if (bounds->max_price_micro_krw * (10'000 + params.fee_bps) >
        params.redemption_value_micro_krw * 9'500) {
      return "market " + brand + " maximum price breaks the 5% discount";
    }
  }
  for (const auto& [org, volume] : ex.volume) {
    Json partner = Stored(world, "partner", {org});
    const Amount stored = partner.is_object() ? ParseOr(partner.value("volume", ""), 0) : 0;
    if (stored != volume) {
      return "partner " + org + " volume " + FormatAmount(stored) + ", model (sum of the " +
             "trades' liquidity legs) " + FormatAmount(volume);
    }
  }
  for (const auto& [id, swap] : ex.swaps) {
    const std::string& chain_id = world.chains[static_cast<size_t>(swap.chain)].id;
    Json stored = Stored(world, "swap", {chain_id, id});
    const std::string state = stored.is_object() ? stored.value("state", "?") : "";
    if (state != swap.decision) {
      return "swap " + id + " is decided '" + state + "' on the center, model '" + swap.decision +
             "'";
    }
  }
  const MlkModel& mlk = world.mlk;
  if (market_fees != mlk.fees) {
    return "the markets' fees_mlk sum to " + FormatAmount(market_fees) + ", the trades' fees to " +
           FormatAmount(mlk.fees);
  }
  auto held = [&mlk](const std::string& address) {
    auto it = mlk.held.find(address);
    return it == mlk.held.end() ? Amount{0} : it->second;
  };
  if (held(world.fee_account) != mlk.fees) {
    return "the fee account holds " + FormatAmount(held(world.fee_account)) +
           ", the sum of the trades' fees is " + FormatAmount(mlk.fees);
  }
  // The global check of docs/swaps.md over the committed states of all chains (helper
  // "swapcc"'s chaincode/swap/conservation.h), besides this model's own (CheckCrossChain).
  std::vector<swap::BrandChainState> brand_states;
  for (int chain = 1; chain <= kBrandChains; ++chain) {
    Chain& brand = world.chains[static_cast<size_t>(chain)];
    brand_states.push_back({brand.id, &brand.state});
  }
  Result<swap::ConservationReport> conserved =
      swap::CheckCrossChainConservation(world.chains[kCenter].state, brand_states, world.now_ms);
  if (!conserved.ok()) return "cross-chain conservation: " + conserved.status().ToString();
  if (mlk.liquidity_granted + mlk.liquidity_collected < mlk.liquidity_paid ||
      held(world.liquidity_account) !=
          mlk.liquidity_granted + mlk.liquidity_collected - mlk.liquidity_paid) {
    return "the liquidity account holds " + FormatAmount(held(world.liquidity_account)) +
           ", not granted + collected - paid";
  }
  return "";
}

}  // namespace milk::chaincode::model
