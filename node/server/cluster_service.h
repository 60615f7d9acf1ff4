// The Cluster gRPC service: Raft messages from other consenters, routed to the chain's
// consenter. Until transport TLS binds peers to consenter identities (docs/tls.md), only
// messages whose sender is a consenter id of the chain are accepted.
#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

#include "node/node.h"
#include "node/ops/metrics.h"

namespace milk::node {

std::unique_ptr<grpc::Service> MakeClusterService(Node& node, ops::Registry& metrics);

}  // namespace milk::node
