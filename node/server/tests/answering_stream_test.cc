// The two ends of an answered stream (node/server/answering_stream.h, the server;
// tools/client/answered_stream.h, the client) over real gRPC on loopback, with a handler the test
// settles by hand: matching by sequence, answers out of order, the in-flight bound, the client
// closing and cancelling, and answers settled after the stream is gone.
#include <catch2/catch.hpp>

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "milk/services.grpc.pb.h"
#include "node/server/answering_stream.h"
#include "node/tests/submit_answers.h"
#include "tools/client/answered_stream.h"

using namespace milk;

namespace {

using Reactor = node::AnsweringStream<milkpb::SubmitRequest, milkpb::SubmitStreamResponse,
                                      milkpb::SubmitStreamAnswer>;
using milk::testing::Within;
using ClientStream = client::AnsweredStream<milkpb::SubmitRequest, milkpb::SubmitStreamResponse,
                                            milkpb::SubmitStreamAnswer>;

// A Gateway whose SubmitStream hands each request to the test, which settles it when it likes.
class HeldGateway final : public milkpb::Gateway::CallbackService {
 public:
  explicit HeldGateway(size_t in_flight_max) : in_flight_max_(in_flight_max) {}

  grpc::ServerBidiReactor<milkpb::SubmitRequest, milkpb::SubmitStreamResponse>* SubmitStream(
      grpc::CallbackServerContext*) override {
    return Reactor::Start(
        [this](milkpb::SubmitRequest& request, uint64_t sequence, Reactor::Settle settle) {
          std::lock_guard lock(mutex_);
          held_.push_back({sequence, request.chain_id(), std::move(settle)});
        },
        in_flight_max_, [this] { ++streams_done_; });
  }

  // Streams gRPC is done with (their reactors deleted).
  int streams_done() const { return streams_done_.load(); }

  size_t handled() {
    std::lock_guard lock(mutex_);
    return handled_base_ + held_.size();
  }
  // Settles the held request at `position` (in the order handled) with the chain id it carried
  // as its answer's tx_id; every later one keeps its place.
  void Settle(size_t position) {
    Held held;
    {
      std::lock_guard lock(mutex_);
      REQUIRE(position < held_.size());
      held = std::move(held_[position]);
      held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(position));
      ++handled_base_;
    }
    held.settle(Answer(held));
  }
  // Settles all held requests together, from one thread, as a committed block would.
  void SettleAll() {
    std::vector<Held> all;
    {
      std::lock_guard lock(mutex_);
      all.swap(held_);
      handled_base_ += all.size();
    }
    for (Held& held : all) held.settle(Answer(held));
  }

 private:
  struct Held {
    uint64_t sequence = 0;
    std::string chain_id;
    Reactor::Settle settle;
  };
  static milkpb::SubmitStreamAnswer Answer(const Held& held) {
    milkpb::SubmitStreamAnswer answer;
    answer.set_sequence(held.sequence);
    answer.mutable_response()->set_tx_id(held.chain_id);
    return answer;
  }

  const size_t in_flight_max_;
  std::atomic<int> streams_done_{0};
  std::mutex mutex_;
  std::vector<Held> held_;   // guarded by mutex_
  size_t handled_base_ = 0;  // guarded by mutex_: settled so far
};

struct Server {
  explicit Server(size_t in_flight_max) : service(in_flight_max) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    REQUIRE(server != nullptr);
    stub = milkpb::Gateway::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                        grpc::InsecureChannelCredentials()));
  }
  ~Server() { server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2)); }
  std::unique_ptr<ClientStream> Open() {
    return std::make_unique<ClientStream>([this](grpc::ClientContext* context, auto* reactor) {
      stub->async()->SubmitStream(context, reactor);
    });
  }

  HeldGateway service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<milkpb::Gateway::Stub> stub;
};

// What the client's done callbacks got, keyed by the tag the test sent.
struct Got {
  std::mutex mutex;
  std::map<std::string, Result<milkpb::SubmitStreamAnswer>> by_tag;
  int twice = 0;  // answers to a tag already answered: must stay 0
  ClientStream::Done For(const std::string& tag) {
    return [this, tag](Result<milkpb::SubmitStreamAnswer> answer) {
      std::lock_guard lock(mutex);  // no Catch2 here: not on the test's thread
      if (!by_tag.emplace(tag, std::move(answer)).second) ++twice;
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return by_tag.size();
  }
};

milkpb::SubmitRequest Tagged(const std::string& tag) {
  milkpb::SubmitRequest request;
  request.set_chain_id(tag);  // the held gateway echoes it back as the answer's tx_id
  return request;
}

}  // namespace

TEST_CASE("answers settled out of order reach the requests they answer", "[answering_stream]") {
  Server server(/*in_flight_max=*/64);
  auto stream = server.Open();
  Got got;
  const std::vector<std::string> tags = {"a", "b", "c", "d", "e"};
  for (size_t i = 0; i < tags.size(); ++i) {
    CHECK(stream->Send(Tagged(tags[i]), got.For(tags[i])) == i);
  }
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.handled() == 5; }));
  server.service.Settle(3);  // "d"
  server.service.Settle(1);  // "b"
  REQUIRE(Within(std::chrono::seconds(5), [&] { return got.size() == 2; }));
  server.service.SettleAll();  // "a", "c", "e" together
  REQUIRE(Within(std::chrono::seconds(5), [&] { return got.size() == 5; }));
  CHECK(stream->waiting() == 0);
  for (const std::string& tag : tags) {
    INFO(tag);
    const auto& answer = got.by_tag.at(tag);
    REQUIRE(answer.ok());
    CHECK(answer->code() == 0);
    CHECK(answer->response().tx_id() == tag);
  }
  CHECK(stream->Close().ok());
  CHECK(got.twice == 0);
}

TEST_CASE("the server reads no more than in_flight_max unanswered requests of a stream",
          "[answering_stream]") {
  Server server(/*in_flight_max=*/3);
  auto stream = server.Open();
  Got got;
  for (int i = 0; i < 10; ++i) stream->Send(Tagged(std::to_string(i)), got.For(std::to_string(i)));
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.handled() == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(server.service.handled() == 3);  // the other seven wait in the client and in gRPC
  server.service.Settle(0);
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.handled() == 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(server.service.handled() == 4);
  // Settling as they come lets every request through.
  REQUIRE(Within(std::chrono::seconds(10), [&] {
    server.service.SettleAll();
    return got.size() == 10;
  }));
  for (int i = 0; i < 10; ++i) {
    const auto& answer = got.by_tag.at(std::to_string(i));
    REQUIRE(answer.ok());
    CHECK(answer->response().tx_id() == std::to_string(i));
  }
  CHECK(stream->Close().ok());
  CHECK(got.twice == 0);
}

TEST_CASE("a stream closed by the client ends OK only once every request is answered",
          "[answering_stream]") {
  Server server(/*in_flight_max=*/64);
  Got got;
  auto stream = server.Open();
  stream->Send(Tagged("x"), got.For("x"));
  stream->Send(Tagged("y"), got.For("y"));
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.handled() == 2; }));
  grpc::Status closed;
  std::thread closer([&] { closed = stream->Close(); });
  const bool closing = Within(std::chrono::seconds(5), [&] { return stream->closing(); });
  CHECK(got.size() == 0);
  // Closed: nothing more is sent, and the caller hears so at once.
  Got late;
  if (closing) stream->Send(Tagged("z"), late.For("z"));
  server.service.SettleAll();
  closer.join();
  REQUIRE(closing);
  REQUIRE(late.size() == 1);
  CHECK(late.by_tag.at("z").status().code() == Code::kFailedPrecondition);
  CHECK(closed.ok());
  CHECK(got.size() == 2);
  CHECK(got.by_tag.at("x").ok());
  CHECK(got.by_tag.at("y").ok());

  // A stream that sends nothing ends OK too.
  CHECK(server.Open()->Close().ok());
}

TEST_CASE("a cancelled stream fails what waits, and answers settled after it are dropped",
          "[answering_stream]") {
  Server server(/*in_flight_max=*/64);
  Got got;
  auto stream = server.Open();
  stream->Send(Tagged("p"), got.For("p"));
  stream->Send(Tagged("q"), got.For("q"));
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.handled() == 2; }));
  stream->Cancel();
  const grpc::Status closed = stream->Close();
  CHECK(closed.error_code() == grpc::StatusCode::CANCELLED);
  REQUIRE(got.size() == 2);
  CHECK(got.by_tag.at("p").status().code() == Code::kCancelled);
  CHECK(got.by_tag.at("q").status().code() == Code::kCancelled);
  stream.reset();
  // The server's side of the stream is gone: settling now must be harmless (and is dropped).
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.streams_done() == 1; }));
  server.service.SettleAll();
  // And the server still serves new streams.
  Got again;
  auto next = server.Open();
  next->Send(Tagged("r"), again.For("r"));
  REQUIRE(Within(std::chrono::seconds(5), [&] { return server.service.handled() == 3; }));
  server.service.SettleAll();
  CHECK(next->Close().ok());
  REQUIRE(again.size() == 1);
  CHECK(again.by_tag.at("r").ok());
}
