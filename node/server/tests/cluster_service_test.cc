// The Cluster service's binding rule over real gRPC and TLS (docs/tls.md): a node that orders a
// chain as raft id 1, and clients presenting cryptogen's certificates while claiming raft ids.
// Certificates are issued at the wall clock's now (the handshake checks dates against it); the
// chain's own identities come from the test network at its fixed time.
#include "node/server/cluster_service.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "chaincode/builtin.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/tests/tls_test_util.h"
#include "milk/services.grpc.pb.h"
#include "node/node.h"
#include "node/ops/logging.h"
#include "node/testing/test_network.h"

namespace milk::node {
namespace {

using crypto::tls::testing::Network;
using milk::testing::TestNetwork;

constexpr int kMessages = 5;
// A stream of a few messages ends in milliseconds; the bound only stops a broken test hanging.
constexpr int64_t kStreamDeadlineMs = 10000;
constexpr int64_t kShutdownDeadlineMs = 2000;
constexpr int64_t kLogIntervalMs = 10000;
// Log lines kept by the capture: the node's own (chain joined, raft roles) and the refusals.
constexpr size_t kLogLinesMax = 1000;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: orderer1, role: consenter}
      - {name: orderer2, role: consenter}
      - {name: orderer3, role: consenter}
      - {name: peer0, role: peer}
  - name: BRAND
    members:
      - {name: orderer2, role: consenter}
)";

const Network& Tls() {
  static Network net;
  static const bool generated = net.Generate(kYaml, SystemClock::Instance().NowMs()).ok();
  REQUIRE(generated);
  return net;
}

crypto::tls::TlsMaterial Material(const std::string& org, const std::string& member) {
  auto material = crypto::tls::LoadTlsMaterial(Tls().Member(org, member));
  INFO(material.status().ToString());
  REQUIRE(material.ok());
  return std::move(material).value();
}

// A node joined to the test network's chain as its consenter 1, with consenters 1 and 2 bound
// to their TLS certificates and consenter 3 bound to none.
class ConsenterNode {
 public:
  ConsenterNode() : clock_(TestNetwork::kNowMs) {
    chaincode::RegisterBuiltinChaincodes(registry_);
    net_.UseConsenters(3);
    net_.config.mutable_orgs(0)->set_tls_ca_certificate(Tls().CaPem("TICA"));
    net_.config.mutable_consenters(0)->set_tls_certificate(Tls().CertPem("TICA", "orderer1"));
    net_.config.mutable_consenters(1)->set_tls_certificate(Tls().CertPem("TICA", "orderer2"));
    NodeOptions options;
    options.data_dir = dir_.path();
    options.peer = net_.PeerSigner();
    options.consenter = Signer{net_.consenters[0].key, net_.consenters[0].identity};
    options.validation_threads = 1;
    auto node = Node::Open(std::move(options), registry_, clock_, metrics_);
    REQUIRE(node.ok());
    node_ = std::move(node).value();
    const milkpb::Block genesis = net_.Genesis();
    auto joined = node_->JoinChain(genesis, net_.admin.identity, net_.JoinSignature(genesis));
    INFO(joined.status().ToString());
    REQUIRE(joined.ok());
  }
  ~ConsenterNode() { node_->Stop(); }

  Node& node() { return *node_; }
  ops::Registry& metrics() { return metrics_; }
  uint64_t Refused(const std::string& reason) {
    return metrics_.GetCounter("milk_raft_messages_refused_total", "", {{"reason", reason}})
        .Value();
  }
  uint64_t Received() {
    return metrics_.GetCounter("milk_raft_messages_received_total", "").Value();
  }

 private:
  crypto::testing::TempDir dir_;
  ManualClock clock_;
  TestNetwork net_;
  chaincode::Registry registry_;
  ops::Registry metrics_;
  std::unique_ptr<Node> node_;
};

// The Cluster service alone on 127.0.0.1:0.
class ClusterServer {
 public:
  ClusterServer(ConsenterNode& node, const ClusterServiceOptions& options,
                const std::shared_ptr<grpc::ServerCredentials>& credentials)
      : service_(MakeClusterService(node.node(), node.metrics(), options)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~ClusterServer() {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(kShutdownDeadlineMs));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<grpc::Service> service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// kMessages stale heartbeat responses (term 0: Raft ignores them) claiming to come from
// claimed_raft_id, on one stream; returns once the server has read them all.
grpc::Status Send(const ClusterServer& server,
                  const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                  uint64_t claimed_raft_id, const std::string& chain_id = "demo") {
  auto stub = milkpb::Cluster::NewStub(grpc::CreateChannel(server.address(), credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(kStreamDeadlineMs));
  milkpb::ClusterStepResponse response;
  auto writer = stub->Step(&context, &response);
  for (int i = 0; i < kMessages; ++i) {
    milkpb::ClusterStepRequest request;
    request.set_chain_id(chain_id);
    request.mutable_message()->set_type(milkpb::RaftMessage::HEARTBEAT_RESPONSE);
    request.mutable_message()->set_from(claimed_raft_id);
    request.mutable_message()->set_to(1);
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  return writer->Finish();
}

std::shared_ptr<grpc::ChannelCredentials> As(const std::string& org, const std::string& member) {
  return crypto::tls::ChannelCredentials(Material(org, member));
}
std::shared_ptr<grpc::ChannelCredentials> WithoutCertificate() {
  return crypto::tls::ChannelCredentials({Tls().CaPem("TICA")}, "", "");
}

// The "raft message refused" lines logged so far.
std::vector<std::string> Refusals(spdlog::sinks::ringbuffer_sink_mt& sink) {
  std::vector<std::string> lines;
  for (std::string line : sink.last_formatted()) {
    if (line.find("raft message refused") == std::string::npos) continue;
    while (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

// The node's log captured in memory for the life of the object, at a clock the test moves;
// and the TLS options of a Cluster service that logs refusals at that clock.
struct CapturedLog {
  CapturedLog() {
    ops::InitLogging(ops::LogLevel::kInfo, ops::LogFormat::kText, "node1", sink, &clock);
  }
  ~CapturedLog() { ops::InitLogging(ops::LogLevel::kInfo, ops::LogFormat::kText, ""); }
  ClusterServiceOptions TlsOptions() {
    return ClusterServiceOptions{
        .tls = true, .refusal_log_interval_ms = kLogIntervalMs, .clock = &clock};
  }
  ManualClock clock{TestNetwork::kNowMs};
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(kLogLinesMax);
};

TEST_CASE("a TLS Cluster service routes only messages over the sender's bound certificate",
          "[cluster_service][tls]") {
  ConsenterNode node;
  CapturedLog log;
  ClusterServer server(node, log.TlsOptions(),
                       crypto::tls::ServerCredentials(Material("TICA", "orderer1"), false));

  const uint64_t received = node.Received();
  REQUIRE(Send(server, As("TICA", "orderer2"), 2).ok());
  CHECK(node.Received() == received + kMessages);

  // Consenter 2's certificate claiming id 3, and a peer's claiming id 2.
  REQUIRE(Send(server, As("TICA", "orderer2"), 3).ok());
  CHECK(node.Refused("unbound_sender") == kMessages);  // 3 has no certificate bound
  REQUIRE(Send(server, As("TICA", "peer0"), 2).ok());
  CHECK(node.Refused("wrong_certificate") == kMessages);
  REQUIRE(Send(server, As("TICA", "orderer3"), 2).ok());
  CHECK(node.Refused("wrong_certificate") == 2 * kMessages);
  REQUIRE(Send(server, WithoutCertificate(), 2).ok());
  CHECK(node.Refused("no_certificate") == kMessages);
  REQUIRE(Send(server, As("TICA", "orderer2"), 9).ok());
  CHECK(node.Refused("unknown_sender") == kMessages);
  REQUIRE(Send(server, As("TICA", "orderer2"), 2, "elsewhere").ok());
  CHECK(node.Refused("unknown_chain") == kMessages);
  CHECK(node.Received() == received + kMessages);

  // A certificate from a CA the node does not trust never gets past the handshake.
  grpc::Status untrusted = Send(server, As("BRAND", "orderer2"), 2);
  CHECK(untrusted.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(node.Received() == received + kMessages);

  // One warning for all those refusals (rate-limited), naming chain, claim and certificate.
  std::vector<std::string> lines = Refusals(*log.sink);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("WARN  raft message refused reason=unbound_sender "
                                       "chain=demo claimed_raft_id=3 certificate=\"CN=orderer2, "
                                       "O=TICA, OU=consenter\" peer=ipv4:127.0.0.1:"));
  CHECK_THAT(lines[0], Catch::EndsWith("suppressed_since_last=0"));
  // Once the interval has passed, the next refusal is logged with the count left out.
  log.clock.Advance(kLogIntervalMs);
  REQUIRE(Send(server, As("TICA", "peer0"), 1).ok());
  lines = Refusals(*log.sink);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[1], Catch::Contains("reason=wrong_certificate chain=demo claimed_raft_id=1 "
                                       "certificate=\"CN=peer0, O=TICA, OU=peer\""));
  CHECK_THAT(lines[1],
             Catch::EndsWith("suppressed_since_last=" + std::to_string(6 * kMessages - 1)));
}

TEST_CASE("a plaintext Cluster service believes a claimed consenter id, as before TLS",
          "[cluster_service][tls]") {
  ConsenterNode node;
  ClusterServer server(node, ClusterServiceOptions{}, grpc::InsecureServerCredentials());
  const uint64_t received = node.Received();
  REQUIRE(Send(server, grpc::InsecureChannelCredentials(), 3).ok());
  CHECK(node.Received() == received + kMessages);
  // Only ids of the chain's consenters, and only chains this node orders.
  REQUIRE(Send(server, grpc::InsecureChannelCredentials(), 9).ok());
  CHECK(node.Refused("unknown_sender") == kMessages);
  REQUIRE(Send(server, grpc::InsecureChannelCredentials(), 2, "elsewhere").ok());
  CHECK(node.Refused("unknown_chain") == kMessages);
  CHECK(node.Received() == received + kMessages);
}

TEST_CASE("a stopping node ends Cluster streams without counting or warning of refusals",
          "[cluster_service][tls]") {
  ConsenterNode node;
  CapturedLog log;
  ClusterServer server(node, log.TlsOptions(),
                       crypto::tls::ServerCredentials(Material("TICA", "orderer1"), false));
  REQUIRE(Send(server, As("TICA", "orderer2"), 2).ok());
  const uint64_t received = node.Received();

  node.node().Stop();  // the chains close; the gRPC server still takes streams
  grpc::Status stopping = Send(server, As("TICA", "orderer2"), 2);
  CHECK(stopping.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(stopping.error_message() == "this node is stopping");
  CHECK(node.Received() == received);
  CHECK(node.Refused("unknown_chain") == 0);
  CHECK(Refusals(*log.sink).empty());
}

}  // namespace
}  // namespace milk::node
