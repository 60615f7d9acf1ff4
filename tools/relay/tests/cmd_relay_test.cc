// `milk relay` in-process: its flags, its one-line errors, and one --once pass against a fake
// node whose chains cannot be listed (exit 1, nothing submitted).
#include <catch2/catch.hpp>
#include <filesystem>

#include "crypto/ed25519.h"
#include "crypto/key_files.h"
#include "tools/client/tests/fake_node.h"
#include "tools/milk/tests/run_milk.h"

namespace milk::cli {
namespace {

using client::testing::TempDir;

Run Relay(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  ManualClock clock(client::testing::kTestNowMs);
  auto ctx = std::make_shared<CliContext>(out, err, clock);
  std::unique_ptr<CLI::App> app = MakeMilkApp(ctx);
  RegisterRelayCommands(*app, ctx);
  std::vector<const char*> argv = {"milk", "relay"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  Run run;
  run.code = RunMilkApp(*app, *ctx, static_cast<int>(argv.size()), argv.data());
  run.out = out.str();
  run.err = err.str();
  return run;
}

TEST_CASE("milk relay --list-faults prints the fault points in protocol order") {
  Run run = Relay({"--list-faults"});
  CHECK(run.code == 0);
  CHECK(run.out ==
        "settle.proof_fetched\nsettle.submitted\nfinish.proof_fetched\nfinish.submitted\n"
        "deliver.proof_fetched\ndeliver.submitted\n");
}

TEST_CASE("milk relay refuses a missing config, a bad config and an unknown fault") {
  TempDir dir;
  Run no_config = Relay({});
  CHECK(no_config.code == 1);
  CHECK_THAT(no_config.err, Catch::Contains("--config FILE is required"));
  CheckOneErrorLine(no_config);

  Run missing = Relay({"--config", dir.Join("none.yaml")});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("none.yaml"));
  CheckOneErrorLine(missing);

  const std::string bad = dir.Write("bad.yaml", "identity: x\npoll_msec: 5\n");
  Run unknown_key = Relay({"--config", bad});
  CHECK(unknown_key.code == 1);
  CHECK_THAT(unknown_key.err, Catch::Contains("poll_msec: unknown key"));

  const std::string good = dir.Write("relay.yaml",
                                     "identity: id\ncenter: {chain_id: mlk, peers: [\"h:1\"]}\n"
                                     "brand_chains: [{chain_id: b, peers: [\"h:2\"]}]\n");
  Run fault = Relay({"--config", good, "--fault", "settle.sent"});
  CHECK(fault.code == 1);
  CHECK_THAT(fault.err, Catch::Contains("unknown fault point"));
  CheckOneErrorLine(fault);
}

TEST_CASE("milk relay --once exits 1 when a chain cannot be listed") {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("id"));
  REQUIRE(crypto::WriteSecretKeyFile(dir.Join("id/key"), crypto::GenerateKeyPair()).ok());
  client::testing::FakeNode node(client::WalletSigner(crypto::GenerateKeyPair()));
  const std::string config = dir.Write("relay.yaml",
                                       "identity: id\ntls: {enabled: false}\n"
                                       "center: {chain_id: demo, peers: [\"" +
                                           node.endpoint() +
                                           "\"]}\n"
                                           "brand_chains: [{chain_id: brand.a, peers: [\"" +
                                           node.endpoint() +
                                           "\"]}]\n"
                                           "log: {level: error}\n");
  Run run = Relay({"--config", config, "--once", "--ready-file", dir.Join("ready.json")});
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("1 chains unreachable"));
  CheckOneErrorLine(run);
  CHECK(std::filesystem::exists(dir.Join("ready.json")));
  CHECK(node.submitted.empty());
}

}  // namespace
}  // namespace milk::cli
