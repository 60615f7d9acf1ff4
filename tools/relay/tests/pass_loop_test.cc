#include "tools/relay/pass_loop.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

namespace milk::relay {
namespace {

constexpr int64_t kHourMs = 60 * 60 * 1000;

TEST_CASE("a woken loop runs a pass at once, and stops when asked") {
  std::atomic<int> passes{0};
  PassLoop* loop_ptr = nullptr;
  PassLoop loop(
      [&] {
        if (++passes == 3) loop_ptr->Stop();
      },
      kHourMs);  // without the wakes the test would hang for an hour, not pass
  loop_ptr = &loop;
  std::thread runner([&] { loop.Run(); });
  while (passes.load() < 3) {
    loop.Wake();
    std::this_thread::yield();
  }
  runner.join();
  CHECK(passes.load() == 3);
  CHECK(loop.passes() == 3);
  CHECK(loop.stopped());
  CHECK(loop.WaitStopped(kHourMs));  // returns at once once stopped
}

TEST_CASE("stop_requested ends the loop between passes") {
  std::atomic<bool> requested{false};
  std::atomic<int> passes{0};
  PassLoop loop(
      [&] {
        ++passes;
        requested = true;
      },
      kHourMs);
  loop.Run([&] { return requested.load(); });
  CHECK(passes.load() == 1);
  CHECK(loop.stopped());
}

TEST_CASE("a loop stopped before it runs runs no pass") {
  int passes = 0;
  PassLoop loop([&] { ++passes; }, 10);
  loop.Stop();
  loop.Run();
  CHECK(passes == 0);
  CHECK_FALSE(PassLoop([] {}, 10).WaitStopped(1));
}

}  // namespace
}  // namespace milk::relay
