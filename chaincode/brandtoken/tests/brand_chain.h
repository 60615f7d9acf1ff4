// Test fixture for the brandtoken chaincode: a chain with an adjustable clock and a committer
// that applies every 200 result to a MemoryState. A stand-in "swap" chaincode forwards its calls
// to brandtoken, as the real swap chaincode does once it has checked a proof.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/identity.h"

namespace milk::chaincode::brandtoken_test {

using testing::Member;
using testing::Wallet;

// 2023-11-14T22:13:20Z; its UTC day started at kToday.
inline constexpr int64_t kNow = 1700000000000;
inline constexpr int64_t kToday = 1699920000000;
inline constexpr int64_t kYearMs = 365 * kDayMs;

inline const crypto::IdentityInfo kIssuer = Member("BrandA", milkpb::CLIENT, 'i');
inline const crypto::IdentityInfo kAdmin = Member("BrandA", milkpb::ADMIN, 'd');
inline const crypto::IdentityInfo kRelay = Member("BrandA", milkpb::RELAY, 'r');
inline const crypto::IdentityInfo kPeer = Member("BrandA", milkpb::PEER, 'e');
inline const crypto::IdentityInfo kOtherIssuer = Member("BrandB", milkpb::CLIENT, 'o');
inline const crypto::IdentityInfo kAlice = Wallet('a');
inline const crypto::IdentityInfo kBob = Wallet('b');
inline const crypto::IdentityInfo kPlatform = Wallet('p');
inline const std::string kAliceAddress = crypto::WalletAddress(kAlice.public_key);
inline const std::string kBobAddress = crypto::WalletAddress(kBob.public_key);
inline const std::string kPlatformAddress = crypto::WalletAddress(kPlatform.public_key);
inline const crypto::IdentityInfo kStocker = Wallet('s');  // the partner's stock for TICA
inline const std::string kStockerAddress = crypto::WalletAddress(kStocker.public_key);
inline constexpr char kSwapProxy[] = "swap";

// A swap id for tests: n in decimal, left-padded with '0' to 64 characters (valid hex).
inline std::string TestSwapId(int n) {
  std::string digits = std::to_string(n);
  return std::string(64 - digits.size(), '0') + digits;
}

inline std::string InitJson(bool transferable = true, int64_t default_expiry_ms = kYearMs,
                            int64_t renewal_ms = 180 * kDayMs) {
  return "{\"symbol\":\"BTA\",\"redemption_krw\":\"10\",\"default_expiry_ms\":" +
         std::to_string(default_expiry_ms) + ",\"renewal_ms\":" + std::to_string(renewal_ms) +
         ",\"transferable\":" + (transferable ? "true" : "false") +
         ",\"partner_org\":\"BrandA\",\"platform_address\":\"" + kPlatformAddress + "\"}";
}

class BrandChain {
 public:
  explicit BrandChain(const std::string& init_json = InitJson()) {
    registry_.Register(kBrandTokenChaincodeName, std::make_shared<BrandTokenChaincode>());
    testing::RegisterLambda(registry_, kSwapProxy, [](Stub& stub) {
      return stub.InvokeChaincode(kBrandTokenChaincodeName, stub.GetFunction(), stub.GetArgs());
    });
    SimulationResult init = Simulate(registry_, state_, Ctx("", {init_json}, kAdmin), true);
    REQUIRE(init.response.status() == 200);
    Commit(init);
  }

  TxContext Ctx(const std::string& function, std::vector<std::string> args,
                const crypto::IdentityInfo& creator) const {
    TxContext context =
        testing::Context(kBrandTokenChaincodeName, function, std::move(args), creator);
    context.timestamp_ms = now_ms_;
    return context;
  }

  SimulationResult Run(const std::string& function, std::vector<std::string> args,
                       const crypto::IdentityInfo& creator = kIssuer) {
    SimulationResult result = Simulate(registry_, state_, Ctx(function, std::move(args), creator));
    if (result.response.status() == 200) Commit(result);
    return result;
  }

  // Runs function through the stand-in swap chaincode (a nested call from "swap").
  SimulationResult Swap(const std::string& function, std::vector<std::string> args,
                        const crypto::IdentityInfo& creator = kAlice) {
    TxContext context = Ctx(function, std::move(args), creator);
    context.chaincode = kSwapProxy;
    SimulationResult result = Simulate(registry_, state_, context);
    if (result.response.status() == 200) Commit(result);
    return result;
  }
  std::string SwapOk(const std::string& function, std::vector<std::string> args) {
    SimulationResult result = Swap(function, std::move(args));
    INFO(function << ": " << result.response.message());
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }

  // TICA's inventory grows only through swaps: the partner issues to its stock address, locks
  // the units in escrow and the escrow is released to the platform account.
  void Stock(const std::string& amount) {
    const std::string swap_id = TestSwapId(900000 + stocks_++);
    Ok("issue", {kStockerAddress, amount, "stock-" + swap_id.substr(58)});
    SwapOk("escrow_lock", {kStockerAddress, amount, swap_id});
    SwapOk("escrow_release", {swap_id});
  }

  // Runs and requires 200; answers the payload.
  std::string Ok(const std::string& function, std::vector<std::string> args,
                 const crypto::IdentityInfo& creator = kIssuer) {
    SimulationResult result = Run(function, std::move(args), creator);
    INFO(function << ": " << result.response.message());
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }

  std::string Balance(const std::string& address) { return Ok("balance", {address}, kAlice); }
  std::string Totals() { return Ok("totals", {}, kIssuer); }
  void Invariants() {
    Status status = CheckBrandTokenInvariants(state_);
    INFO(status.ToString());
    REQUIRE(status.ok());
  }

  void SetNow(int64_t now_ms) { now_ms_ = now_ms; }
  MemoryState& state() { return state_; }
  const Registry& registry() const { return registry_; }

 private:
  void Commit(const SimulationResult& result) { state_.Apply(result.rwset, Version{block_++, 0}); }

  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
  int64_t now_ms_ = kNow;
  int stocks_ = 0;
};

// {"expiry_ms":E,"amount":"A"} for a lot list in a balance payload.
inline std::string LotJson(int64_t expiry_ms, const std::string& amount) {
  return "{\"expiry_ms\":" + std::to_string(expiry_ms) + ",\"amount\":\"" + amount + "\"}";
}

}  // namespace milk::chaincode::brandtoken_test
