// What a node asks of other consenters over gRPC: committed blocks (Deliver), for catch-up
// after a snapshot, and Submit forwarding to the leader.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "crypto/status.h"
#include "milk/services.pb.h"

namespace milk::node {

// A node's channels to other nodes, one per endpoint, made on first use and kept. A channel made
// per call cost a connection and a TLS handshake per call: with one per forwarded Submit, OpenSSL
// and lock contention took most of the three-consenter benchmark's CPU and it committed half of
// what it does with kept channels (docs/PERFORMANCE.md). One channel carries any number of
// concurrent calls and reconnects by itself after a failure. Message size limits fit the largest
// block. Null credentials = plaintext.
//
// Thread-safety: Get is safe from any thread.
class PeerChannels {
 public:
  explicit PeerChannels(std::shared_ptr<grpc::ChannelCredentials> credentials);
  std::shared_ptr<grpc::Channel> Get(const std::string& endpoint);

 private:
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // guarded by mutex_
};

// Blocks [from, to) of a chain from the node at endpoint. Bounded by deadline_ms.
Result<std::vector<milkpb::Block>> FetchBlocks(PeerChannels& channels, const std::string& endpoint,
                                               const std::string& chain_id, uint64_t from,
                                               uint64_t to, int64_t deadline_ms);

// The blocks the node at endpoint holds from `from` on, at most max_count, without waiting for
// new ones (empty when it holds none past from). Bounded by deadline_ms.
Result<std::vector<milkpb::Block>> FetchAvailableBlocks(PeerChannels& channels,
                                                        const std::string& endpoint,
                                                        const std::string& chain_id, uint64_t from,
                                                        size_t max_count, int64_t deadline_ms);

// Gateway.Submit forwarded to other nodes (the leader), without a thread waiting, and tracked
// so that a stopping node cancels them and waits for their callbacks: none outlives the node.
//
// Thread-safety: all methods are safe from any thread, Submit from a callback too.
class ForwardCalls {
 public:
  explicit ForwardCalls(std::shared_ptr<PeerChannels> channels);
  ~ForwardCalls();  // Stop()
  ForwardCalls(const ForwardCalls&) = delete;
  ForwardCalls& operator=(const ForwardCalls&) = delete;

  // `done` is called once with the answer, on a gRPC thread, bounded by deadline_ms; the remote
  // status comes back as is. After Stop, at once with kUnavailable.
  void Submit(const std::string& endpoint, milkpb::SubmitRequest request, int64_t deadline_ms,
              std::function<void(Result<milkpb::SubmitResponse>)> done);
  // Cancels every call in flight and returns once their callbacks have run.
  void Stop();

 private:
  struct Call;
  void Finished(Call* call);

  const std::shared_ptr<PeerChannels> channels_;
  std::mutex mutex_;
  std::condition_variable idle_;
  // In flight; guarded by mutex_. Shared so Stop can cancel outside the lock (a cancelled
  // call's callback may run on the cancelling thread) while the callback frees its entry.
  std::map<Call*, std::shared_ptr<Call>> calls_;
  bool stopping_ = false;  // guarded by mutex_
};

}  // namespace milk::node
