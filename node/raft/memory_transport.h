// Test-only: an in-process network of consenters, with partitions.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "node/raft/raft_consenter.h"
#include "node/raft/transport.h"

namespace milk::node {

class MemoryNetwork {
 public:
  // A transport for the consenter with this raft id.
  class Endpoint final : public RaftTransport {
   public:
    Endpoint(MemoryNetwork& net, uint64_t id) : net_(net), id_(id) {}
    void Send(const std::string&, const milkpb::RaftMessage& message) override {
      net_.Deliver(id_, message);
    }

   private:
    MemoryNetwork& net_;
    uint64_t id_;
  };

  void Attach(uint64_t id, RaftConsenter* consenter) {
    std::lock_guard lock(mutex_);
    nodes_[id] = consenter;
  }
  void Detach(uint64_t id) {
    std::lock_guard lock(mutex_);
    nodes_.erase(id);
  }
  // Cuts id off from everybody (both directions) until Heal.
  void Isolate(uint64_t id) {
    std::lock_guard lock(mutex_);
    isolated_.insert(id);
  }
  void Heal() {
    std::lock_guard lock(mutex_);
    isolated_.clear();
  }

 private:
  void Deliver(uint64_t from, const milkpb::RaftMessage& message) {
    std::lock_guard lock(mutex_);
    if (isolated_.count(from) || isolated_.count(message.to())) return;
    auto it = nodes_.find(message.to());
    if (it != nodes_.end()) it->second->Receive(message);
  }

  std::mutex mutex_;
  std::map<uint64_t, RaftConsenter*> nodes_;
  std::set<uint64_t> isolated_;
};

}  // namespace milk::node
