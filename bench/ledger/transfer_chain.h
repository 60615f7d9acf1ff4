// A one-node brand chain driven in-process for the ledger benchmarks (issue 6,
// docs/PERFORMANCE.md): real identities from cryptogen, a genesis block from a chain profile, and
// blocks of brandtoken transfers that wallets sign, the partner's peer endorses (node::Endorse on
// the committed state) and the consenter signs, committed through node::Chain exactly as a node
// commits them. No gRPC and no Raft: generating a million transactions takes minutes.
//
// Layout under dir (what `milk crypto generate` and milkd write):
//   dir/crypto/          orgs/Brand/members/{admin,peer0,orderer0,issuer}, wallets/w000000...
//   dir/profile.yaml     the chain profile of the genesis block
//   dir/node/chains/<chain_id>/{blocks,ledger}   the node data directory (`--data-dir dir/node`)
//
// Thread-safety: one thread drives a TransferChain; it signs and endorses on its own pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chaincode/shim/chaincode.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "node/chain/chain.h"
#include "node/chain/endorser.h"
#include "node/ledger/thread_pool.h"
#include "tools/client/signer.h"

namespace milk::bench {

inline constexpr char kBenchChainId[] = "bench.bt";
inline constexpr char kBenchOrg[] = "Brand";
// A full block at the profile's batch limit (max_tx_count), as the orderer cuts under load.
inline constexpr size_t kBlockTxDefault = 500;

struct TransferChainOptions {
  std::string dir;       // created; must not exist yet
  size_t wallets = 1000;  // each transfer block needs two distinct wallets per transaction
  size_t threads = 2;    // signing, endorsing and validation threads
  node::ChainOptions chain;  // storage options (durability)
};

class TransferChain {
 public:
  // Generates the identities, writes the profile, builds and commits the genesis block.
  static Result<std::unique_ptr<TransferChain>> Create(const TransferChainOptions& options);
  ~TransferChain();

  // Issues every wallet its starting balance: one issue per block, because every issue reads
  // and writes the brand's issued total (several in one block would conflict).
  Status FundWallets();

  // The next block (number height()) of tx_count transfers between distinct wallets, endorsed
  // against the committed state and signed by the consenter; not committed.
  // REQUIRES: 2 * tx_count <= wallets.
  Result<milkpb::Block> BuildTransferBlock(size_t tx_count);
  // Validates and commits through node::Chain; kInternal when a transaction is not VALID (the
  // benchmark's transactions are all meant to be valid).
  Result<milkpb::Block> Commit(milkpb::Block block);

  node::Chain& chain() { return *chain_; }
  ledger::ThreadPool& pool() { return *pool_; }
  const chaincode::Registry& registry() const { return *registry_; }
  std::string data_dir() const { return options_.dir + "/node"; }
  // The timestamp the next block gets: deterministic, one millisecond per block after the
  // certificates became valid.
  int64_t NextBlockTimeMs() const;

 private:
  explicit TransferChain(TransferChainOptions options);
  Status GenerateIdentities();
  Status CreateChain();
  // Signs a proposal as signer, endorses it with the peer, and returns the envelope bytes.
  Result<std::string> EndorsedEnvelope(const client::Signer& signer, const std::string& function,
                                       const std::vector<std::string>& args, int64_t now_ms);
  milkpb::Block SealBlock(std::vector<std::string> envelopes, int64_t time_ms) const;

  TransferChainOptions options_;
  std::unique_ptr<chaincode::Registry> registry_;
  std::unique_ptr<ledger::ThreadPool> pool_;
  std::unique_ptr<node::Chain> chain_;
  int64_t start_ms_ = 0;
  client::Signer admin_, issuer_, consenter_;
  node::Signer peer_;
  std::vector<client::Signer> wallets_;
  std::vector<std::string> addresses_;
};

}  // namespace milk::bench
