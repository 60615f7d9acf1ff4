// PassLoop: when the relay runs a pass. Every poll_ms, and at once when a chain's event stream
// says something happened (Wake), so a swap moves within a block time rather than a poll period.
// Wakes that arrive during a pass coalesce into one more pass. The only part of the relay that
// waits on real time.
//
// Thread-safety: Wake, Stop and WaitStopped from any thread; Run from one thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace milk::relay {

// How often Run looks at stop_requested (a signal handler's flag): short enough that SIGTERM
// stops the relay at once, long enough to cost nothing.
inline constexpr int64_t kStopCheckMs = 100;

class PassLoop {
 public:
  // REQUIRES: poll_ms > 0.
  PassLoop(std::function<void()> run_pass, int64_t poll_ms);

  // Asks for a pass now (or right after the running one).
  void Wake();
  // Ends Run after the running pass, and wakes every WaitStopped.
  void Stop();
  bool stopped() const;

  // Runs passes until Stop() or stop_requested() returns true.
  void Run(const std::function<bool()>& stop_requested = nullptr);

  // Sleeps up to wait_ms; true when the loop is (or becomes) stopped. For helper threads that
  // back off between attempts.
  bool WaitStopped(int64_t wait_ms);

  uint64_t passes() const;

 private:
  const std::function<void()> run_pass_;
  const int64_t poll_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;    // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  uint64_t passes_ = 0;   // guarded by mu_
};

}  // namespace milk::relay
