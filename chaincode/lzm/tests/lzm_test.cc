#include <catch2/catch.hpp>

#include "chaincode/lzm/tests/lzm_test_util.h"

namespace milk::chaincode::lzm_test {
namespace {

TEST_CASE("LZM fixed supply of 1e9 is created at Init in four pools 70 15 10 5", "[lzm]") {
  LzmChain chain;
  Json supply = chain.Supply();
  CHECK(supply["total"] == "1000000000000000000000000000");
  CHECK(supply["pools"]["rewards"] == "700000000000000000000000000");
  CHECK(supply["pools"]["events"] == "150000000000000000000000000");
  CHECK(supply["pools"]["team"] == "100000000000000000000000000");
  CHECK(supply["pools"]["reserve"] == "50000000000000000000000000");
  CHECK(supply["circulating"] == "0");
  chain.Invariants();
}

TEST_CASE("Init parses its config strictly and writes nothing on bad input", "[lzm]") {
  Registry registry;
  registry.Register("lzm", std::make_shared<LzmChaincode>());
  MemoryState state;
  Json missing = Json::parse(Config());
  missing.erase("levels");
  Json descending = Json::parse(Config());
  descending["levels"][1]["min"] = "10";
  Json zero_den = Json::parse(Config());
  zero_den["rates"]["burn_mlk"]["den"] = "0";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"{"}, "Init argument is not valid JSON"},
      {{Config("surprise")}, "unknown key 'surprise' in the lzm config"},
      {{missing.dump()}, "missing key \"levels\" in the lzm config"},
      {{descending.dump()}, "level thresholds must be strictly ascending"},
      {{zero_den.dump()}, "rates.burn_mlk.den must be positive"},
      {{}, "usage: init <config_json>"}};
  for (const auto& [args, message] : cases) {
    SimulationResult result = Simulate(registry, state, Context("lzm", "", args), true);
    CHECK(result.response.status() == 400);
    CHECK(result.response.message() == message);
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
}

TEST_CASE("trade reward pays per KRW or MLK volume at the configured rate", "[lzm]") {
  LzmChain chain;
  CHECK(chain.Query("trade_reward", {kAliceAddress, "500", "KRW", "t1"}, kReporter) ==
        "{\"paid\":\"500\"}");
  CHECK(chain.Query("trade_reward", {kAliceAddress, "7", "MLK", "t2"}) == "{\"paid\":\"14\"}");
  CHECK(chain.BalanceOf(kAliceAddress) == "514");
  CHECK(chain.Supply()["circulating"] == "514");
  SimulationResult bad = chain.Run("trade_reward", {kAliceAddress, "7", "BT", "t3"});
  CHECK(bad.response.status() == 400);
  CHECK(bad.response.message() == "unit must be KRW or MLK, got 'BT'");
  chain.Invariants();
}

TEST_CASE("trade reward is for the operator admin or client only", "[lzm]") {
  LzmChain chain;
  SimulationResult by_wallet = chain.Run("trade_reward", {kAliceAddress, "5", "KRW", "t"}, kAlice);
  CHECK(by_wallet.response.status() == 403);
  CHECK(by_wallet.response.message() ==
        "trade_reward requires an admin or client of TICA; caller is wallet");
  CHECK(chain.Status("trade_reward", {kAliceAddress, "5", "KRW", "t"}, kPartner) == 403);
  CHECK(chain.BalanceOf(kAliceAddress) == "0");
}

TEST_CASE("trade reward is idempotent on its reference", "[lzm]") {
  LzmChain chain;
  CHECK(chain.Query("trade_reward", {kAliceAddress, "5", "KRW", "t1"}) == "{\"paid\":\"5\"}");
  CHECK(chain.Query("trade_reward", {kAliceAddress, "5", "KRW", "t1"}) == "{\"paid\":\"5\"}");
  CHECK(chain.BalanceOf(kAliceAddress) == "5");
  SimulationResult other = chain.Run("trade_reward", {kAliceAddress, "6", "KRW", "t1"});
  CHECK(other.response.status() == 409);
  CHECK(other.response.message() ==
        "trade reference 't1' was already used for a different request");
  CHECK(chain.BalanceOf(kAliceAddress) == "5");
}

TEST_CASE("reward arguments are checked and bad ones change nothing", "[lzm]") {
  LzmChain chain;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"mlk1nope", "5", "KRW", "t"},
       "invalid address 'mlk1nope': a wallet address is mlk1 followed by 48 lower-case hex "
       "characters"},
      {{kAliceAddress, "0", "KRW", "t"}, "quantity must be positive, got 0"},
      {{kAliceAddress, "5", "KRW", "bad ref"},
       "invalid reference 'bad ref': 1 to 128 printable ASCII characters without spaces"},
      {{kAliceAddress, "5", "KRW"}, "usage: trade_reward <address> <volume> <KRW|MLK> <ref>"}};
  for (const auto& [args, message] : cases) {
    SimulationResult result = chain.Run("trade_reward", args);
    CHECK(result.response.status() == 400);
    CHECK(result.response.message() == message);
  }
  // 2 * (2^128 - 1) overflows: refused, not wrapped.
  SimulationResult huge = chain.Run("trade_reward", {kAliceAddress, Big(kAmountMax), "MLK", "h"});
  CHECK(huge.response.status() == 400);
  CHECK(chain.Supply()["circulating"] == "0");
  chain.Invariants();
}

TEST_CASE("coupon payment reward is reported by a partner and idempotent on its reference",
          "[lzm]") {
  LzmChain chain;
  // 15 KRW at 1/10 is 1.5 LZM units: the floor pays 1 (rounding favours the platform).
  CHECK(chain.Query("coupon_reward", {kAliceAddress, "15", "c1"}, kPartner) == "{\"paid\":\"1\"}");
  CHECK(chain.Query("coupon_reward", {kAliceAddress, "15", "c1"}, kPartner) == "{\"paid\":\"1\"}");
  CHECK(chain.Status("coupon_reward", {kAliceAddress, "99", "c1"}, kPartner) == 409);
  // Another partner's reference space is its own.
  CHECK(chain.Status("coupon_reward", {kAliceAddress, "20", "c1"},
                     Member("HotelCo", milkpb::ADMIN, 'H')) == 200);
  CHECK(chain.BalanceOf(kAliceAddress) == "3");
  SimulationResult by_wallet = chain.Run("coupon_reward", {kAliceAddress, "15", "c2"}, kAlice);
  CHECK(by_wallet.response.status() == 403);
  CHECK(chain.Status("coupon_reward", {kAliceAddress, "15", "c2"},
                     Member("AirCo", milkpb::PEER, 'p')) == 403);
  chain.Invariants();
}

TEST_CASE("mlk burn reward is paid from the events pool and idempotent on the burn", "[lzm]") {
  LzmChain chain;
  CHECK(chain.Query("burn_reward", {kAliceAddress, "10", "burn-tx-1"}, kReporter) ==
        "{\"paid\":\"30\"}");
  CHECK(chain.Query("burn_reward", {kAliceAddress, "10", "burn-tx-1"}, kReporter) ==
        "{\"paid\":\"30\"}");
  CHECK(chain.Status("burn_reward", {kAliceAddress, "11", "burn-tx-1"}, kReporter) == 409);
  CHECK(chain.Status("burn_reward", {kAliceAddress, "10", "burn-tx-2"}, kAlice) == 403);
  CHECK(chain.Supply()["pools"]["events"] == Big(kLzmEventsCap - 30));
  SimulationResult bad = chain.Run("burn_reward", {kAliceAddress, "-1", "b3"}, kReporter);
  CHECK(bad.response.status() == 400);
  chain.Invariants();
}

TEST_CASE("attendance is rewarded once per address per UTC day", "[lzm]") {
  LzmChain chain;
  chain.now_ms = 20000 * kDay;  // midnight UTC
  CHECK(chain.Query("attendance", {kAliceAddress}, kAlice) == "{\"paid\":\"100\"}");
  chain.now_ms += kDay - 1;  // same day, last millisecond
  SimulationResult again = chain.Run("attendance", {kAliceAddress}, kAlice);
  CHECK(again.response.status() == 409);
  CHECK(again.response.message() ==
        "attendance of " + kAliceAddress + " was already rewarded on UTC day 20000");
  chain.now_ms += 1;  // next day
  CHECK(chain.Status("attendance", {kAliceAddress}, kReporter) == 200);
  CHECK(chain.BalanceOf(kAliceAddress) == "200");
  CHECK(chain.Status("attendance", {kAliceAddress}, kBob) == 403);
  chain.Invariants();
}

TEST_CASE("a pool pays its remainder and then refuses with 412 when exhausted", "[lzm]") {
  LzmChain chain;
  CHECK(chain.Query("trade_reward", {kAliceAddress, Big(kLzmRewardsCap - 10), "KRW", "a"}) ==
        "{\"paid\":\"" + Big(kLzmRewardsCap - 10) + "\"}");
  CHECK(chain.Query("trade_reward", {kBobAddress, "25", "KRW", "b"}) == "{\"paid\":\"10\"}");
  SimulationResult empty = chain.Run("trade_reward", {kBobAddress, "25", "KRW", "c"});
  CHECK(empty.response.status() == 412);
  CHECK(empty.response.message() == "the rewards pool is exhausted: no trade reward can be paid");
  CHECK(chain.Supply()["pools"]["rewards"] == "0");
  chain.Invariants();
}

// Empties the rewards and events pools, giving users 85% of the supply.
void ExhaustUserPools(LzmChain& chain) {
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, Big(kLzmRewardsCap), "KRW", "r"}) == 200);
  REQUIRE(chain.Status("pack_reward", {kAliceAddress, Big(kLzmEventsCap), "e"}) == 200);
}

TEST_CASE("team pool is gated until rewards and events are exhausted", "[lzm]") {
  LzmChain chain;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "1000", "KRW", "r"}) == 200);
  SimulationResult early = chain.Run("team_grant", {kBobAddress, "1"});
  CHECK(early.response.status() == 412);
  CHECK(early.response.message().rfind("the team pool is gated until the rewards and events", 0) ==
        0);
  CHECK(chain.Status("team_grant", {kBobAddress, "1"}, kReporter) == 403);
  chain.Invariants();
}

TEST_CASE("team pool never pays more than 10 percent of what users received", "[lzm]") {
  LzmChain chain;
  ExhaustUserPools(chain);
  const Amount allowed = (kLzmRewardsCap + kLzmEventsCap) / 10;
  CHECK(chain.Status("team_grant", {kBobAddress, Big(allowed - 1)}) == 200);
  SimulationResult over = chain.Run("team_grant", {kBobAddress, "2"});
  CHECK(over.response.status() == 412);
  CHECK(over.response.message().rfind("team payouts may not exceed 10% of what users received",
                                      0) == 0);
  CHECK(chain.Status("team_grant", {kBobAddress, "1"}) == 200);
  CHECK(chain.BalanceOf(kBobAddress) == Big(allowed));
  chain.Invariants();
}

TEST_CASE("reserve pool is gated until every other pool is exhausted", "[lzm]") {
  LzmChain chain;
  SimulationResult early = chain.Run("reserve_grant", {kBobAddress, "1"});
  CHECK(early.response.status() == 412);
  ExhaustUserPools(chain);
  SimulationResult team_left = chain.Run("reserve_grant", {kBobAddress, "1"});
  CHECK(team_left.response.status() == 412);
  CHECK(team_left.response.message().rfind("the reserve pool is gated", 0) == 0);
  REQUIRE(chain.Status("team_grant", {kBobAddress, Big((kLzmRewardsCap + kLzmEventsCap) / 10)}) ==
          200);
  CHECK(chain.Status("reserve_grant", {kBobAddress, Big(kLzmReserveCap + 1)}) == 412);
  CHECK(chain.Status("reserve_grant", {kBobAddress, Big(kLzmReserveCap)}) == 200);
  CHECK(chain.Supply()["circulating"] == Big(kLzmTotal - (kLzmTeamCap - kLzmTeamCap * 85 / 100)));
  chain.Invariants();
}

TEST_CASE("LZM transfers between customer wallets", "[lzm]") {
  LzmChain chain;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "100", "KRW", "r"}) == 200);
  SimulationResult sent = chain.Run("transfer", {kBobAddress, "30"}, kAlice);
  REQUIRE(sent.response.status() == 200);
  REQUIRE(sent.events.size() == 1);
  CHECK(sent.events[0].name() == "transfer");
  CHECK(chain.BalanceOf(kAliceAddress) == "70");
  CHECK(chain.BalanceOf(kBobAddress) == "30");
  SimulationResult overdraft = chain.Run("transfer", {kBobAddress, "71"}, kAlice);
  CHECK(overdraft.response.status() == 412);
  CHECK(overdraft.response.message() == "insufficient LZM: balance 70, needed 71");
  CHECK(chain.Status("transfer", {kBobAddress, "1"}, kAdmin) == 403);
  CHECK(chain.Status("transfer", {kAliceAddress, "1"}, kAlice) == 400);
  CHECK(chain.Status("transfer", {"mlk1nope", "1"}, kAlice) == 400);
  // Transfers are not earnings: Bob has no level.
  CHECK(Json::parse(chain.Query("level", {kBobAddress}))["earned"] == "0");
  chain.Invariants();
}

TEST_CASE("pay TICA for premium services with a memo", "[lzm]") {
  LzmChain chain;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "100", "KRW", "r"}) == 200);
  SimulationResult paid = chain.Run("pay_service", {"60", "lounge pass"}, kAlice);
  REQUIRE(paid.response.status() == 200);
  REQUIRE(paid.events.size() == 1);
  CHECK(paid.events[0].payload() ==
        "{\"from\":\"" + kAliceAddress + "\",\"amount\":\"60\",\"memo\":\"lounge pass\"}");
  CHECK(chain.BalanceOf("service") == "60");
  CHECK(chain.Status("pay_service", {"60", "again"}, kAlice) == 412);
  CHECK(chain.Status("pay_service", {"1", ""}, kAlice) == 400);
  chain.Invariants();
}

TEST_CASE("level counts LZM earned in the rolling window against thresholds", "[lzm]") {
  LzmChain chain;
  chain.now_ms = 20000 * kDay;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "999", "KRW", "r1"}) == 200);
  Json level = Json::parse(chain.Query("level", {kAliceAddress}));
  CHECK(level["level"] == 0);
  CHECK(level["name"] == "none");
  chain.now_ms += 10 * kDay;
  REQUIRE(chain.Status("attendance", {kAliceAddress}, kAlice) == 200);
  level = Json::parse(chain.Query("level", {kAliceAddress}));
  CHECK(level["earned"] == "1099");
  CHECK(level["level"] == 1);
  CHECK(level["name"] == "Silver");
  chain.now_ms = 20000 * kDay + 30 * kDay;  // day 20000 left the 30-day window
  level = Json::parse(chain.Query("level", {kAliceAddress}));
  CHECK(level["earned"] == "100");
  CHECK(level["level"] == 0);
}

TEST_CASE("VIP list gives partners wallet addresses at or above a level by shard", "[lzm]") {
  LzmChain chain;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "100000", "KRW", "r1"}) == 200);
  REQUIRE(chain.Status("trade_reward", {kBobAddress, "1000", "KRW", "r2"}) == 200);
  Json all = Json::array();
  std::string shard = "00";
  for (size_t page = 0; page < kLzmVipShards; ++page) {
    Json got = Json::parse(chain.Query("vip", {"1", shard}, kPartner));
    for (const auto& address : got["addresses"]) all.push_back(address);
    shard = got["next"];
    if (shard.empty()) break;
  }
  CHECK(shard.empty());
  CHECK(all.size() == 2);
  const std::string alice_shard = kAliceAddress.substr(4, 2);
  Json gold = Json::parse(chain.Query("vip", {"2", alice_shard}, kPartner));
  CHECK(gold["addresses"] == Json::array({kAliceAddress}));
  CHECK(chain.Status("vip", {"1"}, kAlice) == 403);
  CHECK(chain.Status("vip", {"3"}, kPartner) == 400);
  CHECK(chain.Status("vip", {"1", "zz"}, kPartner) == 400);
}

TEST_CASE("LZM can never pay for a trade nor become MLK", "[lzm]") {
  LzmChain chain;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "100", "KRW", "r"}) == 200);
  for (const std::string function :
       {"swap", "convert", "pay_trade", "redeem", "exchange", "buy", "sell", "withdraw"}) {
    SimulationResult attempt = chain.Run(function, {kAliceAddress, "100", "MLK"}, kAlice);
    CHECK(attempt.response.status() == 404);
    CHECK(attempt.response.message().find("LZM can never pay for a trade nor become MLK") !=
          std::string::npos);
    CHECK(attempt.rwset.ns_rwset_size() == 0);
  }
  CHECK(chain.BalanceOf(kAliceAddress) == "100");
}

TEST_CASE("pool and service account writers are sequenced and queries are not", "[lzm]") {
  LzmChaincode lzm;
  for (const char* function : {"trade_reward", "coupon_reward", "pack_reward", "attendance",
                               "burn_reward", "team_grant", "reserve_grant", "pay_service"}) {
    CHECK(lzm.IsSequenced(function));
  }
  for (const char* function : {"transfer", "balance", "level", "vip", "supply", "swap"}) {
    CHECK_FALSE(lzm.IsSequenced(function));
  }
}

TEST_CASE("CheckLzmInvariants detects created value and a pool above its cap", "[lzm]") {
  LzmChain chain;
  REQUIRE(chain.Status("trade_reward", {kAliceAddress, "100", "KRW", "r"}) == 200);
  chain.Invariants();
  MemoryState& state = chain.state();
  state.Put("lzm", *CreateCompositeKey("balance", {kBobAddress}), "1", Version{900, 0});
  CHECK(CheckLzmInvariants(state).code() == Code::kDataLoss);
  state.Delete("lzm", *CreateCompositeKey("balance", {kBobAddress}), Version{901, 0});
  CHECK(CheckLzmInvariants(state).ok());
  state.Put("lzm", *CreateCompositeKey("pool", {"team"}), Big(kLzmTeamCap + 1), Version{902, 0});
  CHECK(CheckLzmInvariants(state).code() == Code::kDataLoss);
}

}  // namespace
}  // namespace milk::chaincode::lzm_test
