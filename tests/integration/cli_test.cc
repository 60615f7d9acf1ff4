// The `milk` binary against a real node: what people and scripts read (text and --json), and
// the failure convention of every command: exit 1 and one line "milk: <reason>" on stderr.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace milk::integration {
namespace {

bool IsOneMilkLine(const std::string& err) {
  return err.rfind("milk: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

TEST_CASE("milk chain list info and chaincode query show the node's state",
          "[integration][cli]") {
  TestNode node;
  const std::string peer = node.grpc_endpoint();
  const std::string alice = node.Address("alice");
  const std::vector<std::string> as_issuer = {"--peer", peer, "--identity",
                                              node.member_dir("issuer")};
  auto milk = [&](std::vector<std::string> args) {
    args.insert(args.begin(), as_issuer.begin(), as_issuer.end());
    return node.RunMilk(args);
  };

  CommandResult invoke = milk({"chaincode", "invoke", "-C", kChainId, "-n", kTokenChaincode,
                               "issue", alice, "250"});
  INFO("invoke: " << invoke.out << invoke.err);
  REQUIRE(invoke.exit_code == 0);
  CHECK_THAT(invoke.out, Catch::Contains("tx_id: ") && Catch::Contains("code:  VALID"));
  auto info = node.Client().ChainInfo(kChainId);
  REQUIRE(info.ok());
  const uint64_t height = info->summary().height();
  REQUIRE(height == 2);

  SECTION("chain list --json") {
    CommandResult list = milk({"--json", "chain", "list"});
    INFO(list.out << list.err);
    REQUIRE(list.exit_code == 0);
    nlohmann::json chains = nlohmann::json::parse(list.out, nullptr, false);
    REQUIRE(chains.is_array());
    REQUIRE(chains.size() == 1);
    CHECK(chains[0].value("chain_id", "") == kChainId);
    CHECK(chains[0].value("height", uint64_t{0}) == height);
    CHECK(chains[0].value("current_block_hash", "").size() == 64);
  }
  SECTION("chain info") {
    CommandResult shown = milk({"chain", "info", "-C", kChainId});
    INFO(shown.out << shown.err);
    REQUIRE(shown.exit_code == 0);
    CHECK_THAT(shown.out, Catch::Contains("chain:        demo") &&
                              Catch::Contains("height:       " + std::to_string(height)) &&
                              Catch::Contains("token v1  policy OR('TICA.peer')"));
    // The ACL line of issue names exactly its two roles (in either order).
    const size_t acl = shown.out.find("issue: ");
    REQUIRE(acl != std::string::npos);
    const std::string issue_roles = shown.out.substr(acl, shown.out.find('\n', acl) - acl);
    CHECK((issue_roles == "issue: client, admin" || issue_roles == "issue: admin, client"));
    CHECK(shown.err.empty());
  }
  SECTION("chaincode query") {
    CommandResult balance = milk({"chaincode", "query", "-C", kChainId, "-n", kTokenChaincode,
                                  "balance", alice});
    INFO(balance.out << balance.err);
    REQUIRE(balance.exit_code == 0);
    CHECK(balance.out == "250\n");
    CommandResult supply = milk({"--json", "chaincode", "query", "-C", kChainId, "-n",
                                 kTokenChaincode, "supply"});
    INFO(supply.out << supply.err);
    REQUIRE(supply.exit_code == 0);
    nlohmann::json answer = nlohmann::json::parse(supply.out, nullptr, false);
    REQUIRE(answer.is_object());
    CHECK(answer.value("status", 0) == 200);
    CHECK(answer.value("payload", "") == "250");
  }
  SECTION("failures exit 1 with one line on stderr") {
    auto with_issuer = [&](std::vector<std::string> args) {
      args.insert(args.begin(), as_issuer.begin(), as_issuer.end());
      return args;
    };
    const std::vector<std::vector<std::string>> failing = {
        with_issuer({"chain", "info", "-C", "no-such-chain"}),
        with_issuer({"chaincode", "query", "-C", kChainId, "-n", kTokenChaincode, "balance",
                     "not-an-address"}),
        with_issuer({"chaincode", "invoke", "-C", kChainId, "-n", kTokenChaincode, "transfer",
                     alice, "1000000"}),
        // Nothing listens on port 1: the connection is refused.
        {"--peer", "127.0.0.1:1", "--timeout-ms", "5000", "chain", "list"},
    };
    for (const std::vector<std::string>& args : failing) {
      CommandResult failed = node.RunMilk(args);
      INFO(DescribeCommand(args) << "\nexit " << failed.exit_code << "\nstdout: " << failed.out
                                 << "\nstderr: " << failed.err);
      CHECK(failed.exit_code == 1);
      CHECK(IsOneMilkLine(failed.err));
    }
    CommandResult unknown_chain = milk({"chain", "info", "-C", "no-such-chain"});
    CHECK_THAT(unknown_chain.err, Catch::Contains("no-such-chain"));
    CommandResult refused = node.RunMilk({"--peer", "127.0.0.1:1", "chain", "list"});
    CHECK_THAT(refused.err, Catch::StartsWith("milk: 127.0.0.1:1: "));
    // A usage error (no -C) is exit 2, also with one line.
    CommandResult usage = milk({"chain", "info"});
    INFO("usage error: " << usage.err);
    CHECK(usage.exit_code == 2);
    CHECK(IsOneMilkLine(usage.err));
    // Refused commands changed nothing.
    auto after = node.Client().ChainInfo(kChainId);
    REQUIRE(after.ok());
    CHECK(after->summary().height() == height);
  }
}

}  // namespace
}  // namespace milk::integration
