// How a consenter's Raft messages reach the other consenters of a chain. milkd uses the gRPC
// Cluster service (node/raft/cluster_transport.h); tests use an in-memory network.
#pragma once

#include <string>

#include "milk/raft.pb.h"

namespace milk::node {

class RaftTransport {
 public:
  virtual ~RaftTransport() = default;
  // Best effort and non-blocking: a message may be dropped (Raft retransmits). Thread-safe.
  virtual void Send(const std::string& chain_id, const milkpb::RaftMessage& message) = 0;
};

}  // namespace milk::node
