// The MiL.k network in miniature for swap tests (docs/swaps.md): real chains, real nodes, the
// real relay binary.
//   chain "mlk"      TICA's center chain (alliance, mlk, lzm, pack, exchange), ordered by node
//                    "tica"
//   chain "brand.a"  BrandA's chain (brandtoken BTA, swap), ordered by node "a"; "tica" follows it
//   chain "brand.b"  BrandB's chain (brandtoken BTB, swap), ordered by node "b"; "tica" follows it
// Bootstrap brings it to a trading state with real transactions: both partners in the alliance
// with their brand chains registered (root keys, "OutOf(1,'BrandX.peer')"), TICA's liquidity,
// both markets open on their chains, the MLK/KRW feed, and MLK for the customers (granted from
// the operation pool, so they can buy before they sell).
//
// The relay runs as `milk relay` child processes (StartRelay), so a test can kill it at its
// fault points. StopAndCheck ends the test: it stops every node and runs
// swap::CheckCrossChainConservation over the chains' committed states read from disk.
//
// Not thread-safe: the test's main thread drives it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chaincode/swap/conservation.h"
#include "chaincode/swap/swap.h"
#include "tests/integration/network.h"
#include "tests/integration/process.h"
#include "tools/client/invoke.h"

namespace milk::integration {

inline constexpr char kCenterChain[] = "mlk";
inline constexpr char kSwapChainA[] = "brand.a";
inline constexpr char kSwapChainB[] = "brand.b";

class CrossChain {
 public:
  // customers: wallet names (also given MLK by Bootstrap).
  explicit CrossChain(std::vector<std::string> customers);

  Network& net() { return *net_; }
  void Bootstrap();

  // The brand chain's partner org, brand symbol and ordering node.
  static std::string OrgOf(const std::string& chain);
  static std::string SymbolOf(const std::string& chain);
  static std::string NodeOf(const std::string& chain);

  // brandtoken issue by the partner's issuer. REQUIREs VALID.
  void Issue(const std::string& chain, const std::string& to_address, const std::string& amount,
             const std::string& ref);
  // swap sell by a customer's wallet (through the partner's gateway); the swap id. REQUIREs VALID.
  std::string LockSell(const std::string& chain, const std::string& customer,
                       const std::string& ref, const std::string& amount,
                       const std::string& min_mlk, int64_t deadline_ms);
  // The partner's issuer issues `amount` to itself and stocks TICA's inventory with it; the id.
  std::string LockStock(const std::string& chain, const std::string& ref, const std::string& amount);
  // exchange buy by a customer on the center chain; the purchase txid. REQUIREs VALID and 200.
  std::string Buy(const std::string& chain, const std::string& customer,
                  const std::string& bt_amount, const std::string& max_mlk);

  // What the relay still has to do, read through queries: swaps locked on each brand chain,
  // purchases (made through Buy) not yet delivered. Nodes that do not answer count as "unknown"
  // (-1).
  struct Progress {
    int64_t open_a = -1;
    int64_t open_b = -1;
    int64_t undelivered = -1;
    bool done() const { return open_a == 0 && open_b == 0 && undelivered == 0; }
    std::string Describe() const;
  };
  Progress ReadProgress() const;
  // Polls until done or timeout; the last progress seen.
  Progress WaitUntilDone(int64_t timeout_ms) const;

  // `milk relay --config <relay.yaml> args...`, logging to <dir>/relay-<name>.log.
  std::unique_ptr<ChildProcess> StartRelay(const std::string& name,
                                           const std::vector<std::string>& args = {});
  std::string RelayLog(const std::string& name) const;

  // Terminates every node, then checks the committed states of all chains.
  swap::ConservationReport StopAndCheck();

  const std::vector<std::string>& buys() const { return buys_; }

 private:
  Result<client::InvokeResult> InvokeOn(const std::string& node, const std::string& chain,
                                        const client::Signer& signer,
                                        const std::string& tls_org, const std::string& tls_member,
                                        const std::string& chaincode, const std::string& function,
                                        const std::vector<std::string>& args) const;
  std::string MustInvokeOn(const std::string& node, const std::string& chain,
                           const client::Signer& signer, const std::string& tls_org,
                           const std::string& tls_member, const std::string& chaincode,
                           const std::string& function, const std::vector<std::string>& args) const;
  Result<std::string> QueryOn(const std::string& node, const std::string& chain,
                              const std::string& chaincode, const std::string& function,
                              const std::vector<std::string>& args) const;
  std::string WriteRelayConfig() const;

  std::vector<std::string> customers_;
  std::unique_ptr<Network> net_;
  std::vector<std::string> buys_;  // purchase txids, per Buy
  std::vector<std::string> buy_chains_;
};

}  // namespace milk::integration
