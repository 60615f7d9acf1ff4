// The View gRPC service (proto/milk/view.proto, docs/views.md): endorsed views for relays.
// Thread-safe (stateless; the node does the work).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>

#include "node/node.h"
#include "node/ops/metrics.h"

namespace milk::node {

// Answers View.Query after CheckChainAccess (node/server/access.h). Lives no longer than node
// and metrics.
std::unique_ptr<grpc::Service> MakeViewService(Node& node, ops::Registry& metrics);

}  // namespace milk::node
