// Test fixture for the swap chaincode: a brand chain ("brand.a": brandtoken and swap) with an
// adjustable clock and a committer, and the center chain's signers: TICA's root and a peer
// certificate it issued, so proofs are real endorsed views (proof::SignView).
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/tests/brand_chain.h"
#include "chaincode/proof/view_proof.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "chaincode/swap/swap.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"

namespace milk::chaincode::swap_test {

using brandtoken_test::InitJson;
using brandtoken_test::kAlice;
using brandtoken_test::kAliceAddress;
using brandtoken_test::kBob;
using brandtoken_test::kBobAddress;
using brandtoken_test::kIssuer;
using brandtoken_test::kNow;
using brandtoken_test::kPlatform;
using brandtoken_test::kPlatformAddress;
using brandtoken_test::kToday;
using brandtoken_test::LotJson;
using Json = nlohmann::ordered_json;

inline constexpr char kBrandChain[] = "brand.a";
inline constexpr char kCenterChain[] = "mlk";
inline constexpr int64_t kProofMaxAgeMs = 60'000;
inline constexpr int64_t kDeadline = kNow + 3'600'000;  // an hour ahead

inline const crypto::IdentityInfo kPartnerAdmin = testing::Member("BrandA", milkpb::ADMIN, 'd');
inline const crypto::IdentityInfo kTicaAdmin = testing::Member("TICA", milkpb::ADMIN, 't');
inline const crypto::IdentityInfo kRelayer = testing::Member("TICA", milkpb::RELAY, 'y');

// An org root and one peer certificate it issued, valid a year around kNow.
struct Signer {
  crypto::KeyPair root;
  crypto::KeyPair key;
  std::string identity;

  Signer(const std::string& org, char seed, milkpb::Role role = milkpb::PEER)
      : root(crypto::KeyPairFromSeed(std::string(32, seed))),
        key(crypto::KeyPairFromSeed(std::string(32, static_cast<char>(seed + 1)))) {
    milkpb::CertificateBody body;
    body.set_version(1);
    body.set_org(org);
    body.set_name(org + "-peer0");
    body.set_role(role);
    body.set_public_key(key.public_key);
    body.set_not_before_ms(kNow - 365 * kDayMs);
    body.set_not_after_ms(kNow + 365 * kDayMs);
    body.set_serial(1);
    identity = crypto::SerializeMemberIdentity(crypto::IssueCertificate(body, root.secret_key));
  }
};

inline std::string SwapInitJson(const Signer& tica, int64_t proof_max_age_ms = kProofMaxAgeMs) {
  return Json{{"center_chain_id", kCenterChain},
              {"center_policy", "OutOf(1,'TICA.peer')"},
              {"center_root_keys", {{"TICA", ToHex(tica.root.public_key)}}},
              {"exchange_chaincode", "exchange"},
              {"brandtoken_chaincode", "brandtoken"},
              {"operator_org", "TICA"},
              {"partner_org", "BrandA"},
              {"proof_max_age_ms", proof_max_age_ms},
              {"deadline_max_ms", kDayMs}}
      .dump();
}

// The center's view of one query, as a peer of the center chain would answer it.
inline milkpb::ViewResult CenterView(const std::string& function, std::vector<std::string> args,
                                     int32_t status, const std::string& payload,
                                     int64_t block_time_ms, uint64_t height = 7) {
  milkpb::ViewResult view;
  view.set_version(proof::kViewVersion);
  view.set_chain_id(kCenterChain);
  view.set_height(height);
  view.set_block_hash(std::string(32, '\x05'));
  view.set_block_time_ms(block_time_ms);
  view.set_chaincode("exchange");
  view.set_function(function);
  for (std::string& arg : args) view.add_args(std::move(arg));
  view.set_status(status);
  view.set_payload(payload);
  return view;
}

inline std::string Sign(const milkpb::ViewResult& view, const Signer& signer) {
  milkpb::ViewProof proof;
  *proof.mutable_result() = view;
  *proof.add_signatures() = proof::SignView(view, signer.key, signer.identity);
  return proof.SerializeAsString();
}

class SwapChain {
 public:
  SwapChain() : tica_("TICA", 'T') {
    registry_.Register(kBrandTokenChaincodeName, std::make_shared<BrandTokenChaincode>());
    registry_.Register(kSwapChaincodeName, std::make_shared<SwapChaincode>());
    InitChaincode(kBrandTokenChaincodeName, InitJson());
    InitChaincode(kSwapChaincodeName, SwapInitJson(tica_));
  }

  TxContext Ctx(const std::string& chaincode, const std::string& function,
                std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    TxContext context = testing::Context(chaincode, function, std::move(args), creator);
    context.chain_id = kBrandChain;
    context.tx_id = "tx" + std::to_string(++tx_);
    context.timestamp_ms = now_ms_;
    return context;
  }

  SimulationResult Run(const std::string& function, std::vector<std::string> args,
                       const crypto::IdentityInfo& creator = kAlice) {
    return RunOn(kSwapChaincodeName, function, std::move(args), creator);
  }
  SimulationResult RunOn(const std::string& chaincode, const std::string& function,
                         std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    SimulationResult result =
        Simulate(registry_, state_, Ctx(chaincode, function, std::move(args), creator));
    if (result.response.status() == 200) state_.Apply(result.rwset, Version{block_++, 0});
    return result;
  }
  std::string Ok(const std::string& function, std::vector<std::string> args,
                 const crypto::IdentityInfo& creator = kAlice) {
    SimulationResult result = Run(function, std::move(args), creator);
    INFO(function << ": " << result.response.message());
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }
  std::string Issue(const std::string& to, const std::string& amount, int64_t expiry_ms) {
    SimulationResult result =
        RunOn(kBrandTokenChaincodeName, "issue",
              {to, amount, "i" + std::to_string(++tx_), std::to_string(expiry_ms)}, kIssuer);
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }
  std::string Balance(const std::string& address) {
    SimulationResult result = RunOn(kBrandTokenChaincodeName, "balance", {address}, kBob);
    REQUIRE(result.response.status() == 200);
    return result.response.payload();
  }
  // A record field of swap <id> ("" when unknown).
  std::string Field(const std::string& id, const std::string& key) {
    SimulationResult result = Run("swap", {id}, kBob);
    if (result.response.status() != 200) return "";
    Json record = Json::parse(result.response.payload());
    return record[key].is_string() ? record[key].get<std::string>() : record[key].dump();
  }

  // The center's decision record for a swap of this chain (exchange's agreed format).
  std::string Decision(const std::string& id, const std::string& state, const std::string& amount,
                       const std::string& owner = kAliceAddress,
                       const std::string& kind = "sell") const {
    return Json{{"id", id},
                {"chain_id", kBrandChain},
                {"brand", "BTA"},
                {"kind", kind},
                {"owner", owner},
                {"amount", amount},
                {"state", state},
                {"reason", state == "settled" ? "" : "deadline passed"},
                {"mlk_total", "0"},
                {"mlk_fee", "0"},
                {"deadline_ms", kDeadline},
                {"tx", "c1"},
                {"time_ms", now_ms_ - 1000}}
        .dump();
  }
  // A proof of exchange `swap brand.a <id>` answering payload, signed by TICA's peer.
  std::string DecisionProof(const std::string& id, const std::string& payload,
                            int32_t status = 200) const {
    return Sign(CenterView("swap", {kBrandChain, id}, status, payload, now_ms_ - 1000), tica_);
  }
  std::string Purchase(const std::string& txid, const std::string& buyer, const std::string& amount,
                       const std::string& chain = kBrandChain) const {
    return Json{{"tx", txid},
                {"brand", "BTA"},
                {"chain_id", chain},
                {"buyer", buyer},
                {"bt_amount", amount},
                {"mlk_total", "100"},
                {"time_ms", now_ms_ - 1000},
                {"state", "pending"}}
        .dump();
  }
  std::string PurchaseProof(const std::string& txid, const std::string& payload,
                            int32_t status = 200) const {
    return Sign(CenterView("purchase", {txid}, status, payload, now_ms_ - 1000), tica_);
  }

  // Locks amount of a fresh wallet's BT for TICA and releases it: TICA's inventory.
  void StockPlatform(const std::string& amount) {
    const std::string ref = "stock-" + std::to_string(++tx_);
    Issue(crypto::WalletAddress(kPartnerAdmin.public_key), amount, kNow + 30 * kDayMs);
    Ok("stock", {ref, amount, std::to_string(kDeadline)}, kPartnerAdmin);
    const std::string id =
        SwapId(kBrandChain, crypto::WalletAddress(kPartnerAdmin.public_key), ref);
    Ok("finish",
       {id, DecisionProof(id, Decision(id, "settled", amount,
                                       crypto::WalletAddress(kPartnerAdmin.public_key), "stock"))},
       kRelayer);
  }

  void Invariants() {
    Status brand = CheckBrandTokenInvariants(state_);
    INFO(brand.ToString());
    REQUIRE(brand.ok());
    Status swaps = CheckSwapInvariants(state_);
    INFO(swaps.ToString());
    REQUIRE(swaps.ok());
  }

  void SetNow(int64_t now_ms) { now_ms_ = now_ms; }
  int64_t now() const { return now_ms_; }
  MemoryState& state() { return state_; }
  const Registry& registry() const { return registry_; }
  const Signer& tica() const { return tica_; }

 private:
  void InitChaincode(const std::string& chaincode, const std::string& json) {
    SimulationResult init =
        Simulate(registry_, state_, Ctx(chaincode, "", {json}, kTicaAdmin), /*init=*/true);
    INFO(init.response.message());
    REQUIRE(init.response.status() == 200);
    state_.Apply(init.rwset, Version{block_++, 0});
  }

  Signer tica_;
  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
  uint64_t tx_ = 0;
  int64_t now_ms_ = kNow;
};

// The swap id of Alice's ref on this chain.
inline std::string AliceSwap(const std::string& ref) {
  return SwapId(kBrandChain, kAliceAddress, ref);
}

}  // namespace milk::chaincode::swap_test
