// The global conservation check across the center chain and the brand chains (docs/swaps.md,
// "What always holds"), over committed states. Used by the model-based test, the relay fault
// test and the demo's final check. Pure: reads the states it is given, nothing else.
#pragma once

#include <string>
#include <vector>

#include "chaincode/shim/state.h"
#include "crypto/status.h"

namespace milk::swap {

struct BrandChainState {
  std::string chain_id;           // the brand chain's id (as registered in the alliance)
  chaincode::StateReader* state;  // its committed state (namespaces brandtoken, swap)
};

struct ConservationReport {
  // Per brand chain, in input order.
  struct Brand {
    std::string chain_id;
    std::string brand;                  // the market's brand (brandtoken symbol)
    std::string platform_balance;       // TICA's account on the brand chain (all lots)
    std::string inventory;              // the market's inventory on the center chain
    std::string settled_unreleased;     // Σ amounts decided settled on the center, still locked
    std::string purchases_undelivered;  // Σ purchases on the center not yet delivered
    size_t swaps_locked = 0;            // locked on the brand chain (undecided or unfinished)
    size_t swaps_released = 0;
    size_t swaps_refunded = 0;
    size_t purchases_delivered = 0;
  };
  std::vector<Brand> brands;
  // Every decided swap finished and every purchase delivered: nothing in flight.
  bool quiescent = false;
};

// Checks, failing with kDataLoss naming the first broken rule:
// - each brand chain's brandtoken invariants (issued - redeemed - expired = all lots, escrows
//   and TICA's account included) and swap invariants (each swap's escrow holds exactly its
//   amount while locked and nothing after; a released swap is settled on the center, a refunded
//   one aborted; a delivery matches a center purchase of that chain and amount);
// - the center's exchange and mlk invariants (MLK conserved, inventory = seeded + sold - bought);
// - per brand chain: platform_balance == inventory - settled_unreleased + purchases_undelivered;
// - no swap decided twice, none released or refunded against the center's decision.
Result<ConservationReport> CheckCrossChainConservation(chaincode::StateReader& center,
                                                       const std::vector<BrandChainState>& brands,
                                                       int64_t now_ms);

}  // namespace milk::swap
