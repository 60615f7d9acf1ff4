// Private to node/: what the node keeps per joined chain.
#pragma once

#include <memory>
#include <string>

#include "node/chain/chain.h"
#include "node/node.h"
#include "node/raft/block_puller.h"
#include "node/raft/raft_consenter.h"

namespace milk::node {

// Another consenter of a chain, as the node reaches it.
struct ChainConfigPeer {
  uint64_t raft_id = 0;
  std::string endpoint;
};

// Fields are replaced only under Node::mutex_ held exclusively; readers copy the shared_ptr
// under the shared lock and use it after releasing the lock.
struct Node::ChainRuntime {
  std::shared_ptr<Chain> chain;
  std::shared_ptr<RaftConsenter> consenter;  // set while this node orders the chain
  std::unique_ptr<BlockPuller> puller;       // set while it does not (follows a consenter)
};

}  // namespace milk::node
