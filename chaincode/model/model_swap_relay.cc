// chaincode/model: the relay's steps of docs/swaps.md with their model: proofs carried from a
// brand chain to the center (settle_swap, with forged, replayed, wrong-chain and stale proofs
// now and then, which must be refused), the center's decision carried back (finish), the
// customer's abort after the deadline, and the delivery of purchases (deliver).
#include <nlohmann/json.hpp>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/model/model_world.h"
#include "chaincode/swap/swap.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::json;
constexpr int64_t kProofMaxAgeMs = 600'000;  // the exchange's and the swap chaincode's Init

int64_t DayFloor(int64_t ms) { return ms / kDayMs * kDayMs; }

}  // namespace

void World::SwapSettle() {
  SwapModel* swap = PickSwap("", "");
  if (swap == nullptr || rng.Percent(5))
    swap = PickSwap(rng.Percent(50) ? "settled" : "aborted", "");
  if (swap == nullptr) return;
  const size_t partner = static_cast<size_t>(swap->chain - 1);
  const int64_t age = static_cast<int64_t>(rng.Below(60'000));
  const uint64_t roll = rng.Below(100);
  std::string proof;
  bool proof_ok = false;
  if (roll < 3) {
    // Forged: the partner's org name, a root the alliance never registered.
    PeerSigner rogue = partner_peers[partner];
    rogue.root = crypto::KeyPairFromSeed(std::string(crypto::kSeedBytes, 'X'));
    rogue.peer = rogue.root;
    proof = ProveView(swap->chain, "swap", "swap", {swap->id}, rogue, now_ms - age);
  } else if (roll < 6) {
    // Replayed: a genuine proof of another swap (or of this id on the other brand chain).
    const int other = 3 - swap->chain;
    proof = ProveView(rng.Percent(50) ? swap->chain : other, "swap", "swap",
                      {rng.Percent(50) ? Ref("other") : swap->id},
                      partner_peers[static_cast<size_t>(other - 1)], now_ms - age);
    if (rng.Percent(50)) {
      proof = ProveView(swap->chain, "swap", "swap", {std::string(64, 'e')}, partner_peers[partner],
                        now_ms - age);
    }
  } else if (roll < 9) {
    // Stale: older than proof_max_age_ms at the center's transaction time.
    proof = ProveView(swap->chain, "swap", "swap", {swap->id}, partner_peers[partner],
                      now_ms - kProofMaxAgeMs - 1 - age);
  } else {
    proof =
        ProveView(swap->chain, "swap", "swap", {swap->id}, partner_peers[partner], now_ms - age);
    proof_ok = true;
  }
  SettleWithProof(*swap, proof, proof_ok);
}

void World::FinishSwap(SwapModel& swap) {
  const std::string chain_id = chains[static_cast<size_t>(swap.chain)].id;
  const std::string proof = ProveView(kCenter, "exchange", "swap", {chain_id, swap.id}, tica_peer,
                                      now_ms - static_cast<int64_t>(rng.Below(30'000)));
  SimulationResult result = Run(
      {swap.chain, "swap", "finish", {swap.id, proof}, rng.Percent(70) ? tica_relay : AnyCaller()});
  MustRefuse(result, swap.decision.empty(), "the center has not decided the swap");
  MustRefuse(result, !swap.finished.empty(), "the swap was finished already");
  if (swap.decision.empty() || !swap.finished.empty()) return;
  if (result.response.status() != 200) {
    return Fail("finish of a decided swap was refused: " + result.response.message());
  }
  BrandModel& brand = brands[static_cast<size_t>(swap.chain - 1)];
  if (swap.decision == "settled") {
    brand.lots[brand.platform][kNeverExpiresMs] += swap.amount;
    swap.finished = "released";
  } else {
    for (const auto& [expiry, amount] : swap.escrow) brand.lots[swap.owner][expiry] += amount;
    swap.finished = "refunded";
  }
  swap.escrow.clear();
  const Json record = Json::parse(result.response.payload(), nullptr, false);
  if (!record.is_object() || record.value("state", "") != swap.finished) {
    Fail("finish answered " + result.response.payload() + ", the model " + swap.finished);
  }
}

void World::SwapFinish() {
  // Mostly a decided swap; now and then an undecided one (412) or a finished one (409).
  const uint64_t roll = rng.Below(100);
  SwapModel* swap = PickSwap(rng.Percent(50) ? "settled" : "aborted", "");
  if (roll < 5) swap = PickSwap("", "");
  if (roll >= 5 && roll < 10) {
    swap = PickSwap("settled", "released");
    if (swap == nullptr) swap = PickSwap("aborted", "refunded");
  }
  if (swap != nullptr) FinishSwap(*swap);
}

void World::SwapAbort() {
  SwapModel* swap = PickSwap("", "");
  if (swap == nullptr || rng.Percent(5))
    swap = PickSwap("settled", rng.Percent(50) ? "" : "released");
  if (swap == nullptr) return;
  const crypto::IdentityInfo* owner = nullptr;
  for (const crypto::IdentityInfo* wallet : AllWallets()) {
    if (Address(*wallet) == swap->owner) owner = wallet;
  }
  if (owner == nullptr) return;  // stock swaps are not the customer's to abort
  // The customer states its deadline; one stating an earlier one only cancels its own swap.
  int64_t stated = swap->deadline_ms;
  if (rng.Percent(10)) stated -= static_cast<int64_t>(rng.Below(kDayMs));
  Op op{kCenter,
        "exchange",
        "abort_swap",
        {chains[static_cast<size_t>(swap->chain)].id, swap->ref, Num(stated)},
        rng.Percent(90) ? *owner : AnyCaller()};
  SimulationResult result = Run(op);
  const bool by_owner = op.who.is_wallet && Address(op.who) == swap->owner;
  MustRefuse(result, !op.who.is_wallet, "abort_swap is the customer's wallet's");
  MustRefuse(result, by_owner && !swap->decision.empty(), "the swap was decided already");
  MustRefuse(result, now_ms <= stated, "the stated deadline has not passed");
  if (result.response.status() != 200 || !by_owner) return;
  swap->decision = "aborted";
}

void World::SwapDeliver() {
  std::vector<PurchaseModel*> pending;
  for (auto& purchase : exchange_model.purchases) {
    if (!purchase.delivered || rng.Percent(3)) pending.push_back(&purchase);
  }
  if (pending.empty()) return;
  PurchaseModel& purchase = *pending[rng.Below(pending.size())];
  BrandModel& brand = brands[static_cast<size_t>(purchase.chain - 1)];
  const std::string proof =
      ProveView(kCenter, "exchange", "purchase", {purchase.tx}, tica_peer, now_ms);
  // Now and then delivered on the other brand chain: the purchase names its own (412).
  const int chain = rng.Percent(5) ? 3 - purchase.chain : purchase.chain;
  SimulationResult result = Run(
      {chain, "swap", "deliver", {purchase.tx, proof}, rng.Percent(70) ? tica_relay : AnyCaller()});
  Amount platform = 0;
  for (const auto& [expiry, amount] : brand.lots[brand.platform]) platform += amount;
  if (brand.lots[brand.platform].empty()) brand.lots.erase(brand.platform);
  MustRefuse(result, chain != purchase.chain, "the purchase is of another brand chain");
  MustRefuse(result, purchase.delivered, "the purchase was delivered already");
  MustRefuse(result, platform < purchase.amount, "TICA's account holds less than the purchase");
  if (result.response.status() != 200) return;
  Amount left = purchase.amount;
  auto& lots = brand.lots[brand.platform];
  for (auto it = lots.begin(); it != lots.end() && left > 0;) {
    const Amount piece = std::min(left, it->second);
    left -= piece;
    it->second -= piece;
    it = it->second == 0 ? lots.erase(it) : std::next(it);
  }
  if (lots.empty()) brand.lots.erase(brand.platform);
  brand.lots[purchase.buyer][DayFloor(now_ms + brand.renewal_ms)] += purchase.amount;
  purchase.delivered = true;
}

void World::SwapQuery() {
  const int chain = 1 + static_cast<int>(rng.Below(kBrandChains));
  SwapModel* swap = PickSwap(rng.Percent(50) ? "" : "settled", "");
  const std::string id = swap != nullptr ? swap->id : std::string(64, 'a');
  const std::string chain_id = chains[static_cast<size_t>(chain)].id;
  const uint64_t roll = rng.Below(5);
  if (roll == 0) Run({kCenter, "exchange", "swap", {chain_id, id}, AnyCaller()});
  if (roll == 1) Run({chain, "swap", "swap", {id}, AnyCaller()});
  if (roll == 2) Run({chain, "swap", "open", {}, AnyCaller()});
  if (roll == 3) Run({chain, "brandtoken", "escrow", {id}, AnyCaller()});
  if (roll == 4) Run({chain, "swap", "config", {}, AnyCaller()});
}

}  // namespace milk::chaincode::model
