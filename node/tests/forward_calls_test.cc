#include <catch2/catch.hpp>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "milk/services.grpc.pb.h"
#include "node/raft/peer_client.h"
#include "node/tests/submit_answers.h"

using namespace milk;

namespace {

// A Gateway whose Submit answers only when told to (or when the server shuts down).
class HeldGateway final : public milkpb::Gateway::CallbackService {
 public:
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* context,
                                   const milkpb::SubmitRequest*,
                                   milkpb::SubmitResponse* response) override {
    std::lock_guard lock(mutex_);
    held_.push_back({context->DefaultReactor(), response});
    return held_.back().reactor;
  }
  size_t held() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  void AnswerAll(uint64_t block) {
    std::lock_guard lock(mutex_);
    for (auto& h : held_) {
      h.response->set_committed(true);
      h.response->set_block_number(block);
      h.reactor->Finish(grpc::Status::OK);
    }
    held_.clear();
  }

 private:
  struct Held {
    grpc::ServerUnaryReactor* reactor;
    milkpb::SubmitResponse* response;
  };
  std::mutex mutex_;
  std::vector<Held> held_;
};

using Answers = milk::testing::SubmitAnswers;
using milk::testing::Within;

}  // namespace

TEST_CASE("forward calls: answers come back, Stop cancels what is in flight and waits for it") {
  HeldGateway gateway;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&gateway);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);
  const std::string endpoint = "127.0.0.1:" + std::to_string(port);
  node::ForwardCalls calls(std::make_shared<node::PeerChannels>(nullptr));

  Answers answered;
  calls.Submit(endpoint, milkpb::SubmitRequest(), 30000, answered.Callback());
  REQUIRE(Within(std::chrono::seconds(10), [&] { return gateway.held() == 1; }));
  gateway.AnswerAll(7);
  REQUIRE(Within(std::chrono::seconds(10), [&] { return answered.size() == 1; }));
  REQUIRE(answered.got[0].ok());
  CHECK(answered.got[0]->block_number() == 7);

  Answers cancelled;
  calls.Submit(endpoint, milkpb::SubmitRequest(), 30000, cancelled.Callback());
  calls.Submit(endpoint, milkpb::SubmitRequest(), 30000, cancelled.Callback());
  REQUIRE(Within(std::chrono::seconds(10), [&] { return gateway.held() == 2; }));
  calls.Stop();  // returns only once both callbacks ran, long before the 30 s deadline
  REQUIRE(cancelled.size() == 2);
  for (const auto& result : cancelled.got) CHECK(result.status().code() == Code::kCancelled);

  Answers late;
  calls.Submit(endpoint, milkpb::SubmitRequest(), 30000, late.Callback());
  REQUIRE(late.size() == 1);  // at once, on this thread
  CHECK(late.got[0].status().code() == Code::kUnavailable);
  // A callback server waits for every reactor to be finished, cancelled calls included.
  gateway.AnswerAll(0);
  server->Shutdown(std::chrono::system_clock::now());
}
