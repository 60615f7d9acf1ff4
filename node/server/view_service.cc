// The View service: checks who asks and how much, then hands off to Node::View.
#include "node/server/view_service.h"

#include "chaincode/proof/view_proof.h"
#include "milk/view.grpc.pb.h"
#include "node/server/access.h"
#include "node/server/services.h"

namespace milk::node {
namespace {

// A view's arguments travel into the proof, and a proof larger than proof::kProofBytesMax is
// refused by every destination: a request that cannot yield a usable proof is refused here.
constexpr size_t kViewRequestBytesMax = proof::kProofBytesMax;

constexpr const char* kMethod = "ViewQuery";

class ViewService final : public milkpb::View::Service {
 public:
  ViewService(Node& node, ops::Registry& metrics) : node_(node), metrics_(metrics) {}

  grpc::Status Query(grpc::ServerContext* context, const milkpb::ViewRequest* request,
                     milkpb::ViewProof* response) override {
    return Done(Answer(*context, *request, response));
  }

 private:
  Status Answer(const grpc::ServerContext& context, const milkpb::ViewRequest& request,
                milkpb::ViewProof* response) {
    MILK_RETURN_IF_ERROR(CheckChainAccess(node_, request.chain_id(), context, metrics_, kMethod));
    const size_t bytes = request.ByteSizeLong();
    if (bytes > kViewRequestBytesMax) {
      return ResourceExhausted("view request of " + std::to_string(bytes) +
                               " bytes exceeds the limit of " +
                               std::to_string(kViewRequestBytesMax) +
                               " bytes (a proof must fit in one transaction argument)");
    }
    MILK_ASSIGN_OR_RETURN(*response, node_.View(request));
    return Status::Ok();
  }

  // Counts every call by outcome, like the other services (milk_rpc_requests_total).
  grpc::Status Done(const Status& status) {
    metrics_
        .GetCounter("milk_rpc_requests_total", "gRPC requests by method and status code.",
                    {{"method", kMethod}, {"code", CodeName(status.code())}})
        .Inc();
    return ToGrpc(status);
  }

  Node& node_;
  ops::Registry& metrics_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeViewService(Node& node, ops::Registry& metrics) {
  return std::make_unique<ViewService>(node, metrics);
}

}  // namespace milk::node
