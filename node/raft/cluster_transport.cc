#include "node/raft/cluster_transport.h"

#include "milk/services.grpc.pb.h"

namespace milk::node {

struct ClusterTransport::Peer {
  std::string endpoint;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<milkpb::ClusterStepRequest> queue;
  bool stopping = false;
  std::unique_ptr<grpc::ClientContext> context;  // of the open stream, to cancel it on Stop
  std::thread thread;
};

ClusterTransport::ClusterTransport(ClusterTransportOptions options,
                                   std::shared_ptr<grpc::ChannelCredentials> credentials)
    : options_(options),
      credentials_(credentials ? std::move(credentials) : grpc::InsecureChannelCredentials()) {}

ClusterTransport::~ClusterTransport() { Stop(); }

void ClusterTransport::SetPeer(const std::string& chain_id, uint64_t raft_id,
                               const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  endpoints_[{chain_id, raft_id}] = endpoint;
}

void ClusterTransport::Send(const std::string& chain_id, const milkpb::RaftMessage& message) {
  if (faults_ != nullptr && faults_->BlocksOutbound(chain_id, message.to())) return;
  Peer* peer = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    auto it = endpoints_.find({chain_id, message.to()});
    if (it == endpoints_.end()) return;
    auto& slot = peers_[it->second];
    if (slot == nullptr) {
      slot = std::make_unique<Peer>();
      slot->endpoint = it->second;
      Peer* raw = slot.get();
      slot->thread = std::thread([this, raw] { SenderLoop(raw); });
    }
    peer = slot.get();
  }
  std::lock_guard lock(peer->mutex);
  if (peer->queue.size() >= options_.queue_max) return;  // dropped; Raft retransmits
  milkpb::ClusterStepRequest request;
  request.set_chain_id(chain_id);
  *request.mutable_message() = message;
  peer->queue.push_back(std::move(request));
  peer->cv.notify_one();
}

void ClusterTransport::SenderLoop(Peer* peer) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(options_.message_bytes_max);
  // Reconnect quickly: a consenter restarted after a crash should rejoin within an election.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel = grpc::CreateCustomChannel(peer->endpoint, credentials_, args);
  auto stub = milkpb::Cluster::NewStub(channel);
  while (true) {
    milkpb::ClusterStepResponse response;
    grpc::ClientContext* context = nullptr;
    {
      std::lock_guard lock(peer->mutex);
      if (peer->stopping) return;
      peer->context = std::make_unique<grpc::ClientContext>();
      context = peer->context.get();
    }
    // Opening the stream may wait for a handshake with a peer that never answers: never with
    // the mutex held, or Send() (the Raft thread) would wait too. Corked: the call starts with
    // the first message instead of blocking here.
    context->set_initial_metadata_corked(true);
    std::unique_ptr<grpc::ClientWriter<milkpb::ClusterStepRequest>> writer =
        stub->Step(context, &response);
    bool healthy = true;
    while (healthy) {
      milkpb::ClusterStepRequest request;
      {
        std::unique_lock lock(peer->mutex);
        peer->cv.wait(lock, [&] { return peer->stopping || !peer->queue.empty(); });
        if (peer->stopping) break;
        request = std::move(peer->queue.front());
        peer->queue.pop_front();
      }
      healthy = writer->Write(request);
    }
    writer->WritesDone();
    writer->Finish();
    std::unique_lock lock(peer->mutex);
    if (peer->stopping) return;
    peer->queue.clear();  // stale by the time the peer is back
    peer->cv.wait_for(lock, std::chrono::milliseconds(options_.reconnect_ms),
                      [&] { return peer->stopping; });
  }
}

void ClusterTransport::Stop() {
  std::map<std::string, std::unique_ptr<Peer>> peers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    peers.swap(peers_);
  }
  for (auto& [endpoint, peer] : peers) {
    {
      std::lock_guard lock(peer->mutex);
      peer->stopping = true;
      if (peer->context) peer->context->TryCancel();
    }
    peer->cv.notify_all();
    if (peer->thread.joinable()) peer->thread.join();
  }
}

}  // namespace milk::node
