// Shared by the exchange tests: a center chain with alliance, mlk, lzm and exchange on one
// MemoryState, two partners brought in through the alliance, TICA's liquidity granted, the
// worked example's market ("beans", docs/exchange.md) opened, fed and seeded.
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
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
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

inline Json ExchangeConfig() {
  return Json{{"operator_org", "TICA"},       {"mlk_chaincode", "mlk"},
              {"lzm_chaincode", "lzm"},       {"alliance_chaincode", "alliance"},
              {"fee_account", kFeeAddress}, {"feed_max_age_ms", kFeedMaxAgeMs}};
}

struct ChainOptions {
  std::string lzm_trade_mlk_num = "1";  // LZM units per MLK unit of trade volume
  uint64_t liquidity_mlk = 1'000'000;   // granted to TICA's liquidity account
  bool open_market = true;              // open "beans", set min 7000 bps, feed, seed
  std::string lzm_chaincode = "lzm";    // "" pays no trade rewards
};

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
    if (!options.open_market) return;
    Ok("alliance", "set_partner_params", {"7000", std::to_string(365 * kDayMs)}, kCoffeeAdmin);
    Ok("exchange", "open_market",
       {"beans", "CoffeeCo", std::to_string(kRedemptionMicroKrw), "1", std::to_string(kDepthUnits)},
       kTicaAdmin);
    SetFeed(kFeedMicroKrw);
    Ok("exchange", "seed", {"beans", std::to_string(kSeedUnits), "seed-1"}, kTicaAdmin);
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
  // Deposits amount of brand for owner, expiring in a day; answers the ref.
  std::string DepositFor(const std::string& owner, uint64_t amount, const std::string& ref,
                         const std::string& brand = "beans") {
    Ok("exchange", "deposit",
       {brand, owner, std::to_string(amount), std::to_string(now_ms + kDayMs), ref}, kRelay);
    return ref;
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
