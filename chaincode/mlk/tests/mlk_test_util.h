// Shared by the mlk tests: a chain with the mlk chaincode, a committer and a settable clock.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chaincode/mlk/mlk.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/identity.h"

namespace milk::chaincode::mlk_test {

using Json = nlohmann::ordered_json;
using testing::Member;
using testing::Wallet;

inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kListingMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

inline const crypto::IdentityInfo kAdmin = Member("TICA", milkpb::ADMIN, 't');
inline const crypto::IdentityInfo kAlice = Wallet('a');
inline const crypto::IdentityInfo kBob = Wallet('b');
inline const crypto::IdentityInfo kGatewayKey = Wallet('g');
inline const std::string kAliceAddress = crypto::WalletAddress(kAlice.public_key);
inline const std::string kBobAddress = crypto::WalletAddress(kBob.public_key);
inline const std::string kLiquidityAddress = crypto::WalletAddress(testing::TestPublicKey('l'));
inline const std::string kGatewayAddress = crypto::WalletAddress(kGatewayKey.public_key);

// n whole MLK in the smallest unit, as text.
inline std::string Mlk(uint64_t n) { return FormatAmount(Amount{n} * kMlkUnit); }

// The genesis parameters of docs/chaincode_mlk.md (the MISSION.md shares exactly).
inline Json DefaultParams() {
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

class MlkChain {
 public:
  explicit MlkChain(const Json& params = DefaultParams()) {
    registry_.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
    SimulationResult init =
        Simulate(registry_, state_, testing::Context(kMlkChaincodeName, "", {params.dump()}), true);
    REQUIRE(init.response.status() == 200);
    Commit(init);
  }

  // Runs at the chain's clock; commits a 200 result and then checks the invariants.
  SimulationResult Run(const std::string& function, std::vector<std::string> args,
                       const crypto::IdentityInfo& creator = kAdmin) {
    return RunAt(kMlkChaincodeName, function, std::move(args), creator);
  }
  // The transaction calls chaincode (e.g. a forwarder registered in registry()) instead of mlk.
  SimulationResult RunAt(const std::string& chaincode, const std::string& function,
                         std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    TxContext context = testing::Context(chaincode, function, std::move(args), creator);
    context.timestamp_ms = now_ms_;
    context.tx_id = "tx-" + std::to_string(block_);  // unique per committed transaction
    SimulationResult result = Simulate(registry_, state_, context);
    if (result.response.status() == 200) Commit(result);
    Status invariants = CheckMlkInvariants(state_, now_ms_);
    INFO(invariants.ToString());
    CHECK(invariants.ok());
    return result;
  }
  Json Query(const std::string& function, std::vector<std::string> args = {}) {
    SimulationResult result = Run(function, std::move(args));
    INFO(result.response.message());
    REQUIRE(result.response.status() == 200);
    const std::string& payload = result.response.payload();
    if (payload.empty() || payload[0] != '{') return Json(payload);  // a bare amount
    return Json::parse(payload);
  }
  std::string Unlocked(const std::string& address) {
    return Query("balance", {address})["unlocked"].get<std::string>();
  }
  std::string Locked(const std::string& address) {
    return Query("balance", {address})["locked"].get<std::string>();
  }
  std::string Remaining(const std::string& pool) {
    return Query("pool", {pool})["remaining"].get<std::string>();
  }
  // Funds an address from the operation pool (unlocked).
  void Fund(const std::string& address, uint64_t mlk, const std::string& ref) {
    REQUIRE(Run("grant", {"operation", address, Mlk(mlk), ref}).response.status() == 200);
  }

  void SetNow(int64_t now_ms) { now_ms_ = now_ms; }
  int64_t now_ms() const { return now_ms_; }
  MemoryState& state() { return state_; }
  Registry& registry() { return registry_; }

 private:
  void Commit(const SimulationResult& result) { state_.Apply(result.rwset, Version{block_++, 0}); }

  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
  int64_t now_ms_ = kListingMs;
};

// A chaincode that forwards its own function and args to mlk and answers mlk's response: the
// stand-in for the exchange and pack when testing the functions only they may call.
inline void RegisterForwarder(Registry& registry, const std::string& name) {
  testing::RegisterLambda(registry, name, [](Stub& stub) {
    return stub.InvokeChaincode(kMlkChaincodeName, stub.GetFunction(), stub.GetArgs());
  });
}

// Checks status and that the message contains text; a refused call writes nothing.
inline void CheckRefused(const SimulationResult& result, int status, const std::string& text) {
  INFO(result.response.message());
  CHECK(result.response.status() == status);
  CHECK_THAT(result.response.message(), Catch::Contains(text));
  CHECK(result.rwset.ns_rwset_size() == 0);
  CHECK(result.events.empty());
}

}  // namespace milk::chaincode::mlk_test
