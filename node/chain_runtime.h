// Private to node/: what the node keeps per joined chain.
#pragma once

#include <memory>
#include <string>

#include "node/chain/chain.h"
#include "node/node.h"
#include "node/orderer/orderer.h"

namespace milk::node {

// The committer as the orderer's sink: single node, so "ordered" means "committed durably".
class ChainSink final : public BlockSink {
 public:
  explicit ChainSink(Chain& chain) : chain_(chain) {}
  Result<milkpb::Block> Deliver(milkpb::Block block) override {
    return chain_.CommitBlock(std::move(block));
  }
  uint64_t next_number() const override { return chain_.height(); }
  std::string last_header_hash() const override { return chain_.last_header_hash(); }
  int64_t last_timestamp_ms() const override { return chain_.last_timestamp_ms(); }

 private:
  Chain& chain_;
};

struct Node::ChainRuntime {
  std::shared_ptr<Chain> chain;
  std::unique_ptr<ChainSink> sink;
  std::unique_ptr<Orderer> orderer;  // null when this node holds no consenter identity
};

}  // namespace milk::node
