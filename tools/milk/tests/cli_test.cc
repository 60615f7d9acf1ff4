// The milk command line end to end, without a real node: argument handling, exit codes, the
// one-line errors, and the commands against the in-process fake node of the client tests.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "node/ledger/formats.h"
#include "tools/client/tests/test_network.h"
#include "tools/milk/commands.h"
#include "tools/milk/tests/run_milk.h"

namespace milk::cli {
namespace {

using client::testing::GenerateTestNetwork;
using client::testing::kTestNowMs;
using client::testing::MemberDir;
using client::testing::TempDir;
using client::testing::WriteDemoProfile;

TEST_CASE("milk usage errors exit 2 with one line", "[cli]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"chain"},
           {"crypto", "generate", "--config", "c.yaml"},
           {"chain", "fetch", "-C", "demo"},
           {"chain", "fetch", "-C", "demo", "--newest", "--block", "3"},
           {"chain", "info", "-C", "demo", "--peer", "nohost"},
           {"chain", "info", "-C", "demo", "--timeout-ms", "0"},
           {"chaincode", "query", "-C", "demo", "-n", "token"}}) {
    INFO(::Catch::Detail::stringify(args));
    Run run = Milk(args);
    CHECK(run.code == 2);
    CHECK(run.out.empty());
    CheckOneErrorLine(run);
  }
  CHECK_THAT(Milk({"crypto", "generate", "--config", "c.yaml"}).err,
             Catch::Contains("--output is required"));
}

TEST_CASE("milk --help and --version exit 0", "[cli]") {
  Run help = Milk({"--help"});
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("chaincode"));
  CHECK_THAT(help.out, Catch::Contains("--identity"));
  Run fetch_help = Milk({"chain", "fetch", "--help"});
  CHECK(fetch_help.code == 0);
  CHECK_THAT(fetch_help.out, Catch::Contains("--newest"));
  Run version = Milk({"--version"});
  CHECK(version.code == 0);
  CHECK(version.out == "milk 0.1.0\n");
}

TEST_CASE("milk crypto generate lists what it wrote, then what it kept", "[cli]") {
  TempDir dir;
  const std::string yaml = dir.Write("crypto.yaml",
                                     "orgs:\n  - name: TICA\n    members:\n"
                                     "      - {name: peer0, role: peer}\n");
  Run first = Milk({"crypto", "generate", "--config", yaml, "--output", dir.Join("out")});
  INFO(first.err);
  REQUIRE(first.code == 0);
  CHECK_THAT(first.out, Catch::Contains(dir.Join("out/orgs/TICA/members/peer0/cert")));
  // Transport (X.509) material too: the org's TLS CA and the member's TLS certificate.
  CHECK_THAT(first.out, Catch::Contains(dir.Join("out/orgs/TICA/tls/ca.crt")));
  CHECK_THAT(first.out, Catch::Contains(dir.Join("out/orgs/TICA/members/peer0/tls.crt")));
  Run again = Milk({"--json", "crypto", "generate", "--config", yaml, "--output", dir.Join("out")});
  REQUIRE(again.code == 0);
  nlohmann::json files = nlohmann::json::parse(again.out);
  REQUIRE(files.is_array());
  REQUIRE_FALSE(files.empty());
  bool peer_cert_kept = false;
  for (const auto& f : files) {
    if (f["path"] == dir.Join("out/orgs/TICA/members/peer0/cert")) peer_cert_kept = f["kept"];
  }
  CHECK(peer_cert_kept);

  Run missing = Milk({"crypto", "generate", "--config", dir.Join("none.yaml"), "--output", "x"});
  CHECK(missing.code == 1);
  CheckOneErrorLine(missing);
}

TEST_CASE("milk chain create writes a signed genesis block and will not overwrite it", "[cli]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  const std::string profile = WriteDemoProfile(dir);
  const std::string admin = MemberDir(dir, "TICA", "admin");
  const std::string out = dir.Join("genesis.block");
  Run create =
      Milk({"chain", "create", "--profile", profile, "--identity", admin, "--output", out});
  INFO(create.err);
  REQUIRE(create.code == 0);
  CHECK_THAT(create.out, Catch::StartsWith("wrote the genesis block of chain demo to " + out));
  milkpb::Block block;
  std::ifstream in(out, std::ios::binary);
  REQUIRE(block.ParseFromIstream(&in));
  CHECK(block.header().chain_id() == "demo");
  CHECK(block.header().timestamp_ms() == kTestNowMs + 1000);

  Run again = Milk({"chain", "create", "--profile", profile, "--identity", admin, "--output", out});
  CHECK(again.code == 1);
  CHECK(again.err == "milk: " + out + " already exists; pass --force to replace it\n");
  Run forced = Milk({"chain", "create", "--profile", profile, "--identity", admin, "--output", out,
                     "--force", "--json"});
  REQUIRE(forced.code == 0);
  CHECK(nlohmann::json::parse(forced.out)["chain_id"] == "demo");

  Run no_identity = Milk({"chain", "create", "--profile", profile, "--output", dir.Join("x")});
  CHECK(no_identity.code == 1);
  CHECK_THAT(no_identity.err, Catch::StartsWith("milk: no identity: pass --identity DIR"));
  Run peer = Milk({"chain", "create", "--profile", profile, "--identity",
                   MemberDir(dir, "TICA", "peer0"), "--output", dir.Join("x")});
  CHECK(peer.code == 1);
  CheckOneErrorLine(peer);
  CHECK_THAT(peer.err, Catch::Contains("has role peer"));
  CHECK_FALSE(std::filesystem::exists(dir.Join("x")));
}

TEST_CASE("milk reports an unreachable node by its endpoint", "[cli]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Run run = Milk({"chaincode", "query", "-C", "demo", "-n", "token", "balance", "--identity",
                  MemberDir(dir, "TICA", "client0"), "--peer", "127.0.0.1:1"});
  CHECK(run.code == 1);
  CHECK(run.err == "milk: 127.0.0.1:1: connection refused\n");
}

}  // namespace
}  // namespace milk::cli
