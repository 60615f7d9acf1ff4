#include "tools/client/view_client.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <mutex>

#include "chaincode/proof/view_proof.h"
#include "crypto/ed25519.h"

namespace milk::client {
namespace {

milkpb::ViewRequest Request() {
  milkpb::ViewRequest request;
  request.set_chain_id("brand-a");
  request.set_chaincode("swap");
  request.set_function("swap");
  request.add_args("s-1");
  return request;
}

milkpb::ViewResult ResultAt(uint64_t height) {
  milkpb::ViewResult r;
  r.set_version(proof::kViewVersion);
  r.set_chain_id("brand-a");
  r.set_height(height);
  r.set_block_hash(std::string(32, static_cast<char>(height)));
  r.set_block_time_ms(1000 + static_cast<int64_t>(height));
  r.set_chaincode("swap");
  r.set_function("swap");
  r.add_args("s-1");
  r.set_status(200);
  r.set_payload("{}");
  return r;
}

// A proof signed by a fresh key under the given endorser bytes (not a real certificate: the
// client does not verify, it only merges).
milkpb::ViewProof SignedBy(const milkpb::ViewResult& result, const std::string& endorser) {
  milkpb::ViewProof p;
  *p.mutable_result() = result;
  *p.add_signatures() = proof::SignView(result, crypto::GenerateKeyPair(), endorser);
  return p;
}

// An in-process View service answering with a fixed proof or error.
class FakeView final : public milkpb::View::Service {
 public:
  grpc::Status Query(grpc::ServerContext*, const milkpb::ViewRequest* request,
                     milkpb::ViewProof* response) override {
    std::lock_guard lock(mu_);
    last_request_ = *request;
    if (!error_.ok()) return error_;
    *response = answer_;
    return grpc::Status::OK;
  }
  void Answer(milkpb::ViewProof proof) {
    std::lock_guard lock(mu_);
    answer_ = std::move(proof);
    error_ = grpc::Status::OK;
  }
  void Fail(grpc::Status error) {
    std::lock_guard lock(mu_);
    error_ = std::move(error);
  }
  milkpb::ViewRequest last_request() {
    std::lock_guard lock(mu_);
    return last_request_;
  }

 private:
  std::mutex mu_;
  milkpb::ViewProof answer_;
  grpc::Status error_;
  milkpb::ViewRequest last_request_;
};

struct FakePeer {
  FakeView service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  FakePeer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    REQUIRE(server != nullptr);
  }
  ~FakePeer() { server->Shutdown(); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port); }
};

TEST_CASE("ViewClient::Query returns the peer's proof", "[view_client]") {
  FakePeer peer;
  peer.service.Answer(SignedBy(ResultAt(5), "peer0"));
  ViewClient client(peer.endpoint());
  Result<milkpb::ViewProof> proof = client.Query(Request());
  REQUIRE(proof.ok());
  CHECK(proof->result().height() == 5);
  CHECK(proof->signatures_size() == 1);
  CHECK(peer.service.last_request().SerializeAsString() == Request().SerializeAsString());
}

TEST_CASE("ViewClient::Query maps errors and refuses answers to another question",
          "[view_client]") {
  FakePeer peer;
  ViewClient client(peer.endpoint(), GatewayOptions{.deadline_ms = 5000});
  SECTION("server error keeps code and message") {
    peer.service.Fail(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "chaincode said no"));
    Status s = client.Query(Request()).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(s.message() == "chaincode said no");
  }
  SECTION("an answer naming other arguments") {
    milkpb::ViewResult other = ResultAt(5);
    other.set_args(0, "s-2");
    peer.service.Answer(SignedBy(other, "peer0"));
    Status s = client.Query(Request()).status();
    CHECK(s.code() == Code::kInternal);
    CHECK(s.message().find("another chain, call or arguments") != std::string::npos);
  }
  SECTION("nobody listening") {
    std::string endpoint = peer.endpoint();
    peer.server->Shutdown();
    ViewClient gone(endpoint, GatewayOptions{.deadline_ms = 2000});
    Status s = gone.Query(Request()).status();
    CHECK((s.code() == Code::kUnavailable || s.code() == Code::kDeadlineExceeded));
    CHECK(s.message().rfind(endpoint, 0) == 0);
  }
}

TEST_CASE("MergeViewProofs joins signatures over identical results", "[view_client]") {
  Result<milkpb::ViewProof> merged = MergeViewProofs(
      {SignedBy(ResultAt(5), "peer0"), SignedBy(ResultAt(5), "peer1"),
       SignedBy(ResultAt(5), "peer0")});
  REQUIRE(merged.ok());
  REQUIRE(merged->signatures_size() == 2);  // peer0's second signature dropped
  CHECK(merged->signatures(0).endorser() == "peer0");
  CHECK(merged->signatures(1).endorser() == "peer1");
  CHECK(merged->result().SerializeAsString() == ResultAt(5).SerializeAsString());
}

TEST_CASE("MergeViewProofs refuses different results, none, or too many", "[view_client]") {
  SECTION("heights differ") {
    Status s =
        MergeViewProofs({SignedBy(ResultAt(5), "a"), SignedBy(ResultAt(6), "b")}).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(s.message().find("differs from the first in height") != std::string::npos);
  }
  SECTION("payloads differ") {
    milkpb::ViewResult other = ResultAt(5);
    other.set_payload("{\"x\":1}");
    Status s = MergeViewProofs({SignedBy(ResultAt(5), "a"), SignedBy(other, "b")}).status();
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(s.message().find("in payload") != std::string::npos);
  }
  SECTION("none") { CHECK(MergeViewProofs({}).status().code() == Code::kInvalidArgument); }
  SECTION("more signatures than a destination reads") {
    std::vector<milkpb::ViewProof> many;
    for (size_t i = 0; i <= proof::kProofSignaturesMax; ++i) {
      many.push_back(SignedBy(ResultAt(5), "peer" + std::to_string(i)));
    }
    CHECK(MergeViewProofs(many).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("QueryAndMerge merges the largest group of agreeing peers", "[view_client]") {
  FakePeer a, b, c;
  ViewClient ca(a.endpoint()), cb(b.endpoint()), cc(c.endpoint());
  SECTION("two agree, one is behind") {
    a.service.Answer(SignedBy(ResultAt(4), "a"));
    b.service.Answer(SignedBy(ResultAt(5), "b"));
    c.service.Answer(SignedBy(ResultAt(5), "c"));
    Result<milkpb::ViewProof> merged = QueryAndMerge({&ca, &cb, &cc}, Request());
    REQUIRE(merged.ok());
    CHECK(merged->result().height() == 5);
    CHECK(merged->signatures_size() == 2);
  }
  SECTION("a tie goes to the highest height; a failed peer is skipped") {
    a.service.Answer(SignedBy(ResultAt(4), "a"));
    b.service.Fail(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such chain"));
    c.service.Answer(SignedBy(ResultAt(6), "c"));
    Result<milkpb::ViewProof> merged = QueryAndMerge({&ca, &cb, &cc}, Request());
    REQUIRE(merged.ok());
    CHECK(merged->result().height() == 6);
    CHECK(merged->signatures_size() == 1);
  }
  SECTION("all fail: the first error, with its endpoint") {
    a.service.Fail(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not a member"));
    b.service.Fail(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such chain"));
    c.service.Fail(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such chain"));
    Status s = QueryAndMerge({&ca, &cb, &cc}, Request()).status();
    CHECK(s.code() == Code::kPermissionDenied);
    CHECK(s.message() == a.endpoint() + ": not a member");
  }
  SECTION("no peers") {
    CHECK(QueryAndMerge({}, Request()).status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace milk::client
