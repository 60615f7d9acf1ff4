// chaincode/model: random mlk operations and the MLK reference model (mlk.h).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "chaincode/mlk/mlk.h"
#include "chaincode/model/model_world.h"

namespace milk::chaincode::model {
namespace {

const char* const kPoolNames[] = {"liquidity",      "user_distribution",
                                  "partner_locked", "partner_contribution",
                                  "operation",      "construction"};
const Amount kTypicalMlk = Amount{50'000} * kMlkUnit;

// The request mlk compares a reused reference against: function and arguments (and, for
// withdraw, the caller).
std::string Fingerprint(const Op& op) {
  std::string text = op.function;
  for (const auto& arg : op.args) text += "\x1f" + arg;
  if (op.function == "withdraw") text += "\x1f" + crypto::WalletAddress(op.who.public_key);
  return text;
}

// Where a function's amount and reference are among its arguments (-1: none).
int AmountIndex(const std::string& function) {
  if (function == "grant" || function == "contribution") return 2;
  if (function == "reward" || function == "deposit" || function == "transfer") return 1;
  if (function == "burn" || function == "withdraw") return 0;
  return -1;
}
int RefIndex(const std::string& function) {
  if (function == "grant" || function == "contribution" || function == "reward") return 3;
  if (function == "deposit") return 2;
  if (function == "withdraw") return 1;
  return -1;
}

}  // namespace

Amount World::MlkAvailable(const std::string& address) {
  auto get = [&address](const std::map<std::string, Amount>& map) {
    auto it = map.find(address);
    return it == map.end() ? Amount{0} : it->second;
  };
  Amount locked = 0;
  for (const auto& lock : mlk.locks) {
    if (lock.address == address && lock.unlock_ms > now_ms) locked += lock.amount;
  }
  const Amount held = get(mlk.held), staked = get(mlk.staked);
  if (held < staked + locked) {
    Fail("model: " + address + " holds less than its custody and locks");
    return 0;
  }
  return held - staked - locked;
}

// supply: total, the pools' remainder, and circulating = total - pools - still locked - burned.
void World::CheckMlkSupply(const std::string& payload) {
  nlohmann::json supply = nlohmann::json::parse(payload, nullptr, false);
  Amount pools = 0, locked = 0;
  for (const auto& [name, remaining] : mlk.pools) pools += remaining;
  for (const auto& lock : mlk.locks) locked += lock.unlock_ms > now_ms ? lock.amount : 0;
  const Amount circulating = kMlkTotalSupply - pools - locked - mlk.burned;
  if (!supply.is_object() || ParseOr(supply.value("total", ""), 0) != kMlkTotalSupply ||
      ParseOr(supply.value("pools", ""), 0) != pools ||
      ParseOr(supply.value("circulating", ""), 0) != circulating) {
    Fail("mlk supply answered " + payload + "; the model has pools " + FormatAmount(pools) +
         " and circulating " + FormatAmount(circulating));
  }
}

void World::MlkMove(const std::string& from, const std::string& to, Amount amount) {
  if (mlk.held[from] < amount) {
    Fail("model: moving " + FormatAmount(amount) + " from " + from + " which holds less");
    return;
  }
  mlk.held[from] -= amount;
  if (mlk.held[from] == 0) mlk.held.erase(from);
  mlk.held[to] += amount;
}

// Replays an earlier accepted referenced request, the same or altered; true when it did.
static bool ReplayMlk(World& world, std::vector<std::pair<Op, std::string>>& history) {
  if (history.empty() || !world.rng.Percent(12)) return false;
  auto& [op, payload] = history[world.rng.Below(history.size())];
  Op replay = op;
  const bool same = world.rng.Percent(60);
  if (!same) {
    const size_t at = static_cast<size_t>(AmountIndex(op.function));
    replay.args[at] = FormatAmount(ParseOr(op.args[at], 1) + 1);
  }
  SimulationResult result = world.Run(replay);
  world.CheckReplay(result, payload, same);
  return true;
}

void World::MlkOp() {
  if (ReplayMlk(*this, mlk_history)) return;
  Op op;
  op.chaincode = "mlk";
  const uint64_t roll = rng.Below(100);
  if (roll < 15) {
    const std::string pool = rng.Percent(95) ? kPoolNames[rng.Below(6)] : "treasury";
    const std::string to =
        pool == "liquidity" && rng.Percent(80) ? liquidity_account : AnyAddress();
    op.function = "grant";
    op.who = Right(tica_admin);
    op.args = {pool, to, AmountArg(kTypicalMlk, mlk.pools[pool]), Ref("grant")};
    if (pool == "partner_locked" || rng.Percent(5)) {
      op.args.push_back(
          Num(kListingMs + static_cast<int64_t>(rng.Below(400)) * kDayMs - 200 * kDayMs));
    }
  } else if (roll < 22) {
    op.function = "contribution";
    op.who = Right(tica_admin);
    op.args = {partner_orgs[rng.Below(2)], AnyAddress(), AmountArg(kTypicalMlk, kTypicalMlk),
               Ref("contrib")};
  } else if (roll < 30) {
    op.function = "reward";
    op.who = Right(tica_admin);
    op.args = {AnyAddress(), AmountArg(kTypicalMlk / 10, kTypicalMlk), "trading", Ref("reward")};
  } else if (roll < 37) {
    op.function = "deposit";
    op.who = Right(tica_admin);
    op.args = {AnyAddress(), AmountArg(kTypicalMlk, MlkAvailable(gateway_account)), Ref("dep")};
  } else if (roll < 62) {
    op.function = "transfer";
    op.who = AnyWallet();
    op.args = {AnyAddress(), AmountArg(kTypicalMlk / 5, MlkAvailable(Address(op.who)))};
  } else if (roll < 70) {
    op.function = "burn";
    op.who = AnyWallet();
    op.args = {AmountArg(kTypicalMlk / 50, MlkAvailable(Address(op.who)))};
  } else if (roll < 77) {
    op.function = "withdraw";
    op.who = AnyWallet();
    op.args = {AmountArg(kTypicalMlk / 20, MlkAvailable(Address(op.who))), Ref("wd")};
  } else if (roll < 82) {
    op.function = "release";
    op.who = AnyWallet();
  } else if (roll < 87) {
    // Only the exchange and pack may call these, inside their own transactions.
    static const char* const kCalls[] = {"exchange_collect", "exchange_pay", "pack_lock",
                                         "pack_release"};
    op.function = kCalls[rng.Below(4)];
    op.who = AnyWallet();
    const std::string self = Address(op.who);
    op.args = op.function.rfind("exchange", 0) == 0
                  ? std::vector<std::string>{self, FormatAmount(kMlkUnit), fee_account, "0"}
                  : std::vector<std::string>{self, FormatAmount(kMlkUnit)};
    SimulationResult result = Run(op);
    MustRefuse(result, true, op.function + " was called directly by a wallet");
    return;
  } else {
    static const char* const kQueries[] = {"balance", "pool", "supply", "params", "burned"};
    op.function = kQueries[rng.Below(5)];
    op.who = AnyCaller();
    if (op.function == "balance" || op.function == "burned") op.args = {AnyAddress()};
    if (op.function == "pool") op.args = {kPoolNames[rng.Below(6)]};
    SimulationResult result = Run(op);
    if (result.response.status() != 200 && op.function != "balance" && op.function != "burned") {
      Fail("query " + op.function + " refused: " + result.response.message());
    }
    if (op.function == "supply" && result.response.status() == 200) {
      CheckMlkSupply(result.response.payload());
    }
    return;
  }
  ApplyMlk(op, Run(op));
}

void World::ApplyMlkGrant(const Op& op, const SimulationResult& result, Amount amount_arg) {
  const bool ok = result.response.status() == 200;
  const std::string& pool = op.args[0];
  MustRefuse(result, amount_arg > mlk.pools[pool], "the pool holds less");
  MustRefuse(result, pool == "user_distribution" || pool == "partner_contribution",
             "that pool pays by reward or contribution only");
  MustRefuse(result, pool == "liquidity" && op.args[1] != liquidity_account,
             "the liquidity pool only funds the liquidity account");
  if (!ok) return;
  mlk.pools[pool] -= amount_arg;
  mlk.held[op.args[1]] += amount_arg;
  if (pool == "liquidity") mlk.liquidity_granted += amount_arg;
  int64_t unlock_ms = 0;
  if (pool == "construction") unlock_ms = kListingMs + kConstructionLockYears * kLockYearMs;
  if (pool == "partner_locked") {
    unlock_ms =
        std::max<int64_t>(std::stoll(op.args[4]), kListingMs) + kPartnerLockYears * kLockYearMs;
  }
  if (unlock_ms > 0) mlk.locks.push_back({op.args[1], unlock_ms, op.args[3], amount_arg});
}

void World::ApplyMlk(const Op& op, const SimulationResult& result) {
  const bool ok = result.response.status() == 200;
  const bool admin = !op.who.is_wallet && op.who.org == "TICA" && op.who.role == milkpb::ADMIN;
  const int amount_at = AmountIndex(op.function), ref_at = RefIndex(op.function);
  const Amount amount_arg = amount_at >= 0 && static_cast<size_t>(amount_at) < op.args.size()
                                ? ParseOr(op.args[static_cast<size_t>(amount_at)], 0)
                                : 0;
  const std::string from = Address(op.who);
  MustRefuse(result, amount_at >= 0 && amount_arg == 0, "the amount is not positive");
  if (ref_at >= 0 && op.function != "withdraw") {
    MustRefuse(result, !admin, "the caller is not TICA's admin");
  }
  if (ref_at >= 0 && ok) {
    mlk_history.push_back({op, result.response.payload()});
    const std::string& ref = op.args[static_cast<size_t>(ref_at)];
    if (!mlk.refs.emplace(ref, std::make_pair(Fingerprint(op), result.response.payload())).second) {
      Fail("mlk accepted reference " + ref + " a second time as a new request");
    }
  }
  if (op.function == "grant") {
    ApplyMlkGrant(op, result, amount_arg);
  } else if (op.function == "contribution") {
    const int64_t year = (now_ms - kListingMs) / kScheduleYearMs;
    static const int64_t kSchedule[] = {300, 250, 200, 150, 100};
    const bool open = now_ms >= kListingMs && year < 5;
    const Amount paid = open ? amount_arg * static_cast<Amount>(kSchedule[year]) / 10'000 : 0;
    MustRefuse(result, !open, "the contribution schedule is not running");
    MustRefuse(result, paid == 0 || paid > mlk.pools["partner_contribution"],
               "the payout is 0 or beyond the pool");
    if (!ok) return;
    mlk.pools["partner_contribution"] -= paid;
    mlk.held[op.args[1]] += paid;
  } else if (op.function == "reward") {
    const Amount initial = mlk.pools_initial["user_distribution"];
    Amount released = 0;
    if (now_ms > kListingMs) {
      const int64_t elapsed = now_ms - kListingMs;
      released = elapsed >= kUserReleaseMs
                     ? initial
                     : initial * static_cast<Amount>(elapsed) / static_cast<Amount>(kUserReleaseMs);
    }
    MustRefuse(result, mlk.user_paid + amount_arg > released,
               "beyond the released share of user distribution (" + FormatAmount(released) + ")");
    if (!ok) return;
    mlk.user_paid += amount_arg;
    mlk.pools["user_distribution"] -= amount_arg;
    mlk.held[op.args[0]] += amount_arg;
  } else if (op.function == "deposit") {
    MustRefuse(result, amount_arg > MlkAvailable(gateway_account), "the gateway holds less");
    if (ok) MlkMove(gateway_account, op.args[0], amount_arg);
  } else if (op.function == "transfer") {
    MustRefuse(result, amount_arg > MlkAvailable(from), "beyond the unlocked balance");
    MustRefuse(result, op.args[0] == from, "a transfer to oneself");
    if (ok) MlkMove(from, op.args[0], amount_arg);
  } else if (op.function == "burn") {
    MustRefuse(result, amount_arg > MlkAvailable(from), "beyond the unlocked balance");
    if (!ok) return;
    mlk.held[from] -= amount_arg;
    if (mlk.held[from] == 0) mlk.held.erase(from);
    mlk.burned += amount_arg;
    // The burn's LZM reward, paid by lzm inside the burn (nothing when the pool is empty).
    ApplyLzmRewards(result, amount_arg * lzm.burn_num / lzm.burn_den, "events");
  } else if (op.function == "withdraw") {
    MustRefuse(result, amount_arg > MlkAvailable(from), "beyond the unlocked balance");
    if (ok) MlkMove(from, gateway_account, amount_arg);
  }
}

}  // namespace milk::chaincode::model
