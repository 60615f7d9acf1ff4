#include "chaincode/pack/pack.h"

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chaincode/lzm/lzm.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/mlk/tests/mlk_test_util.h"
#include "chaincode/shim/memory_state.h"
#include "chaincode/shim/simulator.h"
#include "chaincode/shim/tests/test_util.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace {

using Json = nlohmann::json;
using testing::Context;
using testing::Member;
using testing::Wallet;

const crypto::IdentityInfo kAdmin = Member("TICA", milkpb::ADMIN, 'A');
const crypto::IdentityInfo kAlice = Wallet('a');
const crypto::IdentityInfo kBob = Wallet('b');
const std::string kAliceAddress = crypto::WalletAddress(kAlice.public_key);
const std::string kBobAddress = crypto::WalletAddress(kBob.public_key);
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kStart = 1'700'000'000'000;

std::string LzmConfig() {
  Json rate = {{"num", "1"}, {"den", "1"}};
  return Json{
      {"operator_org", "TICA"},
      {"rates",
       {{"trade_krw", rate}, {"trade_mlk", rate}, {"coupon_krw", rate}, {"burn_mlk", rate}}},
      {"attendance_reward", "1"},
      {"level_window_days", 30},
      {"levels", {{{"name", "Silver"}, {"min", "1"}}}},
      {"pack_chaincode", "pack"}}
      .dump();
}

class PackChain {
 public:
  explicit PackChain(const std::string& mlk = "mlk") {
    registry_.Register("pack", std::make_shared<PackChaincode>());
    registry_.Register("lzm", std::make_shared<LzmChaincode>());
    registry_.Register("mlk", std::make_shared<MlkChaincode>());
    Init("mlk", mlk_test::DefaultParams().dump());
    Init("lzm", LzmConfig());
    Init("pack",
         Json{{"operator_org", "TICA"}, {"mlk_chaincode", mlk}, {"lzm_chaincode", "lzm"}}.dump());
    REQUIRE(Run("mlk", "grant", {"operation", kAliceAddress, "1000", "fund-alice"})
                .response.status() == 200);
    REQUIRE(
        Run("pack", "create_product", {"p30", std::to_string(30 * 24 * kHour), "1", "10", "500"})
            .response.status() == 200);
  }

  SimulationResult Run(const std::string& chaincode, const std::string& function,
                       std::vector<std::string> args,
                       const crypto::IdentityInfo& creator = kAdmin) {
    TxContext context = Context(chaincode, function, std::move(args), creator);
    context.timestamp_ms = now_ms;
    context.tx_id = "tx" + std::to_string(block_);
    SimulationResult result = Simulate(registry_, state_, context);
    if (result.response.status() == 200) Commit(result);
    return result;
  }
  SimulationResult Pack(const std::string& function, std::vector<std::string> args,
                        const crypto::IdentityInfo& creator = kAlice) {
    return Run("pack", function, std::move(args), creator);
  }
  // The address' unlocked MLK and its MLK in pack's custody, as mlk's balance query shows them.
  std::string Mlk(const std::string& address) { return MlkBalance(address)["unlocked"]; }
  std::string Staked(const std::string& address) { return MlkBalance(address)["staked"]; }
  Json MlkBalance(const std::string& address) {
    SimulationResult balance = Run("mlk", "balance", {address});
    REQUIRE(balance.response.status() == 200);
    return Json::parse(balance.response.payload());
  }
  std::string Lzm(const std::string& address) {
    return Run("lzm", "balance", {address}).response.payload();
  }
  Json Product() { return Json::parse(Pack("product", {"p30"}).response.payload()); }
  // Stakes amount as Alice; answers the stake id.
  std::string StakeAlice(const std::string& amount) {
    SimulationResult staked = Pack("stake", {"p30", amount});
    INFO(staked.response.message());
    REQUIRE(staked.response.status() == 200);
    return Json::parse(staked.response.payload())["id"];
  }
  void Invariants() {
    Status pack = CheckPackInvariants(state_);
    Status lzm = CheckLzmInvariants(state_);
    Status mlk = CheckMlkInvariants(state_, now_ms);
    INFO(pack.ToString() + " / " + lzm.ToString() + " / " + mlk.ToString());
    CHECK(pack.ok());
    CHECK(lzm.ok());
    CHECK(mlk.ok());
  }
  MemoryState& state() { return state_; }
  int64_t now_ms = kStart;

 private:
  void Init(const std::string& chaincode, const std::string& config) {
    SimulationResult init = Simulate(registry_, state_, Context(chaincode, "", {config}), true);
    INFO(init.response.message());
    REQUIRE(init.response.status() == 200);
    Commit(init);
  }
  void Commit(const SimulationResult& result) { state_.Apply(result.rwset, Version{block_++, 0}); }
  Registry registry_;
  MemoryState state_;
  uint64_t block_ = 1;
};

TEST_CASE("MiL.k Pack products are created by the operator admin", "[pack]") {
  PackChain chain;
  Json product = chain.Product();
  CHECK(product["term_ms"] == 30 * 24 * kHour);
  CHECK(product["cap"] == "500");
  CHECK(product["staked"] == "0");
  SimulationResult again = chain.Pack("create_product", {"p30", "3600000", "1", "1", "5"}, kAdmin);
  CHECK(again.response.status() == 409);
  CHECK(again.response.message() == "product 'p30' already exists");
  CHECK(chain.Pack("create_product", {"p1", "3600000", "1", "1", "5"}, kAlice).response.status() ==
        403);
  CHECK(
      chain.Pack("create_product", {"p1", "3600000", "1", "1", "5"}, Member("AirCo", milkpb::ADMIN))
          .response.status() == 403);
  SimulationResult short_term = chain.Pack("create_product", {"p1", "59", "1", "1", "5"}, kAdmin);
  CHECK(short_term.response.status() == 400);
  CHECK(chain.Pack("create_product", {"p1", "3600000", "1", "0", "5"}, kAdmin).response.status() ==
        400);
  CHECK(chain.Pack("create_product", {"p 1", "3600000", "1", "1", "5"}, kAdmin).response.status() ==
        400);
  CHECK(chain.Pack("product", {"p1"}).response.status() == 404);
}

TEST_CASE("MiL.k Pack stake locks MLK through the mlk chaincode", "[pack]") {
  PackChain chain;
  SimulationResult staked = chain.Pack("stake", {"p30", "200"});
  REQUIRE(staked.response.status() == 200);
  Json stake = Json::parse(staked.response.payload());
  CHECK(stake["owner"] == kAliceAddress);
  CHECK(stake["reward"] == "20");
  CHECK(stake["maturity_ms"] == kStart + 30 * 24 * kHour);
  CHECK(chain.Mlk(kAliceAddress) == "800");
  CHECK(chain.Staked(kAliceAddress) == "200");
  CHECK(chain.Product()["staked"] == "200");
  CHECK(chain.Pack("stake", {"p30", "1"}, kAdmin).response.status() == 403);
  CHECK(chain.Pack("stake", {"nope", "1"}).response.status() == 404);
  CHECK(chain.Pack("stake", {"p30", "0"}).response.status() == 400);
  chain.Invariants();
}

TEST_CASE("MiL.k Pack cap on total staked is enforced", "[pack]") {
  PackChain chain;
  chain.StakeAlice("450");
  SimulationResult over = chain.Pack("stake", {"p30", "51"});
  CHECK(over.response.status() == 412);
  CHECK(over.response.message() == "product p30 is full: 450 of cap 500 staked, room for 50");
  CHECK(chain.Mlk(kAliceAddress) == "550");
  chain.StakeAlice("50");
  CHECK(chain.Product()["staked"] == "500");
  chain.Invariants();
}

TEST_CASE("MiL.k Pack stake fails and records nothing when mlk refuses the lock", "[pack]") {
  PackChain chain;
  SimulationResult poor = chain.Pack("stake", {"p30", "10"}, kBob);
  CHECK(poor.response.status() == 412);
  CHECK_THAT(poor.response.message(),
             Catch::StartsWith("MLK lock of 10 for " + kBobAddress +
                               " refused by mlk (412): insufficient unlocked balance to stake"));
  CHECK(poor.rwset.ns_rwset_size() == 0);
  CHECK(chain.Product()["staked"] == "0");
}

TEST_CASE("MiL.k Pack unstake at maturity returns the MLK and pays the LZM reward", "[pack]") {
  PackChain chain;
  const std::string id = chain.StakeAlice("200");
  chain.now_ms += 30 * 24 * kHour;
  SimulationResult done = chain.Pack("unstake", {id});
  INFO(done.response.message());
  REQUIRE(done.response.status() == 200);
  CHECK(Json::parse(done.response.payload())["reward"] == "20");
  CHECK(Json::parse(done.response.payload())["early"] == false);
  CHECK(chain.Mlk(kAliceAddress) == "1000");
  CHECK(chain.Staked(kAliceAddress) == "0");
  CHECK(chain.Lzm(kAliceAddress) == "20");
  CHECK(chain.Product()["staked"] == "0");
  SimulationResult twice = chain.Pack("unstake", {id});
  CHECK(twice.response.status() == 412);
  CHECK(twice.response.message() == "stake " + id + " is already closed (matured)");
  chain.Invariants();
}

TEST_CASE("MiL.k Pack early exit returns the MLK and forfeits the reward", "[pack]") {
  PackChain chain;
  const std::string id = chain.StakeAlice("200");
  chain.now_ms += 30 * 24 * kHour - 1;
  SimulationResult early = chain.Pack("unstake", {id});
  REQUIRE(early.response.status() == 200);
  CHECK(Json::parse(early.response.payload())["early"] == true);
  CHECK(Json::parse(early.response.payload())["reward"] == "0");
  CHECK(chain.Mlk(kAliceAddress) == "1000");
  CHECK(chain.Lzm(kAliceAddress) == "0");
  chain.Invariants();
}

TEST_CASE("MiL.k Pack unstake is for the stake owner only", "[pack]") {
  PackChain chain;
  const std::string id = chain.StakeAlice("200");
  SimulationResult theft = chain.Pack("unstake", {id}, kBob);
  CHECK(theft.response.status() == 403);
  CHECK(theft.response.message() == "stake " + id + " belongs to another wallet");
  CHECK(chain.Pack("unstake", {"nope"}).response.status() == 404);
  CHECK(chain.Staked(kAliceAddress) == "200");
}

TEST_CASE("MiL.k Pack a wallet calling mlk pack_lock pack_release or lzm pack_reward directly is "
          "refused",
          "[pack]") {
  PackChain chain;
  const std::string id = chain.StakeAlice("200");
  SimulationResult reward = chain.Run("lzm", "pack_reward", {kAliceAddress, "20", id}, kAlice);
  CHECK(reward.response.status() == 403);
  CHECK_THAT(reward.response.message(), Catch::Contains("or a call from the pack chaincode"));
  SimulationResult release = chain.Run("mlk", "pack_release", {kAliceAddress, "200"}, kAlice);
  CHECK(release.response.status() == 403);
  CHECK_THAT(release.response.message(),
             Catch::Contains("pack_release may be called only by the pack chaincode"));
  SimulationResult lock = chain.Run("mlk", "pack_lock", {kAliceAddress, "200"}, kAlice);
  CHECK(lock.response.status() == 403);
  CHECK(chain.Pack("confirm_reward", {id, kAliceAddress, "20"}).response.status() == 404);
  CHECK(chain.Lzm(kAliceAddress) == "0");
  CHECK(chain.Mlk(kAliceAddress) == "800");
  CHECK(chain.Staked(kAliceAddress) == "200");
  chain.Invariants();
}

TEST_CASE("MiL.k Pack reward is 0 when the LZM events pool is exhausted", "[pack]") {
  PackChain chain;
  const std::string id = chain.StakeAlice("200");
  REQUIRE(chain.Run("lzm", "pack_reward", {kBobAddress, FormatAmount(kLzmEventsCap), "all"})
              .response.status() == 200);
  chain.now_ms += 30 * 24 * kHour;
  SimulationResult done = chain.Pack("unstake", {id});
  REQUIRE(done.response.status() == 200);
  CHECK(Json::parse(done.response.payload())["reward"] == "0");
  CHECK(chain.Mlk(kAliceAddress) == "1000");
  chain.Invariants();
}

TEST_CASE("MiL.k Pack without an mlk chaincode records stakes only", "[pack]") {
  PackChain chain("");
  const std::string id = chain.StakeAlice("200");
  CHECK(chain.Mlk(kAliceAddress) == "1000");
  chain.now_ms += 30 * 24 * kHour;
  REQUIRE(chain.Pack("unstake", {id}).response.status() == 200);
  CHECK(chain.Lzm(kAliceAddress) == "20");
  chain.Invariants();
}

TEST_CASE("MiL.k Pack refuses unknown functions and a bad config", "[pack]") {
  PackChain chain;
  CHECK(chain.Pack("withdraw", {}).response.status() == 404);
  Registry registry;
  registry.Register("pack", std::make_shared<PackChaincode>());
  MemoryState state;
  for (const std::string config : {"{", "{\"operator_org\":\"TICA\"}",
                                   "{\"operator_org\":\"TICA\",\"mlk_chaincode\":\"mlk\","
                                   "\"lzm_chaincode\":\"lzm\",\"x\":\"1\"}"}) {
    SimulationResult init = Simulate(registry, state, Context("pack", "", {config}), true);
    CHECK(init.response.status() == 400);
    CHECK(init.rwset.ns_rwset_size() == 0);
  }
}

TEST_CASE("MiL.k Pack stake and unstake are sequenced", "[pack]") {
  PackChaincode pack;
  CHECK(pack.IsSequenced("stake"));
  CHECK(pack.IsSequenced("unstake"));
  CHECK_FALSE(pack.IsSequenced("product"));
  CHECK_FALSE(pack.IsSequenced("stake_info"));
}

TEST_CASE("CheckPackInvariants detects a product out of step with its stakes", "[pack]") {
  PackChain chain;
  chain.StakeAlice("200");
  chain.Invariants();
  Json product = chain.Product();
  product["staked"] = "199";
  chain.state().Put("pack", *CreateCompositeKey("product", {"p30"}), product.dump(),
                    Version{900, 0});
  CHECK(CheckPackInvariants(chain.state()).code() == Code::kDataLoss);
  product["staked"] = "200";
  chain.state().Put("pack", *CreateCompositeKey("product", {"p30"}), product.dump(),
                    Version{901, 0});
  REQUIRE(CheckPackInvariants(chain.state()).ok());
  chain.state().Put("pack", *CreateCompositeKey("pending_mlk", {"lock"}), "{}", Version{902, 0});
  CHECK_THAT(CheckPackInvariants(chain.state()).message(), Catch::Contains("unexpected key"));
}

}  // namespace
}  // namespace milk::chaincode
