// Three real milkd consenters over mutual TLS (docs/tls.md): the cluster commits with every Raft
// message authenticated; a client holding a valid certificate of the org, but not the one the
// chain config binds to the raft id it claims, has its Raft messages refused and counted while
// the cluster carries on; a client without a certificate is refused at the handshake; and a
// plaintext client cannot reach a TLS node.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>

#include "crypto/tls/credentials.h"
#include "milk/services.grpc.pb.h"
#include "tests/integration/cluster_harness.h"

namespace milk::integration {
namespace {

// Forged messages per impostor stream: enough that a refusal cannot be a lost message.
constexpr int kForgedMessages = 20;
// Far beyond any term the cluster reaches in a test: a node that believed one forged heartbeat
// would jump to it, and so would everyone it then talks to.
constexpr uint64_t kForgedTermAhead = 1000;
// A refused stream ends in milliseconds; the bound only stops a broken test from hanging.
constexpr int64_t kStreamDeadlineMs = 10000;
// A raft id no consenter of the chain has.
constexpr uint64_t kStrangerRaftId = 9;

std::string MemberDir(const TestCluster& cluster, const std::string& name) {
  return cluster.crypto_dir() + "/orgs/" + kOrg + "/members/" + name;
}

// Credentials trusting the org's TLS CA and presenting member's TLS certificate (none when
// member is empty).
std::shared_ptr<grpc::ChannelCredentials> CredentialsOf(const TestCluster& cluster,
                                                        const std::string& member) {
  if (member.empty()) {
    return crypto::tls::ChannelCredentials({ReadFileOrEmpty(cluster.tls_ca_file())}, "", "");
  }
  auto material = crypto::tls::LoadTlsMaterial(MemberDir(cluster, member));
  INFO(material.status().ToString());
  REQUIRE(material.ok());
  return crypto::tls::ChannelCredentials(*material);
}

// One Cluster.Step stream to node target carrying kForgedMessages heartbeats that claim to come
// from claimed_raft_id in term `term`. Returns once the node has read the whole stream.
grpc::Status SendForgedHeartbeats(const TestCluster& cluster, size_t target,
                                  const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                                  uint64_t claimed_raft_id, uint64_t term) {
  auto stub = milkpb::Cluster::NewStub(grpc::CreateChannel(cluster.endpoint(target), credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(kStreamDeadlineMs));
  milkpb::ClusterStepResponse response;
  auto writer = stub->Step(&context, &response);
  for (int i = 0; i < kForgedMessages; ++i) {
    milkpb::ClusterStepRequest request;
    request.set_chain_id(kChainId);
    milkpb::RaftMessage* message = request.mutable_message();
    message->set_type(milkpb::RaftMessage::HEARTBEAT);
    message->set_from(claimed_raft_id);
    message->set_to(target + 1);
    message->set_term(term);
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  return writer->Finish();
}

// milk_raft_messages_refused_total{reason="<reason>"} on node i (0 when the series is absent).
double Refused(const TestCluster& cluster, size_t i, const std::string& reason) {
  auto metrics = HttpGet(cluster.OperationsEndpoint(i), "/metrics");
  INFO(metrics.status().ToString());
  REQUIRE(metrics.ok());
  const std::string prefix = "milk_raft_messages_refused_total{reason=\"" + reason + "\"} ";
  std::istringstream lines(*metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
  }
  return 0;
}

double Received(const TestCluster& cluster, size_t i) {
  auto metrics = HttpGet(cluster.OperationsEndpoint(i), "/metrics");
  REQUIRE(metrics.ok());
  const std::string prefix = "milk_raft_messages_received_total ";
  const size_t at = metrics->find("\n" + prefix);
  REQUIRE(at != std::string::npos);
  return std::stod(metrics->substr(at + 1 + prefix.size()));
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

void IssueTo(const TestCluster& cluster, size_t via, const std::string& wallet) {
  auto issued = InvokeToken(cluster.Client(via), cluster.Member("issuer"), "issue",
                            {cluster.Address(wallet), "10"});
  INFO(issued.status().ToString());
  REQUIRE(issued.ok());
  CHECK(issued->code == milkpb::VALID);
}

TEST_CASE("a TLS cluster binds each consenter's certificate in the genesis and commits",
          "[integration][cluster][tls]") {
  TestCluster cluster;
  REQUIRE(cluster.tls());
  const size_t leader = cluster.LeaderIndex();
  IssueTo(cluster, (leader + 1) % cluster.size(), "alice");  // forwarded to the leader over TLS

  auto info = cluster.Client(0).ChainInfo(kChainId);
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  REQUIRE(info->config().consenters_size() == static_cast<int>(cluster.size()));
  REQUIRE(info->config().orgs_size() == 1);
  CHECK(info->config().orgs(0).tls_ca_certificate() == ReadFileOrEmpty(cluster.tls_ca_file()));
  for (size_t i = 0; i < cluster.size(); ++i) {
    INFO("node" << i);
    CHECK(info->config().consenters(static_cast<int>(i)).tls_certificate() ==
          ReadFileOrEmpty(MemberDir(cluster, "orderer" + std::to_string(i)) + "/tls.crt"));
    CHECK_THAT(cluster.Log(i), Catch::Contains("TLS on certificate=\"CN=orderer" +
                                               std::to_string(i) + ", O=TICA, OU=consenter\""));
    // Raft flowed, and not one genuine message was refused.
    CHECK(Received(cluster, i) > 0);
    for (const char* reason : {"no_certificate", "unbound_sender", "wrong_certificate"}) {
      INFO(reason);
      CHECK(Refused(cluster, i, reason) == 0);
    }
  }
}

TEST_CASE("Raft messages over a certificate not bound to the claimed raft id are refused",
          "[integration][cluster][tls]") {
  TestCluster cluster;
  const size_t leader = cluster.LeaderIndex();
  const size_t target = (leader + 1) % cluster.size();
  const size_t third = (leader + 2) % cluster.size();
  auto before = cluster.Status(target);
  REQUIRE(before.ok());
  const uint64_t forged_term = before->term() + kForgedTermAhead;
  const uint64_t leader_raft_id = leader + 1;

  // Valid TLS certificates of the org, each presented as the leader's.
  const std::string peer = "peer" + std::to_string(target);
  const std::string other_consenter = "orderer" + std::to_string(third);
  for (const std::string& member : {peer, other_consenter}) {
    INFO(member << " claims raft id " << leader_raft_id);
    grpc::Status sent = SendForgedHeartbeats(cluster, target, CredentialsOf(cluster, member),
                                             leader_raft_id, forged_term);
    INFO(sent.error_message());
    REQUIRE(sent.ok());
  }
  CHECK(Refused(cluster, target, "wrong_certificate") >= 2 * kForgedMessages);
  // No client certificate at all: the handshake itself is refused (the node requires one), so
  // not one message reaches the Cluster service. And a real consenter's claiming an id nobody has.
  grpc::Status anonymous = SendForgedHeartbeats(cluster, target, CredentialsOf(cluster, ""),
                                                leader_raft_id, forged_term);
  CHECK(anonymous.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(Refused(cluster, target, "no_certificate") == 0);
  REQUIRE(SendForgedHeartbeats(cluster, target, CredentialsOf(cluster, other_consenter),
                               kStrangerRaftId, forged_term)
              .ok());
  CHECK(Refused(cluster, target, "unknown_sender") >= kForgedMessages);

  // The warning names the chain, the claimed id and the certificate, and is rate-limited: far
  // fewer lines than refusals.
  const std::string log = cluster.Log(target);
  CHECK_THAT(log, Catch::Contains("raft message refused reason=wrong_certificate chain=demo "
                                  "claimed_raft_id=" +
                                  std::to_string(leader_raft_id) + " certificate=\"CN=" + peer +
                                  ", O=TICA, OU=peer\""));
  CHECK(CountOf(log, "raft message refused") <= 2);

  // Nobody believed the forged term; the same leader still leads and the cluster commits.
  for (size_t i = 0; i < cluster.size(); ++i) {
    auto status = cluster.Status(i);
    REQUIRE(status.ok());
    CHECK(status->term() < forged_term);
  }
  CHECK(cluster.LeaderIndex() == leader);
  IssueTo(cluster, target, "bob");
}

TEST_CASE("a plaintext client cannot reach a TLS node, and milk says how to fix it",
          "[integration][cluster][tls]") {
  TestCluster cluster;
  const std::string endpoint = cluster.endpoint(0);

  CommandResult plain = cluster.RunMilk({"--peer", endpoint, "chain", "list"}, false);
  INFO(plain.out << plain.err);
  CHECK(plain.exit_code == 1);
  CHECK(plain.out.empty());
  CHECK(plain.err.rfind("milk: " + endpoint + ": ", 0) == 0);
  CHECK(CountOf(plain.err, "\n") == 1);  // one line: gRPC's own handshake log is not shown
  CHECK_THAT(plain.err, Catch::Contains("pass --tls-ca FILE or set MILK_TLS_CA"));

  client::GatewayOptions insecure;
  insecure.credentials = grpc::InsecureChannelCredentials();
  insecure.deadline_ms = 5000;
  auto chains = cluster.Client(0, insecure).ListChains();
  REQUIRE_FALSE(chains.ok());
  CHECK(chains.status().code() == Code::kUnavailable);

  // The same call with the org's TLS CA works, from milk and from the client library.
  CommandResult tls = cluster.RunMilk({"--peer", endpoint, "chain", "list"});
  INFO(tls.out << tls.err);
  CHECK(tls.exit_code == 0);
  CHECK_THAT(tls.out, Catch::StartsWith("demo  height "));
  CHECK(cluster.Client(0).ListChains().ok());
}

}  // namespace
}  // namespace milk::integration
