// Exact amounts for the economy verbs: whole tokens <-> smallest units, KRW <-> micro-KRW, and the
// market summaries built from the exchange's JSON. Pure functions, no RPC.
#include <catch2/catch.hpp>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "tools/milk/economy_call.h"
#include "tools/milk/market_view.h"

namespace milk::cli {
namespace {

constexpr Amount kE18 = Amount{1'000'000'000'000'000'000ULL};

Amount MustParse(const std::string& text, int decimals) {
  Result<Amount> value = ParseDecimal(text, decimals, "amount");
  INFO(text << ": " << value.status().ToString());
  REQUIRE(value.ok());
  return *value;
}

std::string ErrorOf(const std::string& text, int decimals) {
  Result<Amount> value = ParseDecimal(text, decimals, "amount");
  REQUIRE_FALSE(value.ok());
  CHECK(value.status().code() == Code::kInvalidArgument);
  return value.status().message();
}

TEST_CASE("token amounts convert exactly to 18-decimal units", "[cli][economy]") {
  CHECK(MustParse("12.5", 18) == 12 * kE18 + kE18 / 2);
  CHECK(MustParse("0", 18) == 0);
  CHECK(MustParse("0.000000000000000001", 18) == 1);
  CHECK(MustParse("1300000000", 18) == Amount{1'300'000'000} * kE18);
  CHECK(MustParse("1.10", 18) == kE18 + kE18 / 10);  // trailing zeros are exact, not rounded
  CHECK(MustParse("1234.5", 6) == 1'234'500'000);
  CHECK(MustParse("7", 0) == 7);
  // The largest 128-bit value in units, and one more.
  CHECK(MustParse("340282366920938463463.374607431768211455", 18) == chaincode::kAmountMax);
  CHECK_THAT(ErrorOf("340282366920938463463.374607431768211456", 18), Catch::Contains("too large"));
}

TEST_CASE("malformed or over-precise amounts are refused, never rounded", "[cli][economy]") {
  CHECK_THAT(ErrorOf("0.0000000000000000001", 18), Catch::Contains("more than 18 decimals"));
  CHECK_THAT(ErrorOf("1.5", 0), Catch::Contains("more than 0 decimals"));
  CHECK_THAT(ErrorOf("1234.5678901", 6), Catch::Contains("more than 6 decimals"));
  for (const char* bad : {"", ".5", "5.", "-1", "+1", "1e18", " 1", "1 ", "1,5", "1..5", "0x10",
                          "1.2.3", "abc", "١"}) {
    INFO(bad);
    CHECK_THAT(ErrorOf(bad, 18), Catch::Contains("decimal number"));
  }
  CHECK_THAT(ErrorOf("012", 18), Catch::Contains("leading zeros"));
  CHECK_THAT(ErrorOf("00.5", 18), Catch::Contains("leading zeros"));
  CHECK_THAT(ErrorOf("abc", 18), Catch::Contains("\"abc\""));  // names what was typed
}

TEST_CASE("formatting is the shortest exact text and round-trips", "[cli][economy]") {
  CHECK(FormatDecimal(12 * kE18 + kE18 / 2, 18) == "12.5");
  CHECK(FormatDecimal(0, 18) == "0");
  CHECK(FormatDecimal(1, 18) == "0.000000000000000001");
  CHECK(FormatDecimal(kE18, 18) == "1");
  CHECK(FormatDecimal(1'234'500'000, 6) == "1234.5");
  CHECK(FormatDecimal(42, 0) == "42");
  CHECK(FormatDecimal(chaincode::kAmountMax, 18) == "340282366920938463463.374607431768211455");
  for (const char* text :
       {"0", "1", "12.5", "0.000000000000000001", "999999999.999999999999999999", "1300000000"}) {
    CHECK(FormatDecimal(MustParse(text, 18), 18) == text);
  }
}

TEST_CASE("token and unit arguments refuse zero and name the argument", "[cli][economy]") {
  CHECK(*ParseTokenArg("2.5", false, "amount") == 2 * kE18 + kE18 / 2);
  CHECK(*ParseTokenArg("2500", true, "amount") == 2500);  // --units: raw smallest units
  Result<Amount> decimal_units = ParseTokenArg("2.5", true, "amount");
  REQUIRE_FALSE(decimal_units.ok());
  CHECK_THAT(decimal_units.status().message(), Catch::Contains("whole number of units"));
  for (bool raw : {false, true}) {
    Result<Amount> zero = ParseTokenArg("0", raw, "--min-mlk");
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.status().message() == "--min-mlk must be more than 0");
  }
  CHECK(*ParseUnitsArg("100", "amount") == 100);
  for (const char* bad : {"0", "1.5", "-3", "007", ""}) {
    INFO(bad);
    Result<Amount> value = ParseUnitsArg(bad, "bt_amount");
    REQUIRE_FALSE(value.ok());
    CHECK_THAT(value.status().message(), Catch::StartsWith("bt_amount must be"));
  }
}

TEST_CASE("chaincode amounts are shown as tokens and KRW", "[cli][economy]") {
  CHECK(ShowToken("12500000000000000000", false) == "12.5");
  CHECK(ShowToken("12500000000000000000", true) == "12500000000000000000");
  CHECK(ShowToken("not a number", false) == "not a number");
  CHECK(ShowKrw("936000") == "0.936");
  CHECK(ShowKrw("500000000") == "500");
}

TEST_CASE("addresses are checked before any call", "[cli][economy]") {
  const std::string good = crypto::WalletAddress(crypto::GenerateKeyPair().public_key);
  CHECK(CheckAddressArg(good, "to").ok());
  std::string bad_checksum = good;
  bad_checksum.back() = bad_checksum.back() == '0' ? '1' : '0';
  std::vector<std::string> bad_addresses = {"alice", "", bad_checksum,
                                            good.substr(0, good.size() - 1)};
  const size_t letter = good.find_first_of("abcdef", 4);  // after "mlk1"
  if (letter != std::string::npos) {  // one address per key: upper case is refused
    std::string upper = good;
    upper[letter] = static_cast<char>(upper[letter] - 'a' + 'A');
    bad_addresses.push_back(upper);
  }
  for (const std::string& bad : bad_addresses) {
    const Status status = CheckAddressArg(bad, "to");
    CHECK(status.code() == Code::kInvalidArgument);
    CHECK_THAT(status.message(), Catch::StartsWith("to \"" + bad + "\" is not a wallet address"));
  }
}

// A market as the exchange stores it (exchange.h): R = 1 KRW, fee 1.5%, minimum 70%, depth 10^6.
Json Market(const std::string& inventory) {
  return Json{{"brand", "BTA"},         {"redemption_value_micro_krw", "1000000"},
              {"bt_unit", "1"},         {"depth_units", "1000000"},
              {"fee_bps", 150},         {"min_price_bps", 7000},
              {"inventory", inventory}, {"fees_mlk", "1500000000000000000"}};
}

TEST_CASE("market summary: price in KRW within its bounds, and the halts", "[cli][economy]") {
  // p_max = floor(10^6 * 9500 / 10150) = 935960; p_min = 700000.
  const std::string empty = MarketSummary(Market("0"), false);
  CHECK_THAT(empty, Catch::Contains("market BTA"));
  CHECK_THAT(empty, Catch::Contains("price:     0.93596 KRW per BT (bounds 0.7 .. 0.93596)"));
  CHECK_THAT(empty, Catch::Contains("buying:    halted (TICA's inventory is empty)"));
  CHECK_THAT(empty, Catch::Contains("selling:   open"));
  CHECK_THAT(empty, Catch::Contains("fees:      1.5 MLK"));
  // Half depth: p = 935960 - ceil(235960 / 2) = 817980.
  const std::string half = MarketSummary(Market("500000"), true);
  CHECK_THAT(half, Catch::Contains("price:     0.81798 KRW per BT"));
  CHECK_THAT(half, Catch::Contains("buying:    open"));
  CHECK_THAT(half, Catch::Contains("fees:      1500000000000000000 units"));
  const std::string full = MarketSummary(Market("1000000"), false);
  CHECK_THAT(full, Catch::Contains("price:     0.7 KRW per BT"));
  CHECK_THAT(full, Catch::Contains("selling:   halted (the price is at the partner's minimum)"));
  // The answer's own price and halts win over the computed ones.
  Json told = Market("0");
  told["price_micro_krw"] = "900000";
  told["buy_halted"] = false;
  const std::string own = MarketSummary(told, false);
  CHECK_THAT(own, Catch::Contains("price:     0.9 KRW per BT"));
  CHECK_THAT(own, Catch::Contains("buying:    open"));
  // Missing values are "?", never a crash.
  const std::string bare = MarketSummary(Json{{"brand", "BTX"}}, false);
  CHECK_THAT(bare, Catch::Contains("price:     ? KRW per BT (bounds ? .. ?)"));
  CHECK_THAT(bare, Catch::Contains("buying:    ?"));
}

TEST_CASE("market lists come in any of the exchange's shapes", "[cli][economy]") {
  CHECK(MarketList(Json::array({Market("0"), Market("1")})).size() == 2);
  CHECK(MarketList(Json{{"markets", Json::array({Market("0")})}}).size() == 1);
  CHECK(MarketList(Json{{"markets", Json{{"BTA", Market("0")}, {"BTB", Market("1")}}}}).size() ==
        2);
  CHECK(MarketList(Market("0")).size() == 1);
}

TEST_CASE("feed summary: the MLK/KRW price and whether it is stale", "[cli][economy]") {
  Json feed = {{"micro_krw_per_mlk", "500000000"}, {"time_ms", 1704067200000}, {"stale", false}};
  CHECK(FeedSummary(feed) == "feed:      500 KRW per MLK, set 2024-01-01T00:00:00.000Z\n");
  feed["stale"] = true;
  CHECK_THAT(FeedSummary(feed), Catch::EndsWith("(stale: trading is refused until the oracle "
                                                "sets it)\n"));
}

TEST_CASE("trade summary shows each field in its unit", "[cli][economy]") {
  const Json fill = {{"side", "sell"},
                     {"bt_amount", "1000"},
                     {"krw_value", "935843"},
                     {"mlk_total", "1843000000000000000"},
                     {"price_after", "935725"},
                     {"inventory_after", "1000"},
                     {"lzm_reward", Json{{"paid", "2000000000000000000"}}},
                     {"nested", Json::object()}};
  const std::string text = TradeSummary(fill, false);
  CHECK(text ==
        "  side: sell\n"
        "  bt_amount: 1000\n"
        "  krw_value: 0.935843 KRW\n"
        "  mlk_total: 1.843 MLK\n"
        "  price_after: 0.935725 KRW per BT\n"
        "  inventory_after: 1000\n"
        "  lzm_reward: 2 LZM\n");
  CHECK_THAT(TradeSummary(fill, true), Catch::Contains("mlk_total: 1843000000000000000 units"));
}

}  // namespace
}  // namespace milk::cli
