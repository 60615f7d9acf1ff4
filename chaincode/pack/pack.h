// MiL.k Pack, registered as "pack" on the center chain (docs/chaincode_pack.md). MISSION.md,
// "The alliance": customers lock MLK for a term and earn LZM; an early exit forfeits the reward.
//
//   Init <json>  {"operator_org":"TICA","mlk_chaincode":"mlk","lzm_chaincode":"lzm"}
//                mlk_chaincode "" records stakes without moving MLK (chains without mlk).
//
//   create_product <id> <term_ms> <rate_num> <rate_den> <cap>
//       operator admin. The reward of a stake is floor(amount * rate_num / rate_den) LZM units,
//       fixed when staking. cap bounds the MLK staked in the product at any time. 409 if id exists.
//   stake <product_id> <amount>     a wallet; 412 when the cap would be exceeded. Moves the MLK by
//       invoking <mlk> `pack_lock <address> <amount>` (mlk trusts it because the calling
//       chaincode is "pack" and the signer owns the address); payload: the stake (id = tx id).
//   unstake <stake_id>              the stake's owner. Invokes <mlk> `pack_release <address>
//       <amount>`; at or after maturity also <lzm> `pack_reward <address> <reward> <stake_id>`
//       (lzm trusts its configured pack_chaincode as the caller; a reward the LZM pool can no
//       longer pay, 412, is 0; any other refusal fails the unstake); before maturity no reward.
//   Queries: product <id>, stake_info <stake_id>.
//
// State (namespace "pack"), JSON values: ("config"), ("product", id), ("stake", id).
// Events: "staked", "unstaked" {"stake","owner","amount","reward","early"}.
#pragma once

#include <cstdint>
#include <string>

#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kPackChaincodeName[] = "pack";
inline constexpr int64_t kPackTermMsMin = 3'600'000;                // an hour: a real lock
inline constexpr int64_t kPackTermMsMax = 10LL * 366 * 86'400'000;  // ten years

// Stateless: safe for concurrent simulations.
class PackChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
  // stake and unstake: a product's staked total, mlk's custody and lzm's pool are touched by
  // every one, so they run in block order at validation (docs/chaincode.md, "Sequenced").
  bool IsSequenced(const std::string& function) const override;
};

// Checks the committed "pack" namespace: per product, the active stakes sum to its staked amount,
// which is at most its cap; every stake names a known product; no key but config, product and
// stake. kDataLoss names the first broken invariant.
Status CheckPackInvariants(StateReader& state);

}  // namespace milk::chaincode
