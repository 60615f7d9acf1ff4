// The server side of a stream whose every request gets exactly one answer on the same stream
// (Gateway.SubmitStream; the ordering benchmark's OrderStream). Answers go out in the order they
// are settled, not the order sent: one write at a time, and whatever settled while a write was
// in flight goes out together in the next (a block settles hundreds at once, so they take a
// message or two), rather than a call per request.
//
// Flow control: at most `in_flight_max` requests wait for their answers. Past that no request is
// read until answers have been written, so gRPC's flow control holds the client back and neither
// side queues without bound.
//
// The stream ends OK once the client has closed its side and every request is answered; it ends
// CANCELLED when the client cancels, a write fails or the server shuts down, as soon as the
// read, write and handler in progress (if any) are done (answers that settle later are dropped:
// the client that left cannot read them).
//
// Response must have `repeated Answer answers`. Built on gRPC's callback API: no thread is held
// per stream or per request. The reactor deletes itself when gRPC is done with it; answers may
// still arrive after that and are dropped.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace milk::node {

template <typename Request, typename Response, typename Answer>
class AnsweringStream final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  // Settles one request: call once, from any thread, at any time (also after the stream ended).
  // Calls after the first are ignored.
  using Settle = std::function<void(Answer)>;
  // Runs on a gRPC callback thread for each request read, with its sequence on the stream
  // (0, 1, ...). It may move from `request`. It must not block: hand work over, settle later.
  using Handler = std::function<void(Request& request, uint64_t sequence, Settle settle)>;

  // The reactor for one stream; gRPC owns it from here. `on_done`, if set, runs when gRPC is
  // done with the stream (its last reaction).
  static AnsweringStream* Start(Handler handler, size_t in_flight_max,
                                std::function<void()> on_done = nullptr) {
    auto* stream = new AnsweringStream(std::move(handler), in_flight_max);
    stream->on_done_ = std::move(on_done);
    stream->Read();
    return stream;
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side, or the stream broke
      Act(Lock([&] {
        shared_->reading = false;
        shared_->reads_done = true;
      }));
      return;
    }
    const uint64_t sequence = next_sequence_++;
    {
      std::lock_guard lock(shared_->mutex);
      shared_->reading = false;
      shared_->handling = true;
      ++shared_->in_flight;
    }
    auto settled = std::make_shared<std::atomic<bool>>(false);
    handler_(request_, sequence, [shared = shared_, settled](Answer answer) {
      if (settled->exchange(true)) return;  // settled before: in_flight counts it once
      std::unique_lock lock(shared->mutex);
      if (shared->broken) {
        --shared->in_flight;
        Act(NextStep(*shared, lock));
        return;
      }
      shared->settled.push_back(std::move(answer));
      Act(NextStep(*shared, lock));
    });
    Act(Lock([&] { shared_->handling = false; }));
  }

  void OnWriteDone(bool ok) override {
    Act(Lock([&] {
      shared_->writing = false;
      shared_->in_flight -= static_cast<size_t>(shared_->writing_count);
      shared_->writing_count = 0;
      if (!ok) shared_->broken = true;
    }));
  }

  void OnCancel() override {
    Act(Lock([&] { shared_->broken = true; }));
  }

  void OnDone() override {
    {
      std::lock_guard lock(shared_->mutex);
      shared_->stream = nullptr;
      shared_->settled.clear();
    }
    std::function<void()> on_done = std::move(on_done_);
    delete this;
    if (on_done) on_done();
  }

 private:
  // What the stream must do next, decided under the lock and done outside it: gRPC may run a
  // reaction on the thread that starts an operation, and reactions take the lock.
  struct Step {
    AnsweringStream* stream = nullptr;  // null: nothing to do
    bool write = false;
    bool read = false;
    bool finish = false;
    grpc::Status status;
  };

  struct Shared {
    std::mutex mutex;
    AnsweringStream* stream = nullptr;  // null once gRPC is done with it
    size_t in_flight_max = 0;
    size_t in_flight = 0;               // read and not yet written (settled or not)
    std::vector<Answer> settled;        // settled, waiting for the next write
    bool reading = false;               // a read started and not yet done
    bool handling = false;              // the handler has request_: no read into it meanwhile
    bool writing = false;               // a write started and not yet done
    int writing_count = 0;              // answers in that write
    bool reads_done = false;
    bool broken = false;                // cancelled, or a write failed
    bool finished = false;
  };

  AnsweringStream(Handler handler, size_t in_flight_max)
      : handler_(std::move(handler)), shared_(std::make_shared<Shared>()) {
    shared_->stream = this;
    shared_->in_flight_max = in_flight_max == 0 ? 1 : in_flight_max;
  }

  void Read() {
    Act(Lock([] {}));
  }

  template <typename Change>
  Step Lock(Change change) {
    std::unique_lock lock(shared_->mutex);
    change();
    return NextStep(*shared_, lock);
  }

  // Under shared.mutex. Starts at most one write and one read; finishes when nothing is
  // outstanding and either the stream is broken or the client is done and all is answered.
  static Step NextStep(Shared& shared, std::unique_lock<std::mutex>& lock) {
    Step step;
    AnsweringStream* stream = shared.stream;
    if (stream == nullptr || shared.finished) {
      lock.unlock();
      return step;
    }
    if (shared.broken) {
      shared.settled.clear();
      if (!shared.writing && !shared.reading && !shared.handling) {
        shared.finished = true;
        step.finish = true;
        step.status = grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
      }
    } else {
      if (!shared.writing && !shared.settled.empty()) {
        stream->response_.Clear();
        for (Answer& answer : shared.settled) *stream->response_.add_answers() = std::move(answer);
        shared.writing_count = static_cast<int>(shared.settled.size());
        shared.settled.clear();
        shared.writing = true;
        step.write = true;
      }
      if (!shared.reading && !shared.handling && !shared.reads_done &&
          shared.in_flight < shared.in_flight_max) {
        shared.reading = true;
        step.read = true;
      }
      if (shared.reads_done && shared.in_flight == 0 && !shared.writing && !shared.reading) {
        shared.finished = true;
        step.finish = true;
        step.status = grpc::Status::OK;
      }
    }
    if (step.write || step.read || step.finish) step.stream = stream;
    lock.unlock();
    return step;
  }

  static void Act(const Step& step) {
    if (step.stream == nullptr) return;
    // The flags set under the lock keep the stream alive until these operations are done:
    // gRPC calls OnDone only after Finish and after every started operation's reaction.
    if (step.write) step.stream->StartWrite(&step.stream->response_);
    if (step.read) step.stream->StartRead(&step.stream->request_);
    if (step.finish) step.stream->Finish(step.status);
  }

  Handler handler_;
  std::function<void()> on_done_;
  std::shared_ptr<Shared> shared_;
  Request request_;     // the read in progress (one at a time)
  Response response_;   // the write in progress (one at a time); filled under shared_->mutex
  uint64_t next_sequence_ = 0;  // only OnReadDone touches it, one at a time
};

}  // namespace milk::node
