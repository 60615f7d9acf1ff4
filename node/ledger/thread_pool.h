// A fixed pool of worker threads for data-parallel loops (signature checks on all cores).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace milk::ledger {

// Thread-safe: one pool serves every chain of a node, so several committers may call
// ParallelFor at once; their loops run one after another (each already uses every core).
class ThreadPool {
 public:
  // threads == 0 means one per hardware core.
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Calls fn(i) for every i in [0, count), spread over the workers and the calling thread;
  // returns when all calls have returned. fn must not throw.
  void ParallelFor(size_t count, const std::function<void(size_t)>& fn);
  size_t size() const { return workers_.size() + 1; }

 private:
  void WorkerLoop();
  void RunShare();

  std::mutex call_mutex_;  // held for a whole ParallelFor: one loop at a time
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t count_ = 0;
  size_t next_ = 0;
  size_t active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace milk::ledger
