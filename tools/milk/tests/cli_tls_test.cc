// The milk CLI's TLS flags (--tls-ca, --tls-cert, --tls-key and their MILK_TLS_* variables)
// against an in-process Admin service served over TLS, and the hint a failed connection gets
// when it looks like a TLS mismatch. Certificates are issued at the wall clock's now: the
// handshake checks dates against the machine's clock.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <mutex>

#include "crypto/clock.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/issuer.h"
#include "milk/services.grpc.pb.h"
#include "tools/client/tests/fake_node.h"
#include "tools/milk/tests/run_milk.h"

namespace milk::cli {
namespace {

using client::testing::TempDir;

constexpr int64_t kShutdownDeadlineMs = 2000;

// Org TICA (a consenter serving, an admin and an issuer as clients) and org PARTNER, with TLS
// material.
struct TlsFiles {
  TempDir dir;
  TlsFiles() {
    const std::string yaml = dir.Write("crypto.yaml", R"(
orgs:
  - name: TICA
    members:
      - {name: orderer0, role: consenter}
      - {name: admin, role: admin}
      - {name: issuer, role: client}
  - name: PARTNER
    members:
      - {name: admin, role: admin}
)");
    auto files =
        crypto::tls::GenerateWithTls(yaml, dir.Join("crypto"), SystemClock::Instance().NowMs());
    INFO(files.status().ToString());
    REQUIRE(files.ok());
  }
  std::string Ca(const std::string& org) const {
    return dir.Join("crypto/orgs/" + org + "/tls/ca.crt");
  }
  std::string Member(const std::string& org, const std::string& name) const {
    return dir.Join("crypto/orgs/" + org + "/members/" + name);
  }
};

const TlsFiles& Files() {
  static const TlsFiles files;
  return files;
}

// ListChains over TLS (client certificates requested, not required), recording who asked.
class TlsAdmin final : public milkpb::Admin::Service {
 public:
  TlsAdmin() {
    auto material = crypto::tls::LoadTlsMaterial(Files().Member("TICA", "orderer0"));
    REQUIRE(material.ok());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", crypto::tls::ServerCredentials(*material, false),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~TlsAdmin() override {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(kShutdownDeadlineMs));
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  grpc::Status ListChains(grpc::ServerContext* context, const milkpb::ListChainsRequest*,
                          milkpb::ListChainsResponse* response) override {
    auto peer = crypto::tls::PeerCertificateIdentity(*context);
    std::lock_guard lock(mutex_);
    callers_.push_back(peer.ok() ? peer->common_name : "");
    response->add_chains()->set_chain_id("demo");
    return grpc::Status::OK;
  }
  std::vector<std::string> callers() const {
    std::lock_guard lock(mutex_);
    return callers_;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mutex_;
  std::vector<std::string> callers_;
};

Run ListChains(const std::string& endpoint, std::vector<std::string> flags) {
  flags.insert(flags.end(), {"--peer", endpoint, "--timeout-ms", "5000", "chain", "list"});
  return Milk(flags);
}

TEST_CASE("milk reaches a TLS node with --tls-ca, and presents --tls-cert", "[cli][tls]") {
  TlsAdmin node;
  Run anonymous = ListChains(node.endpoint(), {"--tls-ca", Files().Ca("TICA")});
  INFO(anonymous.err);
  REQUIRE(anonymous.code == 0);
  CHECK_THAT(anonymous.out, Catch::StartsWith("demo  height "));

  const std::string admin = Files().Member("TICA", "admin");
  Run member = ListChains(node.endpoint(), {"--tls-ca", Files().Ca("TICA"), "--tls-cert",
                                            admin + "/tls.crt", "--tls-key", admin + "/tls.key"});
  INFO(member.err);
  REQUIRE(member.code == 0);
  CHECK(node.callers() == std::vector<std::string>{"", "admin"});

  // A member's --identity presents its own TLS certificate when no --tls-cert is given.
  const std::string issuer = Files().Member("TICA", "issuer");
  Run by_identity =
      ListChains(node.endpoint(), {"--tls-ca", Files().Ca("TICA"), "--identity", issuer});
  INFO(by_identity.err);
  REQUIRE(by_identity.code == 0);
  CHECK(node.callers() == std::vector<std::string>{"", "admin", "issuer"});

  // The environment variable stands in for the flag.
  REQUIRE(setenv("MILK_TLS_CA", Files().Ca("TICA").c_str(), 1) == 0);
  Run from_env = ListChains(node.endpoint(), {});
  unsetenv("MILK_TLS_CA");
  INFO(from_env.err);
  CHECK(from_env.code == 0);
}

TEST_CASE("a TLS mismatch fails with one line saying what to change", "[cli][tls]") {
  TlsAdmin tls_node;
  SECTION("plaintext to a TLS node") {
    Run run = ListChains(tls_node.endpoint(), {});
    CHECK(run.code == 1);
    CheckOneErrorLine(run);
    CHECK_THAT(run.err, Catch::Contains("pass --tls-ca FILE or set MILK_TLS_CA"));
  }
  SECTION("a CA that did not issue the node's certificate") {
    Run run = ListChains(tls_node.endpoint(), {"--tls-ca", Files().Ca("PARTNER")});
    CHECK(run.code == 1);
    CheckOneErrorLine(run);
    CHECK_THAT(run.err, Catch::Contains("was not issued by the CA in --tls-ca"));
  }
  SECTION("TLS to a plaintext node") {
    client::testing::FakeNode plaintext(client::Signer{});
    Run run = ListChains(plaintext.endpoint(), {"--tls-ca", Files().Ca("TICA")});
    CHECK(run.code == 1);
    CheckOneErrorLine(run);
    CHECK_THAT(run.err, Catch::Contains("the node does not serve TLS"));
  }
}

TEST_CASE("TLS flags that cannot work are refused before any call", "[cli][tls]") {
  const std::string admin = Files().Member("TICA", "admin");
  Run no_ca = ListChains("127.0.0.1:1",
                         {"--tls-cert", admin + "/tls.crt", "--tls-key", admin + "/tls.key"});
  CHECK(no_ca.code == 1);
  CheckOneErrorLine(no_ca);
  CHECK_THAT(no_ca.err, Catch::Contains("--tls-cert and --tls-key need --tls-ca"));

  Run missing = ListChains("127.0.0.1:1", {"--tls-ca", Files().dir.Join("none.crt")});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::StartsWith("milk: TLS: ") && Catch::Contains("none.crt"));

  Run half =
      ListChains("127.0.0.1:1", {"--tls-ca", Files().Ca("TICA"), "--tls-cert", admin + "/tls.crt"});
  CHECK(half.code == 1);
  CHECK_THAT(half.err, Catch::Contains("needs its key"));

  Run wrong_key =
      ListChains("127.0.0.1:1", {"--tls-ca", Files().Ca("TICA"), "--tls-cert", admin + "/tls.crt",
                                 "--tls-key", Files().Member("TICA", "orderer0") + "/tls.key"});
  CHECK(wrong_key.code == 1);
  CHECK_THAT(wrong_key.err, Catch::Contains("is not the certificate of"));
}

TEST_CASE("TransportHint recognises TLS mismatches only", "[cli][tls]") {
  const std::string prefix =
      "127.0.0.1:7051: unavailable: failed to connect to all addresses; "
      "last error: ";
  const Status closed = Unavailable(prefix + "UNAVAILABLE: ipv4:127.0.0.1:7051: Socket closed");
  const Status plaintext_server =
      Unavailable(prefix +
                  "UNKNOWN: ipv4:127.0.0.1:7051: Ssl handshake failed: SSL_ERROR_SSL: "
                  "error:0A00010B:SSL routines::wrong version number");
  const Status untrusted =
      Unavailable(prefix +
                  "UNKNOWN: ipv4:127.0.0.1:7051: Ssl handshake failed: SSL_ERROR_SSL: "
                  "error:0A000086:SSL routines::certificate verify failed");
  CHECK_THAT(TransportHint(closed, false), Catch::Contains("pass --tls-ca"));
  CHECK_THAT(TransportHint(plaintext_server, true), Catch::Contains("does not serve TLS"));
  CHECK_THAT(TransportHint(untrusted, true), Catch::Contains("not issued by the CA in --tls-ca"));
  // Nothing to say when nobody listens, or for an answer from the node itself.
  CHECK(TransportHint(Unavailable("127.0.0.1:7051: connection refused"), false).empty());
  CHECK(TransportHint(Unavailable("127.0.0.1:7051: connection refused"), true).empty());
  CHECK(TransportHint(Unavailable("127.0.0.1:7051: unavailable: no leader"), false).empty());
  CHECK(TransportHint(NotFound("chain demo is not joined"), true).empty());
  CHECK(TransportHint(DeadlineExceeded("127.0.0.1:7051: no answer within 5 ms"), false).empty());
}

}  // namespace
}  // namespace milk::cli
