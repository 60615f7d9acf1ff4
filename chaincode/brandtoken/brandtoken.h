// The Brand Token chaincode, registered as "brandtoken" on each brand chain
// (docs/chaincode_brandtoken.md). MISSION.md, "Brand Tokens": a BT is one partner's points in
// token form; the partner alone issues it; every unit carries an expiry; expired units can be
// neither spent nor moved; spending uses the earliest-expiring units first.
//
//   Init <json>  the brand's genesis parameters, every key but swap_chaincode required, no other
//     key accepted:
//     {"symbol": "BTA", "redemption_krw": "10", "default_expiry_ms": 31536000000,
//      "renewal_ms": 31536000000, "transferable": true, "partner_org": "BrandA",
//      "platform_address": "mlk1...", "swap_chaincode": "swap"}
//     redemption_krw: KRW per unit (decimal, > 0); default_expiry_ms / renewal_ms in
//     [kPeriodMsMin, kPeriodMsMax]; platform_address: TICA's BT account on this chain (its
//     inventory for the center chain's market); swap_chaincode (default "swap"): the chaincode
//     whose nested calls alone may use the escrow functions and credit_purchase.
//
// TICA's account (platform_address) moves only through swaps (docs/swaps.md): escrow_release
// credits it, credit_purchase debits it; issue, transfer and redeem to or from it, and
// escrow_lock of it, are refused 403 "TICA's account moves only through swaps".
//
//   issue <to> <amount> <legacy_ref> [expiry_ms]
//       An org member of partner_org with role client or admin. Creates a lot expiring at
//       expiry_ms (> now, at most now + kPeriodMsMax) or, by default, now + default_expiry_ms
//       rounded down to a whole UTC day. Idempotent on legacy_ref: the same request again
//       answers the first result and changes nothing; a different request is refused 409.
//       Payload and event "issue": {"to","amount","expiry_ms","legacy_ref"}.
//   redeem <amount>
//       A wallet spends its own units with the partner: burns unexpired units, earliest expiry
//       first. Event "redeem" {"from","amount"}.
//   transfer <to> <amount>
//       Only when the brand is transferable (412 otherwise). From the creator's address
//       (WalletAddress of its key), earliest expiry first; units keep their expiry.
//       Event "transfer" {"from","to","amount"}.
//   escrow_lock <owner> <amount> <swap_id>          (swap_chaincode only)
//       Moves amount unexpired units of owner, earliest expiry first, each piece keeping its
//       expiry, into ("escrow", swap_id). 409 when that escrow exists, 412 when owner lacks
//       the units. Payload and event "escrow_lock": {"swap_id","owner","amount","brand","lots"}.
//   escrow_release <swap_id>                        (swap_chaincode only)
//       The escrow goes to platform_address as one lot that never expires (expiry_ms
//       kNeverExpiresMs): TICA's inventory gets its fresh expiry when it is delivered.
//       404 when there is no such escrow. Event "escrow_release" {"swap_id","owner","amount"}.
//   escrow_refund <swap_id>                         (swap_chaincode only)
//       The escrow goes back to its owner, each lot with its original expiry (AddLotsFolding:
//       never refused for the lot bound). 404 when there is no such escrow.
//       Event "escrow_refund" {"swap_id","owner","amount","expired"}.
//   credit_purchase <to> <amount> <purchase_ref>    (swap_chaincode only)
//       BT bought on the platform: moves amount from platform_address to `to` as one lot
//       expiring at now + renewal_ms rounded down to a whole UTC day (AddLotsFolding).
//       Idempotent on purchase_ref like issue.
//       Event "credit_purchase" {"to","amount","expiry_ms","purchase_ref"}.
//   balance <address>   anyone. {"address","lots":[{"expiry_ms","amount"}],"spendable","expired"}
//                       at the transaction's time; expired = held but past expiry, not swept yet.
//   escrow <swap_id>    anyone. The stored escrow {"owner","lots"}; 404 when none.
//   sweep <address>...  anyone, 1 to kSweepAddressesMax distinct addresses: removes lots past
//                       expiry and counts them as expired. One event "sweep" per call:
//                       {"swept":[{"address","amount"}],"total"}.
//   totals              org members only (wallets get 403):
//                       {"issued","redeemed","expired","outstanding"}.
//
// A lot is expired when the transaction's timestamp is >= its expiry_ms. Every function refuses
// (400) a transaction timestamp outside [0, kTxTimestampMsMax), so kNeverExpiresMs is never
// reached.
// State (namespace "brandtoken", format version 2): ("config") -> JSON above (swap_chaincode
// always written); ("lots", address) -> JSON array of {"expiry_ms","amount"} sorted by strictly
// increasing expiry (equal expiries merged), absent when empty; ("escrow", swap_id) ->
// {"owner","lots":[...]}, absent when released or refunded; ("total",
// "issued"|"redeemed"|"expired") -> decimal; ("issue_ref", ref) and ("purchase_ref", ref) ->
// {"request","result"} for idempotency.
// Errors: 400 bad input, 403 wrong role or caller, 404 unknown escrow, 409 reference or escrow
// reused, 412 precondition (not transferable, insufficient spendable units, too many lots).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kBrandTokenChaincodeName[] = "brandtoken";
// Lots per address. The record is read and rewritten whole by every operation on the address,
// so it must stay small: 256 lots of ~50 bytes is ~12 KiB. Computed expiries are whole UTC days,
// so 256 covers a customer who earns or buys on a different day every day for eight months;
// equal expiries merge and sweep frees expired lots.
inline constexpr size_t kBrandLotsPerAddressMax = 256;
// Addresses per sweep call: one event of 100 entries is ~10 KiB (kEventPayloadBytesMax is
// 64 KiB) and 100 reads and writes are far below the shim's per-transaction bounds.
inline constexpr size_t kSweepAddressesMax = 100;
// Expiry and renewal periods: at least a day (computed expiries are rounded down to a day), at
// most ten years (longer than any points programme; keeps now + period far from overflow).
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kPeriodMsMin = kDayMs;
inline constexpr int64_t kPeriodMsMax = 10LL * 366 * kDayMs;
// Transaction timestamps accepted (Unix ms, up to the year 9999): keeps now + period and
// expiry - now far from int64 overflow whatever a proposal claims.
inline constexpr int64_t kTxTimestampMsMax = 253'402'300'799'999;
// Legacy and purchase references: an opaque id from the partner's or the relay's system.
inline constexpr size_t kReferenceBytesMax = 128;
inline constexpr size_t kBrandSymbolBytesMax = 16;  // a ticker, not a name
// The expiry of TICA's inventory lots (escrow_release): the last accepted timestamp, so they
// never expire; a delivery gives the buyer a fresh expiry.
inline constexpr int64_t kNeverExpiresMs = kTxTimestampMsMax;
inline constexpr char kSwapChaincodeDefault[] = "swap";
// The platform guard's refusal (403), shared so tests and callers can recognise it.
inline constexpr char kPlatformMovesOnlyThroughSwaps[] = "TICA's account moves only through swaps";

// Stateless: safe for concurrent simulations.
class BrandTokenChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
};

// Invariants over committed state in namespace "brandtoken", for model-based tests: every lot
// list (addresses and escrows) is sorted by strictly increasing expiry, holds positive amounts and
// at most kBrandLotsPerAddressMax lots; every escrow names a valid owner other than
// platform_address; TICA's account holds only lots expiring at kNeverExpiresMs; issued - redeemed
// - expired never underflows and equals the sum of all lots plus all escrows. A state without
// the brand's config passes when it holds nothing. kDataLoss naming the first broken invariant
// (a corrupt config included); reader errors are returned as is.
Status CheckBrandTokenInvariants(StateReader& state);

// Read-only views of committed brandtoken state (namespace ns, the name the chain registered
// the brandtoken under) for cross-chain checks (chaincode/swap/conservation.h). kDataLoss when
// the stored records are malformed or the brand is not initialised.
struct BrandTokenEscrowView {
  std::string owner;
  Amount amount = 0;
};
struct BrandTokenView {
  std::string symbol;
  std::string platform_address;
  Amount platform_balance = 0;                          // all lots of platform_address
  std::map<std::string, BrandTokenEscrowView> escrows;  // swap_id -> escrow
};
Result<BrandTokenView> ReadBrandTokenView(StateReader& state,
                                          const std::string& ns = kBrandTokenChaincodeName);

}  // namespace milk::chaincode
