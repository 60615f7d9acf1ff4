// Private to chaincode/model: the chains of one seed, the cast of callers, the reference model
// and the operation generators. One World per seed; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chaincode/exchange/pricing.h"
#include "chaincode/model/model.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "crypto/ed25519.h"
#include "crypto/identity.h"

namespace milk::chaincode::model {

// splitmix64: tiny, seedable, and the same on every platform (std:: distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  uint64_t Below(uint64_t n);  // uniform enough in [0, n); REQUIRES n > 0
  bool Percent(uint64_t p) { return Below(100) < p; }
  Amount AmountBelow(Amount n);  // [0, n); 0 when n == 0

 private:
  uint64_t state_;
};

inline constexpr int kCenter = 0;
// Every chaincode namespace of the model's chains (MemoryState cannot list them).
inline constexpr const char* kNamespaces[] = {"alliance",   "mlk",  "lzm",     "pack",
                                              "exchange",   "swap", "brandtoken"};
inline constexpr int kBrandChains = 2;  // chains 1 and 2
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kListingMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kLevelWindowDays = 30;           // the lzm Init below

struct Chain {
  std::string id;
  Registry registry;
  MemoryState state;
  uint64_t block = 1;
};

struct Op {
  int chain = kCenter;
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
  crypto::IdentityInfo who;
};

// MLK per address: everything it holds (unlocked + lots + pack custody), what is in custody,
// and the locks granted (unlock time, ref, amount) that must stay until their unlock time.
struct MlkLock {
  std::string address;
  int64_t unlock_ms = 0;
  std::string ref;
  Amount amount = 0;
};
struct MlkModel {
  std::map<std::string, Amount> held;
  std::map<std::string, Amount> staked;
  std::map<std::string, Amount> pools;
  std::map<std::string, Amount> pools_initial;
  std::vector<MlkLock> locks;
  Amount burned = 0;
  Amount user_paid = 0;
  std::map<std::string, std::pair<std::string, std::string>> refs;  // ref -> request, payload
  // The liquidity account: granted from the pool, collected from buyers, paid to sellers.
  Amount liquidity_granted = 0, liquidity_collected = 0, liquidity_paid = 0;
  Amount fees = 0;  // sum of the trades' mlk_fee
};

struct LzmModel {
  std::map<std::string, Amount> balances;
  std::map<std::string, Amount> pools;
  Amount users_received = 0, team_paid = 0;
  std::map<std::string, std::string> refs;  // kind/ref -> fingerprint
  std::set<std::string> attended;           // address/day
  // LZM earned by rewards (rewards and events pools) per address per UTC day: the level.
  std::map<std::string, std::map<int64_t, Amount>> earned;
  std::vector<Amount> level_min;  // thresholds of levels 1, 2, ...
  Amount trade_krw_num = 1, trade_krw_den = 1, trade_mlk_num = 1, trade_mlk_den = 1;
  Amount coupon_num = 1, coupon_den = 1, burn_num = 1, burn_den = 1, attendance = 1;
};

struct PackProduct {
  int64_t term_ms = 0;
  Amount num = 0, den = 1, cap = 0, staked = 0;
};
struct PackStake {
  std::string owner, product;
  Amount amount = 0, reward = 0;
  int64_t maturity_ms = 0;
};
struct PackModel {
  std::map<std::string, PackProduct> products;
  std::map<std::string, PackStake> stakes;  // active only
};

// One brand chain: lots per address (expiry -> amount) and the totals.
struct BrandModel {
  std::string org, platform;
  bool transferable = true;
  int64_t default_expiry_ms = 0, renewal_ms = 0;
  std::map<std::string, std::map<int64_t, Amount>> lots;
  Amount issued = 0, redeemed = 0, expired = 0;
  std::map<std::string, std::pair<std::string, std::string>> refs;  // kind/ref -> request, payload
};

struct MarketModel {
  std::string partner_org;
  exchange::MarketParams params;
  Amount inventory = 0;
};
// A swap of docs/swaps.md as the model follows it: locked on its brand chain (escrow lots kept
// with their expiries), decided once on the center, finished on the brand chain.
struct SwapModel {
  int chain = 1;
  std::string id, kind, owner, ref;
  Amount amount = 0, min_mlk = 0;
  int64_t deadline_ms = 0;
  std::map<int64_t, Amount> escrow;  // expiry -> amount, while locked on the brand chain
  std::string decision;              // "" (undecided), "settled", "aborted"
  std::string finished;              // "" (locked), "released", "refunded"
};
// A purchase on the center chain, delivered on its brand chain on proof.
struct PurchaseModel {
  int chain = 1;
  std::string tx, buyer;
  Amount amount = 0;
  bool delivered = false;
};
// A peer of one org with a certificate its org's root issued: signs views as proofs.
struct PeerSigner {
  std::string org;
  crypto::KeyPair root;
  crypto::KeyPair peer;
  std::string endorser;  // serialized member Identity
  std::string RootHex() const;
};
struct ExchangeModel {
  std::map<std::string, MarketModel> markets;  // by brand
  Amount feed_micro_krw = 0;
  int64_t feed_ms = -1;
  std::map<std::string, SwapModel> swaps;  // by swap id (ids are per chain and unique)
  std::map<std::string, Amount> volume;    // partner org -> trade volume (MLK)
  std::map<std::string, Amount> settled;
  std::vector<PurchaseModel> purchases;    // accepted buys, in order
};

class World {
 public:
  World(uint64_t seed, bool exchange_enabled, std::ostream* log);
  // Genesis and the set-up operations. False (failure() set) when a check broke.
  bool SetUp();
  // One random operation and every check after it. False when a check broke.
  bool Step(int64_t index);

  const std::optional<ModelFailure>& failure() const { return failure_; }
  const std::map<std::string, std::pair<size_t, size_t>>& counts() const { return counts_; }

  // --- used by the generator files -------------------------------------------------------
  // Runs op at now_ms_: a 200 answer is committed; any other must write nothing and change no
  // key (checked). Counts it. Checks after every operation are done by Step.
  SimulationResult Run(const Op& op);
  void Fail(const std::string& what);
  bool failed() const { return failure_.has_value(); }
  // Refused-must-be: an operation the model knows is invalid must not answer 200.
  void MustRefuse(const SimulationResult& result, bool refuse, const std::string& why);
  // Replays: the same request answers 200 with the first payload; a different one 409.
  void CheckReplay(const SimulationResult& result, const std::string& first_payload, bool same);

  // Callers. Right() answers `right` most of the time and a random other caller otherwise.
  const crypto::IdentityInfo& Right(const crypto::IdentityInfo& right);
  const crypto::IdentityInfo& AnyCaller();
  const crypto::IdentityInfo& AnyWallet();
  std::vector<const crypto::IdentityInfo*> AllWallets() const;  // the ten and the stranger
  std::string AnyAddress();  // mostly wallets, sometimes TICA's accounts or a bad address
  std::string Address(const crypto::IdentityInfo& who) const;
  // An amount around typical; sometimes 0, malformed, huge or larger than available.
  std::string AmountArg(Amount typical, Amount available);
  std::string Ref(const std::string& prefix);  // a fresh reference
  std::string TxId() const { return "tx" + std::to_string(tx_counter_); }

  // Generators (one operation each), by chaincode.
  void AllianceOp();
  void MlkOp();
  void LzmOp();
  void LzmReward(uint64_t roll);
  void LzmAttendance();
  void LzmGrant();
  void LzmMove();
  void LzmQuery();
  void PackOp();
  void PackCreateOp();
  void PackStakeOp();
  void PackUnstakeOp();
  void PackOtherOp();
  void BrandOp(int chain);
  void BrandIssue(int chain);
  void BrandSpend(int chain, bool redeem);
  void BrandPurchase(int chain);  // credit_purchase called directly: always refused
  void BrandSweep(int chain);
  void BrandBalance(int chain);
  void BrandTotals(int chain);
  void ExchangeOp();
  void ExchangeSetFeed();
  void ExchangeBuy(const std::string& brand);
  void ExchangeAdminOp(uint64_t roll);  // markets, settlements, queries
  void ExchangeSettle();
  // The swap protocol (model_swap.cc, model_swap_relay.cc): lock on a brand chain, the
  // center's decision from a proof, finish and delivery on the brand chain from a proof.
  void SwapLock(bool stock);
  void SwapSettle();
  void SwapFinish();
  void SwapAbort();
  void SwapDeliver();
  void SwapQuery();
  // Runs a lock and applies it to the model; answers the swap id ("" when refused).
  std::string LockSwap(const Op& op, bool stock);
  // settle_swap of swap with proof (submitted as the model's relay would) and the model's
  // prediction of the decision; proof_ok false: the proof is bad and must be refused.
  void SettleWithProof(SwapModel& swap, const std::string& proof, bool proof_ok);
  void FinishSwap(SwapModel& swap);
  // A view of `chaincode function args` evaluated on chain's committed state now, signed by
  // signer (an endorsed view, chaincode/proof/view_proof.h), serialized.
  std::string ProveView(int chain, const std::string& chaincode, const std::string& function,
                        const std::vector<std::string>& args, const PeerSigner& signer,
                        int64_t block_time_ms);
  SwapModel* PickSwap(const std::string& decision, const std::string& finished);
  void LzmMisuseOp();  // LZM where MLK is expected: every attempt must fail

  // Model updates shared by generators: a committed result's LZM reward events; expected is
  // what the model predicted before the pool cap (nullopt: not predicted).
  // pool: where a predicted positive reward must come from unless that pool is empty.
  void ApplyLzmRewards(const SimulationResult& result, std::optional<Amount> expected,
                       const std::string& pool = "");
  size_t LevelOf(const std::string& address, Amount* earned);
  void CheckLevels(const Op& op, const std::string& payload);  // level and vip answers
  Amount MlkAvailable(const std::string& address);
  void ApplyMlk(const Op& op, const SimulationResult& result);
  void ApplyMlkGrant(const Op& op, const SimulationResult& result, Amount amount_arg);
  void MlkMove(const std::string& from, const std::string& to, Amount amount);
  void CheckMlkSupply(const std::string& payload);

  // Checks after every operation (model_checks.cc); each answers "" or what broke.
  bool CheckAll();
  std::string CheckMlkModel();
  std::string CheckLzmModel();
  std::string CheckPackModel();
  std::string CheckBrandModels();
  std::string CheckCrossChain();  // docs/swaps.md "What always holds", from the model

  Rng rng;
  // The injected transaction clock (Unix ms): every operation's timestamp; only moves forward.
  int64_t now_ms = 0;
  bool exchange_enabled;
  std::array<Chain, 1 + kBrandChains> chains;
  MlkModel mlk;
  LzmModel lzm;
  PackModel pack;
  std::vector<BrandModel> brands;  // index chain - 1
  ExchangeModel exchange_model;
  // Accepted referenced requests and their payloads, for replays.
  std::vector<std::pair<Op, std::string>> mlk_history;

  // The cast.
  crypto::IdentityInfo tica_admin, tica_client, tica_oracle, tica_relay;
  std::vector<crypto::IdentityInfo> partner_admins, partner_clients, partner_relays;
  std::vector<crypto::IdentityInfo> candidates;  // admins of orgs that may join
  std::vector<crypto::IdentityInfo> wallets;
  crypto::IdentityInfo stranger_wallet, stranger_member;
  std::string liquidity_account, gateway_account, fee_account;
  std::vector<std::string> partner_orgs, brands_symbols;
  PeerSigner tica_peer;
  std::vector<PeerSigner> partner_peers;

 private:
  void SetUpChains();
  bool SetUpAlliance();
  bool SetUpCenter();
  bool SetUpBrands();
  bool SetUpExchange();  // model_exchange.cc
  void AdvanceClock();
  uint64_t Digest(Chain& chain);
  std::string Describe(const Op& op) const;

  std::ostream* log_;
  std::optional<ModelFailure> failure_;
  std::map<std::string, std::pair<size_t, size_t>> counts_;
  int64_t op_index_ = -1;
  std::string current_;
  uint64_t tx_counter_ = 0;
  uint64_t ref_counter_ = 0;
  std::vector<const crypto::IdentityInfo*> everyone_;
};

// Helpers shared by the generator files.
std::string Num(int64_t value);
Amount ParseOr(const std::string& text, Amount fallback);  // fallback when not an amount
// "" when no key or value of any namespace of the chains looks personal: every JSON object key
// is in the documented allow-list (docs/model_test.md) and no string looks like an e-mail
// address or a phone number; else what was found and where.
std::string ScanPersonalData(const std::vector<std::pair<std::string, MemoryState*>>& chains);
// Reads the composite key (type, attrs) of namespace ns in the chain's committed state.
std::optional<std::string> ReadKey(Chain& chain, const std::string& ns, const std::string& type,
                                   const std::vector<std::string>& attrs);

}  // namespace milk::chaincode::model
