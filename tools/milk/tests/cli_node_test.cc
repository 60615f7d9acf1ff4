// milk commands that talk to a node, against the in-process fake node of the client tests.
#include <catch2/catch.hpp>

#include "node/ledger/formats.h"
#include "tools/client/genesis.h"
#include "tools/client/tests/fake_node.h"
#include "tools/client/tests/test_network.h"
#include "tools/milk/output.h"
#include "tools/milk/tests/run_milk.h"

namespace milk::cli {
namespace {

using client::testing::FakeNode;
using client::testing::GenerateTestNetwork;
using client::testing::kTestNowMs;
using client::testing::MemberDir;
using client::testing::TempDir;
using client::testing::WriteDemoProfile;

struct NodeFixture {
  TempDir dir;
  std::unique_ptr<FakeNode> tica, partner;
  std::string admin_dir, client_dir;
  milkpb::Block genesis;

  NodeFixture() {
    GenerateTestNetwork(dir);
    admin_dir = MemberDir(dir, "TICA", "admin");
    client_dir = MemberDir(dir, "TICA", "client0");
    tica = std::make_unique<FakeNode>(client::LoadSigner(MemberDir(dir, "TICA", "peer0")).value());
    partner =
        std::make_unique<FakeNode>(client::LoadSigner(MemberDir(dir, "PARTNER", "peer0")).value());
    auto profile = client::LoadChainProfile(WriteDemoProfile(dir)).value();
    genesis = client::BuildGenesisBlock(profile, client::LoadSigner(admin_dir).value(), kTestNowMs)
                  .value();
    tica->blocks.push_back(genesis);
    for (uint64_t n = 1; n < 3; ++n) {  // the fake reports height 3
      milkpb::Block block;
      block.mutable_header()->set_chain_id("demo");
      block.mutable_header()->set_number(n);
      tica->blocks.push_back(block);
    }
  }
};

TEST_CASE("milk chain list and info", "[cli]") {
  NodeFixture f;
  const std::string peer = f.tica->endpoint();
  Run list = Milk({"chain", "list", "--peer", peer});
  REQUIRE(list.code == 0);
  CHECK_THAT(list.out, Catch::StartsWith("demo  height 3  block hash "));
  // Global flags may follow the subcommand.
  Run list_json = Milk({"chain", "list", "--json", "--peer", peer});
  REQUIRE(list_json.code == 0);
  CHECK(nlohmann::json::parse(list_json.out)[0]["height"] == 3);

  Run info = Milk({"--peer", peer, "chain", "info", "-C", "demo"});
  REQUIRE(info.code == 0);
  CHECK_THAT(info.out, Catch::StartsWith("chain:        demo\nheight:       3\n"));
  Run missing = Milk({"--peer", peer, "chain", "info", "-C", "other"});
  CHECK(missing.code == 1);
  CHECK(missing.err == "milk: chain other is not joined\n");
}

TEST_CASE("milk chain fetch prints a summary or writes the raw block", "[cli]") {
  NodeFixture f;
  const std::string peer = f.tica->endpoint();
  Run oldest = Milk({"--peer", peer, "chain", "fetch", "-C", "demo", "--oldest"});
  REQUIRE(oldest.code == 0);
  CHECK_THAT(oldest.out, Catch::StartsWith("block 0 of chain demo\n"));
  CHECK_THAT(oldest.out, Catch::Contains("  0  -  config  NOT_VALIDATED  TICA.admin (admin)\n"));

  Run newest = Milk({"--peer", peer, "--json", "chain", "fetch", "-C", "demo", "--newest"});
  REQUIRE(newest.code == 0);
  CHECK(nlohmann::json::parse(newest.out)["number"] == 2);

  const std::string file = f.dir.Join("b1.block");
  Run raw =
      Milk({"--peer", peer, "chain", "fetch", "-C", "demo", "--block", "1", "--output", file});
  REQUIRE(raw.code == 0);
  CHECK(raw.out == "wrote block 1 of chain demo to " + file + "\n");
  milkpb::Block block;
  REQUIRE(block.ParseFromString(ReadWholeFile(file, 1 << 20).value()));
  CHECK(block.header().number() == 1);

  Run absent = Milk({"--peer", peer, "chain", "fetch", "-C", "demo", "--block", "9"});
  CHECK(absent.code == 1);
  CheckOneErrorLine(absent);
  CHECK_THAT(absent.err, Catch::Contains("has no block 9"));
}

TEST_CASE("milk chain join signs the genesis header hash as the admin", "[cli]") {
  NodeFixture f;
  const std::string file = f.dir.Join("genesis.block");
  REQUIRE(WriteFileAtomically(file, f.genesis.SerializeAsString(), false).ok());
  Run join = Milk({"--peer", f.tica->endpoint(), "--peer", f.partner->endpoint(), "chain", "join",
                   "--genesis", file, "--identity", f.admin_dir});
  INFO(join.err);
  REQUIRE(join.code == 0);
  CHECK(join.out == "joined chain demo on " + f.tica->endpoint() + "\njoined chain demo on " +
                        f.partner->endpoint() + "\n");
  REQUIRE(f.tica->joins.size() == 1);
  REQUIRE(f.partner->joins.size() == 1);
  const milkpb::JoinChainRequest& request = f.tica->joins[0];
  client::Signer admin = client::LoadSigner(f.admin_dir).value();
  CHECK(request.creator() == admin.identity_bytes);
  CHECK(crypto::Verify(admin.key.public_key, ledger::HeaderHash(f.genesis.header()),
                       request.signature()));

  f.partner->join_error = grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "already joined");
  Run partly = Milk({"--peer", f.tica->endpoint(), "--peer", f.partner->endpoint(), "chain", "join",
                     "--genesis", file, "--identity", f.admin_dir});
  CHECK(partly.code == 1);
  CHECK(partly.out == "joined chain demo on " + f.tica->endpoint() + "\n");
  CHECK(partly.err == "milk: " + f.partner->endpoint() + ": already joined\n");

  const std::string not_block = f.dir.Write("junk", "\xff\xff\xff");
  Run junk = Milk({"--peer", f.tica->endpoint(), "chain", "join", "--genesis", not_block,
                   "--identity", f.admin_dir});
  CHECK(junk.code == 1);
  CHECK(junk.err == "milk: " + not_block + " is not a serialized block\n");
}

TEST_CASE("milk chaincode invoke and query", "[cli]") {
  NodeFixture f;
  const std::vector<std::string> peers = {
      "--peer", f.tica->endpoint(), "--peer", f.partner->endpoint(), "--identity", f.client_dir};
  auto with_peers = [&](std::vector<std::string> args) {
    args.insert(args.begin(), peers.begin(), peers.end());
    return Milk(args);
  };

  Run invoke =
      with_peers({"chaincode", "invoke", "-C", "demo", "-n", "token", "transfer", "bob", "5"});
  INFO(invoke.err);
  REQUIRE(invoke.code == 0);
  CHECK_THAT(invoke.out, Catch::Contains("block: 7\ncode:  VALID\n"));
  CHECK(f.tica->submitted.size() == 1);

  f.tica->commit_code = milkpb::MVCC_READ_CONFLICT;
  Run conflict = with_peers({"--json", "chaincode", "invoke", "-C", "demo", "-n", "token", "f"});
  CHECK(conflict.code == 1);
  nlohmann::json result = nlohmann::json::parse(conflict.out);
  CHECK(result["validation_code"] == "MVCC_READ_CONFLICT");
  CHECK(conflict.err == "milk: transaction " + result["tx_id"].get<std::string>() +
                            " committed in block 7 as MVCC_READ_CONFLICT\n");

  Run query =
      with_peers({"chaincode", "query", "-C", "demo", "-n", "token", "balance", "--", "-5"});
  REQUIRE(query.code == 0);
  CHECK(query.out == "42\n");
  Run query_json = with_peers({"--json", "chaincode", "query", "-C", "demo", "-n", "token", "b"});
  CHECK(nlohmann::json::parse(query_json.out)["encoding"] == "utf8");

  f.tica->chaincode_status = 400;
  Run refused = with_peers({"chaincode", "query", "-C", "demo", "-n", "token", "balance"});
  CHECK(refused.code == 1);
  CHECK(refused.err == "milk:  (token.balance returned status 400)\n");
}

}  // namespace
}  // namespace milk::cli
