#include "tools/client/gateway_client.h"

#include <grpcpp/grpcpp.h>

#include "tools/client/invoke.h"
#include "tools/client/tests/fake_node.h"
#include "tools/client/tests/test_network.h"

namespace milk::client {
namespace {

using testing::FakeNode;
using testing::GenerateTestNetwork;
using testing::MemberDir;
using testing::TempDir;

Signer Load(const std::string& dir) {
  Result<Signer> s = LoadSigner(dir);
  REQUIRE(s.ok());
  return std::move(s).value();
}

TEST_CASE("FromGrpcStatus keeps server messages and prefixes connection failures", "[gateway]") {
  const std::string ep = "127.0.0.1:7051";
  Status refused = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:7051: "
                   "Failed to connect to remote host: Connection refused"),
      ep, 30000);
  CHECK(refused.code() == Code::kUnavailable);
  CHECK(refused.message() == "127.0.0.1:7051: connection refused");

  Status other = FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no leader"), ep, 1);
  CHECK(other.message() == "127.0.0.1:7051: unavailable: no leader");

  Status slow = FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x"), ep, 250);
  CHECK(slow.code() == Code::kDeadlineExceeded);
  CHECK(slow.message() == "127.0.0.1:7051: no answer within 250 ms");

  Status denied = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "TICA/client0 may not call issue"), ep, 1);
  CHECK(denied.code() == Code::kPermissionDenied);
  CHECK(denied.message() == "TICA/client0 may not call issue");

  CHECK(FromGrpcStatus(grpc::Status::OK, ep, 1).ok());
}

TEST_CASE("WithEndpoint prefixes the endpoint once", "[gateway]") {
  CHECK(WithEndpoint(NotFound("no chain"), "h:1").message() == "h:1: no chain");
  CHECK(WithEndpoint(Unavailable("h:1: connection refused"), "h:1").message() ==
        "h:1: connection refused");
  CHECK(WithEndpoint(Status::Ok(), "h:1").ok());
}

TEST_CASE("A call to a closed port fails with the endpoint and 'connection refused'", "[gateway]") {
  GatewayClient client("127.0.0.1:1", {.deadline_ms = 5000});
  Result<std::vector<milkpb::ChainSummary>> chains = client.ListChains();
  REQUIRE_FALSE(chains.ok());
  CHECK(chains.status().code() == Code::kUnavailable);
  CHECK(chains.status().message() == "127.0.0.1:1: connection refused");
}

TEST_CASE("GatewayClient talks to each service", "[gateway]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  FakeNode node(Load(MemberDir(dir, "TICA", "peer0")));
  GatewayClient client(node.endpoint());

  SECTION("admin calls, and a server error keeps its code and message") {
    auto chains = client.ListChains();
    REQUIRE(chains.ok());
    REQUIRE(chains->size() == 1);
    CHECK((*chains)[0].height() == 3);
    auto info = client.ChainInfo("demo");
    REQUIRE(info.ok());
    CHECK(info->summary().chain_id() == "demo");
    auto missing = client.ChainInfo("other");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.status().code() == Code::kNotFound);
    CHECK(missing.status().message() == "chain other is not joined");
  }
  SECTION("blocks stream, stopped early by the callback, and FetchBlock") {
    for (uint64_t n = 0; n < 3; ++n) {
      milkpb::Block block;
      block.mutable_header()->set_number(n);
      node.blocks.push_back(block);
    }
    milkpb::DeliverRequest request;
    request.set_chain_id("demo");
    std::vector<uint64_t> seen;
    Status all = client.Blocks(request, [&](const milkpb::Block& b) {
      seen.push_back(b.header().number());
      return true;
    });
    REQUIRE(all.ok());
    CHECK(seen == std::vector<uint64_t>{0, 1, 2});
    seen.clear();
    Status first = client.Blocks(request, [&](const milkpb::Block& b) {
      seen.push_back(b.header().number());
      return false;
    });
    REQUIRE(first.ok());
    CHECK(seen == std::vector<uint64_t>{0});
    auto one = client.FetchBlock("demo", 1);
    REQUIRE(one.ok());
    CHECK(one->header().number() == 1);
    auto absent = client.FetchBlock("demo", 9);
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.status().code() == Code::kNotFound);
  }
}

TEST_CASE("Invoke endorses on every peer, submits and waits for the commit", "[invoke]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Signer client = Load(MemberDir(dir, "TICA", "client0"));
  FakeNode tica(Load(MemberDir(dir, "TICA", "peer0")));
  FakeNode partner(Load(MemberDir(dir, "PARTNER", "peer0")));
  GatewayClient to_tica(tica.endpoint());
  GatewayClient to_partner(partner.endpoint());
  const std::vector<const GatewayClient*> endorsers = {&to_tica, &to_partner};

  SECTION("valid") {
    auto r = Invoke(client, endorsers, to_tica, "demo", "token", "transfer", {"bob", "1"}, 9);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CHECK(r->code == milkpb::VALID);
    CHECK(r->block_number == 7);
    CHECK(r->tx_index == 3);
    REQUIRE(tica.submitted.size() == 1);
    CHECK(partner.submitted.empty());
    milkpb::Transaction tx;
    REQUIRE(tx.ParseFromString(tica.submitted[0].payload()));
    CHECK(tx.endorsements_size() == 2);
    milkpb::Proposal proposal;
    REQUIRE(proposal.ParseFromString(tx.proposal()));
    CHECK(proposal.tx_id() == r->tx_id);
    CHECK(proposal.timestamp_ms() == 9);
  }
  SECTION("an invalid transaction is a result, not an error") {
    tica.commit_code = milkpb::MVCC_READ_CONFLICT;
    auto r = Invoke(client, endorsers, to_tica, "demo", "token", "transfer", {}, 9);
    REQUIRE(r.ok());
    CHECK(r->code == milkpb::MVCC_READ_CONFLICT);
  }
  SECTION("an endorser's error names its endpoint; nothing is submitted") {
    partner.endorse_error = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not allowed");
    auto r = Invoke(client, endorsers, to_tica, "demo", "token", "transfer", {}, 9);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kPermissionDenied);
    CHECK(r.status().message() == partner.endpoint() + ": not allowed");
    CHECK(tica.submitted.empty());
  }
  SECTION("disagreeing endorsers stop the transaction") {
    partner.written_value = "other";
    auto r = Invoke(client, endorsers, to_tica, "demo", "token", "transfer", {}, 9);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kAborted);
    CHECK(tica.submitted.empty());
  }
  SECTION("an unreachable endorser") {
    GatewayClient dead("127.0.0.1:1", {.deadline_ms = 5000});
    auto r = Invoke(client, {&to_tica, &dead}, to_tica, "demo", "token", "transfer", {}, 9);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == "127.0.0.1:1: connection refused");
  }
}

}  // namespace
}  // namespace milk::client
