// The economy verbs of the real `milk` binary against a real node whose chain runs the MiL.k
// chaincodes (EconomyContent, plus BrandA's brandtoken and swap on the same chain, which thus
// plays the center chain and BrandA's brand chain at once): what a customer, a partner and
// TICA's operators type, what they read, and how refusals look. `milk swap` sells, aborts, buys
// and shows swaps for real; the relay's steps are done by the fixture, which signs the proofs as
// BrandA's peer and TICA's peer.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "crypto/clock.h"
#include "tests/integration/economy.h"
#include "tests/integration/harness.h"

namespace milk::integration {
namespace {

using Json = nlohmann::json;

constexpr int64_t kDayMs = 86'400'000;

bool IsOneMilkLine(const std::string& err) {
  return err.rfind("milk: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

// a + b for decimal digit strings, exactly.
std::string AddDecimal(const std::string& a, const std::string& b) {
  std::string sum;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry != 0; ++i) {
    const int x = i < a.size() ? a[a.size() - 1 - i] - '0' : 0;
    const int y = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    sum.insert(sum.begin(), static_cast<char>('0' + (x + y + carry) % 10));
    carry = (x + y + carry) / 10;
  }
  return sum;
}

// The test chain plays the center chain and BrandA's brand chain at once: the center chain's
// economy plus BrandA's brandtoken and swap chaincodes, the swap's "center" being this same
// chain. The fixture stands in for BrandA's peer (proofs of brand swaps) and TICA's peer (proofs
// of the center's decisions) as the relay would fetch them.
ChainContent EconomyWithBrand(int64_t listing_ms) {
  ChainContent content = EconomyContent(listing_ms);
  auto economy_yaml = content.chaincodes_yaml;
  content.chaincodes_yaml = [economy_yaml](const std::string& crypto_dir) {
    std::string platform =
        ReadFileOrEmpty(crypto_dir + "/wallets/" + kLiquidityWallet + "/address");
    while (!platform.empty() && platform.back() == '\n') platform.pop_back();
    const Json brandtoken = {{"symbol", kBtA},
                             {"redemption_krw", "1"},
                             {"default_expiry_ms", 365 * kDayMs},
                             {"renewal_ms", 365 * kDayMs},
                             {"transferable", true},
                             {"partner_org", kBrandA},
                             {"platform_address", platform},
                             {"swap_chaincode", "swap"}};
    const Json swap = {{"center_chain_id", kChainId},
                       {"center_policy", "OutOf(1,'TICA.peer')"},
                       {"center_root_keys", {{"TICA", RootKeyHex(crypto_dir, "TICA")}}},
                       {"exchange_chaincode", "exchange"},
                       {"brandtoken_chaincode", "brandtoken"},
                       {"operator_org", "TICA"},
                       {"partner_org", kBrandA},
                       {"proof_max_age_ms", kProofMaxAgeMs},
                       {"deadline_max_ms", 7 * kDayMs}};
    std::string yaml = economy_yaml(crypto_dir);
    for (const auto& [name, init] :
         {std::pair{"brandtoken", brandtoken}, std::pair{"swap", swap}}) {
      yaml += std::string("  - name: ") + name +
              "\n    version: 1\n    endorsement_policy: \"OR('TICA.peer')\"\n"
              "    acl: {\"*\": [\"*\"]}\n    init_args: [" +
              Json(init.dump()).dump() + "]\n";
    }
    return yaml;
  };
  return content;
}

// A node with the economy bootstrapped (BrandA's brand chain being the node's chain), and `milk`
// run as one identity or another.
struct EconomyCli {
  EconomyCli()
      : node([] {
          HarnessOptions options;
          options.wallets = EconomyWallets({"alice", "bob"});
          options.content = EconomyWithBrand(SystemClock::Instance().NowMs() - kDayMs);
          return options;
        }()),
        economy(
            node.Client(), node.crypto_dir(),
            [this](const std::string& org, const std::string& name) {
              return node.OrgMember(org, name);
            },
            [this](const std::string& name) { return node.Wallet(name); }) {
    economy.SetBrandChain(kBrandA, kChainId);
    economy.Bootstrap();
  }

  std::string OrgDir(const std::string& org, const std::string& name) const {
    return node.crypto_dir() + "/orgs/" + org + "/members/" + name;
  }
  // milk --peer <node> --identity <dir> args...
  CommandResult As(const std::string& identity, std::vector<std::string> args) const {
    args.insert(args.begin(), {"--peer", node.grpc_endpoint(), "--identity", identity});
    return node.RunMilk(args);
  }
  CommandResult Wallet(const std::string& name, const std::vector<std::string>& args) const {
    return As(node.wallet_dir(name), args);
  }
  // Runs and REQUIREs exit 0.
  std::string Must(const std::string& identity, const std::vector<std::string>& args) const {
    CommandResult run = As(identity, args);
    INFO(::Catch::Detail::stringify(args) << "\n" << run.out << run.err);
    REQUIRE(run.exit_code == 0);
    return run.out;
  }
  // The swap id a `swap sell` printed ("swap_id: <id>" line).
  static std::string SwapIdIn(const std::string& out) {
    const size_t at = out.find("swap_id: ");
    REQUIRE(at != std::string::npos);
    return out.substr(at + 9, 64);
  }
  // `milk swap status` of a swap on this chain, as JSON.
  Json Status(const std::string& swap_id) const {
    return Json::parse(Must(node.wallet_dir("alice"), {"--json", "swap", "status", "-C", kChainId,
                                                       "--center", kChainId, swap_id}));
  }
  // The relay's two steps, done by hand: the center decides on a proof of the lock (BrandA's
  // peer signs the record the swap chaincode holds), the brand chain follows on a proof of the
  // decision (TICA's peer signs it). Returns the decision.
  Json Decide(const std::string& swap_id) const {
    const client::Signer admin = economy.Tica("admin");
    const Result<std::string> record = economy.Query(admin, "swap", "swap", {swap_id});
    INFO(record.status().ToString());
    REQUIRE(record.ok());
    return Json::parse(
        economy.MustInvoke(economy.Tica("relay"), "exchange", "settle_swap",
                           {kChainId, swap_id, economy.ProveSwap(kBrandA, Json::parse(*record))}));
  }
  void Finish(const std::string& swap_id) const {
    const client::Signer admin = economy.Tica("admin");
    const Result<std::string> decision =
        economy.Query(admin, "exchange", "swap", {kChainId, swap_id});
    INFO(decision.status().ToString());
    REQUIRE(decision.ok());
    const std::string proof = economy.Prove(node.Member("peer0"), kChainId, "exchange", "swap",
                                            {kChainId, swap_id}, *decision);
    economy.MustInvoke(economy.Tica("relay"), "swap", "finish", {swap_id, proof});
  }

  TestNode node;
  Economy economy;
};

TEST_CASE("milk economy verbs: a customer's day on the center chain",
          "[integration][cli][economy]") {
  EconomyCli t;
  const std::string alice = t.node.Address("alice");
  const std::string bob = t.node.Address("bob");
  const std::string alice_dir = t.node.wallet_dir("alice");
  const std::string tica_admin = t.OrgDir("TICA", "admin");
  t.economy.MustInvoke(t.economy.Tica("admin"), "mlk", "grant",
                       {"operation", alice, "1000000000000000000000", "promo-alice"});  // 1,000 MLK

  // The partners and the markets, as anyone reads them.
  CHECK(t.Must(alice_dir, {"alliance", "list", "-C", kChainId}) ==
        "BrandA  sector retail  brand BTA  min price 7000 bps\n"
        "BrandB  sector food  brand BTB  min price 6500 bps\n");
  // BTB: p_max = floor(10^6 * 9500 / 10150) = 935960, p_min = 650000, inventory 400000:
  // p = 935960 - ceil(285960 * 0.4) = 821576 micro-KRW.
  const std::string btb = t.Must(alice_dir, {"market", "show", "-C", kChainId, kBtB});
  CHECK_THAT(btb, Catch::Contains("price:     0.821576 KRW per BT (bounds 0.65 .. 0.93596)"));
  CHECK_THAT(btb, Catch::Contains("inventory: 400000 (depth 1000000)"));
  CHECK_THAT(btb, Catch::Contains("buying:    open"));
  const std::string bta = t.Must(alice_dir, {"market", "show", "-C", kChainId, kBtA});
  CHECK_THAT(bta, Catch::Contains("buying:    halted (TICA's inventory is empty)"));
  CHECK_THAT(bta, Catch::Contains("selling:   open"));
  CHECK(Json::parse(t.Must(alice_dir, {"--json", "market", "show", "-C", kChainId})).size() == 2);

  // MLK between wallets, in whole tokens.
  CHECK_THAT(t.Must(alice_dir, {"wallet", "balance", "-C", kChainId}),
             Catch::Contains("unlocked: 1000 MLK"));
  t.Must(alice_dir, {"wallet", "transfer", "-C", kChainId, bob, "12.5"});
  CHECK_THAT(t.Must(alice_dir, {"wallet", "balance", "-C", kChainId, bob}),
             Catch::Contains("unlocked: 12.5 MLK"));
  CHECK_THAT(t.Must(alice_dir, {"wallet", "balance", "-C", kChainId, "--units"}),
             Catch::Contains("unlocked: 987500000000000000000 units"));

  // The oracle, then a sale of BTA across the swap protocol: alice locks 1000 on the brand
  // chain, the center settles at the quoted price, the brand chain releases them to TICA.
  t.Must(t.OrgDir("TICA", "oracle"), {"oracle", "set", "-C", kChainId, "500"});
  t.Must(t.OrgDir(kBrandA, "issuer"),
         {"brand", "issue", "-C", kChainId, alice, "1100", "legacy-0"});
  const Json quote = Json::parse(
      t.Must(alice_dir, {"--json", "market", "quote", "-C", kChainId, kBtA, "sell", "1000"}));
  const std::string locked = t.Must(
      alice_dir, {"swap", "sell", "-C", kChainId, "r1", "1000", "0.000000000000000001", "+30m"});
  CHECK_THAT(locked, Catch::Contains("locked 1000 for sale to TICA for at least "
                                     "0.000000000000000001 MLK"));
  const std::string sale = EconomyCli::SwapIdIn(locked);
  Json status = t.Status(sale);
  CHECK(status.at("stage") == "waiting_for_decision");
  CHECK(status.at("brand_chain").at("record").at("state") == "locked");
  CHECK(status.at("center").at("decision").is_null());
  CHECK_THAT(t.Must(alice_dir, {"brand", "balance", "-C", kChainId}),
             Catch::Contains("spendable: 100\n"));
  const Json decision = t.Decide(sale);
  CHECK(decision.at("state") == "settled");
  CHECK(decision.at("mlk_total") == quote.at("mlk_total"));
  status = t.Status(sale);
  CHECK(status.at("stage") == "waiting_for_finish");
  t.Finish(sale);
  const std::string shown =
      t.Must(alice_dir, {"swap", "status", "-C", kChainId, "--center", kChainId, sale});
  CHECK_THAT(shown, Catch::Contains("  state:     released "));
  CHECK_THAT(shown, Catch::EndsWith("stage: done: settled\n"));
  const Json fill = Json::parse(
      t.Must(alice_dir, {"--json", "market", "quote", "-C", kChainId, kBtA, "sell", "1"}));
  CHECK(fill.at("price_before") == quote.at("price_after"));  // the sale moved the market
  // alice received exactly the quoted proceeds (987.5 MLK before); TICA's account on the brand
  // chain holds what its inventory on the center says.
  const std::string proceeds = quote.at("mlk_total").get<std::string>();
  const Json after =
      Json::parse(t.Must(alice_dir, {"--json", "wallet", "balance", "-C", kChainId}));
  CHECK(after.at("unlocked") == AddDecimal("987500000000000000000", proceeds));
  const Json market_a =
      Json::parse(t.Must(alice_dir, {"--json", "market", "show", "-C", kChainId, kBtA}));
  CHECK(market_a.at("inventory") == "1000");
  CHECK_THAT(
      t.Must(alice_dir, {"brand", "balance", "-C", kChainId, t.node.Address(kLiquidityWallet)}),
      Catch::Contains("spendable: 1000\n"));

  // A swap the customer aborts: alice states a deadline already past, the center decides
  // "aborted", the brand chain refunds the escrow.
  const std::string r2 = EconomyCli::SwapIdIn(
      t.Must(alice_dir, {"swap", "sell", "-C", kChainId, "r2", "50", "1", "+30m"}));
  const std::string past = std::to_string(SystemClock::Instance().NowMs() - 1000);
  const std::string aborted =
      t.Must(alice_dir, {"swap", "abort", "-C", kChainId, kChainId, "r2", past});
  CHECK_THAT(aborted, Catch::Contains("swap_id: " + r2 + "\n"));
  status = t.Status(r2);
  CHECK(status.at("center").at("decision").at("state") == "aborted");
  CHECK(status.at("stage") == "waiting_for_finish");
  t.Finish(r2);
  CHECK(t.Status(r2).at("stage") == "refunded");
  CHECK_THAT(t.Must(alice_dir, {"brand", "balance", "-C", kChainId}),
             Catch::Contains("spendable: 100\n"));

  // A purchase by bob from TICA's BTB inventory, within his limit, for delivery on brand-b.
  const std::string bought =
      t.Must(t.node.wallet_dir("bob"), {"swap", "buy", "-C", kChainId, kBtB, "5", "1"});
  CHECK_THAT(bought, Catch::Contains("bought 5 BTB; the relay delivers them on the brand chain\n"
                                     "  side: buy\n"));
  const size_t at = bought.find("purchase: ");
  REQUIRE(at != std::string::npos);
  const Result<std::string> purchase = t.economy.Query(t.economy.Tica("admin"), "exchange",
                                                       "purchase", {bought.substr(at + 10, 64)});
  INFO(purchase.status().ToString());
  REQUIRE(purchase.ok());
  CHECK(Json::parse(*purchase).at("chain_id") == kBrandChainB);
  CHECK(Json::parse(*purchase).at("bt_amount") == "5");

  // LZM: the trade rewarded alice; attendance makes her Silver; partners see her on the VIP list.
  t.economy.MustInvoke(t.economy.Wallet("alice"), "lzm", "attendance", {alice});
  const Json lzm = Json::parse(t.Must(alice_dir, {"--json", "lzm", "balance", "-C", kChainId}));
  CHECK(lzm.at("address") == alice);
  CHECK(lzm.at("balance").get<std::string>().size() >= 19);  // at least the 1 LZM of attendance
  CHECK_THAT(t.Must(alice_dir, {"lzm", "level", "-C", kChainId}),
             Catch::StartsWith(alice + ": level 1 (Silver), earned 1."));
  CHECK(t.Must(t.OrgDir(kBrandA, "admin"), {"lzm", "vip", "-C", kChainId, "1"}) == alice + "\n");

  // MiL.k Pack: stake 10 MLK, leave early, get the MLK back and no reward.
  const Json stake = Json::parse(
      t.Must(alice_dir, {"--json", "pack", "stake", "-C", kChainId, kPackProduct, "10"}));
  const std::string stake_id = stake.at("result").at("id");
  CHECK(stake.at("result").at("amount") == "10000000000000000000");
  const std::string unstaked = t.Must(alice_dir, {"pack", "unstake", "-C", kChainId, stake_id});
  CHECK_THAT(unstaked, Catch::Contains("unstaked " + stake_id +
                                       ": 10 MLK back, reward 0 LZM "
                                       "(early exit: the reward is forfeited)"));

  // Brand Tokens: BrandA's issuer issues points, alice moves and spends them.
  t.Must(t.OrgDir(kBrandA, "issuer"), {"brand", "issue", "-C", kChainId, alice, "100", "legacy-1"});
  t.Must(alice_dir, {"brand", "transfer", "-C", kChainId, bob, "30"});
  t.Must(alice_dir, {"brand", "redeem", "-C", kChainId, "20"});
  CHECK_THAT(t.Must(alice_dir, {"brand", "balance", "-C", kChainId}),
             Catch::Contains("spendable: 150"));
  CHECK_THAT(t.Must(alice_dir, {"brand", "balance", "-C", kChainId, bob}),
             Catch::Contains("spendable: 30"));

  // The alliance: TICA proposes a third partner, BrandA approves.
  t.Must(tica_admin, {"alliance", "propose", "-C", kChainId, "BrandC", "travel", "BTC"});
  t.Must(t.OrgDir(kBrandA, "admin"), {"alliance", "approve", "-C", kChainId, "BrandC"});
  const Result<std::string> proposal =
      t.economy.Query(t.economy.Tica("admin"), "alliance", "proposal", {"BrandC"});
  REQUIRE(proposal.ok());
  CHECK(Json::parse(*proposal).at("approvals") == Json::array({kBrandA}));
}

TEST_CASE("milk economy verbs: new wallets and refusals", "[integration][cli][economy]") {
  EconomyCli t;
  const std::string dave_dir = t.node.dir() + "/dave";
  CommandResult created = t.node.RunMilk({"wallet", "create", "--output", dave_dir});
  INFO(created.out << created.err);
  REQUIRE(created.exit_code == 0);
  const std::string dave = created.out.substr(0, created.out.size() - 1);
  CHECK(t.Must(dave_dir, {"wallet", "address"}) == dave + "\n");
  CHECK_THAT(t.Must(dave_dir, {"wallet", "balance", "-C", kChainId}),
             Catch::Contains("unlocked: 0 MLK"));
  CommandResult again = t.node.RunMilk({"wallet", "create", "--output", dave_dir});
  CHECK(again.exit_code == 1);
  CHECK(IsOneMilkLine(again.err));

  // The chaincode's refusal, in one line; nothing moved.
  const std::string alice = t.node.Address("alice");
  CommandResult broke = t.As(dave_dir, {"wallet", "transfer", "-C", kChainId, alice, "1"});
  INFO(broke.err);
  CHECK(broke.exit_code == 1);
  CHECK(IsOneMilkLine(broke.err));
  CHECK_THAT(broke.err, Catch::Contains("insufficient"));
  // A swap of BT dave does not have: refused by the brand chain, in one line; nothing locked.
  CommandResult empty = t.As(dave_dir, {"swap", "sell", "-C", kChainId, "d0", "1000", "1", "+30m"});
  INFO(empty.out << empty.err);
  CHECK(empty.exit_code == 1);
  CHECK(IsOneMilkLine(empty.err));
  CHECK_THAT(empty.err, Catch::Contains("'swap'"));
  // A limit price that the trade misses: the center decides "aborted" with the reason, and the
  // brand chain refunds.
  t.Must(t.OrgDir(kBrandA, "issuer"), {"brand", "issue", "-C", kChainId, dave, "1000", "l-d1"});
  const std::string greedy = EconomyCli::SwapIdIn(
      t.Must(dave_dir, {"swap", "sell", "-C", kChainId, "d1", "1000", "1000000", "+30m"}));
  const Json decision = t.Decide(greedy);
  CHECK(decision.at("state") == "aborted");
  CHECK_THAT(decision.at("reason").get<std::string>(), Catch::Contains("min"));
  CHECK(decision.at("mlk_total") == "0");
  // A second decision, on the same proof, is refused (409) and changes nothing.
  const Result<std::string> record =
      t.economy.Query(t.economy.Tica("admin"), "swap", "swap", {greedy});
  REQUIRE(record.ok());
  Result<client::InvokeResult> again_decided =
      t.economy.Invoke(t.economy.Tica("relay"), "exchange", "settle_swap",
                       {kChainId, greedy, t.economy.ProveSwap(kBrandA, Json::parse(*record))});
  INFO(again_decided.status().ToString());
  REQUIRE_FALSE(again_decided.ok());  // refused by the endorsing node already
  CHECK_THAT(again_decided.status().message(), Catch::Contains("status 409"));
  const Result<std::string> kept =
      t.economy.Query(t.economy.Tica("admin"), "exchange", "swap", {kChainId, greedy});
  REQUIRE(kept.ok());
  CHECK(Json::parse(*kept) == decision);
  const std::string shown =
      t.Must(dave_dir, {"swap", "status", "-C", kChainId, "--center", kChainId, greedy});
  CHECK_THAT(shown, Catch::Contains("  state:     locked "));
  CHECK_THAT(shown, Catch::Contains(" aborted\n"));
  t.Finish(greedy);
  CHECK_THAT(t.Must(dave_dir, {"brand", "balance", "-C", kChainId}),
             Catch::Contains("spendable: 1000\n"));
  // An unknown swap is on neither chain.
  CommandResult unknown = t.As(
      dave_dir, {"swap", "status", "-C", kChainId, "--center", kChainId, std::string(64, 'e')});
  CHECK(unknown.exit_code == 1);
  CHECK(IsOneMilkLine(unknown.err));
  CHECK_THAT(unknown.err, Catch::Contains("is on neither chain"));
  // Bad input refused before any call; a wallet asking for the partners' VIP list.
  CommandResult precise =
      t.As(dave_dir, {"wallet", "transfer", "-C", kChainId, alice, "0.0000000000000000001"});
  CHECK(precise.exit_code == 1);
  CHECK_THAT(precise.err, Catch::Contains("more than 18 decimals"));
  CommandResult vip = t.As(dave_dir, {"lzm", "vip", "-C", kChainId, "1"});
  CHECK(vip.exit_code == 1);
  CHECK(IsOneMilkLine(vip.err));
  CHECK_THAT(vip.err, Catch::Contains("vip is for partners' org members"));
}

}  // namespace
}  // namespace milk::integration
