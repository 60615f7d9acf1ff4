// The economy verbs end to end without a real node: argument checks (refused before any RPC),
// wallet files, what each verb sends (function, arguments in smallest units), how answers are
// shown, and how refusals fail the command. Against EconomyFakeNode, in process.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "tools/client/tests/test_network.h"
#include "tools/milk/commands.h"
#include "tools/milk/tests/economy_fake_node.h"
#include "tools/milk/tests/run_milk.h"

namespace milk::cli {
namespace {

using client::testing::GenerateTestNetwork;
using client::testing::MemberDir;
using client::testing::TempDir;
using testing::EconomyFakeNode;
using testing::Ok;
using testing::ReceivedCall;
using testing::Refused;

// Like Milk() of run_milk.h, with the economy groups that main.cc adds.
Run Economy(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  ManualClock clock(client::testing::kTestNowMs + 1000);
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A test network, a fake node, and the wallet alice as the identity.
struct Fixture {
  Fixture() : node(client::WalletSigner(crypto::GenerateKeyPair())) {
    GenerateTestNetwork(dir);
    alice_dir = dir.Join("crypto/wallets/alice");
    alice = ReadFile(alice_dir + "/address");
    if (!alice.empty()) alice.pop_back();  // the file ends in a newline
  }
  // Runs as alice against the fake node.
  Run As(const std::string& identity, std::vector<std::string> args) {
    args.insert(args.begin(), {"--peer", node.endpoint(), "--identity", identity});
    return Economy(args);
  }
  Run Alice(const std::vector<std::string>& args) { return As(alice_dir, args); }

  TempDir dir;
  EconomyFakeNode node;
  std::string alice_dir;
  std::string alice;
};

const std::string kBob =
    crypto::WalletAddress(crypto::KeyPairFromSeed(std::string(32, 'b')).public_key);

TEST_CASE("economy usage errors exit 2 with one line", "[cli][economy]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"brand"},
           {"brand", "issue", kBob, "10", "ref-1"},  // no -C
           {"wallet", "create"},                     // no --output
           {"wallet", "transfer", "-C", "center", kBob},
           {"market", "sell", "-C", "center", "dep-1", "--min-mlk", "1"},  // sells are swaps
           {"market", "deposit", "-C", "center", "BTA", kBob, "10", "1800000000000", "d1"},
           {"swap", "sell", "-C", "brand-a", "r1", "10", "1"},         // no deadline
           {"swap", "status", "-C", "brand-a", std::string(64, 'a')},  // no --center
           {"market", "buy", "-C", "center", "BTA", "10"},
           {"oracle", "set", "-C", "center"},
           {"brand", "issue", "-C", "brand-a", kBob, "10", "r", "--expiry-ms", "-5"},
           {"lzm", "vip", "-C", "center"},
           {"alliance", "propose", "-C", "center", "Shop", "retail"}}) {
    INFO(::Catch::Detail::stringify(args));
    Run run = Economy(args);
    CHECK(run.code == 2);
    CHECK(run.out.empty());
    CheckOneErrorLine(run);
  }
}

TEST_CASE("bad arguments fail before any call reaches the node", "[cli][economy]") {
  Fixture f;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"wallet", "transfer", "-C", "c", "alice", "1"}, "to \"alice\" is not a wallet address"},
      {{"wallet", "transfer", "-C", "c", kBob, "1.0000000000000000001"}, "more than 18 decimals"},
      {{"wallet", "transfer", "-C", "c", kBob, "0"}, "amount must be more than 0"},
      {{"wallet", "transfer", "-C", "c", kBob, "1.5", "--units"}, "whole number of units"},
      {{"wallet", "balance", "-C", "c", "mlk1nothex"}, "is not a wallet address"},
      {{"brand", "issue", "-C", "b", kBob, "1.5", "ref"}, "amount must be a whole number"},
      {{"brand", "issue", "-C", "b", kBob, "10", ""}, "legacy_ref must not be empty"},
      {{"brand", "redeem", "-C", "b", "-3"}, "amount must be a whole number"},
      {{"market", "quote", "-C", "c", "BTA", "hold", "5"}, "side must be buy or sell"},
      {{"market", "buy", "-C", "c", "BTA", "10", "--max-mlk", "1e3"}, "decimal number"},
      {{"oracle", "set", "-C", "c", "12.3456789"}, "more than 6 decimals"},
      {{"oracle", "set", "-C", "c", "0"}, "krw_per_mlk must be more than 0"},
      {{"lzm", "vip", "-C", "c", "0"}, "min_level must be a level number from 1 to 16"},
      {{"lzm", "level", "-C", "c", "bob"}, "is not a wallet address"},
      {{"pack", "stake", "-C", "c", "p30", "0.5x"}, "decimal number"},
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

TEST_CASE("milk wallet create writes a usable wallet and never overwrites one", "[cli][economy]") {
  TempDir dir;
  const std::string wallet = dir.Join("w/carol");
  Run created = Economy({"wallet", "create", "--output", wallet});
  INFO(created.err);
  REQUIRE(created.code == 0);
  const std::string address = created.out.substr(0, created.out.size() - 1);
  CHECK(crypto::IsValidWalletAddress(address));
  CHECK(ReadFile(wallet + "/address") == address + "\n");
  CHECK((std::filesystem::status(wallet + "/key").permissions() &
         std::filesystem::perms::group_all) == std::filesystem::perms::none);
  // The directory signs as that wallet.
  Run shown = Economy({"wallet", "address", "--identity", wallet});
  CHECK(shown.code == 0);
  CHECK(shown.out == address + "\n");
  Run json = Economy({"--json", "wallet", "address", "--identity", wallet});
  CHECK(nlohmann::json::parse(json.out)["address"] == address);

  const std::string key_before = ReadFile(wallet + "/key");
  Run again = Economy({"wallet", "create", "--output", wallet});
  CHECK(again.code == 1);
  CheckOneErrorLine(again);
  CHECK_THAT(again.err, Catch::Contains("already holds a wallet"));
  CHECK(ReadFile(wallet + "/key") == key_before);
  CHECK(ReadFile(wallet + "/address") == address + "\n");
  // A directory holding only an address file is refused too, and left alone.
  const std::string half = dir.Write("half/address", "mlk1x\n");
  Run partial = Economy({"wallet", "create", "--output", dir.Join("half")});
  CHECK(partial.code == 1);
  CHECK_FALSE(std::filesystem::exists(dir.Join("half/key")));
  CHECK(ReadFile(half) == "mlk1x\n");

  Run no_identity = Economy({"wallet", "address"});
  CHECK(no_identity.code == 1);
  CHECK_THAT(no_identity.err, Catch::Contains("--identity"));
}

// The one call the node received, REQUIRE'd.
ReceivedCall OnlyCall(EconomyFakeNode& node) {
  std::vector<ReceivedCall> calls = node.Calls();
  REQUIRE(calls.size() == 1);
  return calls.front();
}

TEST_CASE("each verb sends its chaincode function with amounts in smallest units",
          "[cli][economy]") {
  Fixture f;
  struct Case {
    std::vector<std::string> args;
    std::string rpc, chaincode, function;
    std::vector<std::string> sent;
  };
  const std::vector<Case> cases = {
      {{"wallet", "transfer", "-C", "center", kBob, "12.5"},
       "Endorse",
       "mlk",
       "transfer",
       {kBob, "12500000000000000000"}},
      {{"wallet", "transfer", "-C", "center", kBob, "7", "--units"},
       "Endorse",
       "mlk",
       "transfer",
       {kBob, "7"}},
      {{"brand", "issue", "-C", "brand-a", kBob, "100", "legacy-9", "--expiry-ms", "1800000000000"},
       "Endorse",
       "brandtoken",
       "issue",
       {kBob, "100", "legacy-9", "1800000000000"}},
      {{"brand", "redeem", "-C", "brand-a", "30"}, "Endorse", "brandtoken", "redeem", {"30"}},
      {{"brand", "transfer", "-C", "brand-a", "-n", "bt2", kBob, "5"},
       "Endorse",
       "bt2",
       "transfer",
       {kBob, "5"}},
      {{"market", "buy", "-C", "center", "BTB", "200", "--max-mlk", "0.4"},
       "Endorse",
       "exchange",
       "buy",
       {"BTB", "200", "400000000000000000"}},
      {{"oracle", "set", "-C", "center", "1234.5"},
       "Endorse",
       "exchange",
       "set_feed",
       {"1234500000"}},
      {{"pack", "stake", "-C", "center", "p30", "100"},
       "Endorse",
       "pack",
       "stake",
       {"p30", "100000000000000000000"}},
      {{"pack", "unstake", "-C", "center", "tx123"}, "Endorse", "pack", "unstake", {"tx123"}},
      {{"alliance", "propose", "-C", "center", "Shop", "retail", "BTS"},
       "Endorse",
       "alliance",
       "propose",
       {"Shop", "retail", "BTS"}},
      {{"alliance", "approve", "-C", "center", "Shop"}, "Endorse", "alliance", "approve", {"Shop"}},
      {{"alliance", "list", "-C", "center"}, "Evaluate", "alliance", "partners", {}},
      {{"market", "show", "-C", "center"}, "Evaluate", "exchange", "markets", {}},
      {{"market", "show", "-C", "center", "BTA"}, "Evaluate", "exchange", "market", {"BTA"}},
      {{"market", "quote", "-C", "center", "BTA", "sell", "1000"},
       "Evaluate",
       "exchange",
       "quote",
       {"BTA", "sell", "1000"}},
      {{"brand", "balance", "-C", "brand-a", kBob}, "Evaluate", "brandtoken", "balance", {kBob}},
      {{"lzm", "level", "-C", "center", kBob}, "Evaluate", "lzm", "level", {kBob}},
  };
  f.node.script = [](const ReceivedCall& call) { return Ok(call.rpc == "Evaluate" ? "{}" : ""); };
  for (const Case& c : cases) {
    INFO(::Catch::Detail::stringify(c.args));
    EconomyFakeNode node(client::WalletSigner(crypto::GenerateKeyPair()));
    node.script = f.node.script;
    std::vector<std::string> args = {"--peer", node.endpoint(), "--identity", f.alice_dir};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Run run = Economy(args);
    INFO(run.err);
    CHECK(run.code == 0);
    const std::vector<ReceivedCall> calls = node.Calls();
    // market show also reads the MLK/KRW feed, which trading needs as well.
    const bool show = c.args[0] == "market" && c.args[1] == "show";
    REQUIRE(calls.size() == (show ? 2u : 1u));
    if (show) CHECK(calls.back().function == "feed");
    const ReceivedCall call = calls.front();
    CHECK(call.rpc == c.rpc);
    CHECK(call.chain_id == *(std::find(c.args.begin(), c.args.end(), "-C") + 1));
    CHECK(call.chaincode == c.chaincode);
    CHECK(call.function == c.function);
    CHECK(call.args == c.sent);
  }
}

TEST_CASE("addresses default to the identity's own", "[cli][economy]") {
  Fixture f;
  f.node.script = [](const ReceivedCall& call) {
    return Ok(call.function == "balance" ? "5" : "{}");
  };
  Run lzm = f.Alice({"lzm", "balance", "-C", "center"});
  INFO(lzm.err);
  REQUIRE(lzm.code == 0);
  CHECK(OnlyCall(f.node).args == std::vector<std::string>{f.alice});
  CHECK(lzm.out == f.alice + ": 0.000000000000000005 LZM\n");
  Run raw = f.Alice({"lzm", "balance", "-C", "center", "--units", kBob});
  CHECK(raw.out == kBob + ": 5 units\n");
}

TEST_CASE("query answers are summarised, and printed raw with --json", "[cli][economy]") {
  Fixture f;
  const std::string balance =
      R"({"address":"x","unlocked":"12500000000000000000","locked":"1000000000000000000",)"
      R"("lots":[{"unlock_ms":1800000000000,"amount":"1000000000000000000"}],"burned":"0"})";
  f.node.script = [&](const ReceivedCall&) { return Ok(balance); };
  Run text = f.Alice({"wallet", "balance", "-C", "center"});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("address:  " + f.alice));
  CHECK_THAT(text.out, Catch::Contains("unlocked: 12.5 MLK"));
  CHECK_THAT(text.out, Catch::Contains("locked:   1 MLK"));
  CHECK_THAT(text.out, Catch::Contains("lot 1 MLK unlocks 2027-01-15T08:00:00.000Z"));
  Run json = f.Alice({"--json", "wallet", "balance", "-C", "center"});
  REQUIRE(json.code == 0);
  CHECK(nlohmann::json::parse(json.out) == nlohmann::json::parse(balance));

  f.node.script = [](const ReceivedCall&) {
    return Ok(R"({"address":"x","earned":"2500000000000000000000","level":2,"name":"Gold"})");
  };
  Run level = f.Alice({"lzm", "level", "-C", "center"});
  CHECK(level.out == f.alice + ": level 2 (Gold), earned 2500 LZM in the window\n");

  f.node.script = [](const ReceivedCall&) {
    return Ok(R"([{"org":"BrandA","sector":"retail","brand":"BTA","min_price_bps":7000}])");
  };
  Run list = f.Alice({"alliance", "list", "-C", "center"});
  CHECK(list.out == "BrandA  sector retail  brand BTA  min price 7000 bps\n");
  f.node.script = [](const ReceivedCall&) { return Ok("[]"); };
  CHECK(f.Alice({"alliance", "list", "-C", "center"}).out == "no partners yet\n");

  f.node.script = [](const ReceivedCall&) {
    return Ok(R"({"address":"x","lots":[{"expiry_ms":1800000000000,"amount":"70"}],)"
              R"("spendable":"70","expired":"5"})");
  };
  Run points = f.Alice({"brand", "balance", "-C", "brand-a"});
  CHECK_THAT(points.out, Catch::Contains("spendable: 70"));
  CHECK_THAT(points.out, Catch::Contains("expired:   5"));
  CHECK_THAT(points.out, Catch::Contains("lot 70 expires 2027-01-15T08:00:00.000Z"));

  f.node.script = [](const ReceivedCall&) {
    return Ok(R"({"brand":"BTA","redemption_value_micro_krw":"1000000","depth_units":"1000000",)"
              R"("fee_bps":150,"min_price_bps":7000,"inventory":"0"})");
  };
  Run market = f.Alice({"market", "show", "-C", "center", "BTA"});
  CHECK_THAT(market.out, Catch::Contains("buying:    halted (TICA's inventory is empty)"));
  CHECK_THAT(market.out, Catch::Contains("feed:      ? KRW per MLK\n"));  // no feed in that JSON
  f.node.script = [](const ReceivedCall& call) {
    if (call.function == "feed") return Refused(404, "no MLK/KRW price yet");
    return Ok(R"([{"brand":"BTA","inventory":"0"},{"brand":"BTB","inventory":"7"}])");
  };
  Run both = f.Alice({"market", "show", "-C", "center"});
  INFO(both.err);
  REQUIRE(both.code == 0);
  CHECK_THAT(both.out, Catch::Contains("market BTA\n") && Catch::Contains("market BTB\n"));
  CHECK_THAT(both.out, Catch::Contains("feed:      none (trading is refused"));
}

TEST_CASE("lzm vip walks every shard and lists the addresses", "[cli][economy]") {
  Fixture f;
  f.node.script = [&](const ReceivedCall& call) {
    if (call.args.size() != 2) return Refused(400, "usage");
    if (call.args[1] == "00") return Ok(R"({"addresses":["mlk1a"],"next":"01"})");
    if (call.args[1] == "01") return Ok(R"({"addresses":[],"next":"02"})");
    return Ok(R"({"addresses":["mlk1b","mlk1c"],"next":""})");
  };
  Run run = f.As(MemberDir(f.dir, "PARTNER", "admin"), {"lzm", "vip", "-C", "center", "2"});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK(run.out == "mlk1a\nmlk1b\nmlk1c\n");
  const std::vector<ReceivedCall> calls = f.node.Calls();
  REQUIRE(calls.size() == 3);
  CHECK(calls[2].args == std::vector<std::string>{"2", "02"});
  // A node that never says "done" is asked at most once per shard.
  f.node.script = [](const ReceivedCall&) { return Ok(R"({"addresses":[],"next":"00"})"); };
  Run endless = f.As(MemberDir(f.dir, "PARTNER", "admin"), {"lzm", "vip", "-C", "center", "1"});
  CHECK(endless.code == 0);
  CHECK(f.node.Calls().size() == 3 + 256);
}

TEST_CASE("a trade prints its fill from the sequenced answer", "[cli][economy]") {
  Fixture f;
  f.node.sequenced = true;
  f.node.script = [](const ReceivedCall&) { return Ok(""); };  // the endorser's preview
  f.node.SetCommittedAnswer([](const ReceivedCall&) {
    return Ok(R"({"side":"buy","bt_amount":"1000","mlk_total":"1843000000000000000",)"
              R"("price_after":"935725"})");
  });
  Run buy = f.Alice({"market", "buy", "-C", "center", "BTA", "1000", "--max-mlk", "1.9"});
  INFO(buy.err);
  REQUIRE(buy.code == 0);
  CHECK_THAT(buy.out, Catch::Contains("block: 9\nbought 1000 BTA\n"));
  CHECK_THAT(buy.out, Catch::Contains("  mlk_total: 1.843 MLK\n"));
  CHECK_THAT(buy.out, Catch::Contains("  price_after: 0.935725 KRW per BT\n"));
  Run json =
      f.Alice({"--json", "market", "buy", "-C", "center", "BTA", "1000", "--max-mlk", "1.9"});
  REQUIRE(json.code == 0);
  const nlohmann::json out = nlohmann::json::parse(json.out);
  CHECK(out["block"] == 9);
  CHECK(out["result"]["mlk_total"] == "1843000000000000000");
}

TEST_CASE("pack stake and unstake show the stake, its maturity and the reward", "[cli][economy]") {
  Fixture f;
  f.node.sequenced = true;
  f.node.SetCommittedAnswer([](const ReceivedCall& call) {
    if (call.function == "stake") {
      return Ok(R"({"id":"tx1","owner":"x","product":"p30","amount":"10000000000000000000",)"
                R"("start_ms":1704067200000,"maturity_ms":1706659200000,)"
                R"("reward":"1000000000000000000","state":"active"})");
    }
    return Ok(R"({"stake":"tx1","owner":"x","amount":"10000000000000000000","reward":"0",)"
              R"("early":true})");
  });
  Run stake = f.Alice({"pack", "stake", "-C", "center", "p30", "10"});
  INFO(stake.err);
  REQUIRE(stake.code == 0);
  CHECK_THAT(stake.out, Catch::EndsWith("stake tx1: 10 MLK in p30, matures "
                                        "2024-01-31T00:00:00.000Z, reward 1 LZM\n"));
  Run unstake = f.Alice({"pack", "unstake", "-C", "center", "tx1"});
  REQUIRE(unstake.code == 0);
  CHECK_THAT(unstake.out, Catch::EndsWith("unstaked tx1: 10 MLK back, reward 0 LZM (early exit: "
                                          "the reward is forfeited)\n"));
}

TEST_CASE("refusals fail the command with the chaincode's message", "[cli][economy]") {
  Fixture f;
  f.node.script = [](const ReceivedCall&) {
    return Refused(412, "insufficient unlocked balance: 3 units");
  };
  Run query = f.Alice({"wallet", "balance", "-C", "center"});
  CHECK(query.code == 1);
  CheckOneErrorLine(query);
  CHECK(query.err ==
        "milk: mlk.balance refused: insufficient unlocked balance: 3 units (status 412)\n");
  Run endorse = f.Alice({"wallet", "transfer", "-C", "center", kBob, "1"});
  CHECK(endorse.code == 1);
  CheckOneErrorLine(endorse);
  CHECK_THAT(endorse.err, Catch::Contains("insufficient unlocked balance: 3 units"));

  // A sequenced trade refused at commit (it commits VALID with a 412 answer): exit 1.
  f.node.sequenced = true;
  f.node.script = [](const ReceivedCall&) { return Ok(""); };
  f.node.SetCommittedAnswer(
      [](const ReceivedCall&) { return Refused(412, "the cost 2 MLK is above max_mlk"); });
  Run buy = f.Alice({"market", "buy", "-C", "center", "BTA", "10", "--max-mlk", "1"});
  CHECK(buy.code == 1);
  CheckOneErrorLine(buy);
  CHECK_THAT(buy.err,
             Catch::Contains("milk: exchange.buy refused: the cost 2 MLK is above max_mlk"));
  CHECK(buy.out.empty());

  // A transaction that commits invalid.
  f.node.sequenced = false;
  f.node.commit_code = milkpb::MVCC_READ_CONFLICT;
  Run conflict = f.Alice({"wallet", "transfer", "-C", "center", kBob, "1"});
  CHECK(conflict.code == 1);
  CheckOneErrorLine(conflict);
  CHECK_THAT(conflict.err, Catch::Contains("MVCC_READ_CONFLICT"));

  // An answer that is not JSON where JSON is due.
  f.node.commit_code = milkpb::VALID;
  f.node.script = [](const ReceivedCall&) { return Ok("surprise"); };
  Run garbled = f.Alice({"market", "show", "-C", "center"});
  CHECK(garbled.code == 1);
  CHECK_THAT(garbled.err, Catch::Contains("exchange.market answered something that is not JSON"));
}

}  // namespace
}  // namespace milk::cli
