// Shared by the alliance tests: the center chain's alliance and mlk, a committer that checks both
// chaincodes' invariants after every committed call, and the test identities.
#pragma once

#include "chaincode/alliance/alliance.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/tests/mlk_test_util.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/identity.h"

namespace milk::chaincode::alliance_test {

using Json = nlohmann::json;
using testing::Context;
using testing::Member;

inline const crypto::IdentityInfo kTica = Member("TICA", milkpb::ADMIN, 't');
inline const crypto::IdentityInfo kTicaClient = Member("TICA", milkpb::CLIENT, 'u');
inline const crypto::IdentityInfo kAirAdmin = Member("Air", milkpb::ADMIN, 'a');
inline const crypto::IdentityInfo kHotelAdmin = Member("Hotel", milkpb::ADMIN, 'h');
inline const crypto::IdentityInfo kShopAdmin = Member("Shop", milkpb::ADMIN, 's');
inline const std::string kAgreement(64, 'a');

class Alliance {
 public:
  // The center chain's alliance and mlk (mlk at its genesis parameters, TICA's admin kTica).
  explicit Alliance(const std::string& init = R"({"operator_org":"TICA"})") {
    registry_.Register(kAllianceChaincodeName, std::make_shared<AllianceChaincode>());
    registry_.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
    SimulationResult m = Simulate(
        registry_, state_, Context("mlk", "", {mlk_test::DefaultParams().dump()}, kTica), true);
    REQUIRE(m.response.status() == 200);
    Commit(m);
    SimulationResult r = Simulate(registry_, state_, Context("alliance", "", {init}, kTica), true);
    init_status = r.response.status();
    if (init_status == 200) Commit(r);
  }
  milkpb::Response Run(const crypto::IdentityInfo& who, const std::string& fn,
                       std::vector<std::string> args = {}) {
    return RunOn("alliance", who, fn, std::move(args)).response;
  }
  SimulationResult RunOn(const std::string& chaincode, const crypto::IdentityInfo& who,
                         const std::string& fn, std::vector<std::string> args) {
    TxContext context = Context(chaincode, fn, std::move(args), who);
    context.timestamp_ms = now_ms;
    context.tx_id = "tx-" + std::to_string(block_);
    SimulationResult r = Simulate(registry_, state_, context);
    if (r.response.status() == 200) Commit(r);
    return r;
  }
  Json Get(const std::string& fn, std::vector<std::string> args = {}) {
    milkpb::Response r = Run(kTicaClient, fn, std::move(args));
    REQUIRE(r.status() == 200);
    return Json::parse(r.payload());
  }
  // Proposes org for sector, accepts the agreement, and has every active partner approve.
  void Join(const std::string& org, const std::string& sector,
            const std::vector<crypto::IdentityInfo>& approvers) {
    REQUIRE(Run(kTica, "propose", {org, sector, org + "Points"}).status() == 200);
    for (const auto& a : approvers) REQUIRE(Run(a, "approve", {org}).status() == 200);
    REQUIRE(Run(Member(org, milkpb::ADMIN, org[0]), "accept_agreement", {org, kAgreement})
                .status() == 200);
  }
  bool Active(const std::string& org) {
    return Run(kTicaClient, "partner", {org}).status() == 200;
  }
  // Grants who's address n smallest units of unlocked MLK from the operation pool.
  void Fund(const crypto::IdentityInfo& who, const std::string& amount) {
    const std::string ref = "fund-" + std::to_string(block_);
    SimulationResult r = RunOn("mlk", kTica, "grant", {"operation", Address(who), amount, ref});
    INFO(r.response.message());
    REQUIRE(r.response.status() == 200);
  }
  // mlk's balance of who's address: {"unlocked", "bonded", ...}.
  Json Mlk(const crypto::IdentityInfo& who) {
    SimulationResult r = RunOn("mlk", kTicaClient, "balance", {Address(who)});
    REQUIRE(r.response.status() == 200);
    return Json::parse(r.response.payload());
  }
  static std::string Address(const crypto::IdentityInfo& who) {
    return crypto::WalletAddress(who.public_key);
  }

  MemoryState& state() { return state_; }

  int init_status = 0;
  int64_t now_ms = 1'800'000'000'000;

 private:
  void Commit(const SimulationResult& r) {
    state_.Apply(r.rwset, Version{block_++, 0});
    Status invariants = CheckAllianceInvariants(state_);
    INFO(invariants.ToString());
    REQUIRE(invariants.ok());
    // MLK only moves between an address and the alliance's custody: the supply is unchanged.
    Status mlk = CheckMlkInvariants(state_, now_ms);
    INFO(mlk.ToString());
    REQUIRE(mlk.ok());
  }
  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
};

}  // namespace milk::chaincode::alliance_test
