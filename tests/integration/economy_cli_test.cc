// The economy verbs of the real `milk` binary against a real node whose chain runs the MiL.k
// chaincodes (EconomyNode content, plus a brandtoken for BrandA's points on the same chain):
// what a customer, a partner and TICA's operators type, what they read, and how refusals look.
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

// BrandA's points on the test chain: the center chain's economy plus a brandtoken.
ChainContent EconomyWithBrand(int64_t listing_ms) {
  ChainContent content = EconomyContent(listing_ms);
  auto economy_yaml = content.chaincodes_yaml;
  content.chaincodes_yaml = [economy_yaml](const std::string& crypto_dir) {
    std::string platform =
        ReadFileOrEmpty(crypto_dir + "/wallets/" + kLiquidityWallet + "/address");
    while (!platform.empty() && platform.back() == '\n') platform.pop_back();
    const Json init = {{"symbol", kBtA},
                       {"redemption_krw", "1"},
                       {"default_expiry_ms", 365 * kDayMs},
                       {"renewal_ms", 365 * kDayMs},
                       {"transferable", true},
                       {"partner_org", kBrandA},
                       {"platform_address", platform}};
    return economy_yaml(crypto_dir) +
           "  - name: brandtoken\n    version: 1\n    endorsement_policy: \"OR('TICA.peer')\"\n"
           "    acl: {\"*\": [\"*\"]}\n    init_args: [" +
           Json(init.dump()).dump() + "]\n";
  };
  return content;
}

// A node with the economy bootstrapped, and `milk` run as one identity or another.
struct EconomyCli {
  EconomyCli()
      : node([] {
          HarnessOptions options;
          options.wallets = EconomyWallets({"alice", "bob"});
          options.content = EconomyWithBrand(SystemClock::Instance().NowMs() - kDayMs);
          return options;
        }()),
        economy(
            node.Client(),
            [this](const std::string& org, const std::string& name) {
              return node.OrgMember(org, name);
            },
            [this](const std::string& name) { return node.Wallet(name); }) {
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

  // The oracle, then a sale: TICA's relay records alice's BTA in escrow, alice sells it.
  t.Must(t.OrgDir("TICA", "oracle"), {"oracle", "set", "-C", kChainId, "500"});
  const std::string expiry = std::to_string(SystemClock::Instance().NowMs() + 30 * kDayMs);
  t.Must(t.OrgDir("TICA", "relay"),
         {"market", "deposit", "-C", kChainId, kBtA, alice, "1000", expiry, "dep-a1"});
  const Json quote = Json::parse(
      t.Must(alice_dir, {"--json", "market", "quote", "-C", kChainId, kBtA, "sell", "1000"}));
  const std::string sold = t.Must(
      alice_dir, {"market", "sell", "-C", kChainId, "dep-a1", "--min-mlk", "0.000000000000000001"});
  CHECK_THAT(sold, Catch::Contains("sold deposit dep-a1\n  side: sell\n"));
  const Json fill = Json::parse(
      t.Must(alice_dir, {"--json", "market", "quote", "-C", kChainId, kBtA, "sell", "1"}));
  CHECK(fill.at("price_before") == quote.at("price_after"));  // the sale moved the market
  // alice received exactly the quoted proceeds (987.5 MLK before).
  const std::string proceeds = quote.at("mlk_total").get<std::string>();
  CHECK_THAT(sold, Catch::Contains("  mlk_total: "));
  const Json after =
      Json::parse(t.Must(alice_dir, {"--json", "wallet", "balance", "-C", kChainId}));
  CHECK(after.at("unlocked") == AddDecimal("987500000000000000000", proceeds));

  // A purchase by bob from TICA's BTB inventory, within his limit.
  const std::string bought = t.Must(t.node.wallet_dir("bob"),
                                    {"market", "buy", "-C", kChainId, kBtB, "5", "--max-mlk", "1"});
  CHECK_THAT(bought, Catch::Contains("bought 5 BTB\n  side: buy\n"));

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
             Catch::Contains("spendable: 50"));
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
  // A limit price that the trade misses: the sequenced sale commits as a refusal.
  const std::string expiry = std::to_string(SystemClock::Instance().NowMs() + 30 * kDayMs);
  t.Must(t.OrgDir("TICA", "relay"),
         {"market", "deposit", "-C", kChainId, kBtA, dave, "1000", expiry, "dep-d1"});
  CommandResult greedy =
      t.As(dave_dir, {"market", "sell", "-C", kChainId, "dep-d1", "--min-mlk", "1000000"});
  INFO(greedy.out << greedy.err);
  CHECK(greedy.exit_code == 1);
  CHECK(IsOneMilkLine(greedy.err));
  CHECK_THAT(greedy.err, Catch::Contains("exchange") && Catch::Contains("below your minimum"));
  const Result<std::string> deposit =
      t.economy.Query(t.economy.Tica("admin"), "exchange", "deposit", {"dep-d1"});
  REQUIRE(deposit.ok());
  CHECK(Json::parse(*deposit).at("state") == "open");
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
