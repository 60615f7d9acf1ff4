// Real gRPC over mutual TLS on 127.0.0.1, with the project's Admin service and the material
// cryptogen issues. Certificates are issued at the wall clock's now: the TLS handshake checks
// validity against the machine's clock, not an injected one.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>

#include "crypto/clock.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/tests/tls_test_util.h"
#include "milk/services.grpc.pb.h"

namespace milk::crypto::tls {
namespace {

using namespace testing;  // NOLINT: test helpers

// A refused handshake fails in milliseconds; the bound only keeps a broken test from hanging on
// a loaded machine.
constexpr int kCallTimeoutMs = 10'000;
constexpr int kShutdownTimeoutMs = 5'000;
constexpr int64_t kDayMs = 86'400'000;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: peer0, role: peer}
      - {name: misnamed, role: peer, hosts: [other.example]}
      - {name: app, role: client}
  - name: brand-A
    members:
      - {name: client_1, role: client}
)";

const Network& Current() {
  static Network net;
  static const bool generated = net.Generate(kYaml, SystemClock::Instance().NowMs()).ok();
  REQUIRE(generated);
  return net;
}

TlsMaterial Load(const std::string& member_dir) {
  Result<TlsMaterial> material = LoadTlsMaterial(member_dir);
  REQUIRE(material.ok());
  return std::move(material).value();
}

// Answers ListChains with one fixed chain and records who asked.
class FixedAdmin final : public milkpb::Admin::Service {
 public:
  grpc::Status ListChains(grpc::ServerContext* context, const milkpb::ListChainsRequest*,
                          milkpb::ListChainsResponse* response) override {
    Result<CertificateIdentity> peer = PeerCertificateIdentity(*context);
    milkpb::ChainSummary* chain = response->add_chains();
    chain->set_chain_id("mlk");
    chain->set_height(7);
    std::lock_guard<std::mutex> lock(mutex_);
    peers_.push_back(std::move(peer));
    return grpc::Status::OK;
  }
  std::vector<Result<CertificateIdentity>> peers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return peers_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Result<CertificateIdentity>> peers_;
};

class TestServer {
 public:
  explicit TestServer(const std::shared_ptr<grpc::ServerCredentials>& credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port_ > 0);
  }
  ~TestServer() {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(kShutdownTimeoutMs));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const FixedAdmin& service() const { return service_; }

 private:
  FixedAdmin service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// target_name_override: the host name to check the server certificate against instead of the
// dialed address; empty for none.
grpc::Status CallListChains(const TestServer& server,
                            const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                            milkpb::ListChainsResponse* response,
                            const std::string& target_name_override = "") {
  grpc::ChannelArguments arguments;
  if (!target_name_override.empty()) arguments.SetSslTargetNameOverride(target_name_override);
  auto channel = grpc::CreateCustomChannel(server.address(), credentials, arguments);
  auto stub = milkpb::Admin::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(kCallTimeoutMs));
  return stub->ListChains(&context, milkpb::ListChainsRequest(), response);
}

TEST_CASE("mutual TLS round trip: the server learns the client's identity", "[tls][grpc]") {
  const Network& net = Current();
  TestServer server(ServerCredentials(Load(net.Member("TICA", "peer0")), true));
  const TlsMaterial app = Load(net.Member("TICA", "app"));
  milkpb::ListChainsResponse response;
  grpc::Status status = CallListChains(server, ChannelCredentials(app), &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  REQUIRE(response.chains_size() == 1);
  CHECK(response.chains(0).chain_id() == "mlk");
  CHECK(response.chains(0).height() == 7);

  auto peers = server.service().peers();
  REQUIRE(peers.size() == 1);
  REQUIRE(peers[0].ok());
  CHECK(peers[0]->common_name == "app");
  CHECK(peers[0]->organization == "TICA");
  CHECK(peers[0]->organizational_unit == "client");
  CHECK(peers[0]->fingerprint_sha256 == ParseCertificateIdentity(app.cert_pem)->fingerprint_sha256);
}

TEST_CASE("a server trusting several orgs' CAs accepts each org's clients", "[tls][grpc]") {
  const Network& net = Current();
  const TlsMaterial peer = Load(net.Member("TICA", "peer0"));
  Result<std::vector<std::string>> bundle = LoadTlsCaBundle(net.out);
  REQUIRE(bundle.ok());
  TestServer server(ServerCredentials(peer.cert_pem, peer.key_pem, *bundle, true));
  const TlsMaterial client = Load(net.Member("brand-A", "client_1"));
  milkpb::ListChainsResponse response;
  grpc::Status status = CallListChains(
      server, ChannelCredentials(peer.ca_pems, client.cert_pem, client.key_pem), &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  auto peers = server.service().peers();
  REQUIRE(peers.size() == 1);
  REQUIRE(peers[0].ok());
  CHECK(peers[0]->common_name == "client_1");
  CHECK(peers[0]->organization == "brand-A");
}

TEST_CASE("a client without a certificate is refused when one is required", "[tls][grpc]") {
  const Network& net = Current();
  const TlsMaterial peer = Load(net.Member("TICA", "peer0"));
  milkpb::ListChainsResponse response;
  {
    TestServer server(ServerCredentials(peer, true));
    grpc::Status status =
        CallListChains(server, ChannelCredentials(peer.ca_pems, "", ""), &response);
    CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK(server.service().peers().empty());
  }
  // Where a certificate is optional the call goes through, and carries no identity.
  TestServer server(ServerCredentials(peer, false));
  grpc::Status status = CallListChains(server, ChannelCredentials(peer.ca_pems, "", ""), &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  auto peers = server.service().peers();
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].status().code() == Code::kUnauthenticated);
}

TEST_CASE("a client certificate from another org's CA is refused", "[tls][grpc]") {
  const Network& net = Current();
  TestServer server(ServerCredentials(Load(net.Member("TICA", "peer0")), true));
  const TlsMaterial client = Load(net.Member("brand-A", "client_1"));
  // The client trusts the server's CA, so only its own certificate can fail the handshake.
  auto credentials = ChannelCredentials({net.CaPem("TICA")}, client.cert_pem, client.key_pem);
  milkpb::ListChainsResponse response;
  grpc::Status status = CallListChains(server, credentials, &response);
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(server.service().peers().empty());
}

TEST_CASE("a client refuses a server certificate for another host or CA", "[tls][grpc]") {
  const Network& net = Current();
  const TlsMaterial app = Load(net.Member("TICA", "app"));
  milkpb::ListChainsResponse response;
  {
    // Certified for other.example only, dialed as 127.0.0.1.
    TestServer server(ServerCredentials(Load(net.Member("TICA", "misnamed")), true));
    CHECK(CallListChains(server, ChannelCredentials(app), &response).error_code() ==
          grpc::StatusCode::UNAVAILABLE);
    CHECK(server.service().peers().empty());
    // The same server and credentials, checked against the name it is certified for: accepted,
    // so the refusal above was the host name and nothing else.
    grpc::Status status =
        CallListChains(server, ChannelCredentials(app), &response, "other.example");
    INFO(status.error_message());
    CHECK(status.ok());
  }
  TestServer server(ServerCredentials(Load(net.Member("TICA", "peer0")), true));
  auto other_ca = ChannelCredentials({net.CaPem("brand-A")}, app.cert_pem, app.key_pem);
  CHECK(CallListChains(server, other_ca, &response).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(server.service().peers().empty());
}

TEST_CASE("an expired server certificate is refused", "[tls][grpc]") {
  Network old;
  const int64_t now_ms = SystemClock::Instance().NowMs();
  REQUIRE(old.Generate("orgs:\n  - name: TICA\n    validity_days: 1\n    members:\n"
                       "      - {name: peer0, role: peer}\n      - {name: app, role: client}\n",
                       now_ms - 3 * kDayMs)
              .ok());
  TestServer server(ServerCredentials(Load(old.Member("TICA", "peer0")), true));
  milkpb::ListChainsResponse response;
  CHECK(CallListChains(server, ChannelCredentials(Load(old.Member("TICA", "app"))), &response)
            .error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(server.service().peers().empty());
}

}  // namespace
}  // namespace milk::crypto::tls
