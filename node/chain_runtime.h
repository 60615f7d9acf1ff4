// Private to node/: what the node keeps per joined chain.
#pragma once

#include <memory>
#include <string>

#include "node/chain/chain.h"
#include "node/node.h"
#include "node/raft/raft_consenter.h"

namespace milk::node {

// Another consenter of a chain, as the node reaches it.
struct ChainConfigPeer {
  uint64_t raft_id = 0;
  std::string endpoint;
};

struct Node::ChainRuntime {
  std::shared_ptr<Chain> chain;
  std::unique_ptr<RaftConsenter> consenter;  // null when this node orders nothing on the chain
};

}  // namespace milk::node
