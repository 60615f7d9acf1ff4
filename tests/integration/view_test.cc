// Endorsed views from a real milkd (docs/views.md): the node signs a query's answer at the
// height its state is from, and the proof checks with proof::VerifyView against the chain's TICA
// root, through the client library and through `milk chain view`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "chaincode/proof/view_proof.h"
#include "crypto/bytes.h"
#include "crypto/key_files.h"
#include "tests/integration/harness.h"
#include "tests/integration/process.h"
#include "tools/client/view_client.h"

namespace milk::integration {
namespace {

constexpr int64_t kMaxAgeMs = 10 * 60 * 1000;

// The token chain of the demo, plus the alliance registry (its `brand_chain <id>` query
// answers 404 for an unregistered chain: the "this does not exist" proof).
ChainContent TokenAndAlliance() {
  ChainContent content;
  content.chaincodes_yaml = [](const std::string&) {
    return std::string(
        "  - name: token\n"
        "    version: 1\n"
        "    endorsement_policy: \"OR('TICA.peer')\"\n"
        "    acl: {issue: [client, admin], transfer: [wallet, client], \"*\": [\"*\"]}\n"
        "    init_args: [MLKT]\n"
        "  - name: alliance\n"
        "    version: 1\n"
        "    endorsement_policy: \"OR('TICA.peer')\"\n"
        "    acl: {\"*\": [\"*\"]}\n"
        "    init_args: ['{\"operator_org\":\"TICA\"}']\n");
  };
  return content;
}

milkpb::ViewRequest Request(const std::string& chaincode, const std::string& function,
                            const std::vector<std::string>& args) {
  milkpb::ViewRequest request;
  request.set_chain_id(kChainId);
  request.set_chaincode(chaincode);
  request.set_function(function);
  for (const std::string& arg : args) request.add_args(arg);
  return request;
}

proof::Source TicaSource(const TestNode& node) {
  Result<std::string> root = crypto::ReadPublicKeyFile(node.crypto_dir() + "/orgs/TICA/root.pub");
  REQUIRE(root.ok());
  return proof::Source{kChainId, {{"TICA", *root}}, "OutOf(1,'TICA.peer')"};
}

proof::Expectation Expect(const milkpb::ViewRequest& request, int64_t now_ms) {
  return proof::Expectation{request.chaincode(),
                            request.function(),
                            {request.args().begin(), request.args().end()},
                            now_ms,
                            kMaxAgeMs,
                            0};
}

TEST_CASE("a view is signed at the committed height and verifies as a proof",
          "[integration][view]") {
  TestNode node(HarnessOptions{.content = TokenAndAlliance()});
  const client::GatewayClient peer = node.Client();
  const client::Signer issuer = node.Member("issuer");
  const std::string alice = node.Address("alice");
  for (const char* amount : {"100", "20", "3"}) {
    REQUIRE(InvokeToken(peer, issuer, "issue", {alice, amount}).ok());
  }
  const client::ViewClient viewer(node.grpc_endpoint());
  const milkpb::ViewRequest request = Request(kTokenChaincode, "balance", {alice});
  Result<milkpb::ViewProof> proof = viewer.Query(request);
  REQUIRE(proof.ok());
  const milkpb::ViewResult& result = proof->result();
  CHECK(result.status() == 200);
  CHECK(result.payload() == "123");
  REQUIRE(proof->signatures_size() == 1);

  // Nothing commits in between: the node's height and head are the view's.
  Result<milkpb::ChainInfoResponse> info = peer.ChainInfo(kChainId);
  REQUIRE(info.ok());
  CHECK(result.height() == info->summary().height());
  CHECK(result.block_hash() == info->summary().current_block_hash());
  Result<milkpb::Block> last = peer.FetchBlock(kChainId, result.height() - 1);
  REQUIRE(last.ok());
  CHECK(result.block_time_ms() == last->header().timestamp_ms());

  const proof::Source source = TicaSource(node);
  const std::string bytes = proof->SerializeAsString();
  Result<milkpb::ViewResult> checked =
      proof::VerifyView(bytes, source, Expect(request, result.block_time_ms()));
  INFO(checked.status().ToString());
  REQUIRE(checked.ok());
  CHECK(checked->payload() == "123");

  SECTION("altered, it fails") {
    milkpb::ViewProof altered = *proof;
    altered.mutable_result()->set_payload("1000000");
    Status s = proof::VerifyView(altered.SerializeAsString(), source,
                                 Expect(request, result.block_time_ms()))
                   .status();
    CHECK(s.code() == Code::kUnauthenticated);
  }
  SECTION("as another chain's proof, it fails") {
    proof::Source other = source;
    other.chain_id = "brand-a";
    CHECK(proof::VerifyView(bytes, other, Expect(request, result.block_time_ms()))
              .status()
              .code() == Code::kFailedPrecondition);
  }
  SECTION("a later view has the later height") {
    REQUIRE(InvokeToken(peer, issuer, "issue", {alice, "1"}).ok());
    Result<milkpb::ViewProof> later = viewer.Query(request);
    REQUIRE(later.ok());
    CHECK(later->result().height() == result.height() + 1);
    CHECK(later->result().payload() == "124");
    proof::Expectation newer_only = Expect(request, later->result().block_time_ms());
    newer_only.min_height = later->result().height();
    CHECK(proof::VerifyView(bytes, source, newer_only).status().code() ==
          Code::kFailedPrecondition);
    CHECK(proof::VerifyView(later->SerializeAsString(), source, newer_only).ok());
  }
}

TEST_CASE("a view of something missing is a signed 404; refusals are not signed",
          "[integration][view]") {
  TestNode node(HarnessOptions{.content = TokenAndAlliance()});
  const client::ViewClient viewer(node.grpc_endpoint());

  const milkpb::ViewRequest missing = Request("alliance", "brand_chain", {"brand-z"});
  Result<milkpb::ViewProof> proof = viewer.Query(missing);
  REQUIRE(proof.ok());
  CHECK(proof->result().status() == 404);
  Result<milkpb::ViewResult> checked =
      proof::VerifyView(proof->SerializeAsString(), TicaSource(node),
                        Expect(missing, proof->result().block_time_ms()));
  INFO(checked.status().ToString());
  CHECK(checked.ok());

  Status s = viewer.Query(Request(kTokenChaincode, "balance", {})).status();
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK_THAT(s.message(), Catch::Contains("usage: balance"));
  s = viewer.Query(Request("nosuch", "balance", {})).status();
  CHECK(s.code() == Code::kNotFound);
  milkpb::ViewRequest other_chain = Request(kTokenChaincode, "supply", {});
  other_chain.set_chain_id("nosuch");
  CHECK(viewer.Query(other_chain).status().code() == Code::kNotFound);
  CHECK(viewer.Query(Request(kTokenChaincode, "", {})).status().code() ==
        Code::kInvalidArgument);
  milkpb::ViewRequest huge = Request(kTokenChaincode, "balance", {std::string(70000, 'x')});
  CHECK(viewer.Query(huge).status().code() == Code::kResourceExhausted);

  Result<std::string> metrics = HttpGet(node.operations_endpoint(), "/metrics");
  REQUIRE(metrics.ok());
  CHECK_THAT(*metrics, Catch::Contains("method=\"ViewQuery\"") &&
                           Catch::Contains("code=\"RESOURCE_EXHAUSTED\""));
}

TEST_CASE("milk chain view prints the proof and writes it", "[integration][view][cli]") {
  TestNode node;
  const std::string alice = node.Address("alice");
  REQUIRE(InvokeToken(node.Client(), node.Member("issuer"), "issue", {alice, "7"}).ok());
  const std::string file = node.dir() + "/balance.proof";
  CommandResult run = node.RunMilk({"--peer", node.grpc_endpoint(), "chain", "view", "-C",
                                    kChainId, "-n", kTokenChaincode, "balance", alice,
                                    "--output", file});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  nlohmann::json shown = nlohmann::json::parse(run.out, nullptr, false);
  REQUIRE(shown.is_object());
  CHECK(shown["chain_id"] == kChainId);
  CHECK(shown["height"] == 2);
  CHECK(shown["block_hash"].get<std::string>().size() == 64);
  CHECK(shown["status"] == 200);
  CHECK(shown["payload"]["text"] == "7");
  CHECK(shown["args"][0]["text"] == alice);
  REQUIRE(shown["signers"].size() == 1);
  CHECK(shown["signers"][0]["org"] == "TICA");
  CHECK(shown["signers"][0]["name"] == "peer0");
  CHECK(shown["signers"][0]["role"] == "peer");

  const std::string bytes = ReadFileOrEmpty(file);
  milkpb::ViewProof written;
  REQUIRE(written.ParseFromString(bytes));
  CHECK(proof::VerifyView(bytes, TicaSource(node),
                          Expect(Request(kTokenChaincode, "balance", {alice}),
                                 written.result().block_time_ms()))
            .ok());

  SECTION("an existing file is kept without --force") {
    CommandResult again = node.RunMilk({"--peer", node.grpc_endpoint(), "chain", "view", "-C",
                                        kChainId, "-n", kTokenChaincode, "supply", "--output",
                                        file});
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Catch::StartsWith("milk: ") && Catch::Contains("--force"));
    CHECK(ReadFileOrEmpty(file) == bytes);
  }
  SECTION("a refusal is one milk line") {
    CommandResult refused = node.RunMilk({"--peer", node.grpc_endpoint(), "chain", "view", "-C",
                                          "nosuch", "-n", kTokenChaincode, "supply"});
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Catch::StartsWith("milk: ") && Catch::Contains("nosuch"));
  }
}

}  // namespace
}  // namespace milk::integration
