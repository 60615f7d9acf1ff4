// The LoungeM membership token, registered as "lzm" on the center chain (docs/chaincode_lzm.md).
// MISSION.md, "LoungeM": a fixed supply of 1,000,000,000 LZM (18 decimals: 1 LZM = 10^18 units),
// created at Init in four pools: rewards 70%, events 15%, team 10%, reserve 5%.
//
//   Init <json>  {"operator_org":"TICA",
//                 "rates":{"trade_krw":{"num":"..","den":".."}, "trade_mlk":{..},
//                          "coupon_krw":{..}, "burn_mlk":{..}},
//                 "attendance_reward":"<units>", "level_window_days":30,
//                 "levels":[{"name":"Silver","min":"<units>"}, ...ascending],
//                 "pack_chaincode":"pack"}
//   A reward is floor(quantity * num / den) LZM units (rounding favours the platform).
//
// Rewards (each pays from its pool; when the pool holds less, the remainder; 412 when empty):
//   trade_reward <address> <volume> <KRW|MLK> <ref>   operator admin/client, or called by the
//                                                     "exchange" chaincode; rewards pool;
//                                                     idempotent on ref
//   coupon_reward <address> <amount_krw> <ref>        any org member with role admin or client
//                                                     (a partner); rewards pool; idempotent on
//                                                     (org, ref)
//   pack_reward <address> <lzm_amount> <stake_id>     operator admin, or called by the
//                                                     configured pack_chaincode (the caller
//                                                     chaincode, GetCallingChaincode); events
//                                                     pool; idempotent on stake_id
//   attendance <address>                              the wallet itself or a reporter; events
//                                                     pool; once per address per UTC day (409)
//   burn_reward <address> <mlk_burned> <burn_ref>     operator admin/client, or called by the
//                                                     "mlk" chaincode (its burn); events pool;
//                                                     idempotent on the burn reference
// Gated grants (operator admin):
//   team_grant <address> <amount>     only once rewards and events pools are empty, and team paid
//                                     in total never above 10% of what users received (412)
//   reserve_grant <address> <amount>  only once rewards and events are empty and the team pool is
//                                     exhausted: empty, or paid all its 10% gate allows (users
//                                     can receive at most 85% of the supply, so 10% of that,
//                                     8.5%, is below the team's 10% and "empty" never happens)
//                                     (412)
// Moves (wallets only):
//   transfer <to_address> <amount>    between wallets
//   pay_service <amount> <memo>       to TICA's service account "service", event with the memo
// Sequenced (run in block order at validation, never an MVCC conflict): the rewards, the grants
// and pay_service. transfer touches only the two wallets' keys and is endorsed as usual.
// Queries: balance <address>, level <address>, vip <min_level> [shard], supply.
//   level: LZM earned by rewards (never transfers) in the last level_window_days UTC days.
//   vip: org members only; wallet addresses at or above a level, one of 256 shards (by the
//   address' first two hex digits) per call: {"addresses":[...],"next":"<shard>"|""}.
// LZM can never pay for a trade nor become MLK: there is no such function (404 for any name not
// listed here, e.g. swap, convert, pay_trade).
//
// State (namespace "lzm"): ("config") JSON; ("pool", name) amount; ("balance", address) amount;
// ("stat", "users_received"|"team_paid") amount; ("earned", address) JSON {"<day>":"<units>"};
// ("ref", kind, ref) JSON {fingerprint, response}; ("attended", address, day) "1".
#pragma once

#include <cstddef>
#include <string>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kLzmChaincodeName[] = "lzm";
inline constexpr Amount kLzmUnit = Amount{1'000'000'000'000'000'000ULL};  // 18 decimals
inline constexpr Amount kLzmTotal = Amount{1'000'000'000} * kLzmUnit;
inline constexpr Amount kLzmRewardsCap = kLzmTotal / 100 * 70;
inline constexpr Amount kLzmEventsCap = kLzmTotal / 100 * 15;
inline constexpr Amount kLzmTeamCap = kLzmTotal / 100 * 10;
inline constexpr Amount kLzmReserveCap = kLzmTotal / 100 * 5;
inline constexpr char kLzmServiceAccount[] = "service";
// Level thresholds: a handful of tiers is what a membership programme shows its customers.
inline constexpr size_t kLzmLevelsMax = 16;
// Window of the level: up to ten years; one stored entry per earning day, so this bounds a record.
inline constexpr int64_t kLzmWindowDaysMax = 3660;
// A memo describes the premium service paid for; it is a label, not a document.
inline constexpr size_t kLzmMemoBytesMax = 256;
inline constexpr size_t kLzmVipShards = 256;

// Stateless: safe for concurrent simulations.
class LzmChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
  // Every function that pays from a pool or into the service account: those keys are touched
  // by every such call, so endorsed read sets would conflict (docs/chaincode.md, "Sequenced").
  bool IsSequenced(const std::string& function) const override;
};

// Checks the committed "lzm" namespace: pools + balances == kLzmTotal exactly, no pool above its
// cap, team paid <= users received / 10, team paid only once rewards and events are empty,
// reserve paid only once all others are empty, every amount well formed. kDataLoss names the
// first broken invariant. For the model-based random test.
Status CheckLzmInvariants(StateReader& state);

}  // namespace milk::chaincode
