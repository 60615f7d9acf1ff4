// The swap chaincode, registered as "swap" on each brand chain: the brand-chain side of
// ARCHITECTURE.md section 7 (docs/swaps.md is the protocol, docs/chaincode_swap.md this
// chaincode). It locks a customer's BT in escrow (brandtoken escrow_lock), and follows the center
// chain's single decision on proof: release to TICA's account or refund to the owner; it delivers
// BT bought on the center chain. The proofs (endorsed views, chaincode/proof/view_proof.h) are
// the only authority for finish and deliver, so anyone (the relay) may submit them.
//
//   Init <json>  strict, every key required, no other accepted (400 naming the key):
//     {"center_chain_id":"mlk","center_policy":"OutOf(1,'TICA.peer')",
//      "center_root_keys":{"TICA":"<64 hex: raw Ed25519 root public key>"},
//      "exchange_chaincode":"exchange","brandtoken_chaincode":"brandtoken",
//      "operator_org":"TICA","partner_org":"BrandA","proof_max_age_ms":600000,
//      "deadline_max_ms":86400000}
//     proof_max_age_ms in [kSwapProofMaxAgeMsMin, kSwapProofMaxAgeMsMax]; deadline_max_ms in
//     [kDeadlineMaxMsMin, kDeadlineMaxMsMax]; 1 to kCenterRootKeysMax root keys.
//
//   sell <ref> <amount> <min_mlk> <deadline_ms>        a wallet
//   stock <ref> <amount> <deadline_ms>                 a partner_org member (client or admin) or
//                                                      an operator_org admin
//       Locks amount unexpired BT of the caller's address (WalletAddress of its own key) under
//       swap id SwapId(chain, owner, ref), earliest expiry first (brandtoken escrow_lock). ref:
//       1 to kSwapRefBytesMax of [A-Za-z0-9._:-]; deadline_ms > now and <= now +
//       deadline_max_ms (400). The same ref and request again answers the record as it is now
//       (200, no write); a different request under the ref is 409. Record state "locked",
//       ("open", id) written; event "swap_locked" (the record); payload the record.
//   finish <swap_id> <proof>     SEQUENCED, anyone. The proof: exchange_chaincode `swap
//       <this chain id> <swap_id>` on center_chain_id, status 200, no older than
//       proof_max_age_ms at the tx time. Its decision "settled" releases the escrow to TICA's
//       account (state "released"), "aborted" refunds it to the owner with the original
//       expiries (state "refunded"); the proof's height, the decision's reason and this tx are
//       kept; ("open", id) deleted; event "swap_finished" (the record). 404 unknown swap, 409
//       already finished (naming the state), 412 undecided on the center (a 404 view) or a
//       decision that does not match the record.
//   deliver <txid> <proof>       SEQUENCED, anyone. The proof: exchange_chaincode `purchase
//       <txid>`, status 200, its chain_id this chain. Moves bt_amount from TICA's account to the
//       buyer as one lot with a fresh expiry (brandtoken credit_purchase keyed by txid);
//       ("delivery", txid) recorded; event "swap_delivered" (the record). 404 no such purchase,
//       409 already delivered, 412 a purchase of another brand chain.
//   swap <swap_id>, delivery <txid>, config        anyone; 404 when absent.
//   open [start_after] [limit]   anyone: {"ids":[...]} the locked swaps' ids in key order after
//       start_after, at most limit (1..kOpenLimitMax, default kOpenLimitDefault).
//
// Proof refusals (chaincode/proof/view_proof.h): malformed 400, not signed as center_policy
// requires 403, wrong chain / function / args or stale 412; every refusal writes nothing.
// State (namespace "swap", format version 1): ("config") the Init JSON; ("swap", id) the record
// {"id","kind","chain_id","brand","owner","ref","amount","min_mlk","deadline_ms","state",
// "lock_tx","lock_ms","finish_tx","reason","proof_height"}; ("open", id) "" while locked;
// ("delivery", txid) {"tx","buyer","amount","expiry_ms","deliver_tx"}.
// Errors: 400 bad input, 403 wrong role or proof signers, 404 unknown, 409 finished or reused,
// 412 precondition; the brandtoken's refusals (412 insufficient units...) pass through as is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kSwapChaincodeName[] = "swap";
// A customer's reference: short enough to type, long enough for a UUID (docs/swaps.md).
inline constexpr size_t kSwapRefBytesMax = 64;
// Proof age: the chain's clock skew bound (5 minutes by default) must fit inside; a day at most
// (the same bounds as the exchange's proof_max_age_ms).
inline constexpr int64_t kSwapProofMaxAgeMsMin = 1'000;
inline constexpr int64_t kSwapProofMaxAgeMsMax = 86'400'000;
// How far ahead a deadline may be: at least a minute (a relay pass), at most 30 days (escrowed
// BT is out of the customer's hands until the center decides).
inline constexpr int64_t kDeadlineMaxMsMin = 60'000;
inline constexpr int64_t kDeadlineMaxMsMax = 30LL * 86'400'000;
// Orgs whose roots may sign the center chain's views: a handful of operators at most.
inline constexpr size_t kCenterRootKeysMax = 16;
// `open` page size: 1000 ids of 64 hex are ~70 KB, well inside a response.
inline constexpr size_t kOpenLimitMax = 1000;
inline constexpr size_t kOpenLimitDefault = 100;

// The swap id of docs/swaps.md ("The swap id"): hex(SHA-256("milk-swap-v1" | lp(chain_id) |
// lp(owner) | lp(ref))), lp = u32 big-endian length prefix; 64 lower-case hex characters.
// Pure; the center chain's exchange computes the same.
std::string SwapId(const std::string& chain_id, const std::string& owner, const std::string& ref);

// Stateless: safe for concurrent simulations.
class SwapChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
  // finish and deliver: every release and delivery writes TICA's account, a hot key.
  bool IsSequenced(const std::string& function) const override;
};

// Committed swap state, for cross-chain checks (chaincode/swap/conservation.h).
struct SwapRecordView {
  std::string id, kind, owner, state, reason;
  Amount amount = 0;
};
struct DeliveryView {
  std::string tx, buyer;
  Amount amount = 0;
};
struct SwapStateView {
  std::string brandtoken_chaincode;
  std::map<std::string, SwapRecordView> swaps;     // id -> record
  std::map<std::string, DeliveryView> deliveries;  // txid -> record
};
// kDataLoss naming the malformed record; reader errors as is.
Result<SwapStateView> ReadSwapState(StateReader& state);

// Invariants over committed state of namespaces "swap" and brandtoken_chaincode: every record
// well formed; ("open", id) exists exactly for the locked swaps; a locked swap's escrow holds
// exactly its amount for its owner; a released or refunded swap has no escrow; no escrow
// without a locked swap. kDataLoss naming the first broken one.
Status CheckSwapInvariants(StateReader& state);

}  // namespace milk::chaincode
