// chaincode/model: random lzm and pack operations, the LZM and pack reference model, and the
// attempts to use LZM where MLK is expected (lzm.h, pack.h).
#include <nlohmann/json.hpp>

#include "chaincode/lzm/lzm.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/model/model_world.h"
#include "chaincode/pack/pack.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::json;

Amount Balance(const std::map<std::string, Amount>& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? Amount{0} : it->second;
}

}  // namespace

void World::ApplyLzmRewards(const SimulationResult& result, std::optional<Amount> expected,
                            const std::string& pool) {
  if (result.response.status() != 200) return;
  size_t rewards = 0;
  for (const auto& event : result.events) {
    if (event.chaincode() != "lzm" || event.name() != "reward") continue;
    ++rewards;
    Json paid = Json::parse(event.payload(), nullptr, false);
    if (paid.is_discarded()) return Fail("lzm reward event is not JSON");
    const std::string from = paid.value("pool", ""), to = paid.value("to", "");
    const Amount amount = ParseOr(paid.value("amount", ""), 0);
    const Amount held = Balance(lzm.pools, from);
    if (amount == 0 || amount > held) {
      return Fail("lzm paid " + FormatAmount(amount) + " from pool " + from + " holding " +
                  FormatAmount(held));
    }
    if (expected && amount != std::min(*expected, held)) {
      return Fail("lzm paid " + FormatAmount(amount) + " from " + from + ", the model expected " +
                  FormatAmount(std::min(*expected, held)));
    }
    lzm.pools[from] -= amount;
    lzm.balances[to] += amount;
    if (from == "rewards" || from == "events") {
      lzm.users_received += amount;
      lzm.earned[to][now_ms / kDayMs] += amount;
    }
    if (from == "team") lzm.team_paid += amount;
  }
  if (expected && *expected > 0 && rewards == 0 && !pool.empty() && Balance(lzm.pools, pool) > 0) {
    Fail("nothing was paid although " + pool + " holds " + FormatAmount(lzm.pools[pool]) +
         " and the model expected " + FormatAmount(*expected));
  }
}

void World::LzmOp() {
  const uint64_t roll = rng.Below(100);
  if (roll < 40) return LzmReward(roll);
  if (roll < 55) return LzmAttendance();
  if (roll < 62) return LzmGrant();
  if (roll < 80) return LzmMove();
  LzmQuery();
}

// The referenced rewards: trade, coupon, burn and pack (by the admin); new or replayed.
void World::LzmReward(uint64_t roll) {
  Op op;
  op.chaincode = "lzm";
  std::string kind, scope, fingerprint, pool;
  std::optional<Amount> expected;
  if (roll < 15) {
    const bool krw = rng.Percent(50);
    op.function = "trade_reward";
    op.who = Right(rng.Percent(50) ? tica_admin : tica_client);
    const Amount typical = krw ? Amount{1'000'000} : Amount{10'000} * kMlkUnit;
    op.args = {AnyAddress(), AmountArg(typical, typical), krw ? "KRW" : "MLK", Ref("trade")};
    const Amount q = ParseOr(op.args[1], 0);
    expected =
        krw ? q * lzm.trade_krw_num / lzm.trade_krw_den : q * lzm.trade_mlk_num / lzm.trade_mlk_den;
    kind = "trade", scope = op.args[3], pool = "rewards";
    fingerprint = op.args[0] + " " + op.args[1] + " " + op.args[2];
  } else if (roll < 27) {
    const size_t partner = rng.Below(2);
    op.function = "coupon_reward";
    op.who = Right(rng.Percent(50) ? partner_clients[partner] : partner_admins[partner]);
    op.args = {AnyAddress(), AmountArg(Amount{100'000}, Amount{100'000}), Ref("coupon")};
    expected = ParseOr(op.args[1], 0) * lzm.coupon_num / lzm.coupon_den;
    kind = "coupon", scope = op.who.org + "/" + op.args[2], pool = "rewards";
    fingerprint = op.args[0] + " " + op.args[1];
  } else if (roll < 35) {
    op.function = "burn_reward";
    op.who = Right(tica_client);
    op.args = {AnyAddress(), AmountArg(Amount{100} * kMlkUnit, kMlkUnit), Ref("burn")};
    expected = ParseOr(op.args[1], 0) * lzm.burn_num / lzm.burn_den;
    kind = "burn", scope = op.args[2], pool = "events";
    fingerprint = op.args[0] + " " + op.args[1];
  } else if (roll < 40) {
    op.function = "pack_reward";  // the admin may; a wallet without pack's confirmation may not
    op.who = Right(tica_admin);
    op.args = {AnyAddress(), AmountArg(Amount{10} * kLzmUnit, kLzmUnit), Ref("pr")};
    expected = ParseOr(op.args[1], 0);
    kind = "pack", scope = op.args[2], pool = "events";
    fingerprint = op.args[0] + " " + op.args[1];
  }
  // The referenced rewards: new, or a replay of an earlier reference.
  const std::string key = kind + "/" + scope;
  SimulationResult result = Run(op);
  MustRefuse(result, ParseOr(op.args[1], 0) == 0, "the quantity is not positive");
  auto seen = lzm.refs.find(key);
  if (seen != lzm.refs.end()) {
    if (result.response.status() == 200 && seen->second != fingerprint) {
      Fail("a reused " + kind + " reference with a different request was accepted");
    }
    if (result.response.status() == 200 && !result.events.empty()) {
      Fail("a replayed " + kind + " reference paid again");
    }
    return;
  }
  MustRefuse(result, expected && *expected > 0 && Balance(lzm.pools, pool) == 0,
             "the " + pool + " pool is empty");
  if (result.response.status() == 200) lzm.refs[key] = fingerprint;
  ApplyLzmRewards(result, expected, pool);
}

void World::LzmAttendance() {
  Op op;
  op.chaincode = "lzm";
  std::optional<Amount> expected;
  std::string pool;
  op.function = "attendance";
  const crypto::IdentityInfo& wallet = AnyWallet();
  op.who = rng.Percent(80) ? wallet : AnyCaller();
  op.args = {rng.Percent(90) ? Address(wallet) : AnyAddress()};
  expected = lzm.attendance;
  pool = "events";
  const std::string day = op.args[0] + "/" + Num(now_ms / kDayMs);
  SimulationResult result = Run(op);
  MustRefuse(result, lzm.attended.count(day) > 0, "attendance was already rewarded today");
  MustRefuse(result, Balance(lzm.pools, "events") == 0, "the events pool is empty");
  if (result.response.status() == 200) lzm.attended.insert(day);
  return ApplyLzmRewards(result, expected, pool);
}

void World::LzmGrant() {
  Op op;
  op.chaincode = "lzm";
  const bool team = rng.Percent(60);
  op.function = team ? "team_grant" : "reserve_grant";
  op.who = Right(tica_admin);
  const Amount room =
      team ? lzm.users_received / 10 - std::min(lzm.team_paid, lzm.users_received / 10)
           : Balance(lzm.pools, "reserve");
  op.args = {AnyAddress(), AmountArg(Amount{1000} * kLzmUnit, room)};
  const Amount amount = ParseOr(op.args[1], 0);
  SimulationResult result = Run(op);
  const bool users_open = Balance(lzm.pools, "rewards") != 0 || Balance(lzm.pools, "events") != 0;
  MustRefuse(result, users_open, "rewards or events still hold LZM (gate)");
  if (team) {
    MustRefuse(result, lzm.team_paid + amount > lzm.users_received / 10,
               "team payouts would pass 10% of what users received");
  } else {
    MustRefuse(result, Balance(lzm.pools, "team") != 0 && lzm.team_paid < lzm.users_received / 10,
               "the team pool is not exhausted (gate)");
  }
  return ApplyLzmRewards(result, amount);
}

void World::LzmMove() {
  Op op;
  op.chaincode = "lzm";
  const bool service = rng.Percent(30);
  op.function = service ? "pay_service" : "transfer";
  op.who = rng.Percent(95) ? AnyWallet() : AnyCaller();
  const std::string from = Address(op.who);
  const Amount typical = Amount{10} * kLzmUnit, have = Balance(lzm.balances, from);
  op.args = service ? std::vector<std::string>{AmountArg(typical, have), "premium lounge"}
                    : std::vector<std::string>{AnyAddress(), AmountArg(typical, have)};
  const Amount amount = ParseOr(service ? op.args[0] : op.args[1], 0);
  SimulationResult result = Run(op);
  MustRefuse(result, amount == 0 || amount > have, "beyond the LZM balance or not positive");
  MustRefuse(result, !op.who.is_wallet, "LZM moves are for wallets");
  if (result.response.status() != 200) return;
  lzm.balances[from] -= amount;
  lzm.balances[service ? std::string(kLzmServiceAccount) : op.args[0]] += amount;
  return;
}

void World::LzmQuery() {
  Op op;
  op.chaincode = "lzm";
  static const char* const kQueries[] = {"balance", "level", "vip", "supply"};
  op.function = kQueries[rng.Below(4)];
  op.who = AnyCaller();
  if (op.function == "balance" || op.function == "level") op.args = {AnyAddress()};
  if (op.function == "vip") op.args = {rng.Percent(90) ? Num(1 + rng.Below(2)) : "Gold"};
  SimulationResult result = Run(op);
  if (result.response.status() != 200) return;
  const std::string& payload = result.response.payload();
  if (op.function == "level" || op.function == "vip") return CheckLevels(op, payload);
  if (op.function == "balance" && ParseOr(payload, 1) != Balance(lzm.balances, op.args[0]) &&
      !(Balance(lzm.balances, op.args[0]) == 0 && payload == "0")) {
    return Fail("lzm balance answered " + payload + ", model " +
                FormatAmount(Balance(lzm.balances, op.args[0])));
  }
  if (op.function == "supply") {
    Amount pools = 0;
    for (const auto& [name, held] : lzm.pools) pools += held;
    Json supply = Json::parse(payload, nullptr, false);
    if (!supply.is_object() || ParseOr(supply.value("circulating", ""), 0) != kLzmTotal - pools) {
      Fail("lzm supply answered " + payload + "; the model's circulating is " +
           FormatAmount(kLzmTotal - pools));
    }
  }
}

// The level of an address: LZM earned by rewards in the window's UTC days, against thresholds.
size_t World::LevelOf(const std::string& address, Amount* earned) {
  const int64_t today = now_ms / kDayMs;
  Amount total = 0;
  for (const auto& [day, amount] : lzm.earned[address]) {
    if (day > today - kLevelWindowDays && day <= today) total += amount;
  }
  if (earned) *earned = total;
  size_t level = 0;
  while (level < lzm.level_min.size() && lzm.level_min[level] <= total) ++level;
  return level;
}

void World::CheckLevels(const Op& op, const std::string& payload) {
  Json answer = Json::parse(payload, nullptr, false);
  if (!answer.is_object()) return Fail(op.function + " answered no JSON object");
  if (op.function == "level") {
    Amount earned = 0;
    const size_t level = LevelOf(op.args[0], &earned);
    if (ParseOr(answer.value("earned", ""), earned + 1) != earned ||
        answer.value("level", size_t{99}) != level) {
      Fail("level answered " + payload + "; the model has earned " + FormatAmount(earned) +
           ", level " + Num(static_cast<int64_t>(level)));
    }
    return;
  }
  const size_t min_level = static_cast<size_t>(std::stoll(op.args[0]));
  for (const auto& address : answer.value("addresses", Json::array())) {
    if (!address.is_string() || LevelOf(address.get<std::string>(), nullptr) < min_level) {
      Fail("vip listed " + address.dump() + " below level " + op.args[0]);
    }
  }
}

void World::PackOp() {
  const uint64_t roll = rng.Below(100);
  if (roll < 8) return PackCreateOp();
  if (roll < 50 || pack.stakes.empty()) return PackStakeOp();
  if (roll < 90) return PackUnstakeOp();
  PackOtherOp();
}

void World::PackCreateOp() {
  Op op;
  op.chaincode = "pack";
  op.function = "create_product";
  op.who = Right(tica_admin);
  const std::string id =
      rng.Percent(80) || pack.products.empty() ? Ref("prod") : pack.products.begin()->first;
  const int64_t term_ms = static_cast<int64_t>(rng.Below(2)) == 0
                              ? static_cast<int64_t>(3'600'000 + rng.Below(3 * kDayMs))
                              : static_cast<int64_t>(rng.Below(400)) * kDayMs;
  const Amount cap = Amount{1 + rng.Below(1'000'000)} * kMlkUnit;
  op.args = {id, Num(term_ms), Num(1 + static_cast<int64_t>(rng.Below(5))),
             Num(1 + static_cast<int64_t>(rng.Below(100))), FormatAmount(cap)};
  SimulationResult result = Run(op);
  MustRefuse(result, pack.products.count(id) > 0, "the product exists");
  MustRefuse(result, term_ms < kPackTermMsMin, "the term is below the minimum");
  if (result.response.status() != 200) return;
  pack.products[id] = {term_ms, ParseOr(op.args[2], 0), ParseOr(op.args[3], 1), cap, 0};
}

void World::PackStakeOp() {
  Op op;
  op.chaincode = "pack";
  op.function = "stake";
  op.who = rng.Percent(95) ? AnyWallet() : AnyCaller();
  std::string product = "none";
  if (!pack.products.empty() && rng.Percent(95)) {
    auto it = pack.products.begin();
    std::advance(it, static_cast<long>(rng.Below(pack.products.size())));
    product = it->first;
  }
  const std::string owner = Address(op.who);
  op.args = {product, AmountArg(Amount{5'000} * kMlkUnit, MlkAvailable(owner))};
  const Amount amount = ParseOr(op.args[1], 0);
  SimulationResult result = Run(op);
  auto found = pack.products.find(product);
  MustRefuse(result, found == pack.products.end(), "the product is unknown");
  MustRefuse(result, amount == 0 || amount > MlkAvailable(owner),
             "the stake is beyond the unlocked MLK or not positive");
  if (found == pack.products.end()) return;
  PackProduct& p = found->second;
  MustRefuse(result, p.staked + amount > p.cap, "the product's cap would be exceeded");
  if (result.response.status() != 200) return;
  p.staked += amount;
  mlk.staked[owner] += amount;
  pack.stakes[TxId()] = {owner, product, amount, amount * p.num / p.den, now_ms + p.term_ms};
}

void World::PackUnstakeOp() {
  Op op;
  op.chaincode = "pack";
  op.function = "unstake";
  auto it = pack.stakes.begin();
  std::advance(it, static_cast<long>(rng.Below(pack.stakes.size())));
  const PackStake stake = it->second;
  op.who = rng.Percent(85) ? wallets[0] : AnyWallet();
  for (const auto& wallet : wallets) {
    if (Address(wallet) == stake.owner && rng.Percent(85)) op.who = wallet;
  }
  op.args = {it->first};
  SimulationResult result = Run(op);
  MustRefuse(result, Address(op.who) != stake.owner, "the caller does not own the stake");
  if (result.response.status() != 200) return;
  const bool early = now_ms < stake.maturity_ms;
  mlk.staked[stake.owner] -= stake.amount;
  if (mlk.staked[stake.owner] == 0) mlk.staked.erase(stake.owner);
  pack.products[stake.product].staked -= stake.amount;
  pack.stakes.erase(it);
  if (early && !result.events.empty()) {
    for (const auto& event : result.events) {
      if (event.chaincode() == "lzm") Fail("an early exit earned an LZM reward");
    }
  }
  ApplyLzmRewards(result, early ? Amount{0} : stake.reward, "events");
}

// confirm_reward / confirm_mlk from outside their transaction (refused) and the queries.
void World::PackOtherOp() {
  Op op;
  op.chaincode = "pack";
  static const char* const kOthers[] = {"confirm_reward", "confirm_mlk", "product", "stake_info"};
  op.function = kOthers[rng.Below(4)];
  op.who = AnyCaller();
  if (op.function == "confirm_reward") op.args = {"tx1", AnyAddress(), "1"};
  if (op.function == "confirm_mlk") op.args = {"lock", AnyAddress(), "1"};
  if (op.function == "product") {
    op.args = {rng.Percent(70) ? pack.products.begin()->first : Ref("prod")};
  }
  if (op.function == "stake_info") {
    op.args = {!pack.stakes.empty() && rng.Percent(70)
                   ? pack.stakes.begin()->first
                   : "tx" + Num(static_cast<int64_t>(rng.Below(50)))};
  }
  SimulationResult result = Run(op);
  MustRefuse(result, op.function.rfind("confirm", 0) == 0,
             op.function + " outside the transaction that decided it");
}

void World::LzmMisuseOp() {
  // LZM can never pay for a trade nor become MLK (MISSION.md, "LoungeM").
  Op op;
  op.who = AnyWallet();
  const uint64_t roll = rng.Below(4);
  const Amount held = Balance(lzm.balances, Address(op.who));
  const std::string amount = FormatAmount(held == 0 ? kLzmUnit : held);
  if (roll == 0) {
    static const char* const kNames[] = {"swap", "convert", "pay_trade", "buy", "to_mlk"};
    op.chaincode = "lzm";
    op.function = kNames[rng.Below(5)];
    op.args = {amount};
  } else if (roll == 1) {
    op.chaincode = "mlk";  // "transfer" an LZM amount the wallet holds no MLK for
    op.function = "transfer";
    op.args = {Address(AnyWallet()), FormatAmount(MlkAvailable(Address(op.who)) + held + 1)};
  } else if (roll == 2 && exchange_enabled) {
    op.chaincode = "exchange";
    op.function = rng.Percent(50) ? "buy_with_lzm" : "pay_lzm";
    op.args = {brands_symbols[0], "1", amount};
  } else {
    op.chaincode = "lzm";
    op.function = "transfer";  // LZM to TICA's liquidity account: it stays LZM
    op.args = {liquidity_account, amount};
    SimulationResult result = Run(op);
    MustRefuse(result, ParseOr(amount, 0) > held, "beyond the LZM balance");
    if (result.response.status() == 200) {
      lzm.balances[Address(op.who)] -= ParseOr(amount, 0);
      lzm.balances[liquidity_account] += ParseOr(amount, 0);
    }
    return;
  }
  SimulationResult result = Run(op);
  MustRefuse(result, true, "LZM was used where MLK is expected");
}

}  // namespace milk::chaincode::model
