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

void SubmitCalls::Stop() {
  std::deque<Entry> open;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    open.swap(entries_);
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
    if (entries_.empty()) {
      cv_.wait(lock, [&] { return stopping_ || !entries_.empty(); });
      continue;
    }
    // Answered calls leave their entries behind; drop them without waiting for their deadline.
    while (!entries_.empty() && entries_.front().call.expired()) entries_.pop_front();
    if (entries_.empty()) continue;
    const auto now = std::chrono::steady_clock::now();
    if (entries_.front().deadline > now) {
      // Woken at the oldest deadline, or every second to drop answered entries.
      cv_.wait_until(lock, std::min(entries_.front().deadline, now + std::chrono::seconds(1)),
                     [&] { return stopping_; });
      continue;
    }
    std::vector<Entry> due;
    while (!entries_.empty() && entries_.front().deadline <= now) {
      due.push_back(std::move(entries_.front()));
      entries_.pop_front();
    }
    lock.unlock();
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
    lock.lock();
  }
}

}  // namespace milk::node
