// Node::OrderUnchecked, the ordering benchmark's way in (bench/ordering): refused unless the node
// was opened for it, and what it orders is stored but never valid, while Submit keeps refusing
// the same bytes.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "chaincode/builtin.h"
#include "crypto/tests/test_util.h"
#include "node/node.h"
#include "node/testing/test_network.h"

namespace milk::node {
namespace {

using milk::testing::TestNetwork;

// A one-consenter chain elects its leader within a few election timeouts of 10 ms ticks.
constexpr auto kLeaderWaitMax = std::chrono::seconds(10);

class OneConsenterNode {
 public:
  explicit OneConsenterNode(bool unchecked_ordering) : clock_(TestNetwork::kNowMs) {
    chaincode::RegisterBuiltinChaincodes(registry_);
    net_.UseConsenters(1);
    NodeOptions options;
    options.data_dir = dir_.path();
    options.peer = net_.PeerSigner();
    options.consenter = Signer{net_.consenters[0].key, net_.consenters[0].identity};
    options.validation_threads = 1;
    options.raft_tick_ms = 10;
    options.unchecked_ordering = unchecked_ordering;
    auto node = Node::Open(std::move(options), registry_, clock_, metrics_);
    REQUIRE(node.ok());
    node_ = std::move(node).value();
    const milkpb::Block genesis = net_.Genesis();
    auto joined = node_->JoinChain(genesis, net_.admin.identity, net_.JoinSignature(genesis));
    INFO(joined.status().ToString());
    REQUIRE(joined.ok());
    const auto deadline = std::chrono::steady_clock::now() + kLeaderWaitMax;
    while (std::chrono::steady_clock::now() < deadline) {
      auto status = node_->ClusterStatus(net_.chain_id);
      if (status.ok() && status->role() == "leader") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~OneConsenterNode() { node_->Stop(); }

  Node& node() { return *node_; }
  const std::string& chain_id() const { return net_.chain_id; }
  uint64_t height() { return node_->FindChain(net_.chain_id)->height(); }

 private:
  crypto::testing::TempDir dir_;
  ManualClock clock_;
  TestNetwork net_;
  chaincode::Registry registry_;
  ops::Registry metrics_;
  std::unique_ptr<Node> node_;
};

// 256 bytes that parse as an Envelope of no type whose payload is filler, as the benchmark sends.
milkpb::Envelope FillerEnvelope() {
  milkpb::Envelope envelope;
  envelope.set_payload(std::string(187, 'p'));
  envelope.set_signature(std::string(64, 's'));
  return envelope;
}

TEST_CASE("unchecked ordering is refused unless the node was opened for the benchmark",
          "[unchecked_ordering]") {
  OneConsenterNode node(/*unchecked_ordering=*/false);
  const uint64_t height = node.height();
  auto ordered =
      node.node().OrderUnchecked(node.chain_id(), FillerEnvelope().SerializeAsString(), "t1");
  REQUIRE_FALSE(ordered.ok());
  CHECK(ordered.status().code() == Code::kFailedPrecondition);
  CHECK(node.height() == height);
}

TEST_CASE("unchecked ordering stores the bytes in a block as invalid; Submit still refuses them",
          "[unchecked_ordering]") {
  OneConsenterNode node(/*unchecked_ordering=*/true);
  const milkpb::Envelope envelope = FillerEnvelope();
  const std::string bytes = envelope.SerializeAsString();
  REQUIRE(bytes.size() == 256);

  auto unknown = node.node().OrderUnchecked("no-such-chain", bytes, "t0");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kNotFound);

  const uint64_t height = node.height();
  auto submitted = node.node().Submit(node.chain_id(), envelope);
  REQUIRE_FALSE(submitted.ok());
  CHECK(submitted.status().code() == Code::kInvalidArgument);
  CHECK(node.height() == height);

  auto ordered = node.node().OrderUnchecked(node.chain_id(), bytes, "t1");
  INFO(ordered.status().ToString());
  REQUIRE(ordered.ok());
  const Result<OrderedTx>& tx = ordered->get();
  INFO(tx.status().ToString());
  REQUIRE(tx.ok());
  CHECK(tx->validation_code == milkpb::UNKNOWN_TX_TYPE);
  auto block = node.node().FindChain(node.chain_id())->GetBlock(tx->block_number);
  REQUIRE(block.ok());
  REQUIRE(block->data().envelopes_size() > static_cast<int>(tx->tx_index));
  CHECK(block->data().envelopes(static_cast<int>(tx->tx_index)) == bytes);
  CHECK(block->metadata().validation_codes()[tx->tx_index] ==
        static_cast<char>(milkpb::UNKNOWN_TX_TYPE));
}

}  // namespace
}  // namespace milk::node
