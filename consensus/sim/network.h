// Private to the simulator: the network between nodes. Messages are delayed, reordered (by
// independent delays), lost, duplicated and cut by partitions, all decided by the simulator's
// PRNG; a message to a crashed node is lost.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "consensus/prng.h"
#include "milk/raft.pb.h"

namespace milk::consensus::sim {

struct NetworkFaults {
  uint64_t loss_ppm = 0;  // per message, parts per million
  uint64_t duplicate_ppm = 0;
  uint64_t delay_max_steps = 1;  // delays are uniform in [1, delay_max_steps]
};

// What the sender's transport learns about a SNAPSHOT it sent (RawNode::ReportSnapshot), or
// that a peer is unreachable (RawNode::ReportUnreachable).
struct TransportReport {
  enum class Kind { kSnapshotOk, kSnapshotFailed, kUnreachable };
  Kind kind;
  uint64_t from;  // the node to tell
  uint64_t to;    // the peer it is about
};

class Network {
 public:
  explicit Network(uint64_t seed) : prng_(seed) {}

  void SetFaults(const NetworkFaults& faults) { faults_ = faults; }
  const NetworkFaults& faults() const { return faults_; }

  void Send(const milkpb::RaftMessage& m, uint64_t now);
  // Takes the messages due at `now`, in delivery order. A message whose link is cut, or whose
  // destination `is_up` says is down, is dropped here (and a SNAPSHOT reported failed).
  template <typename IsUp>
  std::vector<milkpb::RaftMessage> TakeDue(uint64_t now, IsUp is_up);
  std::vector<TransportReport> TakeReports();

  // A crashed process loses what still sat in its send buffers: each message from `node` still
  // in flight is dropped with probability loss_ppm.
  void LoseInFlightFrom(uint64_t node, uint64_t loss_ppm);
  // Cuts messages from `from` to `to` (one direction).
  void Cut(uint64_t from, uint64_t to) { cut_.insert({from, to}); }
  void HealAll() { cut_.clear(); }
  bool IsCut(uint64_t from, uint64_t to) const { return cut_.count({from, to}) > 0; }
  bool partitioned() const { return !cut_.empty(); }
  uint64_t in_flight() const { return queue_.size(); }

  uint64_t delivered = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;

 private:
  void Drop(const milkpb::RaftMessage& m, bool report_unreachable);

  Prng prng_;
  NetworkFaults faults_;
  uint64_t seq_ = 0;
  // (deliver at step, send sequence) -> message: delivery order is deterministic.
  std::map<std::pair<uint64_t, uint64_t>, milkpb::RaftMessage> queue_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::vector<TransportReport> reports_;
};

template <typename IsUp>
std::vector<milkpb::RaftMessage> Network::TakeDue(uint64_t now, IsUp is_up) {
  std::vector<milkpb::RaftMessage> out;
  while (!queue_.empty() && queue_.begin()->first.first <= now) {
    milkpb::RaftMessage m = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    if (IsCut(m.from(), m.to())) {
      Drop(m, true);
    } else if (!is_up(m.to())) {
      Drop(m, false);
    } else {
      if (m.type() == milkpb::RaftMessage::SNAPSHOT) {
        reports_.push_back({TransportReport::Kind::kSnapshotOk, m.from(), m.to()});
      }
      ++delivered;
      out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace milk::consensus::sim
