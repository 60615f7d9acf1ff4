// The relay core (docs/relay.md): one pass over every chain drives every swap and purchase it
// finds one step further, ideally to its end, through ChainPorts. It keeps no state that
// matters: what to do next is read from the chains each pass (the brand chains' `open` index,
// the center's decisions, the center's `trade` events read from block 0 after every start), and
// every step is idempotent on the chains (a second attempt is refused 409), so a relay killed at
// any point and restarted, or several relays at once, finish every swap exactly once.
//
// A pass, for each brand chain B (its swap chaincode S) and the center C (its exchange E):
//   - every id in S `open`:  E `swap B id` 404 -> proof of S `swap id` -> E `settle_swap B id
//     proof`; then E `swap B id` 200 -> proof of E `swap B id` -> S `finish id proof`;
//   - every purchase (E `trade` events with side "buy"; E `purchase tx` names the chain) whose
//     S `delivery tx` is 404 -> proof of E `purchase tx` -> S `deliver tx proof`.
// A 409, an MVCC conflict or a sequenced 409 means another relay did the step: re-read, move on.
// Any other failure is logged with the swap and retried next pass; a chain that cannot be read
// leaves its swaps waiting while the others progress.
//
// Thread-safety: RunPass must not run concurrently with itself; inside a pass, up to
// in_flight_max swaps and purchases are driven at once on their own threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/clock.h"
#include "node/ops/metrics.h"
#include "tools/relay/chain_port.h"
#include "tools/relay/fault_points.h"

namespace milk::relay {

struct BrandChain {
  ChainPort* port = nullptr;            // not owned; outlives the Relay
  std::string swap_chaincode = "swap";  // the swap chaincode's name on that chain
};

struct RelayTopology {
  ChainPort* center = nullptr;  // not owned; outlives the Relay
  std::string exchange_chaincode = "exchange";
  std::vector<BrandChain> brands;
};

// Swaps and purchases driven at once. Each in-flight item waits on a commit (a block cut, about
// a second under load); 16 keep hundreds of swaps moving without flooding the peers.
inline constexpr int kInFlightDefault = 16;
// Beyond this many threads a relay only adds load on the peers; a larger value is a typo.
inline constexpr int kInFlightMax = 256;
// Ids per `open` page: the swap chaincode's own maximum page (docs/swaps.md).
inline constexpr int kOpenPageLimit = 1000;
// Open swaps read per brand chain per pass. Bounds a pass's memory; the rest wait for the next.
inline constexpr size_t kOpenSwapsPerPassMax = 100000;
// Purchases remembered while undelivered. Far above any backlog a live network has.
inline constexpr size_t kPendingPurchasesMax = 1000000;

struct RelayOptions {
  int in_flight_max = kInFlightDefault;  // 1 .. kInFlightMax; 1 makes a pass fully sequential
  // Asked before each swap or purchase is started: true ends the pass once the steps in flight
  // return (SIGTERM during a long pass). Null: never. Called from the pass's worker threads.
  std::function<bool()> stop_requested;
};

// What a pass found and did.
struct PassSummary {
  uint64_t swaps_seen = 0;           // open swaps listed on reachable brand chains
  uint64_t swaps_finished = 0;       // of those, released or refunded by the end of the pass
  uint64_t purchases_seen = 0;       // undelivered purchases of configured chains
  uint64_t purchases_delivered = 0;  // of those, delivered by the end of the pass
  uint64_t chains_unreachable = 0;   // chains that could not be listed this pass
  // Nothing known is left in flight and every chain was read: `milk relay --once` exits 0.
  bool complete() const {
    return chains_unreachable == 0 && swaps_finished == swaps_seen &&
           purchases_delivered == purchases_seen;
  }
};

class Relay {
 public:
  // faults and metrics must outlive the relay. REQUIRES: topology.center and every brand port
  // set, brand chain ids distinct; 1 <= options.in_flight_max <= kInFlightMax.
  Relay(RelayTopology topology, RelayOptions options, FaultPoints& faults, ops::Registry& metrics,
        const Clock& clock);

  // One full pass (see the top of this file). Never fails: every failure is logged, counted and
  // retried next pass.
  PassSummary RunPass();

 private:
  enum class Outcome { kDone, kAlready, kLeft };
  struct Purchase {
    std::string chain_id;  // "" until the center's purchase record was read
    bool unconfigured_logged = false;
  };

  struct WorkItem {
    const BrandChain* brand;
    std::string id;  // swap id, or purchase tx id
    bool purchase;
    Outcome outcome = Outcome::kLeft;
  };

  Outcome DriveSwap(const BrandChain& brand, const std::string& swap_id);
  Outcome Settle(const BrandChain& brand, const std::string& swap_id);
  Outcome Finish(const BrandChain& brand, const std::string& swap_id);
  Outcome Deliver(const BrandChain& brand, const std::string& tx);
  // Reads new center events into purchases_; true when the center's events could be read.
  bool RefreshPurchases();
  // Adds the undelivered purchases of the chains listed this pass to items; counts all.
  void CollectPurchases(const std::map<std::string, uint64_t>& listed, std::vector<WorkItem>& items,
                        PassSummary& summary,
                        std::map<std::string, uint64_t>& undelivered_per_chain);
  // Reads the center's record of every purchase whose chain is not known yet.
  void ResolvePurchaseChains();
  // Gauges, pass counters and the pass's log line.
  void RecordPass(const PassSummary& summary, const std::map<std::string, uint64_t>& open_per_chain,
                  const std::map<std::string, uint64_t>& undelivered_per_chain,
                  int64_t duration_ms);
  // Lists brand's open swap ids; an error when the chain cannot be read.
  Result<std::vector<std::string>> ListOpen(const BrandChain& brand);
  const BrandChain* FindBrand(const std::string& chain_id) const;
  // The chain's reachability gauge, and one log line when it goes down or comes back.
  void NoteReachable(const std::string& chain, const Status& status);
  // Runs work(i) for i in [0, count) on up to in_flight_max threads.
  void RunBounded(size_t count, const std::function<void(size_t)>& work);
  void CountStep(const std::string& chain, const char* step, const char* outcome);

  RelayTopology topology_;
  RelayOptions options_;
  FaultPoints& faults_;
  ops::Registry& metrics_;
  const Clock& clock_;
  // Rebuilt after every start from the center's events: the relay's only memory, a cache.
  uint64_t center_next_block_ = 0;
  std::map<std::string, bool> chain_down_;  // by chain id; only RunPass's own thread uses it
  std::mutex purchases_mu_;
  std::map<std::string, Purchase> purchases_;  // undelivered, by tx id; guarded by purchases_mu_
};

}  // namespace milk::relay
