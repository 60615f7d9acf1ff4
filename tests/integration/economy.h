// The MiL.k center chain for integration tests: the chaincodes alliance, mlk, lzm, pack and
// exchange in one genesis, TICA with an oracle and a relay member and three MLK accounts
// (liquidity, fees, gateway: wallets, so their addresses are real), and two partners, BrandA
// (brand BTA) and BrandB (brand BTB), each with an admin, an issuer (client) and a relay.
//
// EconomyContent goes into HarnessOptions/ClusterOptions.content; Economy then brings the chain
// to a trading state through real transactions (Bootstrap): both partners join the alliance and
// set their minimum prices, TICA grants the liquidity pool to its liquidity account, opens both
// markets, the oracle sets the MLK/KRW feed, TICA seeds its BTB inventory and creates a MiL.k
// Pack product. The values are the constants below, so tests can compute expected prices.
#pragma once

#include <cstdint>
#include <functional>
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

// The content of the center chain. listing_ms: MLK's listing date (mlk Init); the wallets named
// above must be among the harness's wallets (EconomyWallets adds them).
ChainContent EconomyContent(int64_t listing_ms);
// The harness wallets: TICA's three accounts followed by customers.
std::vector<std::string> EconomyWallets(const std::vector<std::string>& customers);

// Drives the center chain through one peer (endorser and submitter). Thread-safe after
// Bootstrap (the client and loaders are only read).
class Economy {
 public:
  using MemberLoader =
      std::function<client::Signer(const std::string& org, const std::string& name)>;
  using WalletLoader = std::function<client::Signer(const std::string& name)>;

  Economy(client::GatewayClient peer, MemberLoader member, WalletLoader wallet);

  // REQUIREs every step to commit VALID with a 200 answer.
  void Bootstrap();

  client::Signer Tica(const std::string& name) const { return member_("TICA", name); }
  client::Signer Partner(const std::string& org, const std::string& name) const {
    return member_(org, name);
  }
  client::Signer Wallet(const std::string& name) const { return wallet_(name); }
  std::string Address(const std::string& wallet_name) const;

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
  client::GatewayClient peer_;
  MemberLoader member_;
  WalletLoader wallet_;
};

}  // namespace milk::integration
