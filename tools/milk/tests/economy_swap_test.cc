// `milk swap` without a real node: what each verb sends (function, arguments in smallest units,
// deadlines in Unix ms), the swap id it prints (the chaincodes' SwapId), the side-by-side status
// of a swap read from two fake nodes, and every refusal before a call. Plus the pure helpers of
// swap_args.h: typed times, refs, ids and the stage of a swap.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chaincode/swap/swap.h"
#include "crypto/ed25519.h"
#include "tools/client/tests/test_network.h"
#include "tools/milk/commands.h"
#include "tools/milk/swap_args.h"
#include "tools/milk/tests/economy_fake_node.h"
#include "tools/milk/tests/run_milk.h"

namespace milk::cli {
namespace {

using client::testing::GenerateTestNetwork;
using client::testing::kTestNowMs;
using client::testing::TempDir;
using testing::EconomyFakeNode;
using testing::Ok;
using testing::ReceivedCall;
using testing::Refused;

constexpr int64_t kNowMs = kTestNowMs + 1000;  // the clock Swap() gives the command
const std::string kId(64, 'a');

Run Swap(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  ManualClock clock(kNowMs);
  auto ctx = std::make_shared<CliContext>(out, err, clock);
  std::unique_ptr<CLI::App> app = MakeMilkApp(ctx);
  RegisterEconomyCommands(*app, ctx);
  std::vector<const char*> argv = {"milk"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  Run run;
  run.code = RunMilkApp(*app, *ctx, static_cast<int>(argv.size()), argv.data());
  run.out = out.str();
  run.err = err.str();
  return run;
}

struct Fixture {
  Fixture() : node(client::WalletSigner(crypto::GenerateKeyPair())) {
    GenerateTestNetwork(dir);
    alice_dir = dir.Join("crypto/wallets/alice");
    std::ifstream in(alice_dir + "/address");
    std::getline(in, alice);
  }
  Run Alice(std::vector<std::string> args) {
    args.insert(args.begin(), {"--peer", node.endpoint(), "--identity", alice_dir});
    return Swap(args);
  }
  TempDir dir;
  EconomyFakeNode node;
  std::string alice_dir;
  std::string alice;
};

TEST_CASE("typed times: Unix ms, RFC 3339 and durations from now", "[cli][swap]") {
  const int64_t now = kTestNowMs;  // 2024-01-01T00:00:00Z
  const std::vector<std::pair<std::string, int64_t>> good = {
      {"1800000000000", 1800000000000},
      {"2024-01-01T00:30:00Z", 1704069000000},
      {"2024-01-01t00:30:00z", 1704069000000},
      {"2024-01-01T09:30:00.5+09:00", 1704069000500},
      {"2023-12-31T20:30:00.123-04:00", 1704069000123},
      {"2024-02-29T00:00:00Z", 1709164800000},
      {"1970-01-01T00:00:00Z", 0},
      {"+30m", now + 1'800'000},
      {"+45s", now + 45'000},
      {"+2h", now + 7'200'000},
      {"+3650d", now + kDeadlineAheadMsMax},
  };
  for (const auto& [text, ms] : good) {
    INFO(text);
    Result<int64_t> parsed = ParseTimeArg(text, now, "deadline");
    REQUIRE(parsed.ok());
    CHECK(*parsed == ms);
  }
  for (const std::string text : {"",
                                 "soon",
                                 "-5m",
                                 "+5w",
                                 "+m",
                                 "+3651d",
                                 "+1.5h",
                                 "2024-01-01",
                                 "2023-02-29T00:00:00Z",
                                 "2024-01-01T24:00:00Z",
                                 "2024-01-01T00:00:60Z",
                                 "2024-01-01T00:00:00",
                                 "2024-01-01T00:00:00.1234Z",
                                 "2024-01-01T00:00:00.Z",
                                 "2024-01-01T00:00:00+0900",
                                 "1969-12-31T23:59:59Z",
                                 "1970-01-01T00:00:00+01:00",
                                 "2024-01-01T00:00:00Zjunk",
                                 "1234567890123456",
                                 "12e5"}) {
    INFO(text);
    Result<int64_t> parsed = ParseTimeArg(text, now, "deadline");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::StartsWith("deadline must be Unix ms"));
  }
}

TEST_CASE("swap refs and ids", "[cli][swap]") {
  CHECK(CheckSwapRef("order-7.a:b_C9").ok());
  CHECK(CheckSwapRef(std::string(kSwapRefBytesMax, 'r')).ok());
  for (const std::string& bad :
       {std::string(), std::string(kSwapRefBytesMax + 1, 'r'), std::string("a b"),
        std::string("a/b"), std::string("caf\xc3\xa9")}) {
    INFO(bad);
    CHECK(CheckSwapRef(bad).code() == Code::kInvalidArgument);
  }
  CHECK(CheckSwapId(kId).ok());
  CHECK_FALSE(CheckSwapId(std::string(63, 'a')).ok());
  CHECK_FALSE(CheckSwapId(std::string(64, 'A')).ok());
  CHECK_FALSE(CheckSwapId(std::string(63, 'a') + "g").ok());
}

TEST_CASE("the stage of a swap from its two records", "[cli][swap]") {
  const auto record = [](const char* state) { return Json{{"state", state}}; };
  const Json none = nullptr;
  CHECK(StageOf(none, none).name == "unknown");
  CHECK(StageOf(record("locked"), none).name == "waiting_for_decision");
  CHECK(StageOf(record("locked"), record("settled")).name == "waiting_for_finish");
  CHECK_THAT(StageOf(record("locked"), record("aborted")).text, Catch::Contains("refunds"));
  CHECK(StageOf(record("released"), record("settled")).name == "settled");
  CHECK(StageOf(record("refunded"), record("aborted")).name == "refunded");
  CHECK(StageOf(none, record("aborted")).name == "aborted_before_lock");
  for (const auto& [brand, center] :
       std::vector<std::pair<Json, Json>>{{record("released"), record("aborted")},
                                          {record("refunded"), record("settled")},
                                          {record("released"), none},
                                          {none, record("settled")},
                                          {Json::array(), record("settled")}}) {
    INFO(brand.dump() << " " << center.dump());
    CHECK(StageOf(brand, center).name == "inconsistent");
  }
}

TEST_CASE("swap sell, stock, buy and abort send their calls and print the swap id", "[cli][swap]") {
  Fixture f;
  struct Case {
    std::vector<std::string> args;
    std::string chaincode, function;
    std::vector<std::string> sent;
    std::string swap_id;  // "" when the verb names no swap
  };
  const std::string past = std::to_string(kNowMs - 1);
  const std::vector<Case> cases = {
      {{"swap", "sell", "-C", "brand-a", "r1", "1000", "1.5", "+30m"},
       "swap",
       "sell",
       {"r1", "1000", "1500000000000000000", std::to_string(kNowMs + 1'800'000)},
       chaincode::SwapId("brand-a", f.alice, "r1")},
      {{"swap", "sell", "-C", "brand-a", "r2", "7", "9", "2024-01-02T00:00:00Z", "--units"},
       "swap",
       "sell",
       {"r2", "7", "9", "1704153600000"},
       chaincode::SwapId("brand-a", f.alice, "r2")},
      {{"swap", "stock", "-C", "brand-b", "-n", "swap2", "s1", "400000", "1800000000000"},
       "swap2",
       "stock",
       {"s1", "400000", "1800000000000"},
       chaincode::SwapId("brand-b", f.alice, "s1")},
      {{"swap", "buy", "-C", "center", "BTB", "200", "0.4"},
       "exchange",
       "buy",
       {"BTB", "200", "400000000000000000"},
       ""},
      {{"swap", "abort", "-C", "center", "brand-a", "r1", past},
       "exchange",
       "abort_swap",
       {"brand-a", "r1", past},
       chaincode::SwapId("brand-a", f.alice, "r1")},
  };
  for (const Case& c : cases) {
    INFO(::Catch::Detail::stringify(c.args));
    EconomyFakeNode node(client::WalletSigner(crypto::GenerateKeyPair()));
    std::vector<std::string> args = {"--peer", node.endpoint(), "--identity", f.alice_dir};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Run run = Swap(args);
    INFO(run.err);
    REQUIRE(run.code == 0);
    const std::vector<ReceivedCall> calls = node.Calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].rpc == "Endorse");
    CHECK(calls[0].chain_id == c.args[3]);
    CHECK(calls[0].chaincode == c.chaincode);
    CHECK(calls[0].function == c.function);
    CHECK(calls[0].args == c.sent);
    CHECK_THAT(run.out, Catch::StartsWith("tx_id: "));
    if (!c.swap_id.empty()) CHECK_THAT(run.out, Catch::Contains("\nswap_id: " + c.swap_id + "\n"));
    args.insert(args.begin() + 4, "--json");
    const nlohmann::json json = nlohmann::json::parse(Swap(args).out);
    CHECK(json["block"] == EconomyFakeNode::kBlockNumber);
    if (!c.swap_id.empty()) CHECK(json["swap_id"] == c.swap_id);
    if (c.function == "buy") CHECK(json["purchase"] == json["tx_id"]);
  }
}

TEST_CASE("swap buy prints the fill and the purchase to be delivered", "[cli][swap]") {
  Fixture f;
  f.node.sequenced = true;
  f.node.SetCommittedAnswer([](const ReceivedCall&) {
    return Ok(R"({"side":"buy","brand":"BTB","bt_amount":"200","mlk_total":"330000000000000000"})");
  });
  Run run = f.Alice({"swap", "buy", "-C", "center", "BTB", "200", "0.4"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("\npurchase: "));
  CHECK_THAT(run.out, Catch::Contains("bought 200 BTB; the relay delivers them on the brand chain\n"
                                      "  side: buy\n"));
  CHECK_THAT(run.out, Catch::Contains("  mlk_total: 0.33 MLK\n"));
  // A refusal at commit fails the command with the exchange's reason.
  f.node.SetCommittedAnswer(
      [](const ReceivedCall&) { return Refused(412, "the cost 0.5 MLK is above max_mlk"); });
  Run refused = f.Alice({"swap", "buy", "-C", "center", "BTB", "200", "0.4"});
  CHECK(refused.code == 1);
  CheckOneErrorLine(refused);
  CHECK_THAT(refused.err,
             Catch::Contains("exchange.buy refused: the cost 0.5 MLK is above max_mlk"));
}

TEST_CASE("swap verbs refuse bad input before any call", "[cli][swap]") {
  Fixture f;
  const std::string future = std::to_string(kNowMs + 60'000);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"swap", "sell", "-C", "b", "bad ref", "10", "1", "+30m"}, "ref \"bad ref\" must be"},
      {{"swap", "sell", "-C", "b", "r", "0", "1", "+30m"}, "amount must be more than 0"},
      {{"swap", "sell", "-C", "b", "r", "10", "0", "+30m"}, "min_mlk must be more than 0"},
      {{"swap", "sell", "-C", "b", "r", "10", "1.0000000000000000001", "+30m"}, "18 decimals"},
      {{"swap", "sell", "-C", "b", "r", "10", "1", "tomorrow"}, "deadline must be Unix ms"},
      {{"swap", "sell", "-C", "b", "r", "10", "1", "1000"}, "has passed"},
      {{"swap", "stock", "-C", "b", "", "10", "+1h"}, "ref \"\" must be"},
      {{"swap", "stock", "-C", "b", "s", "1.5", "+1h"}, "whole number of units"},
      {{"swap", "buy", "-C", "c", "BTB", "10", "-1"}, "decimal number"},
      {{"swap", "abort", "-C", "c", "b", "r/1", "1000"}, "ref \"r/1\" must be"},
      {{"swap", "abort", "-C", "c", "b", "r", future}, "has not passed yet"},
      {{"swap", "abort", "-C", "c", "b", "r", "+1h"}, "has not passed yet"},
      {{"swap", "status", "-C", "b", "--center", "c", "XYZ"}, "must be 64 lower-case hex"},
  };
  for (const auto& [args, message] : cases) {
    INFO(::Catch::Detail::stringify(args));
    Run run = f.Alice(args);
    CHECK(run.code == 1);
    CHECK(run.out.empty());
    CheckOneErrorLine(run);
    CHECK_THAT(run.err, Catch::Contains(message));
  }
  CHECK(f.node.Calls().empty());
}

// A brand chain's record and the center's decision for the same swap (docs/swaps.md).
const char kLocked[] =
    R"({"id":"ID","kind":"sell","chain_id":"brand-a","brand":"BTA","owner":"mlk1owner",)"
    R"("ref":"r1","amount":"1000","min_mlk":"1500000000000000000","deadline_ms":1704069000000,)"
    R"("state":"locked","lock_tx":"ltx","lock_ms":1704067200000,"finish_tx":"","reason":""})";
const char kSettled[] =
    R"({"id":"ID","chain_id":"brand-a","brand":"BTA","kind":"sell","owner":"mlk1owner",)"
    R"("amount":"1000","state":"settled","reason":"","mlk_total":"1843000000000000000",)"
    R"("mlk_fee":"28000000000000000","deadline_ms":1704069000000,"tx":"ctx",)"
    R"("time_ms":1704067300000})";

struct StatusFixture : Fixture {
  StatusFixture() : center(client::WalletSigner(crypto::GenerateKeyPair())) {}
  Run Status(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"swap",
                                     "status",
                                     "-C",
                                     "brand-a",
                                     "--brand-peer",
                                     node.endpoint(),
                                     "--center-peer",
                                     center.endpoint(),
                                     "--center",
                                     "center",
                                     kId};
    args.insert(args.end(), extra.begin(), extra.end());
    return Alice(args);
  }
  EconomyFakeNode center;
};

TEST_CASE("swap status shows both chains side by side", "[cli][swap]") {
  StatusFixture f;
  f.node.script = [](const ReceivedCall&) { return Ok(kLocked); };
  f.center.script = [](const ReceivedCall&) { return Refused(404, "undecided"); };
  Run waiting = f.Status();
  INFO(waiting.err);
  REQUIRE(waiting.code == 0);
  CHECK_THAT(waiting.out, Catch::StartsWith("swap " + kId +
                                            "\n"
                                            "             brand chain brand-a"));
  CHECK_THAT(waiting.out, Catch::Contains("center chain center\n"));
  CHECK_THAT(waiting.out, Catch::Contains("  state:     locked "));
  CHECK_THAT(waiting.out, Catch::Contains(" undecided\n"));
  CHECK_THAT(waiting.out, Catch::Contains("  min_mlk:   1.5 MLK "));
  CHECK_THAT(waiting.out, Catch::Contains("  deadline:  2024-01-01T00:30:00.000Z "));
  CHECK_THAT(waiting.out, Catch::EndsWith("stage: locked on the brand chain; the center has not "
                                          "decided yet (the relay carries the lock there; after "
                                          "the deadline, `milk swap abort` cancels it)\n"));
  // What each side was asked: the brand chain's swap, the center's decision for that chain.
  const std::vector<ReceivedCall> brand_calls = f.node.Calls();
  const std::vector<ReceivedCall> center_calls = f.center.Calls();
  REQUIRE(brand_calls.size() == 1);
  REQUIRE(center_calls.size() == 1);
  CHECK(brand_calls[0].rpc == "Evaluate");
  CHECK((brand_calls[0].chain_id == "brand-a" && brand_calls[0].chaincode == "swap"));
  CHECK(
      (brand_calls[0].function == "swap" && brand_calls[0].args == std::vector<std::string>{kId}));
  CHECK((center_calls[0].chain_id == "center" && center_calls[0].chaincode == "exchange"));
  CHECK(center_calls[0].args == std::vector<std::string>{"brand-a", kId});

  f.center.script = [](const ReceivedCall&) { return Ok(kSettled); };
  Run decided = f.Status({"--units"});
  REQUIRE(decided.code == 0);
  CHECK_THAT(decided.out, Catch::Contains(" settled\n"));
  CHECK_THAT(decided.out, Catch::Contains("  mlk_total: -"));
  CHECK_THAT(decided.out, Catch::Contains(" 1843000000000000000 units\n"));
  CHECK_THAT(decided.out, Catch::Contains("  tx:        ltx "));
  CHECK_THAT(decided.out, Catch::EndsWith("stage: settled on the center; the brand chain "
                                          "releases it next\n"));
  Run json = f.Status({"--json"});
  REQUIRE(json.code == 0);
  const nlohmann::json parsed = nlohmann::json::parse(json.out);
  CHECK(parsed["swap_id"] == kId);
  CHECK(parsed["brand_chain"]["record"] == nlohmann::json::parse(kLocked));
  CHECK(parsed["center"]["decision"] == nlohmann::json::parse(kSettled));
  CHECK(parsed["stage"] == "waiting_for_finish");

  // The center aborted before any lock: the brand chain has nothing.
  f.node.script = [](const ReceivedCall&) { return Refused(404, "no such swap"); };
  f.center.script = [](const ReceivedCall&) {
    return Ok(R"({"state":"aborted","reason":"aborted by the customer after the deadline"})");
  };
  Run early = f.Status();
  REQUIRE(early.code == 0);
  CHECK_THAT(early.out, Catch::Contains("  state:     none "));
  CHECK_THAT(early.out, Catch::Contains("aborted by the customer after the deadline\n"));
  CHECK(nlohmann::json::parse(f.Status({"--json"}).out)["brand_chain"]["record"].is_null());

  // A real node answers a chaincode's 404 as gRPC NOT_FOUND naming the chaincode: still "none".
  f.node.not_found_as_grpc = true;
  f.center.not_found_as_grpc = true;
  Run as_node = f.Status();
  INFO(as_node.err);
  REQUIRE(as_node.code == 0);
  CHECK_THAT(as_node.out, Catch::Contains("  state:     none "));
  f.center.script = [](const ReceivedCall&) { return Refused(404, "undecided"); };
  f.node.script = [](const ReceivedCall&) { return Ok(kLocked); };
  CHECK(nlohmann::json::parse(f.Status({"--json"}).out)["center"]["decision"].is_null());
}

TEST_CASE("swap status fails on an unknown swap and on a refusal", "[cli][swap]") {
  StatusFixture f;
  f.node.script = [](const ReceivedCall&) { return Refused(404, "no such swap"); };
  f.center.script = [](const ReceivedCall&) { return Refused(404, "undecided"); };
  Run unknown = f.Status();
  CHECK(unknown.code == 1);
  CHECK(unknown.out.empty());
  CheckOneErrorLine(unknown);
  CHECK_THAT(unknown.err, Catch::Contains("is on neither chain"));

  f.node.script = [](const ReceivedCall&) { return Refused(403, "not a member of brand-a"); };
  Run denied = f.Status();
  CHECK(denied.code == 1);
  CheckOneErrorLine(denied);
  CHECK_THAT(denied.err, Catch::Contains("swap.swap on brand-a at " + f.node.endpoint() +
                                         " refused: not a member of brand-a (status 403)"));
  f.node.script = [](const ReceivedCall&) { return Ok("[1,2]"); };
  Run garbled = f.Status();
  CHECK(garbled.code == 1);
  CHECK_THAT(garbled.err, Catch::Contains("answered JSON that is not a record"));

  // NOT_FOUND that is not the chaincode's answer (a chain the peer does not serve) fails.
  f.node.evaluate_error = grpc::Status(grpc::StatusCode::NOT_FOUND, "no chain 'brand-a' here");
  f.center.script = [](const ReceivedCall&) { return Ok(kSettled); };
  Run unserved = f.Status();
  CHECK(unserved.code == 1);
  CheckOneErrorLine(unserved);
  CHECK_THAT(unserved.err, Catch::Contains("no chain 'brand-a' here"));
}

}  // namespace
}  // namespace milk::cli
