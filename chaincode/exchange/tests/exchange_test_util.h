// Shared by the exchange tests: a center chain with alliance, mlk, lzm and exchange on one
// MemoryState, two partners brought in through the alliance with their brand chains registered
// (real Ed25519 roots; proofs are signed by a peer certificate each root issued), TICA's
// liquidity granted, the worked example's market ("beans", docs/exchange.md) opened, fed and
// stocked through a stock swap.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chaincode/alliance/alliance.h"
#include "chaincode/exchange/exchange.h"
#include "chaincode/lzm/lzm.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/proof/view_proof.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/identity.h"

namespace milk::chaincode::exchange_test {

using Json = nlohmann::json;
using testing::Member;
using testing::Wallet;

inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kListingMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr int64_t kStartMs = kListingMs + 10 * kDayMs;
inline constexpr int64_t kFeedMaxAgeMs = 300'000;
// The worked example of docs/exchange.md.
inline constexpr uint64_t kRedemptionMicroKrw = 10'000'000;  // 10 KRW a point
inline constexpr uint64_t kDepthUnits = 1'000'000;
inline constexpr uint64_t kFeedMicroKrw = 50'000'000;  // 1 MLK = 50 KRW
inline constexpr uint64_t kSeedUnits = 400'000;

inline const crypto::IdentityInfo kTicaAdmin = Member("TICA", milkpb::ADMIN, 't');
inline const crypto::IdentityInfo kTicaClient = Member("TICA", milkpb::CLIENT, 'c');
inline const crypto::IdentityInfo kOracle = Member("TICA", milkpb::ORACLE, 'o');
inline const crypto::IdentityInfo kRelay = Member("TICA", milkpb::RELAY, 'r');
inline const crypto::IdentityInfo kCoffeeAdmin = Member("CoffeeCo", milkpb::ADMIN, 'p');
inline const crypto::IdentityInfo kAirAdmin = Member("AirCo", milkpb::ADMIN, 'q');
inline const crypto::IdentityInfo kAlice = Wallet('a');
inline const crypto::IdentityInfo kBob = Wallet('b');
inline const std::string kAliceAddress = crypto::WalletAddress(kAlice.public_key);
inline const std::string kBobAddress = crypto::WalletAddress(kBob.public_key);
inline const std::string kLiquidityAddress = crypto::WalletAddress(testing::TestPublicKey('l'));
inline const std::string kGatewayAddress = crypto::WalletAddress(testing::TestPublicKey('g'));
inline const std::string kFeeAddress = crypto::WalletAddress(testing::TestPublicKey('f'));
inline const std::string kCoffeeWallet = crypto::WalletAddress(testing::TestPublicKey('w'));

inline std::string Mlk(uint64_t n) { return FormatAmount(Amount{n} * kMlkUnit); }
inline Amount Parse(const Json& text) { return *ParseAmount(text.get<std::string>()); }

inline constexpr int64_t kProofMaxAgeMs = 600'000;
inline constexpr char kBeansChain[] = "brand.beans";
inline constexpr char kMilesChain[] = "brand.miles";

inline Json ExchangeConfig() {
  return Json{{"operator_org", "TICA"},       {"mlk_chaincode", "mlk"},
              {"lzm_chaincode", "lzm"},       {"alliance_chaincode", "alliance"},
              {"fee_account", kFeeAddress}, {"feed_max_age_ms", kFeedMaxAgeMs},
              {"swap_chaincode", "swap"},   {"proof_max_age_ms", kProofMaxAgeMs}};
}

// A brand chain's org root and one peer whose certificate that root issued.
struct PeerKeys {
  std::string org;
  crypto::KeyPair root;
  crypto::KeyPair peer;
  milkpb::Certificate certificate;
  std::string RootHex() const { return ToHex(root.public_key); }
};

inline PeerKeys MakePeer(const std::string& org, char seed, milkpb::Role role = milkpb::PEER) {
  PeerKeys keys;
  keys.org = org;
  keys.root = crypto::KeyPairFromSeed(std::string(crypto::kSeedBytes, seed));
  keys.peer = crypto::KeyPairFromSeed(std::string(crypto::kSeedBytes, static_cast<char>(seed + 1)));
  milkpb::CertificateBody body;
  body.set_version(1);
  body.set_org(org);
  body.set_name("peer0");
  body.set_role(role);
  body.set_public_key(keys.peer.public_key);
  body.set_not_before_ms(0);
  body.set_not_after_ms(4'102'444'800'000);  // 2100-01-01
  body.set_serial(1);
  keys.certificate = crypto::IssueCertificate(body, keys.root.secret_key);
  return keys;
}
inline const PeerKeys& CoffeePeer() {
  static const PeerKeys keys = MakePeer("CoffeeCo", 'C');
  return keys;
}
inline const PeerKeys& AirPeer() {
  static const PeerKeys keys = MakePeer("AirCo", 'A');
  return keys;
}

// docs/swaps.md, "The swap id", computed here independently of the chaincode.
inline std::string TestSwapId(const std::string& chain_id, const std::string& owner,
                              const std::string& ref) {
  std::string bytes = "milk-swap-v1";
  for (const std::string* part : {&chain_id, &owner, &ref}) {
    PutFixed32BE(&bytes, static_cast<uint32_t>(part->size()));
    bytes += *part;
  }
  return ToHex(crypto::Sha256(bytes));
}

// The brand chain's swap record (docs/swaps.md, agreed formats) as `swap <id>` answers it.
struct SwapSpec {
  std::string chain_id = kBeansChain;
  std::string brand = "beans";
  std::string kind = "sell";
  std::string owner;
  std::string ref;
  uint64_t amount = 0;
  std::string min_mlk = "0";
  int64_t deadline_ms = 0;
  std::string state = "locked";
  std::string Id() const { return TestSwapId(chain_id, owner, ref); }
  Json Record() const {
    return Json{{"id", Id()},          {"kind", kind},         {"chain_id", chain_id},
                {"brand", brand},      {"owner", owner},       {"ref", ref},
                {"amount", std::to_string(amount)},            {"min_mlk", min_mlk},
                {"deadline_ms", deadline_ms},                  {"state", state},
                {"lock_tx", "btx1"},   {"lock_ms", deadline_ms - kDayMs},
                {"finish_tx", ""},     {"reason", ""}};
  }
};

// A view of `chaincode function args` on chain_id at block_time_ms, answered status/payload.
inline milkpb::ViewResult MakeView(const std::string& chain_id, const std::string& chaincode,
                                   const std::string& function,
                                   const std::vector<std::string>& args, int32_t status,
                                   const std::string& payload, int64_t block_time_ms) {
  milkpb::ViewResult view;
  view.set_version(proof::kViewVersion);
  view.set_chain_id(chain_id);
  view.set_height(42);
  view.set_block_hash(std::string(32, 'h'));
  view.set_block_time_ms(block_time_ms);
  view.set_chaincode(chaincode);
  view.set_function(function);
  for (const std::string& arg : args) view.add_args(arg);
  view.set_status(status);
  view.set_payload(payload);
  return view;
}

// The view signed by keys' peer: a serialized ViewProof.
inline std::string Prove(const milkpb::ViewResult& view, const PeerKeys& keys) {
  milkpb::ViewProof proof;
  *proof.mutable_result() = view;
  *proof.add_signatures() =
      proof::SignView(view, keys.peer, crypto::SerializeMemberIdentity(keys.certificate));
  return proof.SerializeAsString();
}

// The proof the relay carries for spec: swap `swap <id>` on spec's chain, signed by signer.
inline std::string SwapProof(const SwapSpec& spec, int64_t block_time_ms,
                             const PeerKeys& signer = CoffeePeer()) {
  return Prove(MakeView(spec.chain_id, "swap", "swap", {spec.Id()}, 200, spec.Record().dump(),
                        block_time_ms),
               signer);
}

struct ChainOptions {
  std::string lzm_trade_mlk_num = "1";  // LZM units per MLK unit of trade volume
  uint64_t liquidity_mlk = 1'000'000;   // granted to TICA's liquidity account
  bool open_market = true;              // open "beans", set min 7000 bps, feed, stock
  std::string lzm_chaincode = "lzm";    // "" pays no trade rewards
};

inline Json LastEvent(const SimulationResult& result, const std::string& name);

class ExchangeChain {
 public:
  explicit ExchangeChain(const ChainOptions& options = ChainOptions()) {
    registry_.Register(kAllianceChaincodeName, std::make_shared<AllianceChaincode>());
    registry_.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
    registry_.Register("lzm", std::make_shared<LzmChaincode>());
    registry_.Register(kExchangeChaincodeName, std::make_shared<ExchangeChaincode>());
    Init("alliance", Json{{"operator_org", "TICA"}, {"phase", 1}, {"stake_min", "0"},
                          {"fee_bps", 150}});
    Init("mlk", MlkParams());
    Init("lzm", LzmConfig(options.lzm_trade_mlk_num));
    Json config = ExchangeConfig();
    config["lzm_chaincode"] = options.lzm_chaincode;
    Init("exchange", config);
    const std::string hash(64, 'a');
    Ok("alliance", "propose", {"CoffeeCo", "coffee", "beans"}, kTicaAdmin);
    Ok("alliance", "accept_agreement", {"CoffeeCo", hash}, kCoffeeAdmin);
    Ok("alliance", "propose", {"AirCo", "airline", "miles"}, kTicaAdmin);
    Ok("alliance", "approve", {"AirCo"}, kCoffeeAdmin);
    Ok("alliance", "accept_agreement", {"AirCo", hash}, kAirAdmin);
    Ok("mlk", "grant", {"liquidity", kLiquidityAddress, Mlk(options.liquidity_mlk), "liq-1"},
       kTicaAdmin);
    Ok("mlk", "grant", {"operation", kAliceAddress, Mlk(100'000), "alice-1"}, kTicaAdmin);
    Ok("mlk", "grant", {"operation", kBobAddress, Mlk(100'000), "bob-1"}, kTicaAdmin);
    Ok("alliance", "register_brand_chain",
       {kBeansChain, "CoffeeCo", "OutOf(1,'CoffeeCo.peer')",
        Json{{"CoffeeCo", CoffeePeer().RootHex()}}.dump()},
       kCoffeeAdmin);
    Ok("alliance", "register_brand_chain",
       {kMilesChain, "AirCo", "OutOf(1,'AirCo.peer')", Json{{"AirCo", AirPeer().RootHex()}}.dump()},
       kAirAdmin);
    if (!options.open_market) return;
    Ok("alliance", "set_partner_params", {"7000", std::to_string(365 * kDayMs)}, kCoffeeAdmin);
    Ok("exchange", "open_market",
       {"beans", "CoffeeCo", std::to_string(kRedemptionMicroKrw), "1", std::to_string(kDepthUnits),
        kBeansChain},
       kTicaAdmin);
    SetFeed(kFeedMicroKrw);
    Stock(kSeedUnits, "seed-1");
  }

  // A swap locked on the brand chain now (deadline in a day), spec filled in.
  SwapSpec Locked(const std::string& owner, uint64_t amount, const std::string& ref,
                  const std::string& kind = "sell") const {
    SwapSpec spec;
    spec.owner = owner;
    spec.amount = amount;
    spec.ref = ref;
    spec.kind = kind;
    spec.deadline_ms = now_ms + kDayMs;
    return spec;
  }
  // Who submits settle_swap for spec: anyone may (the proof is the authority); TICA's relay does.
  static const crypto::IdentityInfo& Submitter(const SwapSpec&) { return kRelay; }
  // settle_swap of spec with the given proof bytes.
  SimulationResult SettleWith(const SwapSpec& spec, const std::string& proof) {
    return Exchange("settle_swap", {spec.chain_id, spec.Id(), proof}, Submitter(spec));
  }
  // settle_swap with a fresh proof of spec signed by signer's peer.
  SimulationResult SettleSwap(const SwapSpec& spec, const PeerKeys& signer = CoffeePeer()) {
    return SettleWith(spec, SwapProof(spec, now_ms, signer));
  }
  // A settle_swap that must succeed with the decision state; answers the decision.
  Json Decide(const SwapSpec& spec, const std::string& state) {
    SimulationResult result =
        SettleSwap(spec, spec.chain_id == kMilesChain ? AirPeer() : CoffeePeer());
    INFO(result.response.message());
    REQUIRE(result.response.status() == 200);
    Json decision = Json::parse(result.response.payload());
    INFO(decision.dump());
    CHECK(decision["state"] == state);
    return decision;
  }
  // A settled sell of owner's amount (min_mlk 0): the trade event's JSON.
  Json Sell(const std::string& owner, uint64_t amount, const std::string& ref,
            const std::string& min_mlk = "0") {
    SwapSpec spec = Locked(owner, amount, ref);
    spec.min_mlk = min_mlk;
    SimulationResult result = SettleSwap(spec);
    INFO(result.response.message());
    REQUIRE(result.response.status() == 200);
    Json trade = LastEvent(result, "trade");
    INFO(result.response.payload());
    REQUIRE(trade.is_object());
    return trade;
  }
  // A settle_swap decided "aborted" with a reason containing text: no MLK moved, the market
  // unchanged. Answers the decision.
  Json ExpectAborted(const SwapSpec& spec, const std::string& text) {
    const Json market = Market(spec.brand);
    const Amount owner = MlkUnlocked(spec.owner);
    const Amount liquidity = MlkUnlocked(kLiquidityAddress);
    Json decision = Decide(spec, "aborted");
    CHECK_THAT(decision["reason"].get<std::string>(), Catch::Contains(text));
    CHECK(decision["mlk_total"] == "0");
    CHECK(Market(spec.brand) == market);
    CHECK(MlkUnlocked(spec.owner) == owner);
    CHECK(MlkUnlocked(kLiquidityAddress) == liquidity);
    return decision;
  }
  // TICA's inventory of brand grows by amount through a settled stock swap.
  Json Stock(uint64_t amount, const std::string& ref, const std::string& brand = "beans") {
    SwapSpec spec = Locked(kCoffeeWallet, amount, ref, "stock");
    if (brand == "miles") {
      spec.chain_id = kMilesChain;
      spec.brand = "miles";
    }
    return Decide(spec, "settled");
  }

  // Runs at the chain's clock with a fresh tx id; commits a 200 result; checks every invariant.
  SimulationResult Run(const std::string& chaincode, const std::string& function,
                       std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    TxContext context = testing::Context(chaincode, function, std::move(args), creator);
    context.timestamp_ms = now_ms;
    context.chain_id = "center";
    context.tx_id = "tx" + std::to_string(block_);
    SimulationResult result = Simulate(registry_, state_, context);
    if (result.response.status() == 200) Commit(result);
    CheckInvariants();
    return result;
  }
  SimulationResult Exchange(const std::string& function, std::vector<std::string> args,
                            const crypto::IdentityInfo& creator) {
    return Run("exchange", function, std::move(args), creator);
  }
  // A call that must succeed; answers its payload as JSON (null when empty).
  Json Ok(const std::string& chaincode, const std::string& function,
          std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    SimulationResult result = Run(chaincode, function, std::move(args), creator);
    INFO(chaincode + " " + function + ": " + result.response.message());
    REQUIRE(result.response.status() == 200);
    const std::string& payload = result.response.payload();
    if (payload.empty()) return Json();
    Json parsed = Json::parse(payload, nullptr, false);
    return parsed.is_discarded() ? Json(payload) : parsed;
  }
  Json Query(const std::string& function, std::vector<std::string> args = {}) {
    return Ok("exchange", function, std::move(args), kBob);
  }
  Json Market(const std::string& brand = "beans") { return Query("market", {brand}); }
  void SetFeed(uint64_t micro_krw_per_mlk) {
    Ok("exchange", "set_feed", {std::to_string(micro_krw_per_mlk)}, kOracle);
  }
  Amount MlkUnlocked(const std::string& address) {
    return Parse(Ok("mlk", "balance", {address}, kBob)["unlocked"]);
  }
  Amount Lzm(const std::string& address) {
    SimulationResult result = Run("lzm", "balance", {address}, kBob);
    REQUIRE(result.response.status() == 200);
    Json parsed = Json::parse(result.response.payload(), nullptr, false);
    if (parsed.is_object()) return Parse(parsed["balance"]);
    return *ParseAmount(result.response.payload());
  }
  void CheckInvariants() {
    Status exchange = CheckExchangeInvariants(state_, now_ms);
    Status mlk = CheckMlkInvariants(state_, now_ms);
    Status lzm = CheckLzmInvariants(state_);
    Status alliance = CheckAllianceInvariants(state_);
    INFO(exchange.ToString() + " / " + mlk.ToString() + " / " + lzm.ToString() + " / " +
         alliance.ToString());
    CHECK(exchange.ok());
    CHECK(mlk.ok());
    CHECK(lzm.ok());
    CHECK(alliance.ok());
  }
  MemoryState& state() { return state_; }
  int64_t now_ms = kStartMs;

 private:
  static Json MlkParams() {
    return Json{{"operator_org", "TICA"},
                {"listing_ms", kListingMs},
                {"liquidity_account", kLiquidityAddress},
                {"gateway_account", kGatewayAddress},
                {"contribution_bps_by_year", {300, 250, 200, 150, 100}},
                {"pools",
                 {{"liquidity", Mlk(364'000'000)},
                  {"user_distribution", Mlk(143'000'000)},
                  {"partner_locked", Mlk(250'120'000)},
                  {"partner_contribution", Mlk(230'880'000)},
                  {"operation", Mlk(182'000'000)},
                  {"construction", Mlk(130'000'000)}}}};
  }
  static Json LzmConfig(const std::string& trade_mlk_num) {
    const Json rate = {{"num", "1"}, {"den", "1"}};
    return Json{{"operator_org", "TICA"},
                {"rates",
                 {{"trade_krw", rate},
                  {"trade_mlk", {{"num", trade_mlk_num}, {"den", "1"}}},
                  {"coupon_krw", rate},
                  {"burn_mlk", rate}}},
                {"attendance_reward", "1"},
                {"level_window_days", 30},
                {"levels", {{{"name", "Silver"}, {"min", "1"}}}},
                {"pack_chaincode", "pack"}};
  }
  void Init(const std::string& chaincode, const Json& config) {
    TxContext context = testing::Context(chaincode, "", {config.dump()}, kTicaAdmin);
    context.timestamp_ms = now_ms;
    SimulationResult init = Simulate(registry_, state_, context, true);
    INFO(chaincode + " Init: " + init.response.message());
    REQUIRE(init.response.status() == 200);
    Commit(init);
  }
  void Commit(const SimulationResult& result) {
    state_.Apply(result.rwset, Version{block_, 0});
    ++block_;
  }

  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
};

// A refused call: its status, a message containing text, and nothing written or emitted.
inline void CheckRefused(const SimulationResult& result, int status, const std::string& text) {
  INFO(result.response.message());
  CHECK(result.response.status() == status);
  CHECK_THAT(result.response.message(), Catch::Contains(text));
  CHECK(result.rwset.ns_rwset_size() == 0);
  CHECK(result.events.empty());
}

// The payload of the last event named name, parsed.
inline Json LastEvent(const SimulationResult& result, const std::string& name) {
  Json found;
  for (const auto& event : result.events) {
    if (event.name() == name) found = Json::parse(event.payload());
  }
  return found;
}

}  // namespace milk::chaincode::exchange_test
