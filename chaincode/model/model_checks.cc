// chaincode/model: the checks after every operation: each chaincode's own invariant checker,
// then this test's independent scans of the committed state against the reference model.
#include <cstdio>
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

using Json = nlohmann::json;
using AmountMap = std::map<std::string, Amount>;

// Every key of namespace ns split into (type, attributes), with its value.
struct Entry {
  std::string type;
  std::vector<std::string> attrs;
  std::string value;
};

std::vector<Entry> ScanNamespace(Chain& chain, const std::string& ns, Status& status) {
  std::vector<Entry> entries;
  status = chain.state.Scan(ns, "", "", [&](const std::string& key, const VersionedValue& value) {
    auto split = SplitCompositeKey(key);
    if (split.ok()) entries.push_back({split->first, split->second, value.value});
    return true;
  });
  return entries;
}

// Equal maps, ignoring zero entries; a message naming the first difference otherwise.
std::string Compare(const std::string& what, const AmountMap& model, const AmountMap& state) {
  AmountMap all;
  for (const auto& [key, amount] : model) all[key] = 0;
  for (const auto& [key, amount] : state) all[key] = 0;
  for (const auto& [key, ignored] : all) {
    auto m = model.find(key), s = state.find(key);
    const Amount mv = m == model.end() ? 0 : m->second, sv = s == state.end() ? 0 : s->second;
    if (mv != sv) {
      return what + " of " + key + ": state " + FormatAmount(sv) + ", model " + FormatAmount(mv);
    }
  }
  return "";
}

}  // namespace

// The exchange's own checks (model_exchange.cc or its stub).
std::string CheckExchangeModel(World& world);

bool World::CheckAll() {
  Chain& center = chains[kCenter];
  const std::pair<const char*, Status> own[] = {
      {"alliance", CheckAllianceInvariants(center.state)},
      {"mlk", CheckMlkInvariants(center.state, now_ms)},
      {"lzm", CheckLzmInvariants(center.state)},
      {"pack", CheckPackInvariants(center.state)},
      {"brandtoken A", CheckBrandTokenInvariants(chains[1].state)},
      {"brandtoken B", CheckBrandTokenInvariants(chains[2].state)},
      {"swap A", CheckSwapInvariants(chains[1].state)},
      {"swap B", CheckSwapInvariants(chains[2].state)}};
  for (const auto& [name, status] : own) {
    if (!status.ok()) Fail(std::string(name) + " invariants: " + status.ToString());
  }
  for (const auto& check : {&World::CheckMlkModel, &World::CheckLzmModel, &World::CheckPackModel,
                            &World::CheckBrandModels}) {
    if (failed()) break;
    const std::string broken = (this->*check)();
    if (!broken.empty()) Fail(broken);
  }
  if (!failed() && exchange_enabled) {
    std::string broken = CheckExchangeModel(*this);
    if (broken.empty()) broken = CheckCrossChain();
    if (!broken.empty()) Fail(broken);
  }
  return !failed();
}

std::string World::CheckMlkModel() {
  Status status;
  std::vector<Entry> entries = ScanNamespace(chains[kCenter], "mlk", status);
  if (!status.ok()) return "mlk scan: " + status.ToString();
  AmountMap held, staked, pools;
  Amount total = 0, burned = 0;
  std::set<std::string> lots;  // address/unlock/ref
  for (const auto& entry : entries) {
    const bool counted = entry.type == "pool" || entry.type == "balance" || entry.type == "lot" ||
                         entry.type == "staked" || entry.type == "burned";
    if (!counted) continue;
    Result<Amount> amount = ParseAmount(entry.value);
    if (!amount.ok()) return "mlk " + entry.type + " holds '" + entry.value + "' (not an amount)";
    if (entry.attrs.empty() && entry.type != "burned") return "mlk key without attributes";
    total += *amount;
    if (entry.type == "pool") pools[entry.attrs[0]] += *amount;
    if (entry.type == "balance" || entry.type == "lot" || entry.type == "staked") {
      held[entry.attrs[0]] += *amount;
    }
    if (entry.type == "staked") staked[entry.attrs[0]] += *amount;
    if (entry.type == "burned") burned += *amount;
    if (entry.type == "lot" && entry.attrs.size() == 3) {
      lots.insert(entry.attrs[0] + "/" + entry.attrs[1] + "/" + entry.attrs[2] + "=" + entry.value);
    }
  }
  if (total != kMlkTotalSupply) {
    return "MLK not conserved: pools + balances + lots + custody + burned = " +
           FormatAmount(total) + ", not " + FormatAmount(kMlkTotalSupply);
  }
  std::string broken = Compare("MLK held", mlk.held, held);
  if (broken.empty()) broken = Compare("MLK in pack custody", mlk.staked, staked);
  if (broken.empty()) broken = Compare("MLK pool", mlk.pools, pools);
  if (!broken.empty()) return broken;
  if (burned != mlk.burned)
    return "MLK burned " + FormatAmount(burned) + ", model " + FormatAmount(mlk.burned);
  for (const auto& lock : mlk.locks) {
    if (lock.unlock_ms <= now_ms) continue;
    char padded[24];
    std::snprintf(padded, sizeof(padded), "%020lld", static_cast<long long>(lock.unlock_ms));
    const std::string key =
        lock.address + "/" + padded + "/" + lock.ref + "=" + FormatAmount(lock.amount);
    if (lots.count(key) == 0) return "a locked MLK lot moved before its unlock time: " + key;
  }
  return "";
}

std::string World::CheckLzmModel() {
  Status status;
  std::vector<Entry> entries = ScanNamespace(chains[kCenter], "lzm", status);
  if (!status.ok()) return "lzm scan: " + status.ToString();
  AmountMap balances, pools;
  Amount total = 0;
  for (const auto& entry : entries) {
    if (entry.type != "pool" && entry.type != "balance") continue;
    Result<Amount> amount = ParseAmount(entry.value);
    if (!amount.ok() || entry.attrs.empty())
      return "lzm " + entry.type + " holds '" + entry.value + "'";
    total += *amount;
    (entry.type == "pool" ? pools : balances)[entry.attrs[0]] += *amount;
  }
  if (total != kLzmTotal) return "LZM not conserved: " + FormatAmount(total);
  const std::pair<const char*, Amount> caps[] = {{"rewards", kLzmRewardsCap},
                                                 {"events", kLzmEventsCap},
                                                 {"team", kLzmTeamCap},
                                                 {"reserve", kLzmReserveCap}};
  for (const auto& [pool, cap] : caps) {
    if (pools[pool] > cap) return std::string("LZM pool ") + pool + " above its cap";
  }
  if (lzm.team_paid > lzm.users_received / 10) {
    return "LZM team paid " + FormatAmount(lzm.team_paid) + " > 10% of users' " +
           FormatAmount(lzm.users_received);
  }
  const bool users_open = pools["rewards"] != 0 || pools["events"] != 0;
  if (users_open && (pools["team"] != kLzmTeamCap || pools["reserve"] != kLzmReserveCap)) {
    return "LZM team or reserve paid while rewards or events still hold LZM";
  }
  std::string broken = Compare("LZM balance", lzm.balances, balances);
  return broken.empty() ? Compare("LZM pool", lzm.pools, pools) : broken;
}

std::string World::CheckPackModel() {
  for (const auto& [id, product] : pack.products) {
    std::optional<std::string> stored = ReadKey(chains[kCenter], "pack", "product", {id});
    Json json = stored ? Json::parse(*stored, nullptr, false) : Json();
    if (!json.is_object()) return "pack product " + id + " missing from state";
    if (ParseOr(json.value("staked", ""), 1) + 0 != product.staked) {
      return "pack product " + id + " staked " + json.value("staked", "?") + ", model " +
             FormatAmount(product.staked);
    }
  }
  return "";
}

std::string World::CheckBrandModels() {
  for (int chain = 1; chain <= kBrandChains; ++chain) {
    BrandModel& brand = brands[static_cast<size_t>(chain - 1)];
    Status status;
    std::vector<Entry> entries =
        ScanNamespace(chains[static_cast<size_t>(chain)], "brandtoken", status);
    if (!status.ok()) return "brandtoken scan: " + status.ToString();
    std::map<std::string, std::map<int64_t, Amount>> lots;
    AmountMap totals;
    Amount sum = 0;
    for (const auto& entry : entries) {
      if (entry.type == "total" && !entry.attrs.empty()) {
        totals[entry.attrs[0]] = ParseOr(entry.value, 0);
      }
      if (entry.type == "escrow" && !entry.attrs.empty()) {
        // A locked swap's units: counted in the chain's total, compared with the swap's model.
        Json escrow = Json::parse(entry.value, nullptr, false);
        auto swap = exchange_model.swaps.find(entry.attrs[0]);
        if (!escrow.is_object() || !escrow.contains("lots") || !escrow["lots"].is_array() ||
            swap == exchange_model.swaps.end()) {
          return "escrow " + entry.attrs[0] + " is malformed or of no swap the model locked";
        }
        std::map<int64_t, Amount> held;
        for (const auto& lot : escrow["lots"]) {
          const Amount amount = ParseOr(lot.value("amount", ""), 0);
          held[lot.value("expiry_ms", int64_t{0})] += amount;
          sum += amount;
        }
        if (held != swap->second.escrow) {
          return "escrow " + entry.attrs[0] + " differs from the model";
        }
      }
      if (entry.type != "lots" || entry.attrs.empty()) continue;
      Json list = Json::parse(entry.value, nullptr, false);
      if (!list.is_array()) return "brand lots of " + entry.attrs[0] + " are not a list";
      for (const auto& lot : list) {
        const Amount amount = ParseOr(lot.value("amount", ""), 0);
        if (amount == 0) return "brand lot of " + entry.attrs[0] + " is not a positive amount";
        lots[entry.attrs[0]][lot.value("expiry_ms", int64_t{0})] += amount;
        sum += amount;
      }
    }
    const std::string name = chains[static_cast<size_t>(chain)].id;
    if (totals["issued"] != brand.issued || totals["redeemed"] != brand.redeemed ||
        totals["expired"] != brand.expired) {
      return name + " totals differ from the model (issued " + FormatAmount(totals["issued"]) +
             " vs " + FormatAmount(brand.issued) + ")";
    }
    if (brand.issued - brand.redeemed - brand.expired != sum) {
      return name + ": issued - redeemed - expired != sum of lots " + FormatAmount(sum);
    }
    for (auto it = brand.lots.begin(); it != brand.lots.end();) {
      it = it->second.empty() ? brand.lots.erase(it) : std::next(it);
    }
    if (lots != brand.lots) return name + ": lots differ from the model";
  }
  for (const auto& [id, swap] : exchange_model.swaps) {
    const bool locked = swap.finished.empty();
    const bool stored = ReadKey(chains[static_cast<size_t>(swap.chain)], "brandtoken", "escrow",
                                {id})
                            .has_value();
    if (locked != stored) return "swap " + id + ": escrow present " + (stored ? "1" : "0");
  }
  return "";
}

// docs/swaps.md, "What always holds", per brand chain B with market M:
// balance(TICA on B) = M.inventory - settled swaps not yet released + purchases not delivered,
// with the balance and the inventory read from the committed states.
std::string World::CheckCrossChain() {
  for (int chain = 1; chain <= kBrandChains; ++chain) {
    const size_t i = static_cast<size_t>(chain - 1);
    const BrandModel& brand = brands[i];
    Amount platform = 0;
    std::optional<std::string> lots =
        ReadKey(chains[static_cast<size_t>(chain)], "brandtoken", "lots", {brand.platform});
    if (lots) {
      for (const auto& lot : Json::parse(*lots, nullptr, false)) {
        if (lot.value("expiry_ms", int64_t{0}) != kNeverExpiresMs) {
          return "TICA's account on " + chains[static_cast<size_t>(chain)].id +
                 " holds a lot that expires";
        }
        platform += ParseOr(lot.value("amount", ""), 0);
      }
    }
    std::optional<std::string> market =
        ReadKey(chains[kCenter], "exchange", "market", {brands_symbols[i]});
    if (!market) return "no market " + brands_symbols[i];
    const Amount inventory =
        ParseOr(Json::parse(*market, nullptr, false).value("inventory", ""), 0);
    Amount unreleased = 0, undelivered = 0;
    for (const auto& [id, swap] : exchange_model.swaps) {
      if (swap.chain == chain && swap.decision == "settled" && swap.finished.empty()) {
        unreleased += swap.amount;
      }
    }
    for (const auto& purchase : exchange_model.purchases) {
      if (purchase.chain == chain && !purchase.delivered) undelivered += purchase.amount;
    }
    if (inventory + undelivered < unreleased || platform != inventory - unreleased + undelivered) {
      return "cross-chain: TICA holds " + FormatAmount(platform) + " on " +
             chains[static_cast<size_t>(chain)].id + ", the market's inventory is " +
             FormatAmount(inventory) + " with " + FormatAmount(unreleased) +
             " settled unreleased and " + FormatAmount(undelivered) + " undelivered";
    }
  }
  return "";
}

}  // namespace milk::chaincode::model
