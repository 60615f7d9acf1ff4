#include "consensus/sim/network.h"

namespace milk::consensus::sim {

void Network::Drop(const milkpb::RaftMessage& m, bool report_unreachable) {
  ++dropped;
  if (m.type() == milkpb::RaftMessage::SNAPSHOT) {
    reports_.push_back({TransportReport::Kind::kSnapshotFailed, m.from(), m.to()});
  } else if (report_unreachable && prng_.Chance(200000)) {
    reports_.push_back({TransportReport::Kind::kUnreachable, m.from(), m.to()});
  }
}

void Network::Send(const milkpb::RaftMessage& m, uint64_t now) {
  if (prng_.Chance(faults_.loss_ppm)) {
    Drop(m, false);
    return;
  }
  const int copies = prng_.Chance(faults_.duplicate_ppm) ? 2 : 1;
  if (copies == 2) ++duplicated;
  for (int c = 0; c < copies; ++c) {
    const uint64_t at = now + prng_.Range(1, faults_.delay_max_steps);
    queue_.emplace(std::make_pair(at, seq_++), m);
  }
}

void Network::LoseInFlightFrom(uint64_t node, uint64_t loss_ppm) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->second.from() == node && prng_.Chance(loss_ppm)) {
      ++dropped;
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<TransportReport> Network::TakeReports() {
  std::vector<TransportReport> out;
  out.swap(reports_);
  return out;
}

}  // namespace milk::consensus::sim
