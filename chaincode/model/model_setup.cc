// chaincode/model: genesis of the three chains and the set-up operations every seed starts from
// (two active partners, funded wallets, pack products, brand points, and the exchange's markets).
#include <nlohmann/json.hpp>

#include "chaincode/alliance/alliance.h"
#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/lzm/lzm.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/model/model_world.h"
#include "chaincode/pack/pack.h"
#include "chaincode/swap/swap.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::ordered_json;

std::string Mlk(uint64_t whole) { return FormatAmount(Amount{whole} * kMlkUnit); }

Json Rate(Amount num, Amount den) {
  return Json{{"num", FormatAmount(num)}, {"den", FormatAmount(den)}};
}

}  // namespace

// Registers the exchange on the center chain when it is built (model_exchange.cc or its stub).
bool RegisterExchange(Registry& registry);

void World::SetUpChains() {
  chains[0].id = "center";
  chains[0].registry.Register("alliance", std::make_shared<AllianceChaincode>());
  chains[0].registry.Register("mlk", std::make_shared<MlkChaincode>());
  chains[0].registry.Register("lzm", std::make_shared<LzmChaincode>());
  chains[0].registry.Register("pack", std::make_shared<PackChaincode>());
  if (exchange_enabled) exchange_enabled = RegisterExchange(chains[0].registry);
  for (int i = 1; i <= kBrandChains; ++i) {
    chains[static_cast<size_t>(i)].id = i == 1 ? "brand.branda" : "brand.brandb";
    chains[static_cast<size_t>(i)].registry.Register("brandtoken",
                                                     std::make_shared<BrandTokenChaincode>());
    chains[static_cast<size_t>(i)].registry.Register("swap", std::make_shared<SwapChaincode>());
  }
}

bool World::SetUp() {
  SetUpChains();
  return SetUpAlliance() && SetUpCenter() && SetUpBrands() &&
         (!exchange_enabled || SetUpExchange()) && CheckAll();
}

// Runs Init of chaincode on chain as creator; a refusal is a set-up failure.
static bool InitChaincode(World& world, int chain, const std::string& chaincode,
                          const std::string& json, const crypto::IdentityInfo& creator) {
  TxContext context;
  context.chain_id = world.chains[static_cast<size_t>(chain)].id;
  context.tx_id = "genesis-" + chaincode;
  context.creator = creator;
  context.timestamp_ms = world.now_ms;
  context.chaincode = chaincode;
  context.args = {json};
  Chain& target = world.chains[static_cast<size_t>(chain)];
  SimulationResult init = Simulate(target.registry, target.state, context, /*init=*/true);
  if (init.response.status() != 200) {
    world.Fail("Init of " + chaincode + " refused: " + init.response.message());
    return false;
  }
  target.state.Apply(init.rwset, Version{target.block++, 0}, context.tx_id, world.now_ms);
  return true;
}

// A set-up operation must succeed.
static SimulationResult Must(World& world, Op op) {
  SimulationResult result = world.Run(op);
  if (result.response.status() != 200) {
    world.Fail("set-up " + op.chaincode + "." + op.function +
               " refused: " + result.response.message());
  }
  return result;
}

bool World::SetUpAlliance() {
  if (!InitChaincode(*this, kCenter, "alliance", R"({"operator_org":"TICA"})", tica_admin)) {
    return false;
  }
  const char* const sectors[] = {"travel", "fashion"};
  for (size_t i = 0; i < partner_orgs.size(); ++i) {
    Must(*this, {kCenter,
                 "alliance",
                 "propose",
                 {partner_orgs[i], sectors[i], brands_symbols[i]},
                 tica_admin});
    for (size_t j = 0; j < i; ++j) {
      Must(*this, {kCenter, "alliance", "approve", {partner_orgs[i]}, partner_admins[j]});
    }
    Must(*this, {kCenter,
                 "alliance",
                 "accept_agreement",
                 {partner_orgs[i], std::string(64, 'a')},
                 partner_admins[i]});
  }
  return !failed();
}

bool World::SetUpCenter() {
  const Json pools = {
      {"liquidity", Mlk(364'000'000)},      {"user_distribution", Mlk(143'000'000)},
      {"partner_locked", Mlk(250'120'000)}, {"partner_contribution", Mlk(230'880'000)},
      {"operation", Mlk(182'000'000)},      {"construction", Mlk(130'000'000)}};
  for (const auto& [name, amount] : pools.items()) {
    mlk.pools[name] = mlk.pools_initial[name] = ParseOr(amount.get<std::string>(), 0);
  }
  const Json mlk_params = {{"operator_org", "TICA"},
                           {"listing_ms", kListingMs},
                           {"liquidity_account", liquidity_account},
                           {"gateway_account", gateway_account},
                           {"contribution_bps_by_year", {300, 250, 200, 150, 100}},
                           {"pools", pools},
                           {"lzm_chaincode", "lzm"}};
  // One seed in three has rates so high that the reward pools run dry, opening the gates of
  // the team and reserve pools.
  const bool lavish = rng.Below(3) == 0;
  const Amount lzm_unit = kLzmUnit;
  lzm.trade_krw_num = lavish ? Amount{10'000} * lzm_unit : lzm_unit / 100;
  lzm.trade_mlk_num = lavish ? Amount{100'000} : 1;
  lzm.trade_mlk_den = lavish ? 1 : 100;
  lzm.coupon_num = lavish ? Amount{10'000} * lzm_unit : lzm_unit / 100;
  lzm.burn_num = lavish ? Amount{1'000'000} : 1;
  lzm.attendance = lavish ? Amount{5'000'000} * lzm_unit : Amount{10} * lzm_unit;
  const Json lzm_config = {{"operator_org", "TICA"},
                           {"rates",
                            {{"trade_krw", Rate(lzm.trade_krw_num, lzm.trade_krw_den)},
                             {"trade_mlk", Rate(lzm.trade_mlk_num, lzm.trade_mlk_den)},
                             {"coupon_krw", Rate(lzm.coupon_num, lzm.coupon_den)},
                             {"burn_mlk", Rate(lzm.burn_num, lzm.burn_den)}}},
                           {"attendance_reward", FormatAmount(lzm.attendance)},
                           {"level_window_days", kLevelWindowDays},
                           {"levels",
                            {{{"name", "Silver"}, {"min", FormatAmount(Amount{100} * lzm_unit)}},
                             {{"name", "Gold"}, {"min", FormatAmount(Amount{10'000} * lzm_unit)}}}},
                           {"pack_chaincode", "pack"}};
  lzm.level_min = {Amount{100} * lzm_unit, Amount{10'000} * lzm_unit};
  lzm.pools = {{"rewards", kLzmRewardsCap},
               {"events", kLzmEventsCap},
               {"team", kLzmTeamCap},
               {"reserve", kLzmReserveCap}};
  if (!InitChaincode(*this, kCenter, "mlk", mlk_params.dump(), tica_admin) ||
      !InitChaincode(*this, kCenter, "lzm", lzm_config.dump(), tica_admin) ||
      !InitChaincode(*this, kCenter, "pack",
                     R"({"operator_org":"TICA","mlk_chaincode":"mlk","lzm_chaincode":"lzm"})",
                     tica_admin)) {
    return false;
  }
  auto grant = [this](const std::string& pool, const std::string& to, const std::string& amount) {
    Op op{kCenter, "mlk", "grant", {pool, to, amount, Ref("setup")}, tica_admin};
    ApplyMlk(op, Must(*this, op));
  };
  // One seed in three starts with a thin reserve, so that sales meet "the reserve is short".
  grant("liquidity", liquidity_account, Mlk(rng.Below(3) == 0 ? 5'000 : 50'000'000));
  grant("operation", gateway_account, Mlk(1'000'000));
  for (const auto& wallet : wallets) {
    grant("operation", Address(wallet), Mlk(1'000 + rng.Below(100'000)));
  }
  const struct {
    const char* id;
    int64_t term_ms;
    const char* num;
    const char* den;
    uint64_t cap_mlk;
  } products[] = {{"day", kDayMs, "1", "1000", 500'000},
                  {"quarter", 90 * kDayMs, "1", "20", 2'000'000},
                  {"year", 366 * kDayMs, "1", "4", 10'000'000}};
  for (const auto& p : products) {
    Must(*this, {kCenter,
                 "pack",
                 "create_product",
                 {p.id, Num(p.term_ms), p.num, p.den, Mlk(p.cap_mlk)},
                 tica_admin});
    pack.products[p.id] = {p.term_ms, ParseOr(p.num, 0), ParseOr(p.den, 1),
                           Amount{p.cap_mlk} * kMlkUnit, 0};
  }
  return !failed();
}

bool World::SetUpBrands() {
  for (int chain = 1; chain <= kBrandChains; ++chain) {
    const size_t i = static_cast<size_t>(chain - 1);
    BrandModel brand;
    brand.org = partner_orgs[i];
    brand.platform = crypto::WalletAddress(std::string(32, static_cast<char>('P' + i)));
    brand.transferable = chain == 1;
    brand.default_expiry_ms = (chain == 1 ? 365 : 90) * kDayMs;
    brand.renewal_ms = (chain == 1 ? 180 : 30) * kDayMs;
    const Json init = {{"symbol", brands_symbols[i]},
                       {"redemption_krw", chain == 1 ? "10" : "5"},
                       {"default_expiry_ms", brand.default_expiry_ms},
                       {"renewal_ms", brand.renewal_ms},
                       {"transferable", brand.transferable},
                       {"partner_org", brand.org},
                       {"platform_address", brand.platform},
                       {"swap_chaincode", "swap"}};
    const Json swap = {{"center_chain_id", chains[kCenter].id},
                       {"center_policy", "OutOf(1,'TICA.peer')"},
                       {"center_root_keys", {{"TICA", tica_peer.RootHex()}}},
                       {"exchange_chaincode", "exchange"},
                       {"brandtoken_chaincode", "brandtoken"},
                       {"operator_org", "TICA"},
                       {"partner_org", brand.org},
                       {"proof_max_age_ms", 600'000},
                       {"deadline_max_ms", 3 * kDayMs}};
    brands.push_back(brand);
    if (!InitChaincode(*this, chain, "brandtoken", init.dump(), partner_admins[i]) ||
        !InitChaincode(*this, chain, "swap", swap.dump(), partner_admins[i])) {
      return false;
    }
    // The center checks this chain's proofs against the partner's registered root and policy.
    Must(*this, {kCenter,
                 "alliance",
                 "register_brand_chain",
                 {chains[static_cast<size_t>(chain)].id, brand.org,
                  "OutOf(1,'" + brand.org + ".peer')",
                  Json{{brand.org, partner_peers[i].RootHex()}}.dump()},
                 partner_admins[i]});
    // Points for every wallet, and for the partner's client: its stock swaps fill TICA's
    // inventory (TICA's account itself moves only through swaps).
    std::vector<std::string> holders = {Address(partner_clients[i]), Address(partner_clients[i])};
    for (const auto& wallet : wallets) holders.push_back(Address(wallet));
    for (const auto& holder : holders) {
      Amount amount = Amount{1 + rng.Below(chain == 1 ? 50'000 : 5'000'000)};
      // The partner's first stock swap (model_exchange.cc) needs the market's seed at least.
      if (holder == Address(partner_clients[i])) amount += chain == 1 ? 300'000 : 30'000'000;
      const int64_t expiry = now_ms + static_cast<int64_t>(1 + rng.Below(600)) * kDayMs;
      Must(*this, {chain,
                   "brandtoken",
                   "issue",
                   {holder, FormatAmount(amount), Ref("setup"), Num(expiry)},
                   partner_clients[i]});
      brands[i].lots[holder][expiry] += amount;
      brands[i].issued += amount;
    }
  }
  return !failed();
}

}  // namespace milk::chaincode::model
