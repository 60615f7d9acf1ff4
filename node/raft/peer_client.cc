#include "node/raft/peer_client.h"

#include <chrono>

#include "milk/services.grpc.pb.h"

namespace milk::node {
namespace {

// Large enough for a block of the biggest batch the config allows plus its metadata.
constexpr int kMessageBytesMax = 64 << 20;

void SetDeadline(grpc::ClientContext& context, int64_t deadline_ms) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
}

Status FromGrpc(const std::string& endpoint, const grpc::Status& status) {
  return Status(static_cast<Code>(static_cast<int>(status.error_code())),
                endpoint + ": " + status.error_message());
}

}  // namespace

PeerChannels::PeerChannels(std::shared_ptr<grpc::ChannelCredentials> credentials)
    : credentials_(credentials ? std::move(credentials) : grpc::InsecureChannelCredentials()) {}

std::shared_ptr<grpc::Channel> PeerChannels::Get(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<grpc::Channel>& channel = channels_[endpoint];
  if (channel == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMessageBytesMax);
    args.SetMaxSendMessageSize(kMessageBytesMax);
    channel = grpc::CreateCustomChannel(endpoint, credentials_, args);
  }
  return channel;
}

Result<std::vector<milkpb::Block>> FetchBlocks(PeerChannels& channels, const std::string& endpoint,
                                               const std::string& chain_id, uint64_t from,
                                               uint64_t to, int64_t deadline_ms) {
  if (from >= to) return std::vector<milkpb::Block>{};
  auto stub = milkpb::Deliver::NewStub(channels.Get(endpoint));
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

Result<std::vector<milkpb::Block>> FetchAvailableBlocks(PeerChannels& channels,
                                                        const std::string& endpoint,
                                                        const std::string& chain_id, uint64_t from,
                                                        size_t max_count, int64_t deadline_ms) {
  auto stub = milkpb::Deliver::NewStub(channels.Get(endpoint));
  grpc::ClientContext context;
  SetDeadline(context, deadline_ms);
  milkpb::DeliverRequest request;
  request.set_chain_id(chain_id);
  request.set_start_block(from);  // follow=false, stop 0: up to the peer's height
  auto reader = stub->Blocks(&context, request);
  std::vector<milkpb::Block> blocks;
  milkpb::DeliverResponse response;
  while (blocks.size() < max_count && reader->Read(&response)) {
    blocks.push_back(std::move(*response.mutable_block()));
  }
  if (blocks.size() == max_count) context.TryCancel();
  grpc::Status status = reader->Finish();
  if (status.ok() || !blocks.empty() || status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
    return blocks;  // OUT_OF_RANGE: the peer holds nothing past `from`
  }
  return FromGrpc(endpoint, status);
}

// What a forwarded call needs until its callback: gRPC holds pointers to all of it.
struct ForwardCalls::Call {
  std::unique_ptr<milkpb::Gateway::Stub> stub;
  grpc::ClientContext context;
  milkpb::SubmitRequest request;
  milkpb::SubmitResponse response;
};

ForwardCalls::ForwardCalls(std::shared_ptr<PeerChannels> channels)
    : channels_(std::move(channels)) {}

ForwardCalls::~ForwardCalls() { Stop(); }

void ForwardCalls::Submit(const std::string& endpoint, milkpb::SubmitRequest request,
                          int64_t deadline_ms,
                          std::function<void(Result<milkpb::SubmitResponse>)> done) {
  auto owned = std::make_shared<Call>();
  Call* call = owned.get();
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      lock.unlock();
      done(Unavailable("the node is stopping"));
      return;
    }
    calls_.emplace(call, std::move(owned));
  }
  call->stub = milkpb::Gateway::NewStub(channels_->Get(endpoint));
  call->request = std::move(request);
  SetDeadline(call->context, deadline_ms);
  call->stub->async()->Submit(
      &call->context, &call->request, &call->response,
      [this, call, endpoint, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          done(FromGrpc(endpoint, status));
        } else {
          done(std::move(call->response));
        }
        Finished(call);
      });
}

void ForwardCalls::Finished(Call* call) {
  std::shared_ptr<Call> last;  // freed after the lock is released
  std::lock_guard lock(mutex_);
  auto it = calls_.find(call);
  if (it == calls_.end()) return;
  last = std::move(it->second);
  calls_.erase(it);
  if (calls_.empty()) idle_.notify_all();
}

void ForwardCalls::Stop() {
  std::vector<std::shared_ptr<Call>> open;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& [raw, call] : calls_) open.push_back(call);
  }
  for (const auto& call : open) call->context.TryCancel();
  open.clear();
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return calls_.empty(); });
}

}  // namespace milk::node
