// The MiL.k center chain for integration tests: the chaincodes alliance, mlk, lzm, pack and
// exchange in one genesis, TICA with an oracle and a relay member and three MLK accounts
// (liquidity, fees, gateway: wallets, so their addresses are real), and two partners, BrandA
// (brand BTA) and BrandB (brand BTB), each with an admin, an issuer (client), a relay and a
// peer.
//
// Center chain only: there is no brand chain process here. The fixture STANDS IN FOR BRAND
// CHAIN brand-a's PEER AND BRAND CHAIN brand-b's PEER: it writes the swap records those chains'
// swap chaincode would hold (docs/swaps.md, the agreed formats) and signs endorsed views of them
// (proof::SignView) with the key and certificate of BrandA's or BrandB's peer member, exactly as a
// real peer's View service would, at a plausible height and block time. The center checks those
// proofs against the alliance registry as it checks a real brand chain's.
//
// EconomyContent goes into HarnessOptions/ClusterOptions.content; Economy then brings the chain
// to a trading state through real transactions (Bootstrap): both partners join the alliance, set
// their minimum prices and register their brand chains (real root keys, policy
// "OutOf(1,'BrandX.peer')"), TICA grants the liquidity pool to its liquidity account, opens both
// markets on their brand chains, the oracle sets the MLK/KRW feed, a stock swap of BrandB's admin
// settles TICA's opening BTB inventory, and TICA creates a MiL.k Pack product. The values are the
// constants below, so tests can compute expected prices.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "tests/integration/harness.h"
#include "tools/client/gateway_client.h"
#include "tools/client/invoke.h"
#include "tools/client/signer.h"

namespace milk::integration {

inline constexpr char kBrandA[] = "BrandA";
inline constexpr char kBrandB[] = "BrandB";
inline constexpr char kBtA[] = "BTA";
inline constexpr char kBtB[] = "BTB";
// The partners' brand chains (registered in the alliance; no process serves them here).
inline constexpr char kBrandChainA[] = "brand-a";
inline constexpr char kBrandChainB[] = "brand-b";
// TICA's MLK accounts, generated as wallets.
inline constexpr char kLiquidityWallet[] = "liquidity";
inline constexpr char kFeesWallet[] = "fees";
inline constexpr char kGatewayWallet[] = "gateway";
// One point = 1 KRW (micro-KRW per whole BT), whole points (bt_unit 1).
inline constexpr uint64_t kRedemptionMicroKrw = 1'000'000;
inline constexpr uint64_t kDepthUnits = 1'000'000;  // inventory at which the minimum price holds
inline constexpr uint32_t kMinPriceBpsA = 7000;
inline constexpr uint32_t kMinPriceBpsB = 6500;
inline constexpr uint64_t kFeedMicroKrwPerMlk = 500'000'000;  // 500 KRW per MLK
inline constexpr uint64_t kSeedB = 400'000;                   // TICA's opening BTB inventory
inline constexpr char kPackProduct[] = "p30";
// The exchange's proof_max_age_ms: a proof is signed just before it is submitted here, but a
// loaded 2-core machine may take a while to commit 1,000 transactions.
inline constexpr int64_t kProofMaxAgeMs = 600'000;

// The content of the center chain. listing_ms: MLK's listing date (mlk Init); the wallets named
// above must be among the harness's wallets (EconomyWallets adds them).
ChainContent EconomyContent(int64_t listing_ms);
// The harness wallets: TICA's three accounts followed by customers.
std::vector<std::string> EconomyWallets(const std::vector<std::string>& customers);
// An org's root public key as hex, from <crypto_dir>/orgs/<org>/root.pub (REQUIREs it loads).
std::string RootKeyHex(const std::string& crypto_dir, const std::string& org);

// A swap as brand chain X's swap chaincode records it ("swap", id), state "locked"
// (docs/swaps.md). min_mlk "0" for stock swaps.
struct LockedSwap {
  std::string chain_id;
  std::string kind;  // "sell" or "stock"
  std::string brand;
  std::string owner;  // wallet address (WalletAddress of the owner's key)
  std::string ref;
  std::string amount;
  std::string min_mlk;
  int64_t deadline_ms = 0;
  std::string Id() const;  // chaincode::SwapId(chain_id, owner, ref)
  nlohmann::json Record(const std::string& lock_tx, int64_t lock_ms) const;
};

// Drives the center chain through one peer (endorser and submitter). Thread-safe after
// Bootstrap (the client and loaders are only read; the proof height counter is atomic).
class Economy {
 public:
  using MemberLoader =
      std::function<client::Signer(const std::string& org, const std::string& name)>;
  using WalletLoader = std::function<client::Signer(const std::string& name)>;

  // crypto_dir: the harness's crypto directory (the orgs' root keys).
  Economy(client::GatewayClient peer, std::string crypto_dir, MemberLoader member,
          WalletLoader wallet);

  // The brand chain of org (default kBrandChainA/kBrandChainB). A test whose one chain also
  // plays a brand chain (economy_cli_test) names it before Bootstrap.
  void SetBrandChain(const std::string& org, const std::string& chain_id) {
    brand_chains_[org] = chain_id;
  }
  std::string BrandChain(const std::string& org) const { return brand_chains_.at(org); }

  // REQUIREs every step to commit VALID with a 200 answer.
  void Bootstrap();

  client::Signer Tica(const std::string& name) const { return member_("TICA", name); }
  client::Signer Partner(const std::string& org, const std::string& name) const {
    return member_(org, name);
  }
  client::Signer Wallet(const std::string& name) const { return wallet_(name); }
  std::string Address(const std::string& wallet_name) const;

  // An endorsed view (serialized ViewProof) of chaincode.function(args) on chain_id answering
  // payload with status 200, at the next height and block time now, signed by peer alone.
  std::string Prove(const client::Signer& peer, const std::string& chain_id,
                    const std::string& chaincode, const std::string& function,
                    const std::vector<std::string>& args, const std::string& payload) const;
  // Standing in for org's brand chain peer: Prove, as org's "peer" member, of swap `swap <id>`
  // on org's brand chain answering record.
  std::string ProveSwap(const std::string& org, const nlohmann::json& record) const;
  // The settle_swap arguments for a swap locked on org's brand chain: {chain, id, proof}.
  std::vector<std::string> SettleArgs(const std::string& org, const LockedSwap& swap) const;
  // A sell of `amount` BT of wallet customer on org's brand chain, deadline a day away.
  LockedSwap Sell(const std::string& org, const std::string& customer, const std::string& ref,
                  const std::string& amount, const std::string& min_mlk) const;

  // One transaction; its commit code is the caller's to read.
  Result<client::InvokeResult> Invoke(const client::Signer& signer, const std::string& chaincode,
                                      const std::string& function,
                                      const std::vector<std::string>& args) const;
  // Invoke, REQUIRE VALID and (for sequenced calls) a 200 answer; returns the answer's payload
  // (the sequenced response's, else "").
  std::string MustInvoke(const client::Signer& signer, const std::string& chaincode,
                         const std::string& function, const std::vector<std::string>& args) const;
  // Evaluate; a non-200 answer is kFailedPrecondition with the chaincode's message.
  Result<std::string> Query(const client::Signer& signer, const std::string& chaincode,
                            const std::string& function,
                            const std::vector<std::string>& args) const;
  const client::GatewayClient& peer() const { return peer_; }

 private:
  std::string BrandOf(const std::string& org) const { return org == kBrandA ? kBtA : kBtB; }

  client::GatewayClient peer_;
  std::string crypto_dir_;
  MemberLoader member_;
  WalletLoader wallet_;
  std::map<std::string, std::string> brand_chains_ = {{kBrandA, kBrandChainA},
                                                      {kBrandB, kBrandChainB}};
  // Heights of the brand chains' views: each proof one block higher, as a live chain would be.
  mutable std::atomic<uint64_t> view_height_{100};
};

}  // namespace milk::integration
