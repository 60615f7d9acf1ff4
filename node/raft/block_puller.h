// Keeps a chain current on a node that does not order it (a peer, a consenter that was removed,
// or a consenter-to-be waiting for the config update that adds it): follows the Deliver stream
// of one of the chain's consenters and commits every block it receives, exactly as the
// consenters committed it (the commit hash must match, or pulling stops with an error: the
// chains diverged). On a stream failure it moves to the next consenter after a short pause.
// The consenters come from the chain's current config, so a config update that moves them is
// followed.
//
// A consenter that is itself behind (cut off from the others, or catching up) serves a follow
// stream that delivers nothing new, so while the chain's height stands still the puller asks the
// other consenters for the next block, and moves to the first that has it.
//
// Thread-safety: Start/Stop from one thread; the puller runs on its own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "node/chain/chain.h"
#include "node/raft/peer_client.h"

namespace milk::node {

struct BlockPullerOptions {
  // Pause before trying the next consenter after a failed or ended stream: short enough to
  // follow a leader change promptly, long enough not to spin on a chain whose consenters are all
  // down.
  int64_t retry_ms = 200;
  // How long the height may stand still while following before the other consenters are asked
  // whether they are ahead of the source. Each check is one short Deliver call per other
  // consenter; a chain with no new blocks costs that much per interval and nothing else.
  int64_t stall_check_ms = 1000;
  // This node's own endpoint, never pulled from (empty = none).
  std::string self_endpoint;
};

class BlockPuller {
 public:
  BlockPuller(std::shared_ptr<Chain> chain, std::shared_ptr<PeerChannels> channels,
              BlockPullerOptions options = {});
  ~BlockPuller();  // Stops.
  void Start();
  // Cancels the open stream and joins the thread. Idempotent.
  void Stop();

 private:
  void Loop();
  // Follows one consenter until the stream ends or fails; returns why it ended.
  Status Follow(const std::string& endpoint);
  // While Loop follows a source: when the height stands still for stall_check_ms and another
  // consenter has the next block, makes that one the source (cancels the open stream).
  void Watch();
  // The first consenter other than source (and this node) that serves block `height`; "" if none.
  std::string FindAhead(const std::string& source, uint64_t height);

  const std::shared_ptr<Chain> chain_;
  const std::shared_ptr<PeerChannels> channels_;
  const BlockPullerOptions options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;                         // guarded by mutex_
  std::shared_ptr<grpc::ClientContext> context_;  // the open stream; guarded by mutex_
  std::string source_;                            // whom it follows, "" between streams; ditto
  std::string switch_to_;                         // Watch's pick for the next stream; ditto
  std::thread thread_;
  std::thread watcher_;
};

}  // namespace milk::node
