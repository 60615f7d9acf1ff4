// The MiL.k Coin chaincode, registered as "mlk" on the center chain (docs/chaincode_mlk.md has
// the full spec; MISSION.md, "MiL.k Coin"). MLK has a fixed supply of 1,300,000,000 MLK with 18
// decimals (kMlkDecimals), all created at genesis into six pools; nothing mints or destroys MLK
// afterwards except burn, which is recorded (per address and in total) and stays in the count.
//
//   Init <json>  {"operator_org":"TICA", "listing_ms":..., "liquidity_account":"mlk1...",
//                 "gateway_account":"mlk1...", "contribution_bps_by_year":[300,250,...],
//                 "pools":{"liquidity":"..","user_distribution":"..","partner_locked":"..",
//                          "partner_contribution":"..","operation":"..","construction":".."}}
//                Optional "lzm_chaincode" (default "": burns earn no LZM reward).
//                Strict: unknown or missing keys are refused. The pools must sum to exactly
//                kMlkTotalSupply and each be within kPoolShareToleranceBps of its MISSION.md share.
//                The schedule has 5..10 years of non-increasing basis points, the first positive.
//
// TICA admin (an admin of operator_org); every call is idempotent on its <ref>: the same ref with
// the same request answers the first result, with a different request 409.
//   grant <pool> <to> <amount> <ref> [joining_ms]
//        pool liquidity: only to liquidity_account; operation: unlocked; partner_locked: a lot
//        locked until max(joining_ms, listing_ms) + 3 lock years (joining_ms required);
//        construction: a lot locked until listing_ms + 2 lock years. user_distribution and
//        partner_contribution are paid by reward and contribution only (400).
//   contribution <partner_org> <to> <volume> <ref>
//        pays floor(volume * X / 10000) from partner_contribution, X the schedule's basis points
//        for the year since listing at the tx time (412 before listing or after the schedule).
//   reward <to> <amount> <reason> <ref>
//        pays from user_distribution, at most the released share: initial * elapsed / 2 lock
//        years since listing (floor), minus what was already paid (412 beyond).
//   deposit <to> <amount> <external_ref>
//        MLK arriving from the external exchange: gateway_account -> to.
// Any holder (from WalletAddress(creator public key)):
//   transfer <to> <amount>       unlocked balance only; matured lots are released first.
//   burn <amount>                destroys own unlocked MLK; then, when lzm_chaincode is set,
//                                invokes <lzm> `burn_reward <address> <amount> <txid>`: an
//                                exhausted pool (412) leaves the burn with no reward, any other
//                                refusal fails the burn. Event "burn" with "lzm_reward".
//   withdraw <amount> <external_ref>   own MLK -> gateway_account, to leave for the exchange.
//   release                      moves the caller's matured lots to its unlocked balance.
// Called by another chaincode only (GetCallingChaincode; the transaction's signer stays the
// creator and must own the wallet moved, 403 otherwise, naming the caller):
//   exchange_collect <from> <amount> <fee_to> <fee>   caller "exchange"; from == the signer's
//        address. Moves amount from from's unlocked balance (matured lots released first) to
//        liquidity_account and fee (may be 0) to fee_to. 412 when short. SEQUENCED.
//   exchange_pay <to> <amount> <fee_to> <fee>         caller "exchange" (its decision alone: a
//        settled swap pays its owner whoever submits the proof). Moves amount from liquidity_account to `to` and fee to fee_to. 412 when the
//        liquidity account is short. SEQUENCED (the liquidity account is a hot key).
//        Both answer {"liquidity_balance":"..."} after the move and emit an event of their name.
//   pack_lock <address> <amount>      caller "pack"; address == the signer's. Moves unlocked MLK
//        into pack's custody ("staked", address). 412 when short.
//   pack_release <address> <amount>   caller "pack"; address == the signer's. Moves custody back
//        to the unlocked balance; 412 beyond the custody. Both answer {"address","staked"}.
//   alliance_lock <address> <amount>  caller "alliance"; address == the signer's (a partner
//        admin's address, WalletAddress of its key). Moves unlocked MLK (matured lots released
//        first) into the alliance's custody ("bonded", address): a joining partner's stake.
//        412 when short.
//   alliance_release <address> <amount>  caller "alliance"; any signer (TICA's admin returns a
//        withdrawn proposal's stakes). Moves the bond back to address' unlocked balance; 412
//        beyond the bond. Both answer {"address","bonded"}.
// Queries (anyone): balance <address>, pool <name>, supply, params, burned <address>.
//
// Errors: 400 bad input, 403 not TICA's admin, 404 unknown pool, 409 idempotency mismatch,
// 412 precondition (insufficient unlocked balance, pool exhausted, not yet released, locked).
//
// State (namespace "mlk"), composite keys: ("params") JSON; ("pool", name) remaining;
// ("balance", addr) unlocked; ("lot", addr, unlock_ms 20 digits, ref) locked amount;
// ("lock_grant", addr, unlock_ms, ref) the lot as granted, kept forever (checked by the
// invariants); ("staked", addr) pack custody; ("bonded", addr) alliance custody;
// ("lot_count"); ("burned") total;
// ("burned_by", addr); ("paid_to", org) contribution paid per partner;
// ("request", ref) {"request":..., "result":...}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kMlkChaincodeName[] = "mlk";
// 18 decimals, as the ERC-20 form MLK has on external exchanges, so gateway deposits and
// withdrawals convert one to one with no rounding. 1.3e27 units leave a factor 2.6e11 of
// headroom below 2^128 for basis-point and time-fraction products.
inline constexpr int kMlkDecimals = 18;
inline constexpr Amount kMlkUnit = Amount{1'000'000'000'000'000'000ULL};  // 10^18
inline constexpr Amount kMlkTotalSupply = Amount{1'300'000'000} * kMlkUnit;
// A lock year is 366 days, so "three years" is never shorter than three calendar years.
inline constexpr int64_t kLockYearMs = 366LL * 86'400'000;
inline constexpr int64_t kPartnerLockYears = 3;
inline constexpr int64_t kConstructionLockYears = 2;
// User distribution is released linearly over two lock years from listing.
inline constexpr int64_t kUserReleaseMs = 2 * kLockYearMs;
// A schedule year is 365 days: the rate falls no later than a calendar year (favours TICA).
inline constexpr int64_t kScheduleYearMs = 365LL * 86'400'000;
inline constexpr size_t kScheduleYearsMin = 5;  // MISSION.md: X falls over 5-10 years
inline constexpr size_t kScheduleYearsMax = 10;
inline constexpr int64_t kBpsDenominator = 10'000;
// Each pool must be within 1 percentage point of total of its MISSION.md share ("~28%").
inline constexpr int64_t kPoolShareToleranceBps = 100;
// Locked lots in the whole chain: a few per partner (about 20) and construction grantees; the
// bound keeps the supply query's scan of every lot far inside kRangeResultsMax.
inline constexpr size_t kLotsMax = 1000;
// Lots one address may hold: every transfer scans them.
inline constexpr size_t kMlkLotsPerAddressMax = 32;

// Stateless: safe for concurrent simulations.
class MlkChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
  // exchange_collect and exchange_pay: every trade touches the liquidity account.
  bool IsSequenced(const std::string& function) const override;
};

// Invariants over committed state (model-based tests), kInternal naming the first broken one:
// every stored amount parses; sum of pool remainders + unlocked balances + locked lots + pack
// custody (staked) + alliance custody (bonded) + burned == kMlkTotalSupply exactly; no pool
// above its initial size;
// burned == sum of burned_by; lot_count == number of lots <= kLotsMax; no locked amount moved
// early: every lock_grant whose unlock time is after now_ms still has its lot, same amount.
Status CheckMlkInvariants(StateReader& state, int64_t now_ms);

}  // namespace milk::chaincode
