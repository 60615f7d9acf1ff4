#include "tools/relay/pass_loop.h"

#include <algorithm>
#include <chrono>

#include "crypto/status.h"

namespace milk::relay {

PassLoop::PassLoop(std::function<void()> run_pass, int64_t poll_ms)
    : run_pass_(std::move(run_pass)), poll_ms_(poll_ms) {
  MILK_CHECK(run_pass_ != nullptr && poll_ms_ > 0);
}

void PassLoop::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void PassLoop::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

bool PassLoop::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

uint64_t PassLoop::passes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_;
}

void PassLoop::Run(const std::function<bool()>& stop_requested) {
  using Clock = std::chrono::steady_clock;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      woken_ = false;
      if (stopped_) return;
    }
    run_pass_();
    std::unique_lock<std::mutex> lock(mu_);
    ++passes_;
    const Clock::time_point next = Clock::now() + std::chrono::milliseconds(poll_ms_);
    while (!stopped_ && !woken_ && Clock::now() < next) {
      if (stop_requested != nullptr && stop_requested()) stopped_ = true;
      const auto step =
          std::min<Clock::duration>(next - Clock::now(), std::chrono::milliseconds(kStopCheckMs));
      cv_.wait_for(lock, step);
    }
    if (stop_requested != nullptr && stop_requested()) stopped_ = true;
  }
}

bool PassLoop::WaitStopped(int64_t wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopped_; });
  return stopped_;
}

}  // namespace milk::relay
