#include "node/submit_calls.h"

#include <vector>

namespace milk::node {

SubmitCall::~SubmitCall() {
  if (!answered_) done_(Internal("the submit was dropped unanswered (a defect); ask CommitStatus"));
}

bool SubmitCall::Answer(Result<milkpb::SubmitResponse> result) {
  SubmitCallback done;
  {
    std::lock_guard lock(mutex_);
    if (answered_) return false;
    answered_ = true;
    done = std::move(done_);
  }
  done(std::move(result));
  return true;
}

void SubmitCall::SetTimeoutAnswer(Result<milkpb::SubmitResponse> answer) {
  std::lock_guard lock(mutex_);
  timeout_answer_ = std::move(answer);
}

bool SubmitCall::answered() const {
  std::lock_guard lock(mutex_);
  return answered_;
}

std::optional<Result<milkpb::SubmitResponse>> SubmitCall::TimeoutAnswer() const {
  std::lock_guard lock(mutex_);
  return timeout_answer_;
}

SubmitCalls::SubmitCalls(int64_t timeout_ms) : timeout_ms_(timeout_ms) {
  thread_ = std::thread([this] { Loop(); });
}

SubmitCalls::~SubmitCalls() { Stop(); }

std::shared_ptr<SubmitCall> SubmitCalls::Start(const std::string& tx_id, SubmitCallback done) {
  // Not make_shared: the deadline entry's weak_ptr would keep the whole call allocated.
  std::shared_ptr<SubmitCall> call(new SubmitCall(std::move(done)));
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      const bool was_empty = entries_.empty();
      entries_.push_back(Entry{std::chrono::steady_clock::now() +
                                   std::chrono::milliseconds(timeout_ms_),
                               tx_id, call});
      if (was_empty) cv_.notify_all();
      return call;
    }
  }
  call->Answer(Unavailable("the node is stopping; ask CommitStatus for transaction " + tx_id +
                           " before resubmitting"));
  return call;
}

void SubmitCalls::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  timers_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
  cv_.notify_all();
}

void SubmitCalls::Stop() {
  std::deque<Entry> open;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    open.swap(entries_);
    timers.swap(timers_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Entry& entry : open) {
    if (auto call = entry.call.lock()) {
      call->Answer(Unavailable("the node is stopping; ask CommitStatus for transaction " +
                               entry.tx_id + " before resubmitting"));
    }
  }
}

void SubmitCalls::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Answered calls leave their entries behind; drop those at the front.
    while (!entries_.empty() && entries_.front().call.expired()) entries_.pop_front();
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::function<void()>> timers;
    while (!timers_.empty() && timers_.begin()->first <= now) {
      timers.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
    std::vector<Entry> due;
    while (!entries_.empty() && entries_.front().deadline <= now) {
      due.push_back(std::move(entries_.front()));
      entries_.pop_front();
    }
    if (timers.empty() && due.empty()) {
      // Until the next deadline or timer, or a second: answered entries at the front go then.
      // (An unanswered one at the front keeps those behind it until its deadline: at most one
      // timeout's worth of submits, a few bytes each.)
      auto wake = now + std::chrono::seconds(1);
      if (!entries_.empty()) wake = std::min(wake, entries_.front().deadline);
      if (!timers_.empty()) wake = std::min(wake, timers_.begin()->first);
      cv_.wait_until(lock, wake);
      continue;
    }
    lock.unlock();
    for (auto& fn : timers) fn();
    for (Entry& entry : due) {
      auto call = entry.call.lock();
      if (call == nullptr) continue;
      std::optional<Result<milkpb::SubmitResponse>> answer = call->TimeoutAnswer();
      if (!answer.has_value()) {
        answer = DeadlineExceeded("transaction " + entry.tx_id + " was not ordered within " +
                                  std::to_string(timeout_ms_) +
                                  " ms; ask CommitStatus for its fate before resubmitting");
      }
      call->Answer(*std::move(answer));
    }
    timers.clear();  // what the timers held goes on this thread, unlocked
    lock.lock();
  }
}

}  // namespace milk::node
