// The client side of a stream whose every request gets exactly one answer on the same stream
// (Gateway.SubmitStream; the server side is node/server/answering_stream.h). Send queues a
// request and registers what to do with its answer; answers come back in the order the server
// settles them, matched by their sequence (the request's place on the stream: 0, 1, ...).
//
// Nothing here bounds how many requests wait: the caller does (a benchmark keeps a window, a
// bulk submitter its batch). The server reads no more than its in-flight limit of one stream,
// so a caller that sends far beyond it only queues in this process and in gRPC's buffers.
//
// Answer must have `uint64 sequence`; Response `repeated Answer answers`. Built on gRPC's
// callback API; `done` callbacks run on gRPC's threads and must not block.
//
// Thread-safe: Send may be called from any thread, also from inside a `done` callback.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crypto/status.h"

namespace milk::client {

template <typename Request, typename Response, typename Answer>
class AnsweredStream final : public grpc::ClientBidiReactor<Request, Response> {
 public:
  // Called once per request with its answer, or with the stream's error when the stream ended
  // before answering it (kUnavailable for a stream that ended OK without answering).
  using Done = std::function<void(Result<Answer>)>;
  // Opens the stream: `open` is the stub's async method, e.g.
  //   [&](grpc::ClientContext* c, auto* r) { stub->async()->SubmitStream(c, r); }
  // deadline_ms > 0 bounds the whole stream.
  template <typename Open>
  AnsweredStream(Open open, int64_t deadline_ms = 0) {
    if (deadline_ms > 0) {
      context_.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::milliseconds(deadline_ms));
    }
    open(&context_, this);
    // Send and Close start writes from threads that are not this stream's reactions: the hold
    // keeps gRPC from ending the call under them until no write can start any more.
    this->AddHold();
    this->StartRead(&response_);
    this->StartCall();
  }
  AnsweredStream(const AnsweredStream&) = delete;
  AnsweredStream& operator=(const AnsweredStream&) = delete;
  // Cancels what is still unanswered (each gets kCancelled) and waits for gRPC to let go.
  ~AnsweredStream() override {
    Cancel();
    Wait();
  }

  // Queues `request`; `done` gets its answer. Returns its sequence on the stream. After Close,
  // or once the stream has ended, nothing is sent: `done` is called at once with
  // kFailedPrecondition or the stream's error (and 0 returned).
  uint64_t Send(Request request, Done done) {
    std::unique_lock lock(mutex_);
    if (closing_ || over_ || no_more_writes_) {
      const Status status =
          closing_ ? FailedPrecondition("stream closed: no more requests")
          : over_  ? ended_status_
                   : Unavailable("the stream is ending: this request was not sent");
      lock.unlock();
      done(status);
      return 0;
    }
    // The server numbers requests in the order they arrive: the order of the queue.
    const uint64_t sequence = next_sequence_++;
    waiting_.emplace(sequence, std::move(done));
    queue_.push_back(std::move(request));
    Act(NextWrite(lock));
    return sequence;
  }

  // No more requests. Blocks until every request is answered and the stream has ended; its
  // final status (OK when the server answered everything and ended it so).
  grpc::Status Close() {
    {
      std::unique_lock lock(mutex_);
      closing_ = true;
      Act(NextWrite(lock));
    }
    return Wait();
  }

  // Ends the stream now: what is unanswered gets kCancelled. Returns at once.
  void Cancel() {
    context_.TryCancel();
    std::unique_lock lock(mutex_);
    no_more_writes_ = true;
    Act(NextWrite(lock));
  }

  // Whether Close has been called.
  bool closing() const {
    std::lock_guard lock(mutex_);
    return closing_;
  }

  // Requests sent and not yet answered.
  size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
  }

 private:
  enum class Op { kNone, kWrite, kWritesDone, kRemoveHold };

  // Under the lock (which it releases): the next write or the half-close, if one is due, or
  // the release of the hold once no write can start any more. `writing_` covers the time from
  // this decision to the operation's reaction, so the hold outlives every write started.
  Op NextWrite(std::unique_lock<std::mutex>& lock) {
    Op op = Op::kNone;
    if (!writing_) {
      if (!no_more_writes_ && !queue_.empty()) {
        request_ = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
        op = Op::kWrite;
      } else if (!no_more_writes_ && closing_) {
        no_more_writes_ = true;
        writing_ = true;
        op = Op::kWritesDone;
      } else if (no_more_writes_ && !hold_released_) {
        hold_released_ = true;
        op = Op::kRemoveHold;
      }
    }
    lock.unlock();
    return op;
  }

  // Outside the lock: a reaction may run on the thread that starts an operation.
  void Act(Op op) {
    if (op == Op::kWrite) this->StartWrite(&request_);
    if (op == Op::kWritesDone) this->StartWritesDone();
    if (op == Op::kRemoveHold) this->RemoveHold();
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mutex_);
    writing_ = false;
    if (!ok) no_more_writes_ = true;  // the stream is ending: OnDone fails what waits
    Act(NextWrite(lock));
  }

  void OnWritesDoneDone(bool) override {
    std::unique_lock lock(mutex_);
    writing_ = false;
    Act(NextWrite(lock));
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the server ended the stream: OnDone follows once the hold is released
      std::unique_lock lock(mutex_);
      no_more_writes_ = true;
      Act(NextWrite(lock));
      return;
    }
    std::vector<std::pair<Done, Answer>> ready;
    {
      std::lock_guard lock(mutex_);
      for (Answer& answer : *response_.mutable_answers()) {
        auto it = waiting_.find(answer.sequence());
        if (it == waiting_.end()) continue;  // an answer to nothing we sent: dropped
        ready.emplace_back(std::move(it->second), std::move(answer));
        waiting_.erase(it);
      }
    }
    for (auto& [done, answer] : ready) done(std::move(answer));
    this->StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    std::unordered_map<uint64_t, Done> unanswered;
    Status error = status.ok()
                       ? Unavailable("the stream ended without answering this request")
                       : Status(static_cast<Code>(static_cast<int>(status.error_code())),
                                status.error_message());
    {
      std::lock_guard lock(mutex_);
      over_ = true;
      ended_status_ = error;
      unanswered.swap(waiting_);
      queue_.clear();
    }
    for (auto& [sequence, done] : unanswered) done(error);
    std::lock_guard lock(mutex_);
    final_ = status;
    ended_ = true;
    ended_cv_.notify_all();  // the last touch: a waiter may destroy this once it returns
  }

  grpc::Status Wait() {
    std::unique_lock lock(mutex_);
    ended_cv_.wait(lock, [this] { return ended_; });
    return final_;
  }

  grpc::ClientContext context_;
  Request request_;    // the write in progress (one at a time)
  Response response_;  // the read in progress (one at a time)
  mutable std::mutex mutex_;
  std::condition_variable ended_cv_;
  std::deque<Request> queue_;                    // guarded by mutex_
  std::unordered_map<uint64_t, Done> waiting_;   // guarded by mutex_: sent, not answered
  uint64_t next_sequence_ = 0;                   // guarded by mutex_
  bool writing_ = false;                         // guarded by mutex_
  bool closing_ = false;                         // guarded by mutex_
  bool no_more_writes_ = false;                  // guarded by mutex_
  bool hold_released_ = false;                   // guarded by mutex_
  bool over_ = false;                            // guarded by mutex_: OnDone has begun
  bool ended_ = false;                           // guarded by mutex_: OnDone is done
  Status ended_status_ = Status::Ok();           // guarded by mutex_
  grpc::Status final_;                           // guarded by mutex_
};

}  // namespace milk::client
