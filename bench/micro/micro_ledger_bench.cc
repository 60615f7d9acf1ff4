// Micro-benchmarks of a peer's per-block work after ordering (issue 6, docs/PERFORMANCE.md):
// validating a block of 500 brandtoken transfers (the stateless checks with their signatures, and
// the whole Validate including MVCC) against a state of 100,000 accounts, and committing a
// validated block durably (block store append + one RocksDB write batch), alone and through
// node::Chain as a node does it. Google Benchmark; not part of tests/run:
//   cmake --build build --target milk_micro_ledger_bench && build/bench/milk_micro_ledger_bench
// Setup builds a real brand chain (bench/ledger/transfer_chain.h) and takes about 20 seconds.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/ledger/transfer_chain.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "node/ledger/formats.h"
#include "node/ledger/tx_check.h"  // the Validator's stateless per-transaction checks
#include "node/ledger/validator.h"

namespace milk {
namespace {
namespace fs = std::filesystem;

// A full block at the default batch limit (max_tx_count 500).
constexpr size_t kBlockTransactions = 500;
// Wallets that sign the benchmark's transfers (two distinct wallets per transfer of a block).
constexpr size_t kWallets = 2 * kBlockTransactions;
// Accounts in the measured state: a brand with a hundred thousand customers.
constexpr size_t kAccounts = 100'000;
constexpr size_t kValidationThreads = 2;  // the machine's cores
constexpr char kNamespace[] = "brandtoken";

void Check(const Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "setup failed: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

// The chain, the block to measure, and a large state that block validates against.
struct Fixture {
  std::string dir;
  std::string address_sample;  // a funded wallet's address, to find a lots key
  std::unique_ptr<bench::TransferChain> chain;
  milkpb::Block block;                      // the next block, all transfers VALID
  std::unique_ptr<node::LedgerDb> big_state;  // the chain's state + filler accounts
  ledger::ValidatedBlock validated;         // block validated against big_state
  ~Fixture() {
    big_state.reset();
    chain.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// Copies the chain's state at its own versions into db (one commit per block number the
// versions name, as LedgerDb requires) plus filler accounts, and indexes as many fake txids.
void BuildBigState(bench::TransferChain& chain, const std::string& address_sample,
                   node::LedgerDb& db) {
  std::map<uint64_t, std::vector<node::StateWrite>> by_block;
  std::string lots_key, lots_value;
  auto snapshot = chain.chain().Snapshot();
  Check(snapshot->Scan(kNamespace, "", "",
                       [&](const std::string& key, const chaincode::VersionedValue& v) {
                         by_block[v.version.block_number].push_back(
                             {kNamespace, key, false, v.value, v.version, "", 0});
                         if (lots_key.empty() && key.find(address_sample) != std::string::npos) {
                           lots_key = key;
                           lots_value = v.value;
                         }
                         return true;
                       }),
        "scan the chain's state");
  const size_t at = lots_key.find(address_sample);
  if (at == std::string::npos) Check(Internal("no lots key for " + address_sample), "find a lots key");
  for (size_t i = kWallets; i < kAccounts; ++i) {  // the chain already has kWallets accounts
    std::string key = lots_key;
    key.replace(at, address_sample.size(), crypto::WalletAddress(crypto::Sha256(std::to_string(i))));
    by_block[0].push_back({kNamespace, key, false, lots_value, {0, 0}, "", 0});
  }
  const uint64_t height = chain.chain().height();
  for (uint64_t number = 0; number < height; ++number) {
    node::BlockCommit commit;
    commit.number = number;
    commit.writes = std::move(by_block[number]);
    if (number == 0) {
      for (size_t i = 0; i < kAccounts; ++i) {
        commit.txs.push_back({ToHex(crypto::Sha256("tx" + std::to_string(i))), {0, 0, 0}});
      }
    }
    commit.savepoint.height = number + 1;
    commit.savepoint.last_header_hash = std::string(32, '\0');
    commit.savepoint.commit_hash = std::string(32, '\0');
    Check(db.CommitBlock(commit), "commit the big state");
  }
}

Fixture& GetFixture() {
  // Destroyed at exit, which removes the directory.
  static std::unique_ptr<Fixture> fixture = [] {
    auto f = std::make_unique<Fixture>();
    f->dir = (fs::temp_directory_path() / ("milk-micro-ledger-" + std::to_string(getpid()))).string();
    bench::TransferChainOptions options;
    options.dir = f->dir + "/chain";
    options.wallets = kWallets;
    options.threads = kValidationThreads;
    auto chain = bench::TransferChain::Create(options);
    Check(chain.status(), "create the chain");
    f->chain = std::move(chain).value();
    Check(f->chain->FundWallets(), "fund the wallets");
    auto block = f->chain->BuildTransferBlock(kBlockTransactions);
    Check(block.status(), "build a block");
    f->block = std::move(block).value();
    auto db = node::LedgerDb::Open(f->dir + "/big-state", {});
    Check(db.status(), "open the big state");
    f->big_state = std::move(db).value();
    // Any funded wallet's address appears in its lots key.
    auto wallet = client::LoadSigner(options.dir + "/crypto/wallets/w000000");
    Check(wallet.status(), "load a wallet");
    f->address_sample = crypto::WalletAddress(wallet->key.public_key);
    BuildBigState(*f->chain, f->address_sample, *f->big_state);
    return f;
  }();
  return *fixture;
}

ledger::ValidatedBlock ValidateOnce(Fixture& f, ledger::ThreadPool& pool) {
  ledger::Validator validator(pool, f.chain->registry());
  auto snapshot = f.big_state->Snapshot();
  auto committed = [&](const std::string& tx_id) {
    auto tx = f.big_state->GetTx(tx_id);
    return tx.ok() && tx->has_value();
  };
  return validator.Validate(f.block, *f.chain->chain().config(), *snapshot, committed,
                            f.chain->chain().commit_hash());
}

// The stateless checks alone, as Validate runs them on its pool: parse, certificates, creator
// and endorsement signatures (three Ed25519 verifications per transfer), ACL, policy.
void BM_TxChecks(benchmark::State& state) {
  Fixture& f = GetFixture();
  ledger::ThreadPool pool(static_cast<size_t>(state.range(0)));
  auto config = f.chain->chain().config();
  const auto& envelopes = f.block.data().envelopes();
  std::vector<ledger::TxCheck> checks(kBlockTransactions);
  for (auto _ : state) {
    pool.ParallelFor(kBlockTransactions, [&](size_t i) {
      checks[i] = ledger::CheckTransaction(envelopes[static_cast<int>(i)], *config,
                                           f.block.header().timestamp_ms());
    });
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kBlockTransactions});
  state.SetLabel("tx/s = items_per_second");
}
BENCHMARK(BM_TxChecks)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The whole Validate: the checks above, then duplicate txids, MVCC in block order against
// 100,000 accounts, and the commit hash. MVCC alone = this minus BM_TxChecks at one thread.
void BM_ValidateBlock(benchmark::State& state) {
  Fixture& f = GetFixture();
  ledger::ThreadPool pool(static_cast<size_t>(state.range(0)));
  for (auto _ : state) f.validated = ValidateOnce(f, pool);
  for (char code : f.validated.codes) {
    if (static_cast<uint8_t>(code) != milkpb::VALID) state.SkipWithError("a transfer is invalid");
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kBlockTransactions});
}
BENCHMARK(BM_ValidateBlock)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Storing a validated block as Chain::CommitBlock does after validation: the block appended to
// a durable block store (fsync), then state, history, txid index and savepoint in one RocksDB
// write batch (not fsynced: recovery re-applies from the block store), over 100,000 accounts.
void BM_CommitValidatedBlock(benchmark::State& state) {
  Fixture& f = GetFixture();
  if (f.validated.codes.empty()) {
    ledger::ThreadPool pool(kValidationThreads);
    f.validated = ValidateOnce(f, pool);
  }
  // A fresh store per run (Google Benchmark may run a benchmark more than once).
  static int runs = 0;
  const std::string dir = f.dir + "/commit-" + std::to_string(runs++);
  auto store = node::BlockStore::Open(dir + "/blocks", {});  // sync: true, as a node
  Check(store.status(), "open the block store");
  auto db = node::LedgerDb::Open(dir + "/ledger", {});
  Check(db.status(), "open the ledger");
  BuildBigState(*f.chain, f.address_sample, **db);
  uint64_t number = f.chain->chain().height();
  const std::string bytes = f.block.SerializeAsString();
  for (auto _ : state) {
    state.PauseTiming();
    node::BlockCommit commit;
    commit.number = number;
    commit.writes = f.validated.writes;
    for (auto& w : commit.writes) w.version.block_number = number;
    commit.txs = f.validated.txs;
    for (auto& [tx_id, record] : commit.txs) {
      tx_id = ToHex(crypto::Sha256(tx_id + std::to_string(number)));
      record.block_number = number;
    }
    state.ResumeTiming();
    auto location = (*store)->Append(bytes);
    Check(location.status(), "append");
    commit.location = *location;
    commit.savepoint = {number + 1, node::EndOf(*location), std::string(32, 'h'),
                        f.validated.commit_hash};
    Check((*db)->CommitBlock(commit), "commit");
    ++number;
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kBlockTransactions});
  store->reset();
  db->reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
}
// Fixed iterations: one run, so the store is opened once.
constexpr int64_t kCommitIterations = 50;
BENCHMARK(BM_CommitValidatedBlock)
    ->Iterations(kCommitIterations)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The node's whole commit path for one block: node::Chain::CommitBlock (integrity, Validate,
// durable append, RocksDB batch) on the chain's own state. A fresh block is built (endorsed,
// signed) outside the timed region for each iteration.
void BM_ChainCommitBlock(benchmark::State& state) {
  Fixture& f = GetFixture();
  for (auto _ : state) {
    state.PauseTiming();
    auto block = f.chain->BuildTransferBlock(kBlockTransactions);
    Check(block.status(), "build a block");
    state.ResumeTiming();
    Check(f.chain->Commit(std::move(block).value()).status(), "commit through the chain");
  }
  state.SetItemsProcessed(state.iterations() * int64_t{kBlockTransactions});
}
// Last: it moves the chain past the block the other benchmarks measure.
constexpr int64_t kChainCommitIterations = 20;  // each builds a block first (~0.1 s)
BENCHMARK(BM_ChainCommitBlock)->Iterations(kChainCommitIterations)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace milk

BENCHMARK_MAIN();
