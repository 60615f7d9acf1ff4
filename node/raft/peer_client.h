// What a node asks of other consenters over gRPC: committed blocks (Deliver), for catch-up
// after a snapshot, and Submit forwarding to the leader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "crypto/status.h"
#include "milk/services.pb.h"

namespace milk::node {

// A channel to another node (message size limits fit the largest block). Null creds = plaintext.
std::shared_ptr<grpc::Channel> PeerChannel(const std::string& endpoint,
                                           const std::shared_ptr<grpc::ChannelCredentials>& creds);

// Blocks [from, to) of a chain from the node at endpoint. Bounded by deadline_ms.
Result<std::vector<milkpb::Block>> FetchBlocks(const std::string& endpoint,
                                               const std::shared_ptr<grpc::ChannelCredentials>& creds,
                                               const std::string& chain_id, uint64_t from,
                                               uint64_t to, int64_t deadline_ms);

// The blocks the node at endpoint holds from `from` on, at most max_count, without waiting for
// new ones (empty when it holds none past from). Bounded by deadline_ms.
Result<std::vector<milkpb::Block>> FetchAvailableBlocks(
    const std::string& endpoint, const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const std::string& chain_id, uint64_t from, size_t max_count, int64_t deadline_ms);

// Gateway.Submit on another node (the leader). The remote status comes back as is.
Result<milkpb::SubmitResponse> ForwardSubmit(const std::string& endpoint,
                                             const std::shared_ptr<grpc::ChannelCredentials>& creds,
                                             const milkpb::SubmitRequest& request,
                                             int64_t deadline_ms);

}  // namespace milk::node
