// The alliance chaincode, registered as "alliance" on the center chain (docs/chaincode_alliance.md
// has the full spec). MISSION.md, "The alliance": one partner per industry sector; a partner joins
// only by TICA's proposal, the approval of every existing partner and a service agreement with
// TICA; in phase 2 a joining partner must also stake MLK. It also keeps the parameters partners
// govern and the registry of brand chains that cross-chain proofs are checked against.
//
//   Init <json>   {"operator_org": "TICA", "phase": 1, "stake_min": "0", "fee_bps": 150,
//                  "mlk_chaincode": "mlk"}   (all but operator_org optional; mlk_chaincode
//                  defaults to "": no stake can be made)
//
// Joining (admins; TICA = the operator org):
//   propose <org> <sector> <brand>       TICA admin. 409 when the sector or org is taken or
//                                        already proposed.
//   approve <org>                        an admin of an active partner, once per partner.
//   accept_agreement <org> <hash>        an admin of the joining org accepts TICA's service
//                                        agreement (its document hash, 64 hex).
//   stake <org> <amount> <ref>           an admin of the joining org bonds MLK from its own
//                                        address: invokes <mlk_chaincode> `alliance_lock
//                                        <WalletAddress(signer key)> <amount>` (mlk's 412 when
//                                        short passes through; 412 without mlk_chaincode). The
//                                        proposal records the total and each address' share.
//                                        Phase 1 or 2. Idempotent on ref (same org, amount and
//                                        signer: the first answer; else 409). Event
//                                        "partner_staked".
//   withdraw <org>                       TICA admin drops a pending proposal and gives every
//                                        recorded stake back (<mlk> `alliance_release`).
//   A proposal becomes an active partner as soon as every partner active at that moment approved,
//   the agreement is accepted and (phase 2) the stake reaches stake_min: event "partner_joined".
//   An active partner's stake stays bonded: there is no unbonding function yet.
// Governance:
//   set_partner_params <min_price_bps> <renewal_ms>   a partner's admin, for its own brand:
//                                        minimum price in basis points of redemption value
//                                        [6000, 9500] (discounts 5%..40%), renewal period of BT
//                                        bought on the platform [1 day, 10 years]. 412 when
//                                        the minimum is not below the exchange's maximum at
//                                        the current fee: 9500 * 10000 / (10000 + fee_bps).
//   propose_fee <bps> / approve_fee      TICA admin proposes a fee in [0, 1000] bps; it applies
//                                        once every active partner approved (event "fee_changed").
//   set_phase <1|2> <stake_min>          TICA admin: the phase and the stake minimum are TICA's
//                                        service terms; they apply to proposals not yet active.
// Brand chains:
//   register_brand_chain <chain_id> <org> <policy> <root_keys_json>
//                                        the partner's admin or TICA's: the brand chain, the org
//                                        roots (hex Ed25519 keys by org) and the verification
//                                        policy proofs from that chain must satisfy.
// Queries (anyone): partner <org>, partners, proposal <org>, params, brand_chain <chain_id>.
//
// State (namespace "alliance"), JSON values: ("param", name), ("partner", org),
// ("sector", sector) -> org, ("proposal", org) with "stake" and "stakes" {address: amount},
// ("fee_proposal"), ("stake_ref", ref) {"request", "result"},
// ("brand_chain", chain_id).
#pragma once

#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kAllianceChaincodeName[] = "alliance";
// Discounts range from 5% to 40% of redemption value (MISSION.md, "The exchange").
inline constexpr int64_t kMinPriceBpsLow = 6000;
inline constexpr int64_t kMinPriceBpsHigh = 9500;
// A fee above 10% would make the 95% price ceiling meaningless; the default is 1.5%.
inline constexpr int64_t kFeeBpsMax = 1000;
inline constexpr int64_t kRenewalMsMin = 86'400'000;               // one day
inline constexpr int64_t kRenewalMsMax = 10LL * 366 * 86'400'000;  // ten years
// Partners in the registry: one per industry sector, a few dozen at most.
inline constexpr size_t kPartnersMax = 256;

// Stateless: safe for concurrent simulations.
class AllianceChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
};

// Invariants over committed state (for model-based tests): every sector maps to an active
// partner of that sector and every active partner owns exactly its sector; no pending proposal
// is for an active partner or a taken sector; parameters are within their bounds; every stake
// total equals the sum of its per-address stakes.
Status CheckAllianceInvariants(StateReader& state);

}  // namespace milk::chaincode
