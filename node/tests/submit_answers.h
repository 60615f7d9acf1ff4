// Test helpers for asynchronous answers: SubmitAnswers collects the answers a submit callback
// gets (node/submit_calls.h, node/raft/peer_client.h ForwardCalls), from whatever thread gives
// them; Within waits for a condition.
#pragma once

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/status.h"
#include "milk/services.pb.h"
#include "node/submit_calls.h"

namespace milk::testing {

// Whether done() became true within `bound` (polled every 2 ms).
template <typename Predicate>
bool Within(std::chrono::milliseconds bound, Predicate done) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}


struct SubmitAnswers {
  std::mutex mutex;
  std::vector<Result<milkpb::SubmitResponse>> got;
  node::SubmitCallback Callback() {
    return [this](Result<milkpb::SubmitResponse> result) {
      std::lock_guard lock(mutex);
      got.push_back(std::move(result));
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return got.size();
  }
  // Whether n answers came within about 5 s.
  bool WaitFor(size_t n) {
    for (int i = 0; i < 5000 && size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return size() >= n;
  }
};

}  // namespace milk::testing
