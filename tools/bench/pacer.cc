#include "tools/bench/pacer.h"

namespace milk::bench {

Pacer::Pacer(std::function<void(void*)> start)
    : start_(std::move(start)), thread_([this] { Loop(); }) {}

Pacer::~Pacer() { Stop(); }

void Pacer::At(TimePoint due, void* item) {
  std::lock_guard lock(mutex_);
  queue_.push({due, item});
  changed_.notify_one();
}

void Pacer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Pacer::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const Entry next = queue_.top();
    if (next.due > std::chrono::steady_clock::now()) {
      changed_.wait_until(lock, next.due);
      continue;
    }
    queue_.pop();
    lock.unlock();
    start_(next.item);
    lock.lock();
  }
}

}  // namespace milk::bench
