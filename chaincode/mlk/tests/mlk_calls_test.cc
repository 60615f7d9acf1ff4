// The functions only another chaincode may call: the exchange's exchange_collect / exchange_pay
// and pack's pack_lock / pack_release (docs/chaincode_mlk.md, "Calls from other chaincodes").
#include <catch2/catch.hpp>

#include "chaincode/mlk/tests/mlk_test_util.h"

namespace milk::chaincode::mlk_test {
namespace {

const crypto::IdentityInfo kFeeKey = Wallet('f');
const std::string kFeeAddress = crypto::WalletAddress(kFeeKey.public_key);

// mlk with forwarders standing in for the exchange, pack and a chaincode with no rights.
class CallsChain : public MlkChain {
 public:
  CallsChain() {
    RegisterForwarder(registry(), "exchange");
    RegisterForwarder(registry(), "pack");
    RegisterForwarder(registry(), "rogue");
    REQUIRE(Run("grant", {"liquidity", kLiquidityAddress, Mlk(1000), "liq-1"}).response.status() ==
            200);
    Fund(kAliceAddress, 100, "fund-alice");
  }
  SimulationResult Exchange(const std::string& function, std::vector<std::string> args,
                            const crypto::IdentityInfo& signer = kAlice) {
    return RunAt("exchange", function, std::move(args), signer);
  }
  SimulationResult Pack(const std::string& function, std::vector<std::string> args,
                        const crypto::IdentityInfo& signer = kAlice) {
    return RunAt("pack", function, std::move(args), signer);
  }
  std::string Staked(const std::string& address) {
    return Query("balance", {address})["staked"].get<std::string>();
  }
};

TEST_CASE("exchange_collect moves the buyer's MLK to the liquidity account and the fee",
          "[mlk][calls]") {
  CallsChain chain;
  SimulationResult collected =
      chain.Exchange("exchange_collect", {kAliceAddress, Mlk(40), kFeeAddress, Mlk(2)});
  INFO(collected.response.message());
  REQUIRE(collected.response.status() == 200);
  CHECK(collected.response.payload() == Json{{"liquidity_balance", Mlk(1040)}}.dump());
  REQUIRE(collected.events.size() == 1);
  CHECK(collected.events[0].name() == "exchange_collect");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(58));
  CHECK(chain.Unlocked(kLiquidityAddress) == Mlk(1040));
  CHECK(chain.Unlocked(kFeeAddress) == Mlk(2));
  // A zero fee moves nothing to fee_to.
  REQUIRE(chain.Exchange("exchange_collect", {kAliceAddress, Mlk(8), kFeeAddress, "0"})
              .response.status() == 200);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(50));
  CHECK(chain.Unlocked(kFeeAddress) == Mlk(2));
}

TEST_CASE("exchange_collect releases matured lots first as transfer does", "[mlk][calls]") {
  CallsChain chain;
  REQUIRE(chain.Run("grant", {"construction", kBobAddress, Mlk(30), "lot-1"}).response.status() ==
          200);
  CheckRefused(chain.Exchange("exchange_collect", {kBobAddress, Mlk(30), kFeeAddress, "0"}, kBob),
               412, "insufficient unlocked balance");
  chain.SetNow(kListingMs + 2 * kLockYearMs);
  REQUIRE(chain.Exchange("exchange_collect", {kBobAddress, Mlk(29), kFeeAddress, Mlk(1)}, kBob)
              .response.status() == 200);
  CHECK(chain.Unlocked(kBobAddress) == "0");
  CHECK(chain.Locked(kBobAddress) == "0");
  CHECK(chain.Unlocked(kLiquidityAddress) == Mlk(1029));
}

TEST_CASE("exchange_collect refuses a buyer short of amount plus fee with 412", "[mlk][calls]") {
  CallsChain chain;
  CheckRefused(chain.Exchange("exchange_collect", {kAliceAddress, Mlk(99), kFeeAddress, Mlk(2)}),
               412, "has " + Mlk(100) + ", the purchase needs " + Mlk(101) + " (amount + fee)");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(100));
  CHECK(chain.Unlocked(kLiquidityAddress) == Mlk(1000));
}

TEST_CASE("exchange_pay pays the seller and the fee from the liquidity account", "[mlk][calls]") {
  CallsChain chain;
  SimulationResult paid =
      chain.Exchange("exchange_pay", {kBobAddress, Mlk(300), kFeeAddress, Mlk(5)}, kBob);
  INFO(paid.response.message());
  REQUIRE(paid.response.status() == 200);
  CHECK(paid.response.payload() == Json{{"liquidity_balance", Mlk(695)}}.dump());
  CHECK(paid.events.at(0).name() == "exchange_pay");
  CHECK(chain.Unlocked(kBobAddress) == Mlk(300));
  CHECK(chain.Unlocked(kFeeAddress) == Mlk(5));
  CHECK(chain.Unlocked(kLiquidityAddress) == Mlk(695));
}

TEST_CASE("exchange_pay refuses with 412 when the liquidity account is short", "[mlk][calls]") {
  CallsChain chain;
  CheckRefused(chain.Exchange("exchange_pay", {kBobAddress, Mlk(1000), kFeeAddress, "1"}, kBob),
               412, "holds " + Mlk(1000) + ", cannot pay");
  CHECK(chain.Unlocked(kLiquidityAddress) == Mlk(1000));
}

TEST_CASE("exchange functions answer only the exchange chaincode", "[mlk][calls]") {
  CallsChain chain;
  for (const char* function : {"exchange_collect", "exchange_pay"}) {
    const std::vector<std::string> args = {kAliceAddress, Mlk(1), kFeeAddress, "0"};
    CheckRefused(chain.Run(function, args, kAlice), 403,
                 std::string(function) +
                     " may be called only by the exchange chaincode; caller is the transaction "
                     "itself");
    CheckRefused(chain.RunAt("rogue", function, args, kAlice), 403, "caller is chaincode 'rogue'");
    CheckRefused(chain.Pack(function, args), 403, "caller is chaincode 'pack'");
    CheckRefused(chain.Run(function, args, kAdmin), 403, "only by the exchange chaincode");
  }
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(100));
}

TEST_CASE("exchange collects only from the signer's own wallet", "[mlk][calls]") {
  CallsChain chain;
  CheckRefused(chain.Exchange("exchange_collect", {kAliceAddress, Mlk(1), kFeeAddress, "0"}, kBob),
               403, "moves only the signer's own MLK");
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(100));
}

TEST_CASE("exchange pays a settled swap's owner whoever signs the settlement", "[mlk][calls]") {
  CallsChain chain;
  // The relay (bob here) carries the brand chain's proof; the exchange decides to pay alice.
  SimulationResult paid =
      chain.Exchange("exchange_pay", {kAliceAddress, Mlk(1), kFeeAddress, "0"}, kBob);
  INFO(paid.response.message());
  REQUIRE(paid.response.status() == 200);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(101));
}

TEST_CASE("exchange functions refuse bad input", "[mlk][calls]") {
  CallsChain chain;
  CheckRefused(chain.Exchange("exchange_collect", {kAliceAddress, Mlk(1), kFeeAddress}), 400,
               "usage: exchange_collect <from> <amount> <fee_to> <fee>");
  CheckRefused(chain.Exchange("exchange_pay", {kAliceAddress}), 400,
               "usage: exchange_pay <to> <amount> <fee_to> <fee>");
  CheckRefused(chain.Exchange("exchange_collect", {"mlk1", Mlk(1), kFeeAddress, "0"}), 400,
               "invalid address");
  CheckRefused(chain.Exchange("exchange_collect", {kAliceAddress, "0", kFeeAddress, "0"}), 400,
               "positive");
  CheckRefused(chain.Exchange("exchange_collect", {kAliceAddress, "1", "x", "0"}), 400,
               "invalid address 'x'");
  CheckRefused(chain.Exchange("exchange_pay", {kAliceAddress, "1", kFeeAddress, "-1"}), 400,
               "not a decimal");
  CheckRefused(chain.Exchange("exchange_collect",
                              {kAliceAddress, FormatAmount(kAmountMax), kFeeAddress, "1"}),
               400, "amount + fee overflows");
  CheckRefused(chain.Exchange("exchange_collect", {kAliceAddress, "1", kGatewayAddress, "1"}), 400,
               "gateway account");
  CheckRefused(chain.Exchange("exchange_pay", {kAliceAddress, "1", kAliceAddress, "1"}), 400,
               "fee_to must differ");
  CheckRefused(chain.Exchange("exchange_pay", {kAliceAddress, "1", kLiquidityAddress, "1"}), 400,
               "fee_to must differ");
  const crypto::IdentityInfo liquidity_key = Wallet('l');
  CheckRefused(chain.Exchange("exchange_pay", {kLiquidityAddress, "1", kFeeAddress, "0"},
                              liquidity_key),
               400, "is the liquidity account itself");
}

TEST_CASE("functions writing shared keys are sequenced and per-address ones are not",
          "[mlk][calls]") {
  MlkChaincode mlk;
  for (const char* function : {"exchange_collect", "exchange_pay", "burn", "grant",
                               "contribution", "reward", "deposit", "withdraw"}) {
    CHECK(mlk.IsSequenced(function));
  }
  for (const char* function : {"transfer", "release", "pack_lock", "pack_release", "balance",
                               "supply"}) {
    CHECK_FALSE(mlk.IsSequenced(function));
  }
}

TEST_CASE("pack_lock moves unlocked MLK into custody and pack_release gives it back",
          "[mlk][calls]") {
  CallsChain chain;
  SimulationResult locked = chain.Pack("pack_lock", {kAliceAddress, Mlk(60)});
  INFO(locked.response.message());
  REQUIRE(locked.response.status() == 200);
  CHECK(locked.response.payload() ==
        Json{{"address", kAliceAddress}, {"staked", Mlk(60)}}.dump());
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(40));
  CHECK(chain.Staked(kAliceAddress) == Mlk(60));
  CheckRefused(chain.Pack("pack_lock", {kAliceAddress, Mlk(41)}), 412,
               "insufficient unlocked balance to stake");
  CheckRefused(chain.Pack("pack_release", {kAliceAddress, Mlk(61)}), 412,
               "holds " + Mlk(60) + ", cannot release " + Mlk(61));
  REQUIRE(chain.Pack("pack_release", {kAliceAddress, Mlk(60)}).response.status() == 200);
  CHECK(chain.Unlocked(kAliceAddress) == Mlk(100));
  CHECK(chain.Staked(kAliceAddress) == "0");
}

TEST_CASE("pack custody answers only the pack chaincode and the signer's own wallet",
          "[mlk][calls]") {
  CallsChain chain;
  for (const char* function : {"pack_lock", "pack_release"}) {
    CheckRefused(chain.Run(function, {kAliceAddress, Mlk(1)}, kAlice), 403,
                 std::string(function) + " may be called only by the pack chaincode");
    CheckRefused(chain.Exchange(function, {kAliceAddress, Mlk(1)}), 403,
                 "caller is chaincode 'exchange'");
    CheckRefused(chain.Pack(function, {kAliceAddress, Mlk(1)}, kBob), 403,
                 "moves only the signer's own MLK");
    CheckRefused(chain.Pack(function, {kAliceAddress}), 400, "usage: " + std::string(function));
  }
  CHECK(chain.Staked(kAliceAddress) == "0");
}

TEST_CASE("Invariant checker counts pack custody in the supply", "[mlk][calls]") {
  CallsChain chain;
  REQUIRE(chain.Pack("pack_lock", {kAliceAddress, Mlk(60)}).response.status() == 200);
  REQUIRE(CheckMlkInvariants(chain.state(), chain.now_ms()).ok());
  chain.state().Put(kMlkChaincodeName, *CreateCompositeKey("staked", {kBobAddress}), "1",
                    Version{90, 0});
  CHECK_THAT(CheckMlkInvariants(chain.state(), chain.now_ms()).message(),
             Catch::Contains("exceed the total supply"));
  chain.state().Delete(kMlkChaincodeName, *CreateCompositeKey("staked", {kBobAddress}),
                       Version{90, 1});
  chain.state().Delete(kMlkChaincodeName, *CreateCompositeKey("staked", {kAliceAddress}),
                       Version{90, 2});
  CHECK_THAT(CheckMlkInvariants(chain.state(), chain.now_ms()).message(),
             Catch::Contains("pools + balances + lots + staked + bonded + burned = "));
  chain.state().Put(kMlkChaincodeName, *CreateCompositeKey("staked", {kBobAddress}), "x",
                    Version{91, 0});
  CHECK_THAT(CheckMlkInvariants(chain.state(), chain.now_ms()).message(),
             Catch::Contains("not an amount"));
}

}  // namespace
}  // namespace milk::chaincode::mlk_test
