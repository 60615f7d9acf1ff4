// The brandtoken side of swaps (docs/swaps.md): escrows, TICA's account, the invariants that
// count escrows. Calls come through the fixture's stand-in "swap" chaincode.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/brandtoken/tests/brand_chain.h"

namespace milk::chaincode::brandtoken_test {
namespace {

const std::string kSwap1 = TestSwapId(1);
const std::string kSwap2 = TestSwapId(2);

std::string EscrowOf(BrandChain& chain, const std::string& swap_id) {
  SimulationResult result = chain.Run("escrow", {swap_id}, kBob);
  return result.response.status() == 200 ? result.response.payload()
                                         : std::to_string(result.response.status());
}

void PutRaw(MemoryState& state, const std::string& type, const std::vector<std::string>& attrs,
            const std::string& value) {
  state.Put(kBrandTokenChaincodeName, *CreateCompositeKey(type, attrs), value, Version{999, 0});
}

TEST_CASE("A swap locks unexpired BT into escrow earliest expiry first keeping each expiry",
          "[brandtoken][escrow]") {
  BrandChain chain;
  const int64_t a = kNow + kDayMs, b = kNow + 2 * kDayMs, c = kNow + 3 * kDayMs;
  chain.Ok("issue", {kAliceAddress, "4", "r0", std::to_string(kNow + 1)});  // will expire
  chain.Ok("issue", {kAliceAddress, "3", "r1", std::to_string(a)});
  chain.Ok("issue", {kAliceAddress, "5", "r2", std::to_string(b)});
  chain.Ok("issue", {kAliceAddress, "7", "r3", std::to_string(c)});
  chain.SetNow(kNow + 1);
  SimulationResult locked = chain.Swap("escrow_lock", {kAliceAddress, "6", kSwap1});
  REQUIRE(locked.response.status() == 200);
  const std::string pieces = "[" + LotJson(a, "3") + "," + LotJson(b, "3") + "]";
  CHECK(locked.response.payload() == "{\"swap_id\":\"" + kSwap1 + "\",\"owner\":\"" +
                                         kAliceAddress + "\",\"amount\":\"6\",\"brand\":\"BTA\"," +
                                         "\"lots\":" + pieces + "}");
  REQUIRE(locked.events.size() == 1);
  CHECK(locked.events[0].name() == "escrow_lock");
  CHECK(EscrowOf(chain, kSwap1) == "{\"owner\":\"" + kAliceAddress + "\",\"lots\":" + pieces + "}");
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(kNow + 1, "4") + "," + LotJson(b, "2") + "," +
                             LotJson(c, "7") + "],\"spendable\":\"9\",\"expired\":\"4\""));
  chain.Invariants();  // escrows count in issued - redeemed - expired
}

TEST_CASE("An expired unit cannot be locked in escrow", "[brandtoken][escrow]") {
  BrandChain chain;
  chain.Ok("issue", {kAliceAddress, "10", "r0", std::to_string(kNow + 1)});
  chain.SetNow(kNow + 1);
  SimulationResult refused = chain.Swap("escrow_lock", {kAliceAddress, "1", kSwap1});
  CHECK(refused.response.status() == 412);
  CHECK_THAT(refused.response.message(), Catch::Contains("10 expired units cannot be used"));
  CHECK(EscrowOf(chain, kSwap1) == "404");
}

TEST_CASE("A released escrow goes to TICA's account as units that never expire",
          "[brandtoken][escrow]") {
  BrandChain chain;
  chain.Ok("issue", {kAliceAddress, "10", "r0", std::to_string(kNow + kDayMs)});
  chain.SwapOk("escrow_lock", {kAliceAddress, "6", kSwap1});
  chain.Ok("issue", {kBobAddress, "4", "r1"});
  chain.SwapOk("escrow_lock", {kBobAddress, "4", kSwap2});
  SimulationResult released = chain.Swap("escrow_release", {kSwap1}, kBob);
  REQUIRE(released.response.status() == 200);
  CHECK(released.response.payload() ==
        "{\"swap_id\":\"" + kSwap1 + "\",\"owner\":\"" + kAliceAddress + "\",\"amount\":\"6\"}");
  CHECK(released.events[0].name() == "escrow_release");
  chain.SwapOk("escrow_release", {kSwap2});
  chain.SetNow(kNow + 5 * kDayMs);  // the customer's lots would have expired by now
  CHECK_THAT(chain.Balance(kPlatformAddress),
             Catch::Contains("\"lots\":[" + LotJson(kNeverExpiresMs, "10") +
                             "],\"spendable\":\"10\",\"expired\":\"0\""));
  CHECK(EscrowOf(chain, kSwap1) == "404");
  SimulationResult again = chain.Swap("escrow_release", {kSwap1});
  CHECK(again.response.status() == 404);
  CHECK_THAT(again.response.message(), Catch::StartsWith("no escrow for swap " + kSwap1));
  CHECK(chain.Swap("escrow_refund", {kSwap1}).response.status() == 404);
  chain.Invariants();
}

TEST_CASE("A refunded escrow returns each lot with its original expiry", "[brandtoken][escrow]") {
  BrandChain chain;
  const int64_t a = kNow + kDayMs, b = kNow + 2 * kDayMs;
  chain.Ok("issue", {kAliceAddress, "3", "r1", std::to_string(a)});
  chain.Ok("issue", {kAliceAddress, "5", "r2", std::to_string(b)});
  chain.SwapOk("escrow_lock", {kAliceAddress, "8", kSwap1});
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"lots\":[]"));
  chain.SetNow(a);  // one of the lots expired while in escrow: it comes back expired
  SimulationResult refunded = chain.Swap("escrow_refund", {kSwap1});
  REQUIRE(refunded.response.status() == 200);
  CHECK(refunded.response.payload() == "{\"swap_id\":\"" + kSwap1 + "\",\"owner\":\"" +
                                           kAliceAddress +
                                           "\",\"amount\":\"8\",\"expired\":\"0\"}");
  CHECK(refunded.events[0].name() == "escrow_refund");
  CHECK_THAT(chain.Balance(kAliceAddress),
             Catch::Contains("\"lots\":[" + LotJson(a, "3") + "," + LotJson(b, "5") +
                             "],\"spendable\":\"5\",\"expired\":\"3\""));
  CHECK(chain.Swap("escrow_refund", {kSwap1}).response.status() == 404);
  chain.Invariants();
}

TEST_CASE("A refund never fails for the lot bound", "[brandtoken][escrow]") {
  for (bool with_expired : {true, false}) {
    BrandChain chain;
    for (size_t i = 0; i < kBrandLotsPerAddressMax; ++i) {
      const std::string expiry = std::to_string(kNow + 1 + static_cast<int64_t>(i));
      chain.Ok("issue", {kAliceAddress, "1", "r" + std::to_string(i), expiry});
    }
    chain.SwapOk("escrow_lock", {kAliceAddress, "2", kSwap1});  // the lots at now+1, now+2
    chain.Ok("issue", {kAliceAddress, "1", "x1", std::to_string(kNow + kDayMs)});
    chain.Ok("issue", {kAliceAddress, "1", "x2", std::to_string(kNow + 2 * kDayMs)});
    if (with_expired) chain.SetNow(kNow + 3);  // the escrowed lots and the one at now+3 expired
    SimulationResult refunded = chain.Swap("escrow_refund", {kSwap1});
    REQUIRE(refunded.response.status() == 200);
    INFO(chain.Balance(kAliceAddress));
    if (with_expired) {  // the expired lots are dropped and counted, as a sweep would
      CHECK_THAT(refunded.response.payload(), Catch::Contains("\"expired\":\"3\""));
      CHECK_THAT(chain.Totals(), Catch::Contains("\"expired\":\"3\""));
      CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"255\""));
    } else {  // the earliest lots merge at the earliest expiry: no unit lives longer
      CHECK_THAT(refunded.response.payload(), Catch::Contains("\"expired\":\"0\""));
      CHECK_THAT(chain.Balance(kAliceAddress),
                 Catch::Contains("\"lots\":[" + LotJson(kNow + 1, "3") + "," +
                                 LotJson(kNow + 4, "1") + ","));
    }
    chain.Invariants();
  }
}

TEST_CASE("Escrow functions and purchases are called only from the swap chaincode",
          "[brandtoken][escrow]") {
  BrandChain chain(InitJson().insert(1, "\"swap_chaincode\":\"brand.swap\","));
  chain.Ok("issue", {kAliceAddress, "10", "r0"});
  const std::vector<std::string> calls[] = {{"escrow_lock", kAliceAddress, "1", kSwap1},
                                            {"escrow_release", kSwap1},
                                            {"escrow_refund", kSwap1},
                                            {"credit_purchase", kAliceAddress, "1", "p"}};
  for (const auto& call : calls) {
    std::vector<std::string> args(call.begin() + 1, call.end());
    SimulationResult direct = chain.Run(call[0], args, kAdmin);
    CHECK(direct.response.status() == 403);
    CHECK(direct.response.message() == call[0] +
                                           " is called only by the swap chaincode 'brand.swap';"
                                           " this is a direct call");
    SimulationResult other = chain.Swap(call[0], args);  // the stand-in is named "swap"
    CHECK(other.response.status() == 403);
    CHECK_THAT(other.response.message(), Catch::EndsWith("the caller is chaincode 'swap'"));
  }
  CHECK_THAT(chain.Balance(kAliceAddress), Catch::Contains("\"spendable\":\"10\""));
}

TEST_CASE("escrow_lock refuses bad input a reused swap id overdraft and changes nothing",
          "[brandtoken][escrow]") {
  BrandChain chain;
  chain.Ok("issue", {kAliceAddress, "10", "r0"});
  chain.SwapOk("escrow_lock", {kAliceAddress, "4", kSwap1});
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {{kAliceAddress, "4"}, 400, "usage: escrow_lock <owner> <amount> <swap_id>"},
      {{"mlk1x", "1", kSwap2}, 400, "invalid address"},
      {{kAliceAddress, "0", kSwap2}, 400, "amount must be positive"},
      {{kAliceAddress, "1", "ABC"}, 400, "invalid swap_id 'ABC'"},
      {{kAliceAddress, "1", std::string(64, 'A')}, 400, "invalid swap_id"},
      {{kAliceAddress, "1", kSwap1}, 409, "swap " + kSwap1 + " already holds an escrow of"},
      {{kAliceAddress, "7", kSwap2}, 412, "holds 6 unexpired units"},
      {{kPlatformAddress, "1", kSwap2}, 403, "TICA's account moves only through swaps"},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Swap("escrow_lock", c.args);
    INFO(c.message);
    CHECK(result.response.status() == c.status);
    CHECK_THAT(result.response.message(), Catch::Contains(c.message));
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
  CHECK(chain.Swap("escrow_release", {"x"}).response.status() == 400);
  CHECK(chain.Swap("escrow_refund", {}).response.message() == "usage: escrow_refund <swap_id>");
  CHECK(chain.Run("escrow", {"x"}, kBob).response.status() == 400);
  CHECK(EscrowOf(chain, kSwap2) == "404");
  chain.Invariants();
}

TEST_CASE("TICA's account moves only through swaps: no issue transfer or redeem",
          "[brandtoken][escrow]") {
  BrandChain chain;
  chain.Stock("10");
  chain.Ok("issue", {kAliceAddress, "10", "r0"});
  struct Case {
    std::string function;
    std::vector<std::string> args;
    crypto::IdentityInfo creator;
  };
  const Case cases[] = {
      {"transfer", {kAliceAddress, "1"}, kPlatform},
      {"redeem", {"1"}, kPlatform},
      {"transfer", {kPlatformAddress, "1"}, kAlice},
      {"issue", {kPlatformAddress, "1", "p1"}, kIssuer},
  };
  for (const Case& c : cases) {
    SimulationResult result = chain.Run(c.function, c.args, c.creator);
    INFO(c.function);
    CHECK(result.response.status() == 403);
    CHECK_THAT(result.response.message(),
               Catch::StartsWith("TICA's account moves only through swaps: "));
    CHECK(result.rwset.ns_rwset_size() == 0);
  }
  CHECK_THAT(chain.Balance(kPlatformAddress), Catch::Contains("\"spendable\":\"10\""));
  chain.Invariants();
}

TEST_CASE("CheckBrandTokenInvariants counts escrows and guards TICA's account",
          "[brandtoken][escrow]") {
  const std::string locked = "[" + LotJson(kNow + kDayMs, "4") + "]";
  struct Corruption {
    std::string type;
    std::vector<std::string> attrs;
    std::string value;
    std::string message;
  };
  const Corruption corruptions[] = {
      {"escrow",
       {kSwap2},
       "{\"owner\":\"" + kBobAddress + "\",\"lots\":" + locked + "}",
       "the lots and escrows hold 24"},
      {"escrow", {kSwap1}, "{\"owner\":\"" + kBobAddress + "\",\"lots\":[]}", "escrow holds no"},
      {"escrow", {kSwap1}, "{\"owner\":\"x\",\"lots\":" + locked + "}", "not an address"},
      {"escrow", {kSwap1}, "[]", "stored escrow is malformed"},
      {"escrow",
       {kSwap1},
       "{\"owner\":\"" + kPlatformAddress + "\",\"lots\":" + locked + "}",
       "owned by TICA's account"},
      {"lots", {kPlatformAddress}, "[" + LotJson(kNow + kDayMs, "10") + "]", "a lot that expires"},
  };
  for (const Corruption& c : corruptions) {
    BrandChain chain;
    chain.Stock("10");
    chain.Ok("issue", {kAliceAddress, "10", "a1", std::to_string(kNow + kDayMs)});
    chain.SwapOk("escrow_lock", {kAliceAddress, "4", kSwap1});
    chain.Invariants();
    PutRaw(chain.state(), c.type, c.attrs, c.value);
    Status status = CheckBrandTokenInvariants(chain.state());
    INFO(c.message);
    CHECK(status.code() == Code::kDataLoss);
    CHECK_THAT(status.message(), Catch::Contains(c.message));
  }
}

TEST_CASE("ReadBrandTokenView reports TICA's account and every escrow", "[brandtoken][escrow]") {
  BrandChain chain;
  auto empty = ReadBrandTokenView(chain.state());
  REQUIRE(empty.ok());
  CHECK(empty->platform_balance == 0);
  CHECK(empty->escrows.empty());
  chain.Stock("10");
  chain.Ok("issue", {kAliceAddress, "10", "a1"});
  chain.SwapOk("escrow_lock", {kAliceAddress, "4", kSwap1});
  auto view = ReadBrandTokenView(chain.state());
  REQUIRE(view.ok());
  CHECK(view->symbol == "BTA");
  CHECK(view->platform_address == kPlatformAddress);
  CHECK(view->platform_balance == 10);
  REQUIRE(view->escrows.size() == 1);
  CHECK(view->escrows.at(kSwap1).owner == kAliceAddress);
  CHECK(view->escrows.at(kSwap1).amount == 4);
  PutRaw(chain.state(), "escrow", {kSwap2}, "{}");
  CHECK(ReadBrandTokenView(chain.state()).status().code() == Code::kDataLoss);
  MemoryState blank;
  CHECK(ReadBrandTokenView(blank).status().code() == Code::kDataLoss);
  CHECK(CheckBrandTokenInvariants(blank).ok());  // no brand, nothing held
  PutRaw(blank, "total", {"issued"}, "1");
  CHECK_THAT(CheckBrandTokenInvariants(blank).message(), Catch::Contains("the lots and escrows"));
  PutRaw(blank, "config", {}, "{}");
  CHECK_THAT(CheckBrandTokenInvariants(blank).message(), Catch::Contains("config is corrupt"));
}

}  // namespace
}  // namespace milk::chaincode::brandtoken_test
