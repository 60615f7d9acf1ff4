// Starts work at given times from one thread: the open-loop pacing of `milk bench --rate`.
// Thread-safe: At may be called from any thread; the callback runs on the pacer's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace milk::bench {

class Pacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit Pacer(std::function<void(void*)> start);
  ~Pacer();
  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;

  // Runs start(item) at `due` (at once when due has passed).
  void At(TimePoint due, void* item);
  // Stops the thread; items not yet due are dropped.
  void Stop();

 private:
  void Loop();

  struct Entry {
    TimePoint due;
    void* item;
    bool operator>(const Entry& other) const { return due > other.due; }
  };
  std::function<void(void*)> start_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace milk::bench
