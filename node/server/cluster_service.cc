#include "node/server/cluster_service.h"

#include "milk/services.grpc.pb.h"

namespace milk::node {
namespace {

class ClusterService final : public milkpb::Cluster::Service {
 public:
  ClusterService(Node& node, ops::Registry& metrics)
      : node_(node),
        received_(metrics.GetCounter("milk_raft_messages_received_total",
                                     "Raft messages received from other consenters.")),
        refused_(metrics.GetCounter("milk_raft_messages_refused_total",
                                    "Raft messages refused (unknown chain or sender).")) {}

  grpc::Status Step(grpc::ServerContext* context,
                    grpc::ServerReader<milkpb::ClusterStepRequest>* reader,
                    milkpb::ClusterStepResponse*) override {
    milkpb::ClusterStepRequest request;
    while (!context->IsCancelled() && reader->Read(&request)) {
      if (node_.RouteRaftMessage(request.chain_id(), std::move(*request.mutable_message()))) {
        received_.Inc();
      } else {
        refused_.Inc();
      }
    }
    return grpc::Status::OK;
  }

 private:
  Node& node_;
  ops::Counter& received_;
  ops::Counter& refused_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeClusterService(Node& node, ops::Registry& metrics) {
  return std::make_unique<ClusterService>(node, metrics);
}

}  // namespace milk::node
