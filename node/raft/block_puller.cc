#include "node/raft/block_puller.h"

#include "crypto/bytes.h"
#include "milk/services.grpc.pb.h"
#include "node/ops/logging.h"
#include "node/raft/peer_client.h"

namespace milk::node {

BlockPuller::BlockPuller(std::shared_ptr<Chain> chain,
                         std::shared_ptr<grpc::ChannelCredentials> credentials,
                         BlockPullerOptions options)
    : chain_(std::move(chain)), credentials_(std::move(credentials)), options_(std::move(options)) {}

BlockPuller::~BlockPuller() { Stop(); }

void BlockPuller::Start() { thread_ = std::thread([this] { Loop(); }); }

void BlockPuller::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (context_) context_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlockPuller::Loop() {
  size_t next = 0;
  std::string last_error;
  while (true) {
    std::vector<std::string> endpoints;
    for (const auto& c : chain_->config()->consenters()) {
      if (c.endpoint != options_.self_endpoint) endpoints.push_back(c.endpoint);
    }
    Status ended = FailedPrecondition("chain '" + chain_->chain_id() +
                                      "' names no other consenter to pull blocks from");
    if (!endpoints.empty()) ended = Follow(endpoints[next++ % endpoints.size()]);
    if (ended.code() == Code::kInternal) {  // diverged: pulling more would only hide it
      ops::LogError("block pulling stopped", {{"chain", chain_->chain_id()}, {"why", ended.ToString()}});
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (ended.message() != last_error) {  // one line per distinct problem, not per retry
      ops::LogInfo("block pulling paused", {{"chain", chain_->chain_id()}, {"why", ended.ToString()}});
      last_error = ended.message();
    }
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(options_.retry_ms), [&] { return stopping_; })) {
      return;
    }
  }
}

Status BlockPuller::Follow(const std::string& endpoint) {
  auto context = std::make_shared<grpc::ClientContext>();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Status(Code::kCancelled, "stopping");
    context_ = context;
  }
  auto stub = milkpb::Deliver::NewStub(PeerChannel(endpoint, credentials_));
  milkpb::DeliverRequest request;
  request.set_chain_id(chain_->chain_id());
  request.set_start_block(chain_->height());
  request.set_follow(true);  // stop_block 0: until cancelled
  auto reader = stub->Blocks(context.get(), request);
  milkpb::DeliverResponse response;
  Status result = Status::Ok();
  while (result.ok() && reader->Read(&response)) {
    milkpb::Block block = std::move(*response.mutable_block());
    if (block.header().number() != chain_->height()) continue;
    const std::string expected = block.metadata().commit_hash();
    auto committed = chain_->CommitBlock(std::move(block));
    if (!committed.ok()) {
      result = committed.status().WithContext("block from " + endpoint);
    } else if (committed->metadata().commit_hash() != expected) {
      result = Internal("block " + std::to_string(committed->header().number()) + " from " +
                        endpoint + " commits to hash " + ToHex(expected) + " there but " +
                        ToHex(committed->metadata().commit_hash()) + " here: the chains diverged");
    }
  }
  context->TryCancel();
  grpc::Status status = reader->Finish();
  {
    std::lock_guard lock(mutex_);
    context_.reset();
  }
  if (!result.ok()) return result;
  return Unavailable(endpoint + ": stream ended (" + status.error_message() + ")");
}

}  // namespace milk::node
