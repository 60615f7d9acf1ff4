// The Cluster gRPC service: Raft messages from other consenters, routed to the chain's
// consenter (Node::RouteRaftMessage). Only messages whose sender is a consenter id of the chain
// are accepted; on a TLS server, only when the stream's client certificate is the TLS
// certificate the chain config binds to that consenter (docs/tls.md). Refusals are counted in
// milk_raft_messages_refused_total{reason} and logged as a rate-limited warning naming the
// chain, the claimed raft id and the presented certificate's subject. Messages from a raft id
// that a test fault blocks (Node::SetClusterFaults) are dropped and counted in
// milk_raft_messages_dropped_by_fault_total.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "crypto/clock.h"
#include "node/node.h"
#include "node/ops/metrics.h"

namespace milk::node {

struct ClusterServiceOptions {
  // The server listens with TLS: bind senders to their certificates. False: plaintext, a
  // sender's claimed raft id is believed (local development only).
  bool tls = false;
  // At most one refusal warning per interval: a misconfigured peer retries many times a second.
  int64_t refusal_log_interval_ms = 10'000;
  const Clock* clock = nullptr;  // for the log interval; null = the system clock. Not owned.
};

// node and metrics must outlive the service.
std::unique_ptr<grpc::Service> MakeClusterService(Node& node, ops::Registry& metrics,
                                                  const ClusterServiceOptions& options = {});

}  // namespace milk::node
