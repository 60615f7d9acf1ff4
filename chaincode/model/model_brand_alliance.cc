// chaincode/model: random brandtoken operations on the brand chains with their lot model, and
// random alliance operations (alliance.h, brandtoken.h).
#include <nlohmann/json.hpp>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/model/model_world.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::json;
using Lots = std::map<int64_t, Amount>;

Amount Spendable(const Lots& lots, int64_t now_ms) {
  Amount total = 0;
  for (const auto& [expiry, amount] : lots) total += expiry > now_ms ? amount : 0;
  return total;
}

// Takes amount from the unexpired lots, earliest expiry first. REQUIRES enough spendable.
Lots TakeEarliest(Lots& lots, Amount amount, int64_t now_ms) {
  Lots taken;
  for (auto it = lots.begin(); it != lots.end() && amount > 0;) {
    if (it->first <= now_ms) {
      ++it;
      continue;
    }
    const Amount piece = std::min(amount, it->second);
    taken[it->first] += piece;
    amount -= piece;
    it->second -= piece;
    it = it->second == 0 ? lots.erase(it) : std::next(it);
  }
  return taken;
}

int64_t DayFloor(int64_t ms) { return ms / kDayMs * kDayMs; }

}  // namespace

void World::BrandOp(int chain) {
  const uint64_t roll = rng.Below(100);
  if (roll < 25) return BrandIssue(chain);
  if (roll < 40 || roll >= 95) return BrandSpend(chain, roll < 40 && rng.Percent(45));
  if (roll < 55) return BrandPurchase(chain);
  if (roll < 70) return BrandSweep(chain);
  if (roll < 85) return BrandBalance(chain);
  return BrandTotals(chain);
}

void World::BrandIssue(int chain) {
  BrandModel& brand = brands[static_cast<size_t>(chain - 1)];
  const size_t partner = static_cast<size_t>(chain - 1);
  Op op;
  op.chain = chain;
  op.chaincode = "brandtoken";
  const Amount typical = chain == 1 ? Amount{10'000} : Amount{1'000'000};
  op.function = "issue";
  op.who = Right(rng.Percent(70) ? partner_clients[partner] : partner_admins[partner]);
  const bool replay = !brand.refs.empty() && rng.Percent(10);
  std::string ref = Ref("legacy");
  if (replay) {
    auto it = brand.refs.begin();
    std::advance(it, static_cast<long>(rng.Below(brand.refs.size())));
    if (it->first.rfind("issue/", 0) == 0) ref = it->first.substr(6);
  }
  // Now and then TICA's account, which moves only through swaps (refused).
  op.args = {rng.Percent(15) ? brand.platform : AnyAddress(), AmountArg(typical, typical), ref};
  const uint64_t expiry_roll = rng.Below(10);
  if (expiry_roll < 3)
    op.args.push_back(Num(now_ms + 3'600'000 + static_cast<int64_t>(rng.Below(400 * kDayMs))));
  if (expiry_roll == 3) op.args.push_back(Num(now_ms - static_cast<int64_t>(rng.Below(kDayMs))));
  const std::string request =
      op.args[0] + " " + op.args[1] + " " + (op.args.size() == 4 ? op.args[3] : "");
  SimulationResult result = Run(op);
  const Amount amount = ParseOr(op.args[1], 0);
  MustRefuse(result, amount == 0, "the amount is not positive");
  MustRefuse(result,
             op.who.is_wallet || op.who.org != brand.org ||
                 (op.who.role != milkpb::CLIENT && op.who.role != milkpb::ADMIN),
             "the caller is not the partner's issuer");
  auto seen = brand.refs.find("issue/" + ref);
  if (seen != brand.refs.end()) {
    if (result.response.status() == 200 && seen->second.first != request) {
      Fail("a legacy reference reused with a different request was accepted");
    }
    if (result.response.status() == 200 && result.response.payload() != seen->second.second) {
      Fail("a replayed issue answered a different payload");
    }
    return;
  }
  const int64_t expiry =
      op.args.size() == 4 ? std::stoll(op.args[3]) : DayFloor(now_ms + brand.default_expiry_ms);
  MustRefuse(result, expiry <= now_ms, "the points would be born expired");
  MustRefuse(result, op.args[0] == brand.platform, "TICA's account moves only through swaps");
  if (result.response.status() != 200) return;
  brand.refs["issue/" + ref] = {request, result.response.payload()};
  brand.lots[op.args[0]][expiry] += amount;
  brand.issued += amount;
}

void World::BrandSpend(int chain, bool redeem) {
  BrandModel& brand = brands[static_cast<size_t>(chain - 1)];
  Op op;
  op.chain = chain;
  op.chaincode = "brandtoken";
  const Amount typical = chain == 1 ? Amount{10'000} : Amount{1'000'000};
  op.function = redeem ? "redeem" : "transfer";
  op.who = rng.Percent(95) ? AnyWallet() : AnyCaller();
  const std::string from = Address(op.who);
  const Amount have = Spendable(brand.lots[from], now_ms);
  op.args = redeem ? std::vector<std::string>{AmountArg(typical / 4, have)}
                   : std::vector<std::string>{AnyAddress(), AmountArg(typical / 4, have)};
  SimulationResult result = Run(op);
  const Amount amount = ParseOr(op.args.back(), 0);
  MustRefuse(result, amount == 0 || amount > have, "beyond the spendable units");
  if (!redeem) MustRefuse(result, !brand.transferable, "the brand is not transferable");
  if (result.response.status() != 200) return;
  Lots taken = TakeEarliest(brand.lots[from], amount, now_ms);
  if (brand.lots[from].empty()) brand.lots.erase(from);
  if (redeem) {
    brand.redeemed += amount;
  } else {
    for (const auto& [expiry, piece] : taken) brand.lots[op.args[0]][expiry] += piece;
  }
}

// credit_purchase moves TICA's account: only the swap chaincode's deliver may call it, so a
// direct call by anyone, the partner's relay included, is refused and changes nothing.
void World::BrandPurchase(int chain) {
  const size_t partner = static_cast<size_t>(chain - 1);
  Op op;
  op.chain = chain;
  op.chaincode = "brandtoken";
  op.function = rng.Percent(70) ? "credit_purchase" : "escrow_release";
  op.who = rng.Percent(70) ? partner_relays[partner] : AnyCaller();
  op.args = op.function == "credit_purchase"
                ? std::vector<std::string>{AnyAddress(), "1", Ref("purchase")}
                : std::vector<std::string>{std::string(64, 'c')};
  SimulationResult result = Run(op);
  MustRefuse(result, true, "only the swap chaincode may move TICA's account");
}

void World::BrandSweep(int chain) {
  BrandModel& brand = brands[static_cast<size_t>(chain - 1)];
  Op op;
  op.chain = chain;
  op.chaincode = "brandtoken";
  op.function = "sweep";
  op.who = AnyCaller();
  const size_t count = rng.Below(4);
  for (size_t i = 0; i < count; ++i) op.args.push_back(AnyAddress());
  SimulationResult result = Run(op);
  MustRefuse(result, count == 0, "sweep named no address");
  if (result.response.status() != 200) return;
  std::set<std::string> swept;
  for (const auto& address : op.args) {
    if (!swept.insert(address).second) continue;
    auto& lots = brand.lots[address];
    for (auto it = lots.begin(); it != lots.end();) {
      if (it->first > now_ms) break;
      brand.expired += it->second;
      it = lots.erase(it);
    }
    if (lots.empty()) brand.lots.erase(address);
  }
}

void World::BrandBalance(int chain) {
  BrandModel& brand = brands[static_cast<size_t>(chain - 1)];
  Op op;
  op.chain = chain;
  op.chaincode = "brandtoken";
  op.function = "balance";
  op.who = AnyCaller();
  op.args = {AnyAddress()};
  SimulationResult result = Run(op);
  if (result.response.status() != 200) return;
  Json balance = Json::parse(result.response.payload(), nullptr, false);
  const Amount model = Spendable(brand.lots[op.args[0]], now_ms);
  Amount held = 0;
  for (const auto& [expiry, amount] : brand.lots[op.args[0]]) held += amount;
  if (balance.is_object() && ParseOr(balance.value("expired", ""), 1) != held - model) {
    Fail("brand balance answered " + result.response.payload() + ", the model's expired is " +
         FormatAmount(held - model));
  }
  if (brand.lots[op.args[0]].empty()) brand.lots.erase(op.args[0]);
  if (balance.is_discarded() || ParseOr(balance.value("spendable", ""), 1) != model) {
    Fail("brand balance answered " + result.response.payload() + ", the model's spendable is " +
         FormatAmount(model));
  }
}

void World::BrandTotals(int chain) {
  BrandModel& brand = brands[static_cast<size_t>(chain - 1)];
  const size_t partner = static_cast<size_t>(chain - 1);
  Op op;
  op.chain = chain;
  op.chaincode = "brandtoken";
  op.function = "totals";
  op.who = rng.Percent(70) ? partner_clients[partner] : AnyCaller();
  SimulationResult result = Run(op);
  MustRefuse(result, op.who.is_wallet, "totals are for the chain's members only");
  if (result.response.status() != 200) return;
  Json totals = Json::parse(result.response.payload(), nullptr, false);
  const Amount outstanding = brand.issued - brand.redeemed - brand.expired;
  if (totals.is_discarded() || ParseOr(totals.value("issued", ""), 1) != brand.issued ||
      ParseOr(totals.value("redeemed", ""), 1) != brand.redeemed ||
      ParseOr(totals.value("expired", ""), 1) != brand.expired ||
      ParseOr(totals.value("outstanding", ""), 1) != outstanding) {
    Fail("totals answered " + result.response.payload() + "; the model has issued " +
         FormatAmount(brand.issued) + " redeemed " + FormatAmount(brand.redeemed) + " expired " +
         FormatAmount(brand.expired));
  }
}

void World::AllianceOp() {
  Op op;
  op.chaincode = "alliance";
  const uint64_t roll = rng.Below(100);
  static const char* const kSectors[] = {"hotel", "retail", "cinema", "travel", "fashion"};
  const crypto::IdentityInfo& candidate = candidates[rng.Below(candidates.size())];
  const std::string key_hex(64, 'a');
  if (roll < 12) {
    op.function = "propose";
    op.who = Right(tica_admin);
    op.args = {rng.Percent(90) ? candidate.org : partner_orgs[rng.Below(2)], kSectors[rng.Below(5)],
               candidate.org + "Points"};
    SimulationResult result = Run(op);
    MustRefuse(result, op.args[1] == "travel" || op.args[1] == "fashion",
               "the sector already has its partner");
  } else if (roll < 25) {
    op.function = "approve";
    op.who = rng.Percent(85) ? partner_admins[rng.Below(2)] : AnyCaller();
    op.args = {candidate.org};
    Run(op);
  } else if (roll < 35) {
    op.function = "accept_agreement";
    op.who = Right(candidate);
    op.args = {candidate.org, rng.Percent(90) ? key_hex : "xyz"};
    Run(op);
  } else if (roll < 42) {
    op.function = rng.Percent(50) ? "stake" : "set_phase";
    op.who = Right(op.function == "stake" ? candidate : tica_admin);
    op.args =
        op.function == "set_phase"
            ? std::vector<std::string>{Num(1 + static_cast<int64_t>(rng.Below(3))),
                                       FormatAmount(Amount{rng.Below(1000)} * 1'000'000)}
            : std::vector<std::string>{
                  candidate.org, FormatAmount(Amount{rng.Below(2000)} * 1'000'000), Ref("stake")};
    Run(op);
  } else if (roll < 48) {
    op.function = "withdraw";
    op.who = Right(tica_admin);
    op.args = {candidate.org};
    Run(op);
  } else if (roll < 60) {
    op.function = "set_partner_params";
    op.who = rng.Percent(85) ? partner_admins[rng.Below(2)] : AnyCaller();
    const int64_t bps = 5900 + static_cast<int64_t>(rng.Below(3700));
    const int64_t renewal = static_cast<int64_t>(rng.Below(400)) * kDayMs;
    op.args = {Num(bps), Num(renewal)};
    SimulationResult result = Run(op);
    MustRefuse(result, bps < 6000 || bps > 9500, "the minimum price is outside [6000, 9500]");
  } else if (roll < 70) {
    const bool propose = rng.Percent(50);
    op.function = propose ? "propose_fee" : "approve_fee";
    op.who = propose ? Right(tica_admin)
                     : (rng.Percent(85) ? partner_admins[rng.Below(2)] : AnyCaller());
    const int64_t bps = static_cast<int64_t>(rng.Below(1200));
    if (propose) op.args = {Num(bps)};
    SimulationResult result = Run(op);
    if (propose) MustRefuse(result, bps > 1000, "the fee is above 10%");
  } else if (roll < 78) {
    // Re-registering a brand chain with its genuine root and policy changes nothing that
    // matters; another partner's chain is 409; a bad id 400.
    op.function = "register_brand_chain";
    op.who = rng.Percent(60) ? partner_admins[rng.Below(2)] : Right(tica_admin);
    const size_t which = rng.Below(2);
    const size_t org_index = rng.Percent(90) ? which : 1 - which;
    const std::string& org = partner_orgs[org_index];
    op.args = {rng.Percent(90) ? chains[1 + which].id : "Bad Chain", org,
               "OutOf(1,'" + org + ".peer')",
               Json{{org, partner_peers[org_index].RootHex()}}.dump()};
    SimulationResult result = Run(op);
    MustRefuse(result, org_index != which, "the chain is registered to another partner");
  } else {
    static const char* const kQueries[] = {"partner", "partners", "proposal", "params",
                                           "brand_chain"};
    op.function = kQueries[rng.Below(5)];
    op.who = AnyCaller();
    if (op.function == "partner" || op.function == "proposal") op.args = {candidate.org};
    if (op.function == "brand_chain") op.args = {chains[1 + rng.Below(2)].id};
    if (op.function == "partner" && rng.Percent(60)) op.args = {partner_orgs[rng.Below(2)]};
    Run(op);
  }
}

}  // namespace milk::chaincode::model
