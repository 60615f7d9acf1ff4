// The Brand Token chaincode, registered as "brandtoken" on each brand chain
// (docs/chaincode_brandtoken.md). MISSION.md, "Brand Tokens": a BT is one partner's points in
// token form; the partner alone issues it; every unit carries an expiry; expired units can be
// neither spent nor moved; spending uses the earliest-expiring units first.
//
//   Init <json>  the brand's genesis parameters, every key required, no other key accepted:
//     {"symbol": "BTA", "redemption_krw": "10", "default_expiry_ms": 31536000000,
//      "renewal_ms": 31536000000, "transferable": true, "partner_org": "BrandA",
//      "platform_address": "mlk1..."}
//     redemption_krw: KRW per unit (decimal, > 0); default_expiry_ms / renewal_ms in
//     [kPeriodMsMin, kPeriodMsMax]; platform_address: TICA's BT account on this chain, the
//     source of units bought on the platform.
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
//   credit_purchase <to> <amount> <purchase_ref>
//       BT bought on the platform: a member of partner_org with role relay or admin moves amount
//       from platform_address (earliest first) to `to` as one lot expiring at now + renewal_ms
//       rounded down to a whole UTC day. Idempotent on purchase_ref like issue.
//       Event "credit_purchase" {"to","amount","expiry_ms","purchase_ref"}.
//   balance <address>   anyone. {"address","lots":[{"expiry_ms","amount"}],"spendable","expired"}
//                       at the transaction's time; expired = held but past expiry, not swept yet.
//   sweep <address>...  anyone, 1 to kSweepAddressesMax distinct addresses: removes lots past
//                       expiry and counts them as expired. One event "sweep" per call:
//                       {"swept":[{"address","amount"}],"total"}.
//   totals              org members only (wallets get 403):
//                       {"issued","redeemed","expired","outstanding"}.
//
// A lot is expired when the transaction's timestamp is >= its expiry_ms. Every function refuses
// (400) a transaction timestamp outside [0, kTxTimestampMsMax].
// State (namespace "brandtoken"): ("config") -> JSON above; ("lots", address) -> JSON array of
// {"expiry_ms","amount"} sorted by strictly increasing expiry (equal expiries merged), absent
// when empty; ("total", "issued"|"redeemed"|"expired") -> decimal; ("issue_ref", ref) and
// ("purchase_ref", ref) -> {"request","result"} for idempotency.
// Errors: 400 bad input, 403 wrong role, 409 reference reused with a different request, 412
// precondition (not transferable, insufficient spendable units, too many lots).
#pragma once

#include <cstddef>
#include <cstdint>

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

// Stateless: safe for concurrent simulations.
class BrandTokenChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
};

// Invariants over committed state in namespace "brandtoken", for model-based tests: every lot
// list is sorted by strictly increasing expiry, holds positive amounts and at most
// kBrandLotsPerAddressMax lots; issued - redeemed - expired never underflows and equals the sum of
// all lots. kDataLoss naming the first broken invariant; reader errors are returned as is.
Status CheckBrandTokenInvariants(StateReader& state);

}  // namespace milk::chaincode
