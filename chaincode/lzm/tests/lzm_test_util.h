// Shared by the lzm tests: identities, the Init config and a chain with a committer.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chaincode/lzm/lzm.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/identity.h"

namespace milk::chaincode::lzm_test {

using Json = nlohmann::json;
using testing::Context;
using testing::Member;
using testing::Wallet;

inline const crypto::IdentityInfo kAdmin = Member("TICA", milkpb::ADMIN, 'A');
inline const crypto::IdentityInfo kReporter = Member("TICA", milkpb::CLIENT, 'R');
inline const crypto::IdentityInfo kPartner = Member("AirCo", milkpb::CLIENT, 'P');
inline const crypto::IdentityInfo kAlice = Wallet('a');
inline const crypto::IdentityInfo kBob = Wallet('b');
inline const std::string kAliceAddress = crypto::WalletAddress(kAlice.public_key);
inline const std::string kBobAddress = crypto::WalletAddress(kBob.public_key);
inline constexpr int64_t kDay = 86'400'000;
inline constexpr int64_t kStart = 1'700'000'000'000;

inline std::string Config(const std::string& extra_key = "") {
  Json config = {
      {"operator_org", "TICA"},
      {"rates",
       {{"trade_krw", {{"num", "1"}, {"den", "1"}}},
        {"trade_mlk", {{"num", "2"}, {"den", "1"}}},
        {"coupon_krw", {{"num", "1"}, {"den", "10"}}},
        {"burn_mlk", {{"num", "3"}, {"den", "1"}}}}},
      {"attendance_reward", "100"},
      {"level_window_days", 30},
      {"levels", {{{"name", "Silver"}, {"min", "1000"}}, {{"name", "Gold"}, {"min", "100000"}}}},
      {"pack_chaincode", "pack"}};
  if (!extra_key.empty()) config[extra_key] = 1;
  return config.dump();
}

// A chain with lzm and a committer that applies every 200 result; time is set per call.
class LzmChain {
 public:
  explicit LzmChain(testing::LambdaChaincode::Body pack = nullptr) {
    registry_.Register("lzm", std::make_shared<LzmChaincode>());
    if (pack) testing::RegisterLambda(registry_, "pack", std::move(pack));
    SimulationResult init = Simulate(registry_, state_, Context("lzm", "", {Config()}), true);
    REQUIRE(init.response.status() == 200);
    Commit(init);
  }

  SimulationResult Run(const std::string& function, std::vector<std::string> args,
                       const crypto::IdentityInfo& creator = kAdmin) {
    return RunAt("lzm", function, std::move(args), creator);
  }
  // The transaction calls chaincode (e.g. a forwarder registered in registry()) instead of lzm.
  SimulationResult RunAt(const std::string& chaincode, const std::string& function,
                         std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    TxContext context = Context(chaincode, function, std::move(args), creator);
    context.timestamp_ms = now_ms;
    context.tx_id = "tx" + std::to_string(block_);
    SimulationResult result = Simulate(registry_, state_, context);
    if (result.response.status() == 200) Commit(result);
    return result;
  }
  int Status(const std::string& function, std::vector<std::string> args,
             const crypto::IdentityInfo& creator = kAdmin) {
    return Run(function, std::move(args), creator).response.status();
  }
  std::string Query(const std::string& function, std::vector<std::string> args,
                    const crypto::IdentityInfo& creator = kAdmin) {
    SimulationResult result = Run(function, std::move(args), creator);
    INFO(result.response.message());
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }
  std::string BalanceOf(const std::string& address) { return Query("balance", {address}); }
  Json Supply() { return Json::parse(Query("supply", {})); }
  void Invariants() {
    milk::Status status = CheckLzmInvariants(state_);
    INFO(status.ToString());
    CHECK(status.ok());
  }
  MemoryState& state() { return state_; }
  Registry& registry() { return registry_; }
  int64_t now_ms = kStart;

 private:
  void Commit(const SimulationResult& result) { state_.Apply(result.rwset, Version{block_++, 0}); }
  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
};

inline std::string Big(Amount amount) { return FormatAmount(amount); }

// A chaincode that forwards its own function and args to lzm and answers lzm's response: the
// stand-in for the exchange, mlk or pack when testing rewards only they may report.
inline void RegisterForwarder(LzmChain& chain, const std::string& name) {
  testing::RegisterLambda(chain.registry(), name, [](Stub& stub) {
    return stub.InvokeChaincode(kLzmChaincodeName, stub.GetFunction(), stub.GetArgs());
  });
}

}  // namespace milk::chaincode::lzm_test
