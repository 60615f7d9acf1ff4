#include "node/raft/block_puller.h"

#include "crypto/bytes.h"
#include "milk/services.grpc.pb.h"
#include "node/ops/logging.h"
#include "node/raft/peer_client.h"

namespace milk::node {

BlockPuller::BlockPuller(std::shared_ptr<Chain> chain,
                         std::shared_ptr<PeerChannels> channels, BlockPullerOptions options)
    : chain_(std::move(chain)), channels_(std::move(channels)), options_(std::move(options)) {}

BlockPuller::~BlockPuller() { Stop(); }

void BlockPuller::Start() {
  thread_ = std::thread([this] { Loop(); });
  watcher_ = std::thread([this] { Watch(); });
}

void BlockPuller::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (context_) context_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watcher_.joinable()) watcher_.join();
}

namespace {

std::vector<std::string> OtherConsenters(const Chain& chain, const std::string& self) {
  std::vector<std::string> endpoints;
  for (const auto& c : chain.config()->consenters()) {
    if (c.endpoint != self) endpoints.push_back(c.endpoint);
  }
  return endpoints;
}

}  // namespace

void BlockPuller::Loop() {
  size_t next = 0;
  std::string last_error;
  while (true) {
    const std::vector<std::string> endpoints = OtherConsenters(*chain_, options_.self_endpoint);
    std::string endpoint;
    {
      std::lock_guard lock(mutex_);
      endpoint.swap(switch_to_);
    }
    if (endpoint.empty() && !endpoints.empty()) endpoint = endpoints[next++ % endpoints.size()];
    Status ended = FailedPrecondition("chain '" + chain_->chain_id() +
                                      "' names no other consenter to pull blocks from");
    if (!endpoint.empty()) ended = Follow(endpoint);
    if (ended.code() == Code::kInternal) {  // diverged: pulling more would only hide it
      ops::LogError("block pulling stopped", {{"chain", chain_->chain_id()}, {"why", ended.ToString()}});
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (!switch_to_.empty()) continue;  // Watch ended the stream for a source that is ahead
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
    source_ = endpoint;
  }
  auto stub = milkpb::Deliver::NewStub(channels_->Get(endpoint));
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
    source_.clear();
  }
  if (!result.ok()) return result;
  return Unavailable(endpoint + ": stream ended (" + status.error_message() + ")");
}

void BlockPuller::Watch() {
  std::unique_lock lock(mutex_);
  uint64_t last_height = chain_->height();
  while (!cv_.wait_for(lock, std::chrono::milliseconds(options_.stall_check_ms),
                       [&] { return stopping_; })) {
    const uint64_t height = chain_->height();
    const std::string source = source_;
    if (height != last_height || source.empty() || !switch_to_.empty()) {
      last_height = height;
      continue;
    }
    lock.unlock();
    std::string ahead = FindAhead(source, height);
    lock.lock();
    if (ahead.empty() || stopping_ || source_ != source || chain_->height() != height) continue;
    ops::LogInfo("block pulling moves to a consenter that is ahead",
                 {{"chain", chain_->chain_id()}, {"from", source}, {"to", ahead},
                  {"height", std::to_string(height)}});
    switch_to_ = std::move(ahead);
    if (context_) context_->TryCancel();
  }
}

std::string BlockPuller::FindAhead(const std::string& source, uint64_t height) {
  for (const std::string& endpoint : OtherConsenters(*chain_, options_.self_endpoint)) {
    if (endpoint == source) continue;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return "";
    }
    grpc::ClientContext context;  // bounded: Stop joins this thread
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(options_.stall_check_ms));
    auto stub = milkpb::Deliver::NewStub(channels_->Get(endpoint));
    milkpb::DeliverRequest request;
    request.set_chain_id(chain_->chain_id());
    request.set_start_block(height);
    // follow=false, stop_block=0: up to its height, OUT_OF_RANGE at once if it has no block
    // `height`. One block read is enough; the rest is cancelled.
    auto reader = stub->Blocks(&context, request);
    milkpb::DeliverResponse response;
    const bool ahead = reader->Read(&response) && response.block().header().number() == height;
    context.TryCancel();
    reader->Finish();
    if (ahead) return endpoint;
  }
  return "";
}

}  // namespace milk::node
