// The gRPC Cluster transport between consenters: one long-lived client stream per peer
// endpoint, fed from a bounded queue by one sender thread per peer. Messages that do not fit
// the queue, or that are queued while the peer is unreachable, are dropped; Raft retransmits.
// So are messages to a peer a test fault blocks (SetFaults), before they are queued.
//
// Thread-safety: Send is safe from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "node/raft/fault_hook.h"
#include "node/raft/transport.h"

namespace milk::node {

struct ClusterTransportOptions {
  // Messages waiting for one peer. A peer this far behind is effectively down; dropping keeps
  // memory bounded (Raft's own flow control keeps the healthy case far below it).
  size_t queue_max = 1024;
  // Pause before reconnecting to a peer whose stream failed.
  int64_t reconnect_ms = 200;
  int message_bytes_max = 64 << 20;  // a Raft append can carry several blocks
};

class ClusterTransport final : public RaftTransport {
 public:
  // Where each raft id of a chain lives ("host:port"); updated when a chain is joined.
  void SetPeer(const std::string& chain_id, uint64_t raft_id, const std::string& endpoint);
  explicit ClusterTransport(ClusterTransportOptions options = {},
                            std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  ~ClusterTransport() override;
  // Test-only fault rules (node/raft/fault_hook.h): Send drops what they block. Not owned; must
  // outlive the transport. REQUIRES: called before the first Send.
  void SetFaults(const ClusterFaults* faults) { faults_ = faults; }
  void Send(const std::string& chain_id, const milkpb::RaftMessage& message) override;
  void Stop();

 private:
  struct Peer;
  void SenderLoop(Peer* peer);

  const ClusterTransportOptions options_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::mutex mutex_;
  std::map<std::pair<std::string, uint64_t>, std::string> endpoints_;  // (chain, id) -> endpoint
  std::map<std::string, std::unique_ptr<Peer>> peers_;               // by endpoint
  bool stopping_ = false;
  const ClusterFaults* faults_ = nullptr;
};

}  // namespace milk::node
