#include "tests/integration/crosschain.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/bytes.h"
#include "crypto/clock.h"
#include "crypto/identity.h"
#include "node/storage/ledger_db.h"
#include "tests/integration/economy.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

using Json = nlohmann::json;

constexpr int64_t kDayMs = 86'400'000;
const std::string kE18 = "000000000000000000";
// Every customer's MLK for buying before selling: 1,000 MLK.
const std::string kCustomerMlk = "1000" + kE18;
constexpr int64_t kPollMs = 100;

std::string AddressIn(const std::string& crypto_dir, const std::string& wallet) {
  std::string text = ReadFileOrEmpty(crypto_dir + "/wallets/" + wallet + "/address");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string BrandChaincode(const std::string& name, const std::string& org, const Json& init) {
  return "  - name: " + name + "\n    version: 1\n    endorsement_policy: \"OR('" + org +
         ".peer')\"\n    acl: {\"*\": [\"*\"]}\n    init_args: [" + Json(init.dump()).dump() + "]\n";
}

// brandtoken and swap of a brand chain: TICA's platform account, TICA's root as the center's
// proof signer (its peers, one signature).
std::string BrandChaincodes(const std::string& crypto_dir, const std::string& org,
                            const std::string& symbol) {
  const Json brandtoken = {{"symbol", symbol},
                           {"redemption_krw", "1"},
                           {"default_expiry_ms", 365 * kDayMs},
                           {"renewal_ms", 365 * kDayMs},
                           {"transferable", true},
                           {"partner_org", org},
                           {"platform_address", AddressIn(crypto_dir, "platform")},
                           {"swap_chaincode", "swap"}};
  const Json swap = {{"center_chain_id", kCenterChain},
                     {"center_policy", "OutOf(1,'TICA.peer')"},
                     {"center_root_keys", {{"TICA", RootKeyHex(crypto_dir, "TICA")}}},
                     {"exchange_chaincode", "exchange"},
                     {"brandtoken_chaincode", "brandtoken"},
                     {"operator_org", "TICA"},
                     {"partner_org", org},
                     {"proof_max_age_ms", kProofMaxAgeMs},
                     {"deadline_max_ms", kDayMs}};
  return "chaincodes:\n" + BrandChaincode("brandtoken", org, brandtoken) +
         BrandChaincode("swap", org, swap);
}

NetworkOptions CrossChainNetwork(const std::vector<std::string>& customers) {
  NetworkOptions options;
  options.orgs = {{"TICA",
                   {{"admin", "admin"}, {"oracle", "oracle"}, {"relay", "relay"},
                    {"gateway", "client"}}}};
  for (const char* org : {kBrandA, kBrandB}) {
    options.orgs.push_back({org, {{"admin", "admin"}, {"issuer", "client"}, {"gateway", "client"}}});
  }
  options.nodes = {{"tica", "TICA"}, {"a", kBrandA}, {"b", kBrandB}};
  const int64_t listing_ms = SystemClock::Instance().NowMs() - kDayMs;
  NetworkChain center{kCenterChain, {"TICA", kBrandA, kBrandB}, {"tica"}, {}, "", {}};
  center.chaincodes_yaml_for = [listing_ms](const std::string& crypto_dir) {
    return ChaincodesYaml(EconomyContent(listing_ms), crypto_dir);
  };
  NetworkChain chain_a{kSwapChainA, {kBrandA, "TICA"}, {"a"}, {"tica"}, "", {}};
  chain_a.chaincodes_yaml_for = [](const std::string& crypto_dir) {
    return BrandChaincodes(crypto_dir, kBrandA, kBtA);
  };
  NetworkChain chain_b{kSwapChainB, {kBrandB, "TICA"}, {"b"}, {"tica"}, "", {}};
  chain_b.chaincodes_yaml_for = [](const std::string& crypto_dir) {
    return BrandChaincodes(crypto_dir, kBrandB, kBtB);
  };
  options.chains = {center, chain_a, chain_b};
  options.wallets = EconomyWallets(customers);
  options.wallets.push_back("platform");
  return options;
}

}  // namespace

std::string CrossChain::Progress::Describe() const {
  return "open swaps on brand.a " + std::to_string(open_a) + ", on brand.b " +
         std::to_string(open_b) + ", undelivered purchases " + std::to_string(undelivered);
}

CrossChain::CrossChain(std::vector<std::string> customers)
    : customers_(std::move(customers)),
      net_(std::make_unique<Network>(CrossChainNetwork(customers_))) {}

std::string CrossChain::OrgOf(const std::string& chain) {
  return chain == kSwapChainA ? kBrandA : kBrandB;
}
std::string CrossChain::SymbolOf(const std::string& chain) {
  return chain == kSwapChainA ? kBtA : kBtB;
}
std::string CrossChain::NodeOf(const std::string& chain) {
  if (chain == kCenterChain) return "tica";
  return chain == kSwapChainA ? "a" : "b";
}

Result<client::InvokeResult> CrossChain::InvokeOn(
    const std::string& node, const std::string& chain, const client::Signer& signer,
    const std::string& tls_org, const std::string& tls_member, const std::string& chaincode,
    const std::string& function, const std::vector<std::string>& args) const {
  const client::GatewayClient peer = net_->Client(node, tls_org, tls_member);
  return client::Invoke(signer, {&peer}, peer, chain, chaincode, function, args,
                        SystemClock::Instance().NowMs());
}

std::string CrossChain::MustInvokeOn(const std::string& node, const std::string& chain,
                                     const client::Signer& signer, const std::string& tls_org,
                                     const std::string& tls_member, const std::string& chaincode,
                                     const std::string& function,
                                     const std::vector<std::string>& args) const {
  Result<client::InvokeResult> result =
      InvokeOn(node, chain, signer, tls_org, tls_member, chaincode, function, args);
  INFO(chain << " " << chaincode << "." << function << ": " << result.status().ToString());
  REQUIRE(result.ok());
  INFO("validation code " << result->code);
  REQUIRE(result->code == milkpb::VALID);
  if (!result->sequenced_response.has_value()) return result->tx_id;
  INFO("sequenced answer " << result->sequenced_response->status() << ": "
                           << result->sequenced_response->message());
  REQUIRE(result->sequenced_response->status() == 200);
  return result->sequenced_response->payload();
}

Result<std::string> CrossChain::QueryOn(const std::string& node, const std::string& chain,
                                        const std::string& chaincode, const std::string& function,
                                        const std::vector<std::string>& args) const {
  const client::GatewayClient peer = net_->Client(node, "TICA", "relay");
  MILK_ASSIGN_OR_RETURN(client::BuiltProposal built,
                        client::BuildProposal(net_->Member("TICA", "relay"), chain, chaincode,
                                              function, args, SystemClock::Instance().NowMs()));
  MILK_ASSIGN_OR_RETURN(milkpb::Response response, peer.Evaluate(built.signed_proposal));
  if (response.status() == 404) return NotFound(response.message());
  if (response.status() != 200) {
    return FailedPrecondition(chaincode + "." + function + " answered " +
                              std::to_string(response.status()) + ": " + response.message());
  }
  return response.payload();
}

void CrossChain::Bootstrap() {
  const client::Signer admin = net_->Member("TICA", "admin");
  auto center = [&](const client::Signer& signer, const std::string& tls_org,
                    const std::string& chaincode, const std::string& function,
                    const std::vector<std::string>& args) {
    return MustInvokeOn("tica", kCenterChain, signer, tls_org, "admin", chaincode, function, args);
  };
  const std::string agreement(64, 'a');
  const client::Signer admin_a = net_->Member(kBrandA, "admin");
  const client::Signer admin_b = net_->Member(kBrandB, "admin");
  center(admin, "TICA", "alliance", "propose", {kBrandA, "retail", kBtA});
  center(admin_a, kBrandA, "alliance", "accept_agreement", {kBrandA, agreement});
  center(admin, "TICA", "alliance", "propose", {kBrandB, "food", kBtB});
  center(admin_a, kBrandA, "alliance", "approve", {kBrandB});
  center(admin_b, kBrandB, "alliance", "accept_agreement", {kBrandB, agreement});
  const std::string renewal_ms = std::to_string(365 * kDayMs);
  center(admin_a, kBrandA, "alliance", "set_partner_params", {std::to_string(kMinPriceBpsA), renewal_ms});
  center(admin_b, kBrandB, "alliance", "set_partner_params", {std::to_string(kMinPriceBpsB), renewal_ms});
  for (const std::string chain : {kSwapChainA, kSwapChainB}) {
    const std::string org = OrgOf(chain);
    const Json roots = {{org, RootKeyHex(net_->crypto_dir(), org)}};
    center(net_->Member(org, "admin"), org, "alliance", "register_brand_chain",
           {chain, org, "OutOf(1,'" + org + ".peer')", roots.dump()});
  }
  center(admin, "TICA", "mlk", "grant",
         {"liquidity", net_->Address(kLiquidityWallet), "364000000" + kE18, "liquidity-genesis"});
  for (const std::string chain : {kSwapChainA, kSwapChainB}) {
    center(admin, "TICA", "exchange", "open_market",
           {SymbolOf(chain), OrgOf(chain), std::to_string(kRedemptionMicroKrw), "1",
            std::to_string(kDepthUnits), chain});
  }
  MustInvokeOn("tica", kCenterChain, net_->Member("TICA", "oracle"), "TICA", "oracle", "exchange",
               "set_feed", {std::to_string(kFeedMicroKrwPerMlk)});
  for (const std::string& customer : customers_) {
    center(admin, "TICA", "mlk", "grant",
           {"operation", net_->Address(customer), kCustomerMlk, "customer-" + customer});
  }
}

void CrossChain::Issue(const std::string& chain, const std::string& to_address,
                       const std::string& amount, const std::string& ref) {
  const std::string org = OrgOf(chain);
  MustInvokeOn(NodeOf(chain), chain, net_->Member(org, "issuer"), org, "issuer", "brandtoken",
               "issue", {to_address, amount, ref});
}

std::string CrossChain::LockSell(const std::string& chain, const std::string& customer,
                                 const std::string& ref, const std::string& amount,
                                 const std::string& min_mlk, int64_t deadline_ms) {
  const std::string org = OrgOf(chain);
  MustInvokeOn(NodeOf(chain), chain, net_->Wallet(customer), org, "gateway", "swap", "sell",
               {ref, amount, min_mlk, std::to_string(deadline_ms)});
  return chaincode::SwapId(chain, net_->Address(customer), ref);
}

std::string CrossChain::LockStock(const std::string& chain, const std::string& ref,
                                  const std::string& amount) {
  const std::string org = OrgOf(chain);
  const client::Signer issuer = net_->Member(org, "issuer");
  const std::string own = crypto::WalletAddress(issuer.key.public_key);
  Issue(chain, own, amount, "stock-issue-" + ref);
  MustInvokeOn(NodeOf(chain), chain, issuer, org, "issuer", "swap", "stock",
               {ref, amount, std::to_string(SystemClock::Instance().NowMs() + kDayMs)});
  return chaincode::SwapId(chain, own, ref);
}

std::string CrossChain::Buy(const std::string& chain, const std::string& customer,
                            const std::string& bt_amount, const std::string& max_mlk) {
  Result<client::InvokeResult> result =
      InvokeOn("tica", kCenterChain, net_->Wallet(customer), "TICA", "gateway", "exchange", "buy",
               {SymbolOf(chain), bt_amount, max_mlk});
  INFO("buy: " << result.status().ToString());
  REQUIRE(result.ok());
  REQUIRE(result->code == milkpb::VALID);
  REQUIRE(result->sequenced_response.has_value());
  INFO(result->sequenced_response->message());
  REQUIRE(result->sequenced_response->status() == 200);
  buys_.push_back(result->tx_id);
  buy_chains_.push_back(chain);
  return result->tx_id;
}

CrossChain::Progress CrossChain::ReadProgress() const {
  Progress progress;
  auto open = [&](const std::string& chain) -> int64_t {
    Result<std::string> page = QueryOn(NodeOf(chain), chain, "swap", "open", {"", "1000"});
    if (!page.ok()) return -1;
    Json ids = Json::parse(*page, nullptr, false);
    if (ids.is_object() && ids.contains("ids")) ids = ids["ids"];
    return ids.is_array() ? static_cast<int64_t>(ids.size()) : -1;
  };
  progress.open_a = open(kSwapChainA);
  progress.open_b = open(kSwapChainB);
  int64_t undelivered = 0;
  for (size_t i = 0; i < buys_.size(); ++i) {
    Result<std::string> delivery = QueryOn(NodeOf(buy_chains_[i]), buy_chains_[i], "swap",
                                           "delivery", {buys_[i]});
    if (delivery.ok()) continue;
    if (delivery.status().code() != Code::kNotFound) return progress;  // unknown
    ++undelivered;
  }
  progress.undelivered = undelivered;
  return progress;
}

CrossChain::Progress CrossChain::WaitUntilDone(int64_t timeout_ms) const {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Progress progress = ReadProgress();
  while (!progress.done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    progress = ReadProgress();
  }
  return progress;
}

std::string CrossChain::WriteRelayConfig() const {
  const std::string path = net_->dir() + "/relay.yaml";
  std::ofstream out(path);
  out << "identity: " << net_->member_dir("TICA", "relay") << "\n"
      << "tls:\n  ca_files: [" << net_->tls_ca_bundle() << "]\n"
      << "center:\n  chain_id: " << kCenterChain << "\n  peers: [\"" << net_->endpoint("tica")
      << "\"]\n"
      << "brand_chains:\n";
  for (const std::string chain : {kSwapChainA, kSwapChainB}) {
    out << "  - chain_id: " << chain << "\n    peers: [\"" << net_->endpoint(NodeOf(chain))
        << "\"]\n";
  }
  // Short passes: a restarted relay finds the work left at once.
  out << "poll_ms: 100\nrequest_timeout_ms: 10000\n";
  REQUIRE(out.good());
  return path;
}

std::unique_ptr<ChildProcess> CrossChain::StartRelay(const std::string& name,
                                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {MILK_BINARY_PATH, "relay", "--config", WriteRelayConfig()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto relay = std::make_unique<ChildProcess>();
  const std::string error = relay->Start(argv, net_->dir() + "/relay-" + name + ".log");
  INFO(error);
  REQUIRE(error.empty());
  return relay;
}

std::string CrossChain::RelayLog(const std::string& name) const {
  return ReadFileOrEmpty(net_->dir() + "/relay-" + name + ".log");
}

swap::ConservationReport CrossChain::StopAndCheck() {
  for (const char* node : {"tica", "a", "b"}) {
    if (net_->running(node)) net_->Terminate(node);
  }
  // Each chain's committed state from the node that orders it.
  auto open = [&](const std::string& chain) {
    Result<std::unique_ptr<node::LedgerDb>> db = node::LedgerDb::Open(
        net_->data_dir(NodeOf(chain)) + "/chains/" + chain + "/ledger", node::LedgerDbOptions());
    INFO(chain << ": " << db.status().ToString());
    REQUIRE(db.ok());
    return std::move(db).value();
  };
  std::unique_ptr<node::LedgerDb> center = open(kCenterChain);
  std::unique_ptr<node::LedgerDb> chain_a = open(kSwapChainA);
  std::unique_ptr<node::LedgerDb> chain_b = open(kSwapChainB);
  auto center_state = center->Snapshot();
  auto state_a = chain_a->Snapshot();
  auto state_b = chain_b->Snapshot();
  Result<swap::ConservationReport> report = swap::CheckCrossChainConservation(
      *center_state, {{kSwapChainA, state_a.get()}, {kSwapChainB, state_b.get()}},
      SystemClock::Instance().NowMs());
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return std::move(report).value();
}

}  // namespace milk::integration
