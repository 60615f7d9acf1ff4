#include "tests/integration/economy.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <utility>

#include "chaincode/proof/view_proof.h"
#include "chaincode/swap/swap.h"
#include "crypto/bytes.h"
#include "crypto/clock.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "crypto/key_files.h"
#include "tests/integration/process.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

using Json = nlohmann::json;

constexpr int64_t kDayMs = 86'400'000;
// 10^18 smallest units per MLK, written out: the fixture states whole amounts.
const std::string kE18 = "000000000000000000";
std::string Mlk(const std::string& whole) { return whole + kE18; }

std::string AddressIn(const std::string& crypto_dir, const std::string& wallet) {
  std::string text = ReadFileOrEmpty(crypto_dir + "/wallets/" + wallet + "/address");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// One chaincode entry of the profile: policy TICA's peers, every function open to every role at
// the ACL (each chaincode checks its callers' roles itself), Init JSON as one argument.
std::string Chaincode(const std::string& name, const Json& init) {
  return "  - name: " + name +
         "\n    version: 1\n    endorsement_policy: \"OR('TICA.peer')\"\n"
         "    acl: {\"*\": [\"*\"]}\n    init_args: [" +
         Json(init.dump()).dump() + "]\n";
}

std::string EconomyChaincodes(const std::string& crypto_dir, int64_t listing_ms) {
  const Json alliance = {{"operator_org", "TICA"},
                         {"phase", 1},
                         {"stake_min", "0"},
                         {"fee_bps", 150},
                         {"mlk_chaincode", "mlk"}};
  const Json mlk = {{"operator_org", "TICA"},
                    {"listing_ms", listing_ms},
                    {"liquidity_account", AddressIn(crypto_dir, kLiquidityWallet)},
                    {"gateway_account", AddressIn(crypto_dir, kGatewayWallet)},
                    {"contribution_bps_by_year", {300, 250, 200, 150, 100}},
                    {"lzm_chaincode", "lzm"},
                    {"pools",
                     {{"liquidity", Mlk("364000000")},
                      {"user_distribution", Mlk("143000000")},
                      {"partner_locked", Mlk("250120000")},
                      {"partner_contribution", Mlk("230880000")},
                      {"operation", Mlk("182000000")},
                      {"construction", Mlk("130000000")}}}};
  const Json lzm = {{"operator_org", "TICA"},
                    {"rates",
                     {{"trade_krw", {{"num", "1"}, {"den", "1"}}},
                      {"trade_mlk", {{"num", "1"}, {"den", "10"}}},
                      {"coupon_krw", {{"num", "1"}, {"den", "10"}}},
                      {"burn_mlk", {{"num", "1"}, {"den", "1"}}}}},
                    {"attendance_reward", Mlk("1")},
                    {"level_window_days", 30},
                    {"levels",
                     {{{"name", "Silver"}, {"min", Mlk("1")}},  // 1 LZM
                      {{"name", "Gold"}, {"min", Mlk("1000")}}}},
                    {"pack_chaincode", "pack"}};
  const Json pack = {{"operator_org", "TICA"}, {"mlk_chaincode", "mlk"}, {"lzm_chaincode", "lzm"}};
  const Json exchange = {{"operator_org", "TICA"},
                         {"mlk_chaincode", "mlk"},
                         {"lzm_chaincode", "lzm"},
                         {"alliance_chaincode", "alliance"},
                         {"fee_account", AddressIn(crypto_dir, kFeesWallet)},
                         {"feed_max_age_ms", kDayMs},
                         {"swap_chaincode", "swap"},
                         {"proof_max_age_ms", kProofMaxAgeMs}};
  return Chaincode("alliance", alliance) + Chaincode("mlk", mlk) + Chaincode("lzm", lzm) +
         Chaincode("pack", pack) + Chaincode("exchange", exchange);
}

}  // namespace

ChainContent EconomyContent(int64_t listing_ms) {
  ChainContent content;
  content.tica_members = {{"oracle", "oracle"}, {"relay", "relay"}};
  for (const char* org : {kBrandA, kBrandB}) {
    content.orgs.push_back(
        {org, {{"admin", "admin"}, {"issuer", "client"}, {"relay", "relay"}, {"peer", "peer"}}});
  }
  content.chaincodes_yaml = [listing_ms](const std::string& crypto_dir) {
    return EconomyChaincodes(crypto_dir, listing_ms);
  };
  return content;
}

std::vector<std::string> EconomyWallets(const std::vector<std::string>& customers) {
  std::vector<std::string> wallets = {kLiquidityWallet, kFeesWallet, kGatewayWallet};
  wallets.insert(wallets.end(), customers.begin(), customers.end());
  return wallets;
}

std::string RootKeyHex(const std::string& crypto_dir, const std::string& org) {
  Result<std::string> key = crypto::ReadPublicKeyFile(crypto_dir + "/orgs/" + org + "/root.pub");
  INFO(org << " root key: " << key.status().ToString());
  REQUIRE(key.ok());
  return ToHex(*key);
}

std::string LockedSwap::Id() const { return chaincode::SwapId(chain_id, owner, ref); }

Json LockedSwap::Record(const std::string& lock_tx, int64_t lock_ms) const {
  return {{"id", Id()},        {"kind", kind},       {"chain_id", chain_id},
          {"brand", brand},    {"owner", owner},     {"ref", ref},
          {"amount", amount},  {"min_mlk", min_mlk}, {"deadline_ms", deadline_ms},
          {"state", "locked"}, {"lock_tx", lock_tx}, {"lock_ms", lock_ms},
          {"finish_tx", ""},   {"reason", ""}};
}

Economy::Economy(client::GatewayClient peer, std::string crypto_dir, MemberLoader member,
                 WalletLoader wallet)
    : peer_(std::move(peer)),
      crypto_dir_(std::move(crypto_dir)),
      member_(std::move(member)),
      wallet_(std::move(wallet)) {}

std::string Economy::Prove(const client::Signer& peer, const std::string& chain_id,
                           const std::string& chaincode, const std::string& function,
                           const std::vector<std::string>& args, const std::string& payload) const {
  const uint64_t height = view_height_++;
  milkpb::ViewProof view;
  milkpb::ViewResult& result = *view.mutable_result();
  result.set_version(proof::kViewVersion);
  result.set_chain_id(chain_id);
  result.set_height(height);
  result.set_block_hash(crypto::Sha256(chain_id + " block " + std::to_string(height - 1)));
  result.set_block_time_ms(SystemClock::Instance().NowMs());
  result.set_chaincode(chaincode);
  result.set_function(function);
  for (const std::string& arg : args) result.add_args(arg);
  result.set_status(200);
  result.set_payload(payload);
  *view.add_signatures() = proof::SignView(result, peer.key, peer.identity_bytes);
  return view.SerializeAsString();
}

std::string Economy::ProveSwap(const std::string& org, const Json& record) const {
  return Prove(Partner(org, "peer"), BrandChain(org), "swap", "swap",
               {record.at("id").get<std::string>()}, record.dump());
}

std::vector<std::string> Economy::SettleArgs(const std::string& org, const LockedSwap& swap) const {
  const int64_t now_ms = SystemClock::Instance().NowMs();
  const Json record = swap.Record(ToHex(crypto::Sha256("lock " + swap.Id())), now_ms);
  return {BrandChain(org), swap.Id(), ProveSwap(org, record)};
}

LockedSwap Economy::Sell(const std::string& org, const std::string& customer,
                         const std::string& ref, const std::string& amount,
                         const std::string& min_mlk) const {
  return {BrandChain(org),
          "sell",
          BrandOf(org),
          Address(customer),
          ref,
          amount,
          min_mlk,
          SystemClock::Instance().NowMs() + kDayMs};
}

std::string Economy::Address(const std::string& wallet_name) const {
  return crypto::WalletAddress(wallet_(wallet_name).key.public_key);
}

Result<client::InvokeResult> Economy::Invoke(const client::Signer& signer,
                                             const std::string& chaincode,
                                             const std::string& function,
                                             const std::vector<std::string>& args) const {
  return client::Invoke(signer, {&peer_}, peer_, kChainId, chaincode, function, args,
                        SystemClock::Instance().NowMs());
}

std::string Economy::MustInvoke(const client::Signer& signer, const std::string& chaincode,
                                const std::string& function,
                                const std::vector<std::string>& args) const {
  Result<client::InvokeResult> result = Invoke(signer, chaincode, function, args);
  INFO(chaincode << "." << function << ": " << result.status().ToString());
  REQUIRE(result.ok());
  INFO("validation code " << milkpb::TxValidationCode_Name(result->code));
  if (result->sequenced_response) INFO("answer " << result->sequenced_response->message());
  REQUIRE(result->code == milkpb::VALID);
  if (!result->sequenced_response) return "";
  REQUIRE(result->sequenced_response->status() == 200);
  return result->sequenced_response->payload();
}

Result<std::string> Economy::Query(const client::Signer& signer, const std::string& chaincode,
                                   const std::string& function,
                                   const std::vector<std::string>& args) const {
  MILK_ASSIGN_OR_RETURN(client::BuiltProposal built,
                        client::BuildProposal(signer, kChainId, chaincode, function, args,
                                              SystemClock::Instance().NowMs()));
  MILK_ASSIGN_OR_RETURN(milkpb::Response response, peer_.Evaluate(built.signed_proposal));
  if (response.status() != 200) {
    return FailedPrecondition(chaincode + "." + function + " answered " +
                              std::to_string(response.status()) + ": " + response.message());
  }
  return response.payload();
}

void Economy::Bootstrap() {
  const client::Signer admin = Tica("admin");
  const std::string agreement(64, 'a');
  // BrandA joins first (no partner to approve), then BrandB with BrandA's approval.
  MustInvoke(admin, "alliance", "propose", {kBrandA, "retail", kBtA});
  MustInvoke(Partner(kBrandA, "admin"), "alliance", "accept_agreement", {kBrandA, agreement});
  MustInvoke(admin, "alliance", "propose", {kBrandB, "food", kBtB});
  MustInvoke(Partner(kBrandA, "admin"), "alliance", "approve", {kBrandB});
  MustInvoke(Partner(kBrandB, "admin"), "alliance", "accept_agreement", {kBrandB, agreement});
  const std::string renewal_ms = std::to_string(365 * kDayMs);
  MustInvoke(Partner(kBrandA, "admin"), "alliance", "set_partner_params",
             {std::to_string(kMinPriceBpsA), renewal_ms});
  MustInvoke(Partner(kBrandB, "admin"), "alliance", "set_partner_params",
             {std::to_string(kMinPriceBpsB), renewal_ms});
  for (const char* org : {kBrandA, kBrandB}) {
    const Json roots = {{org, RootKeyHex(crypto_dir_, org)}};
    MustInvoke(Partner(org, "admin"), "alliance", "register_brand_chain",
               {BrandChain(org), org, std::string("OutOf(1,'") + org + ".peer')", roots.dump()});
  }

  MustInvoke(admin, "mlk", "grant",
             {"liquidity", Address(kLiquidityWallet), Mlk("364000000"), "liquidity-genesis"});
  for (const auto& [brand, org] : {std::pair{kBtA, kBrandA}, std::pair{kBtB, kBrandB}}) {
    MustInvoke(admin, "exchange", "open_market",
               {brand, org, std::to_string(kRedemptionMicroKrw), "1", std::to_string(kDepthUnits),
                BrandChain(org)});
  }
  MustInvoke(Tica("oracle"), "exchange", "set_feed", {std::to_string(kFeedMicroKrwPerMlk)});
  // TICA's opening BTB inventory: BrandB's admin stocks it through a swap on brand-b.
  const LockedSwap stock = {BrandChain(kBrandB),
                            "stock",
                            kBtB,
                            crypto::WalletAddress(Partner(kBrandB, "admin").key.public_key),
                            "stock-btb-genesis",
                            std::to_string(kSeedB),
                            "0",
                            SystemClock::Instance().NowMs() + kDayMs};
  const Json decided =
      Json::parse(MustInvoke(Tica("relay"), "exchange", "settle_swap", SettleArgs(kBrandB, stock)));
  INFO(decided.dump());
  REQUIRE(decided.at("state") == "settled");
  MustInvoke(admin, "pack", "create_product",
             {kPackProduct, std::to_string(30 * kDayMs), "1", "10", Mlk("1000000")});
}

}  // namespace milk::integration
