#include "node/raft/peer_client.h"

#include <chrono>

#include "milk/services.grpc.pb.h"

namespace milk::node {
namespace {

// Large enough for a block of the biggest batch the config allows plus its metadata.
constexpr int kMessageBytesMax = 64 << 20;

std::shared_ptr<grpc::Channel> Channel(const std::string& endpoint,
                                       const std::shared_ptr<grpc::ChannelCredentials>& creds) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMessageBytesMax);
  args.SetMaxSendMessageSize(kMessageBytesMax);
  return grpc::CreateCustomChannel(endpoint, creds ? creds : grpc::InsecureChannelCredentials(),
                                   args);
}

void SetDeadline(grpc::ClientContext& context, int64_t deadline_ms) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
}

Status FromGrpc(const std::string& endpoint, const grpc::Status& status) {
  return Status(static_cast<Code>(static_cast<int>(status.error_code())),
                endpoint + ": " + status.error_message());
}

}  // namespace

Result<std::vector<milkpb::Block>> FetchBlocks(const std::string& endpoint,
                                               const std::shared_ptr<grpc::ChannelCredentials>& creds,
                                               const std::string& chain_id, uint64_t from,
                                               uint64_t to, int64_t deadline_ms) {
  if (from >= to) return std::vector<milkpb::Block>{};
  auto stub = milkpb::Deliver::NewStub(Channel(endpoint, creds));
  grpc::ClientContext context;
  SetDeadline(context, deadline_ms);
  milkpb::DeliverRequest request;
  request.set_chain_id(chain_id);
  request.set_start_block(from);
  request.set_stop_block(to - 1);
  request.set_follow(true);  // wait for blocks the peer is about to commit, within the deadline
  auto reader = stub->Blocks(&context, request);
  std::vector<milkpb::Block> blocks;
  milkpb::DeliverResponse response;
  while (blocks.size() < to - from && reader->Read(&response)) {
    blocks.push_back(std::move(*response.mutable_block()));
  }
  context.TryCancel();
  grpc::Status status = reader->Finish();
  if (blocks.size() == to - from) return blocks;
  if (!status.ok()) return FromGrpc(endpoint, status);
  return Unavailable(endpoint + ": delivered " + std::to_string(blocks.size()) + " of " +
                     std::to_string(to - from) + " blocks");
}

Result<milkpb::SubmitResponse> ForwardSubmit(const std::string& endpoint,
                                             const std::shared_ptr<grpc::ChannelCredentials>& creds,
                                             const milkpb::SubmitRequest& request,
                                             int64_t deadline_ms) {
  auto stub = milkpb::Gateway::NewStub(Channel(endpoint, creds));
  grpc::ClientContext context;
  SetDeadline(context, deadline_ms);
  milkpb::SubmitResponse response;
  grpc::Status status = stub->Submit(&context, request, &response);
  if (!status.ok()) return FromGrpc(endpoint, status);
  return response;
}

}  // namespace milk::node
