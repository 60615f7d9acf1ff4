// Endorsed views from the client side (proto/milk/view.proto, docs/views.md): ask one peer for a
// signed view, and merge the answers of several peers into one proof, so that a destination
// whose policy needs two or more peers' signatures can be satisfied.
//
// Thread-safe: ViewClient's methods are const and may run on many threads (gRPC stubs are
// thread-safe); the free functions are pure. Errors map as GatewayClient's do
// (gateway_client.h): the server's code and message, connection failures prefixed with the
// endpoint.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/view.grpc.pb.h"
#include "milk/view.pb.h"
#include "tools/client/gateway_client.h"

namespace milk::client {

class ViewClient {
 public:
  // endpoint: "host:port"; the same options (deadline, message size, TLS credentials) as the
  // GatewayClient of that node. Connects lazily, on the first call.
  explicit ViewClient(std::string endpoint, GatewayOptions options = {});
  ~ViewClient();
  ViewClient(ViewClient&&) noexcept;
  ViewClient& operator=(ViewClient&&) noexcept;
  ViewClient(const ViewClient&) = delete;
  ViewClient& operator=(const ViewClient&) = delete;

  const std::string& endpoint() const { return endpoint_; }

  // View.Query: the peer's signed answer. The proof is not verified here (the destination
  // does that, chaincode/proof/view_proof.h); a proof whose result does not echo the request
  // (chain, chaincode, function, args) is kInternal, since no destination would accept it.
  Result<milkpb::ViewProof> Query(const milkpb::ViewRequest& request) const;

 private:
  std::string endpoint_;
  GatewayOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<milkpb::View::Stub> stub_;
};

// One proof with the signatures of all of `proofs`, which must carry byte-identical results
// (ViewSigningBytes): kFailedPrecondition naming the first field that differs (peers at
// different heights disagree on height). A signature whose endorser already signed is dropped.
// kInvalidArgument for no proofs, or more than proof::kProofSignaturesMax signatures once merged.
Result<milkpb::ViewProof> MergeViewProofs(const std::vector<milkpb::ViewProof>& proofs);

// Asks every peer, then merges the largest group of identical answers (ties: the highest
// height, then the first peer's). Peers that fail are skipped; when all fail, the first
// peer's error. The result may carry fewer signatures than peers (some were at another height
// or down): the caller checks it against its policy and asks again if needed.
Result<milkpb::ViewProof> QueryAndMerge(const std::vector<const ViewClient*>& peers,
                                        const milkpb::ViewRequest& request);

}  // namespace milk::client
