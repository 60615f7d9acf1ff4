// Submits in flight without a thread waiting on each (Node::SubmitAsync, docs/gateway.md).
//
// A Gateway.Submit is answered only once its block commits, some hundreds of milliseconds under
// load. Holding a gRPC thread for each meant thousands of threads, each woken once per answer;
// instead each submit is a SubmitCall, answered exactly once by whichever comes first: its own
// path (the orderer's completion, a forwarded call's reply, the local commit after it), its
// deadline, or Stop. SubmitCalls keeps the deadlines, and the retries of submits waiting for an
// election: one thread sleeps until the next of either.
//
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "crypto/status.h"
#include "milk/services.pb.h"

namespace milk::node {

using SubmitCallback = std::function<void(Result<milkpb::SubmitResponse>)>;

class SubmitCall {
 public:
  explicit SubmitCall(SubmitCallback done) : done_(std::move(done)) {}
  // A call dropped unanswered (a defect) still answers, kInternal, so no client waits forever.
  ~SubmitCall();
  SubmitCall(const SubmitCall&) = delete;
  SubmitCall& operator=(const SubmitCall&) = delete;
  // Hands `result` to the callback unless the call was answered already; true if it was this one.
  bool Answer(Result<milkpb::SubmitResponse> result);
  bool answered() const;
  // What the deadline answers with instead of kDeadlineExceeded ("not ordered within"): a
  // forwarded transaction committed at the leader answers with the leader's reply even when
  // this node lags.
  void SetTimeoutAnswer(Result<milkpb::SubmitResponse> answer);
  std::optional<Result<milkpb::SubmitResponse>> TimeoutAnswer() const;

 private:
  mutable std::mutex mutex_;
  SubmitCallback done_;  // moved out by the first Answer
  bool answered_ = false;
  std::optional<Result<milkpb::SubmitResponse>> timeout_answer_;
};

class SubmitCalls {
 public:
  explicit SubmitCalls(int64_t timeout_ms);
  ~SubmitCalls();  // Stop()

  // A new call for transaction tx_id, answered with kDeadlineExceeded (or its timeout answer)
  // timeout_ms from now unless answered before. After Stop, it is answered kUnavailable at once
  // (and returned answered).
  std::shared_ptr<SubmitCall> Start(const std::string& tx_id, SubmitCallback done);
  // Runs `fn` on SubmitCalls' thread `delay` from now (a submit waiting for a leader tries
  // again without holding a gRPC thread). `fn` must not block. Dropped, not run, after Stop:
  // what it would have answered is answered by Stop.
  void After(std::chrono::milliseconds delay, std::function<void()> fn);
  // Answers every call still open with kUnavailable, and every later Start too.
  void Stop();

 private:
  struct Entry {
    std::chrono::steady_clock::time_point deadline;
    std::string tx_id;
    std::weak_ptr<SubmitCall> call;
  };
  void Loop();

  const int64_t timeout_ms_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;  // by deadline: one timeout for all, so in order of Start
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace milk::node
