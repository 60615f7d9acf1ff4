// chaincode/model: the swap protocol of docs/swaps.md across the model's chains: locks (sell and
// stock) on a brand chain's swap chaincode, endorsed views signed by a model peer of the source
// chain's org (a real certificate its root issued), and the lock's model (escrow lots with their
// expiries). The center's decision and the brand chain's finish are in model_swap_relay.cc.
#include <nlohmann/json.hpp>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/model/model_world.h"
#include "chaincode/proof/view_proof.h"
#include "chaincode/swap/swap.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"

namespace milk::chaincode::model {
namespace {

using Lots = std::map<int64_t, Amount>;

Amount SpendableLots(const Lots& lots, int64_t now_ms) {
  Amount total = 0;
  for (const auto& [expiry, amount] : lots) total += expiry > now_ms ? amount : 0;
  return total;
}

// Moves amount of the unexpired lots, earliest expiry first, into the returned pieces.
Lots TakeLots(Lots& lots, Amount amount, int64_t now_ms) {
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

// Deadlines the brand chains accept: up to deadline_max_ms ahead (the swap Init below).
constexpr int64_t kDeadlineMaxMs = 3 * kDayMs;

}  // namespace

std::string World::ProveView(int chain, const std::string& chaincode, const std::string& function,
                             const std::vector<std::string>& args, const PeerSigner& signer,
                             int64_t block_time_ms) {
  Chain& source = chains[static_cast<size_t>(chain)];
  TxContext context;
  context.chain_id = source.id;
  context.tx_id = "view";
  context.creator = tica_client;
  context.timestamp_ms = block_time_ms;
  context.chaincode = chaincode;
  context.function = function;
  context.args = args;
  SimulationResult answer = Simulate(source.registry, source.state, context);
  milkpb::ViewResult view;
  view.set_version(proof::kViewVersion);
  view.set_chain_id(source.id);
  view.set_height(source.block);
  view.set_block_hash(crypto::Sha256(source.id + "/" + Num(static_cast<int64_t>(source.block))));
  view.set_block_time_ms(block_time_ms);
  view.set_chaincode(chaincode);
  view.set_function(function);
  for (const std::string& arg : args) view.add_args(arg);
  view.set_status(answer.response.status());
  view.set_payload(answer.response.payload());
  milkpb::ViewProof proof;
  *proof.mutable_result() = view;
  *proof.add_signatures() = proof::SignView(view, signer.peer, signer.endorser);
  return proof.SerializeAsString();
}

SwapModel* World::PickSwap(const std::string& decision, const std::string& finished) {
  std::vector<SwapModel*> found;
  for (auto& [id, swap] : exchange_model.swaps) {
    if (swap.decision == decision && swap.finished == finished) found.push_back(&swap);
  }
  return found.empty() ? nullptr : found[rng.Below(found.size())];
}

std::string World::LockSwap(const Op& op, bool stock) {
  BrandModel& brand = brands[static_cast<size_t>(op.chain - 1)];
  const std::string owner = Address(op.who);
  const std::string& ref = op.args[0];
  const std::string id = SwapId(chains[static_cast<size_t>(op.chain)].id, owner, ref);
  const Amount amount = ParseOr(op.args[1], 0);
  const Result<Amount> min_parsed = stock ? Result<Amount>(Amount{0}) : ParseAmount(op.args[2]);
  const int64_t deadline = std::stoll(op.args.back());
  const Amount have = SpendableLots(brand.lots[owner], now_ms);
  SimulationResult result = Run(op);
  auto seen = exchange_model.swaps.find(id);
  if (seen != exchange_model.swaps.end()) {
    // The same ref again: the same request answers the record, another is 409; nothing moves.
    const bool same = seen->second.kind == (stock ? "stock" : "sell") &&
                      seen->second.amount == amount && min_parsed.ok() &&
                      seen->second.min_mlk == *min_parsed && seen->second.deadline_ms == deadline;
    if (result.response.status() == 200 && !same)
      Fail("a swap ref reused differently was accepted");
    if (!same && result.response.status() == 200) return "";
    if (same && result.response.status() != 200 && result.response.status() != 400) {
      Fail("a repeated lock answered " + Num(result.response.status()));
    }
    return "";
  }
  const bool partner = !op.who.is_wallet && op.who.org == brand.org &&
                       (op.who.role == milkpb::CLIENT || op.who.role == milkpb::ADMIN);
  const bool tica_admin_caller =
      !op.who.is_wallet && op.who.org == "TICA" && op.who.role == milkpb::ADMIN;
  MustRefuse(result, stock ? !(partner || tica_admin_caller) : !op.who.is_wallet,
             "the locker may not lock this kind of swap");
  MustRefuse(result, amount == 0 || amount > have, "beyond the locker's spendable units");
  MustRefuse(result, !min_parsed.ok(), "min_mlk is malformed");
  MustRefuse(result, deadline <= now_ms || deadline - now_ms > kDeadlineMaxMs,
             "the deadline is outside (now, now + deadline_max_ms]");
  if (result.response.status() != 200) return "";
  SwapModel swap;
  swap.chain = op.chain;
  swap.id = id;
  swap.kind = stock ? "stock" : "sell";
  swap.owner = owner;
  swap.ref = ref;
  swap.amount = amount;
  swap.min_mlk = *min_parsed;
  swap.deadline_ms = deadline;
  swap.escrow = TakeLots(brand.lots[owner], amount, now_ms);
  if (brand.lots[owner].empty()) brand.lots.erase(owner);
  exchange_model.swaps[id] = swap;
  return id;
}

void World::SwapLock(bool stock) {
  const int chain = 1 + static_cast<int>(rng.Below(kBrandChains));
  const size_t partner = static_cast<size_t>(chain - 1);
  Op op;
  op.chain = chain;
  op.chaincode = "swap";
  op.function = stock ? "stock" : "sell";
  op.who = stock ? Right(rng.Percent(80) ? partner_clients[partner] : tica_admin)
                 : (rng.Percent(95) ? AnyWallet() : AnyCaller());
  const Amount typical = chain == 1 ? Amount{10'000} : Amount{1'000'000};
  const Amount have = SpendableLots(brands[partner].lots[Address(op.who)], now_ms);
  std::string ref = Ref("swap");
  // Now and then the ref of one of the caller's swaps on this chain (a retried lock).
  for (const auto& [id, swap] : exchange_model.swaps) {
    if (swap.chain == chain && swap.owner == Address(op.who) && rng.Percent(5)) ref = swap.ref;
  }
  std::string amount = AmountArg(typical / 4, have);
  if (ParseOr(amount, 0) == 0 && rng.Percent(50)) amount = "1";
  const uint64_t deadline_roll = rng.Below(100);
  int64_t deadline = now_ms + 60'000 + static_cast<int64_t>(rng.Below(2 * kDayMs));
  if (deadline_roll < 3) deadline = now_ms - static_cast<int64_t>(rng.Below(kDayMs));
  if (deadline_roll == 3) deadline = now_ms + kDeadlineMaxMs + 1;
  op.args = {ref, amount};
  if (!stock) {
    // Usually no limit; sometimes a limit near the going price, so some sells abort.
    const uint64_t limit = rng.Below(100);
    op.args.push_back(limit < 80   ? "0"
                      : limit < 97 ? FormatAmount(rng.AmountBelow(typical) * kMlkUnit / 20)
                                   : "-1");
  }
  op.args.push_back(Num(deadline));
  LockSwap(op, stock);
}

}  // namespace milk::chaincode::model
