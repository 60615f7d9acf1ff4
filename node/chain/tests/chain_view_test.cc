// Chain::SnapshotAtHead (and LedgerDb::SnapshotAtSavepoint under it): the state and the block it
// is the state after come from one RocksDB snapshot (docs/views.md).
#include <catch2/catch.hpp>

#include <filesystem>

#include "chaincode/builtin.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/formats.h"
#include "node/testing/test_network.h"

namespace milk::node {
namespace {

using milk::testing::TestNetwork;

struct ChainFixture {
  ChainFixture() : pool(1) {
    chaincode::RegisterBuiltinChaincodes(registry);
    char pattern[] = "/tmp/milk-chain-view-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    Result<std::unique_ptr<Chain>> created =
        Chain::Create(dir + "/demo", net.Genesis(), registry, pool, {});
    REQUIRE(created.ok());
    chain = std::move(created).value();
  }
  ~ChainFixture() {
    chain.reset();
    std::filesystem::remove_all(dir);
  }

  // Commits one block issuing amount to address, at time_ms.
  void Issue(const std::string& address, const std::string& amount, int64_t time_ms) {
    milkpb::SignedProposal proposal =
        net.Proposal(net.client.identity, net.client.key, "issue", {address, amount});
    Result<milkpb::ProposalResponse> response =
        Endorse(proposal, *chain, net.PeerSigner(), TestNetwork::kNowMs);
    REQUIRE(response.ok());
    milkpb::Block block =
        net.BlockOf({TestNetwork::EnvelopeFor(proposal, *response, net.client.key)},
                    chain->height(), chain->last_header_hash(), time_ms);
    REQUIRE(chain->CommitBlock(block).ok());
  }

  std::string Balance(chaincode::StateReader& state, const std::string& address) {
    std::string value;
    Status scan = state.Scan("token", "", "", [&](const std::string& key,
                                                  const chaincode::VersionedValue& v) {
      if (key.find(address) != std::string::npos) value = v.value;
      return true;
    });
    REQUIRE(scan.ok());
    return value;
  }

  TestNetwork net;
  chaincode::Registry registry;
  ledger::ThreadPool pool;
  std::string dir;
  std::unique_ptr<Chain> chain;
};

TEST_CASE("SnapshotAtHead names the block its state is after", "[chain][view]") {
  ChainFixture f;
  Result<Chain::HeadSnapshot> genesis = f.chain->SnapshotAtHead();
  REQUIRE(genesis.ok());
  CHECK(genesis->height == 1);
  CHECK(genesis->last_header_hash == f.chain->last_header_hash());
  CHECK(genesis->last_timestamp_ms == f.chain->last_timestamp_ms());

  const std::string alice = f.net.MakeWallet(1).address;
  f.Issue(alice, "100", TestNetwork::kNowMs + 5);
  Result<Chain::HeadSnapshot> first = f.chain->SnapshotAtHead();
  REQUIRE(first.ok());
  CHECK(first->height == 2);
  CHECK(first->last_timestamp_ms == TestNetwork::kNowMs + 5);
  Result<milkpb::Block> block1 = f.chain->GetBlock(1);
  REQUIRE(block1.ok());
  CHECK(first->last_header_hash == ledger::HeaderHash(block1->header()));

  // A later commit changes neither what the snapshot reads nor the block it names.
  f.Issue(alice, "20", TestNetwork::kNowMs + 9);
  CHECK(f.Balance(*first->state, alice) == "100");
  Result<Chain::HeadSnapshot> second = f.chain->SnapshotAtHead();
  REQUIRE(second.ok());
  CHECK(second->height == 3);
  CHECK(second->last_timestamp_ms == TestNetwork::kNowMs + 9);
  CHECK(f.Balance(*second->state, alice) == "120");
  CHECK(second->last_header_hash == f.chain->last_header_hash());
}

TEST_CASE("SnapshotAtHead after a reopen reads the last block's time", "[chain][view]") {
  ChainFixture f;
  f.Issue(f.net.MakeWallet(1).address, "1", TestNetwork::kNowMs + 42);
  f.chain.reset();
  Result<std::unique_ptr<Chain>> opened = Chain::Open(f.dir + "/demo", f.registry, f.pool, {});
  REQUIRE(opened.ok());
  f.chain = std::move(opened).value();
  Result<Chain::HeadSnapshot> head = f.chain->SnapshotAtHead();
  REQUIRE(head.ok());
  CHECK(head->height == 2);
  CHECK(head->last_timestamp_ms == TestNetwork::kNowMs + 42);
}

}  // namespace
}  // namespace milk::node
