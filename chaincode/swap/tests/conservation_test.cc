// CheckCrossChainConservation over a real center chain (the exchange tests' fixture: alliance,
// mlk, lzm, exchange) and a real brand chain (brandtoken, swap) whose finish and deliver carry
// proofs of the center's actual answers. A consistent world passes at every step; each broken
// rule is caught with a message naming it.
#include "chaincode/swap/conservation.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/exchange/tests/exchange_test_util.h"
#include "chaincode/swap/swap.h"

namespace milk::swap {
namespace {

namespace ex = chaincode::exchange_test;
using chaincode::MemoryState;
using chaincode::SimulationResult;
using Json = nlohmann::json;

constexpr char kCenter[] = "center";  // the exchange fixture's chain id
const crypto::IdentityInfo kCoffeeIssuer =
    chaincode::testing::Member("CoffeeCo", milkpb::CLIENT, 'i');
// Its key is the fixture's kCoffeeWallet: the stock swap "seed-1" is its own BT.
const crypto::IdentityInfo kCoffeeStocker =
    chaincode::testing::Member("CoffeeCo", milkpb::ADMIN, 'w');
const std::string kPlatformAddress = crypto::WalletAddress(chaincode::testing::TestPublicKey('P'));

// brand.beans: the brand chain of the fixture's "beans" market.
class BrandWorld {
 public:
  BrandWorld()
      : root_(crypto::KeyPairFromSeed(std::string(32, 'R'))),
        peer_(crypto::KeyPairFromSeed(std::string(32, 'S'))) {
    milkpb::CertificateBody body;
    body.set_version(1);
    body.set_org("TICA");
    body.set_name("peer0");
    body.set_role(milkpb::PEER);
    body.set_public_key(peer_.public_key);
    body.set_not_before_ms(0);
    body.set_not_after_ms(4'102'444'800'000);  // 2100-01-01
    body.set_serial(1);
    identity_ = crypto::SerializeMemberIdentity(crypto::IssueCertificate(body, root_.secret_key));
    registry_.Register(chaincode::kBrandTokenChaincodeName,
                       std::make_shared<chaincode::BrandTokenChaincode>());
    registry_.Register(chaincode::kSwapChaincodeName, std::make_shared<chaincode::SwapChaincode>());
    Init(chaincode::kBrandTokenChaincodeName, Json{{"symbol", "beans"},
                                                   {"redemption_krw", "10"},
                                                   {"default_expiry_ms", 365 * ex::kDayMs},
                                                   {"renewal_ms", 365 * ex::kDayMs},
                                                   {"transferable", true},
                                                   {"partner_org", "CoffeeCo"},
                                                   {"platform_address", kPlatformAddress}});
    Init(chaincode::kSwapChaincodeName,
         Json{{"center_chain_id", kCenter},
              {"center_policy", "OutOf(1,'TICA.peer')"},
              {"center_root_keys", {{"TICA", ToHex(root_.public_key)}}},
              {"exchange_chaincode", "exchange"},
              {"brandtoken_chaincode", "brandtoken"},
              {"operator_org", "TICA"},
              {"partner_org", "CoffeeCo"},
              {"proof_max_age_ms", 600'000},
              {"deadline_max_ms", 2 * ex::kDayMs}});
  }

  SimulationResult Run(const std::string& chaincode, const std::string& function,
                       std::vector<std::string> args, const crypto::IdentityInfo& creator) {
    chaincode::TxContext context =
        chaincode::testing::Context(chaincode, function, std::move(args), creator);
    context.chain_id = ex::kBeansChain;
    context.tx_id = "btx" + std::to_string(++tx_);
    context.timestamp_ms = now_ms;
    SimulationResult result = chaincode::Simulate(registry_, state_, context);
    if (result.response.status() == 200) state_.Apply(result.rwset, chaincode::Version{tx_, 0});
    return result;
  }
  void Ok(const std::string& chaincode, const std::string& function, std::vector<std::string> args,
          const crypto::IdentityInfo& creator = ex::kBob) {
    SimulationResult result = Run(chaincode, function, std::move(args), creator);
    INFO(function << ": " << result.response.message());
    REQUIRE(result.response.status() == 200);
  }
  // A proof of exchange `function args` on the center answering payload, signed by TICA's peer.
  std::string Prove(const std::string& function, const std::vector<std::string>& args,
                    const std::string& payload) const {
    milkpb::ViewResult view =
        ex::MakeView(kCenter, "exchange", function, args, 200, payload, now_ms - 1000);
    milkpb::ViewProof proof;
    *proof.mutable_result() = view;
    *proof.add_signatures() = proof::SignView(view, peer_, identity_);
    return proof.SerializeAsString();
  }
  MemoryState& state() { return state_; }
  int64_t now_ms = ex::kStartMs;

 private:
  void Init(const std::string& chaincode, const Json& config) {
    chaincode::TxContext context =
        chaincode::testing::Context(chaincode, "", {config.dump()}, ex::kTicaAdmin);
    context.timestamp_ms = now_ms;
    SimulationResult init = chaincode::Simulate(registry_, state_, context, true);
    INFO(init.response.message());
    REQUIRE(init.response.status() == 200);
    state_.Apply(init.rwset, chaincode::Version{++tx_, 0});
  }

  crypto::KeyPair root_, peer_;
  std::string identity_;
  chaincode::Registry registry_;
  MemoryState state_;
  uint64_t tx_ = 0;
};

// Both chains, the center's seed stock mirrored on the brand chain: consistent and quiescent.
struct World {
  ex::ExchangeChain center;
  BrandWorld brand;
  World() {
    brand.Ok("brandtoken", "issue", {ex::kCoffeeWallet, "400000", "seed"}, kCoffeeIssuer);
    brand.Ok("swap", "stock", {"seed-1", "400000", Deadline()}, kCoffeeStocker);
    Finish(chaincode::SwapId(ex::kBeansChain, ex::kCoffeeWallet, "seed-1"));
  }
  std::string Deadline() const { return std::to_string(brand.now_ms + ex::kDayMs); }
  // The brand chain follows the center's actual answer to `swap brand.beans <id>`.
  void Finish(const std::string& id) {
    SimulationResult decided = center.Exchange("swap", {ex::kBeansChain, id}, ex::kBob);
    REQUIRE(decided.response.status() == 200);
    brand.Ok("swap", "finish",
             {id, brand.Prove("swap", {ex::kBeansChain, id}, decided.response.payload())});
  }
  void Deliver(const std::string& txid) {
    SimulationResult purchase = center.Exchange("purchase", {txid}, ex::kBob);
    REQUIRE(purchase.response.status() == 200);
    brand.Ok("swap", "deliver",
             {txid, brand.Prove("purchase", {txid}, purchase.response.payload())});
  }
  // A customer's sell locked on the brand chain (its BT issued first).
  std::string Lock(const crypto::IdentityInfo& wallet, const std::string& amount,
                   const std::string& ref) {
    const std::string owner = crypto::WalletAddress(wallet.public_key);
    brand.Ok("brandtoken", "issue", {owner, amount, "i-" + ref}, kCoffeeIssuer);
    brand.Ok("swap", "sell", {ref, amount, "0", Deadline()}, wallet);
    return chaincode::SwapId(ex::kBeansChain, owner, ref);
  }
  std::string Buy(const std::string& amount) {
    Json bought = center.Ok("exchange", "buy", {"beans", amount, ex::Mlk(100'000)}, ex::kBob);
    return bought["tx"].get<std::string>();
  }
  Result<ConservationReport> Check() {
    return CheckCrossChainConservation(center.state(), {{ex::kBeansChain, &brand.state()}},
                                       center.now_ms);
  }
  ConservationReport::Brand Passes(bool quiescent) {
    auto report = Check();
    INFO(report.status().ToString());
    REQUIRE(report.ok());
    CHECK(report->quiescent == quiescent);
    REQUIRE(report->brands.size() == 1);
    return report->brands[0];
  }
  void Caught(const std::string& message) {
    auto report = Check();
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().code() == Code::kDataLoss);
    CHECK_THAT(report.status().message(), Catch::Contains(message));
  }
};

TEST_CASE("A consistent world passes at every step of sells and buys", "[conservation]") {
  World w;
  ConservationReport::Brand seeded = w.Passes(true);
  CHECK(seeded.brand == "beans");
  CHECK(seeded.platform_balance == "400000");
  CHECK(seeded.inventory == "400000");
  CHECK(seeded.swaps_released == 1);

  const std::string sold = w.Lock(ex::kAlice, "1000", "s-1");
  CHECK(w.Passes(true).swaps_locked == 1);  // locked, undecided: nothing owed yet
  w.center.Sell(ex::kAliceAddress, 1000, "s-1");
  ConservationReport::Brand settled = w.Passes(false);
  CHECK(settled.settled_unreleased == "1000");
  CHECK(settled.inventory == "401000");
  w.Finish(sold);
  CHECK(w.Passes(true).platform_balance == "401000");

  const std::string txid = w.Buy("500");
  ConservationReport::Brand bought = w.Passes(false);
  CHECK(bought.purchases_undelivered == "500");
  CHECK(bought.inventory == "400500");
  w.Deliver(txid);
  ConservationReport::Brand delivered = w.Passes(true);
  CHECK(delivered.platform_balance == "400500");
  CHECK(delivered.purchases_delivered == 1);

  const std::string refused = w.Lock(ex::kBob, "10", "b-1");
  ex::SwapSpec spec = w.center.Locked(ex::kBobAddress, 10, "b-1");
  spec.min_mlk = ex::Mlk(1'000'000);
  w.center.ExpectAborted(spec, "below the minimum");
  CHECK_FALSE(w.Passes(false).swaps_refunded);  // aborted, not refunded yet: in flight
  w.Finish(refused);
  CHECK(w.Passes(true).swaps_refunded == 1);
}

TEST_CASE("Each broken conservation rule is caught and named", "[conservation]") {
  World w;
  w.Passes(true);
  SECTION("an extra unit on TICA's account") {
    MemoryState& state = w.brand.state();
    auto put = [&](const std::string& type, const std::string& attr, const std::string& value) {
      state.Put("brandtoken", *chaincode::CreateCompositeKey(type, {attr}), value,
                chaincode::Version{999, 0});
    };
    put("lots", kPlatformAddress,
        "[{\"expiry_ms\":" + std::to_string(chaincode::kNeverExpiresMs) +
            ",\"amount\":\"400001\"}]");
    put("total", "issued", "400001");  // the brand chain alone still adds up
    w.Caught(
        "brand chain brand.beans: TICA's account holds 400001 but the market's inventory "
        "400000");
  }
  SECTION("a released swap the center aborted") {
    const std::string id = w.Lock(ex::kBob, "5", "b-1");
    ex::SwapSpec spec = w.center.Locked(ex::kBobAddress, 5, "b-1");
    spec.min_mlk = ex::Mlk(1'000'000);
    w.center.ExpectAborted(spec, "below the minimum");
    // A proof claiming settlement, signed by a (compromised) center peer.
    const std::string forged = Json{
        {"id", id},       {"chain_id", ex::kBeansChain},
        {"kind", "sell"}, {"owner", ex::kBobAddress},
        {"amount", "5"},  {"state", "settled"},
        {"reason", ""}}.dump();
    w.brand.Ok("swap", "finish", {id, w.brand.Prove("swap", {ex::kBeansChain, id}, forged)});
    w.Caught("swap " + id + " was released to TICA but the center has it aborted");
  }
  SECTION("a delivery without purchase") {
    const std::string fake = Json{
        {"tx", "fake-1"},
        {"chain_id", ex::kBeansChain},
        {"buyer", ex::kBobAddress},
        {"bt_amount", "10"}}.dump();
    w.brand.Ok("swap", "deliver", {"fake-1", w.brand.Prove("purchase", {"fake-1"}, fake)});
    w.Caught("delivery fake-1 has no purchase of this chain on the center");
  }
  SECTION("a purchase delivered twice") {
    const std::string txid = w.Buy("500");
    w.Deliver(txid);
    w.Passes(true);
    // The delivery record lost: the purchase looks undelivered while TICA already paid it out.
    w.brand.state().Delete("swap", *chaincode::CreateCompositeKey("delivery", {txid}),
                           chaincode::Version{999, 0});
    w.Caught(
        "TICA's account holds 399500 but the market's inventory 399500 - settled unreleased "
        "0 + undelivered purchases 500");
    // Delivered again without its record: brandtoken's purchase_ref makes the credit answer the
    // first one, so TICA pays once and the world adds up again.
    w.Deliver(txid);
    CHECK(w.Passes(true).platform_balance == "399500");
  }
  SECTION("a settled swap the brand chain never locked") {
    w.center.Sell(ex::kAliceAddress, 7, "ghost");
    w.Caught("the center settled swap " +
             chaincode::SwapId(ex::kBeansChain, ex::kAliceAddress, "ghost") +
             " that was never locked here");
  }
  SECTION("a broken brand chain invariant") {
    w.brand.state().Put("brandtoken",
                        *chaincode::CreateCompositeKey("escrow", {std::string(64, 'e')}), "{}",
                        chaincode::Version{999, 0});
    w.Caught("brand chain brand.beans: escrow of swap");
  }
  SECTION("a broken center chain invariant") {
    Json market = w.center.Market();
    market["inventory"] = "400001";
    w.center.state().Put("exchange", *chaincode::CreateCompositeKey("market", {"beans"}),
                         market.dump(), chaincode::Version{999, 0});
    w.Caught("center chain: ");
  }
  SECTION("a brand chain without a market") {
    auto report = CheckCrossChainConservation(w.center.state(), {{"brand.none", &w.brand.state()}},
                                              w.center.now_ms);
    REQUIRE_FALSE(report.ok());
    CHECK_THAT(report.status().message(),
               Catch::Contains("brand chain brand.none: no market on the center trades"));
  }
}

}  // namespace
}  // namespace milk::swap
