// Micro-benchmarks of the hot paths (issue 6, docs/PERFORMANCE.md): what one signature check,
// one block's Merkle root and one durable WAL append cost on this machine, so the end-to-end
// figures can be read against them. Google Benchmark; not part of tests/run:
//   cmake --build build --target milk_micro_bench && build/bench/milk_micro_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "node/wal/wal.h"

namespace milk {
namespace {

// A signed transaction's envelope is a few hundred bytes: what the validator verifies.
constexpr size_t kMessageBytes = 512;
// A full block at the default batch limit (max_tx_count 500).
constexpr size_t kBlockTransactions = 500;
// A Raft entry carrying one ~1 KiB transaction.
constexpr size_t kEntryBytes = 1024;

std::string Bytes(size_t n, char fill) { return std::string(n, fill); }

void BM_Ed25519Sign(benchmark::State& state) {
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  const std::string message = Bytes(kMessageBytes, 'm');
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sign(key.secret_key, message));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Sign);

// The validator's main cost: each transaction carries the creator's and the endorsers'
// signatures.
void BM_Ed25519Verify(benchmark::State& state) {
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  const std::string message = Bytes(kMessageBytes, 'm');
  const std::string signature = crypto::Sign(key.secret_key, message);
  for (auto _ : state) {
    bool ok = crypto::Verify(key.public_key, message, signature);
    benchmark::DoNotOptimize(ok);
    if (!ok) state.SkipWithError("signature did not verify");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify);

void BM_Sha256Envelope(benchmark::State& state) {
  const std::string envelope = Bytes(kMessageBytes, 'e');
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256(envelope));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(envelope.size()));
}
BENCHMARK(BM_Sha256Envelope);

// The block header's data hash over a full block.
void BM_MerkleRootOfBlock(benchmark::State& state) {
  std::vector<std::string> envelopes;
  for (size_t i = 0; i < kBlockTransactions; ++i) {
    envelopes.push_back(Bytes(kMessageBytes, static_cast<char>('a' + i % 26)) + std::to_string(i));
  }
  for (auto _ : state) benchmark::DoNotOptimize(crypto::MerkleRoot(envelopes));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBlockTransactions));
}
BENCHMARK(BM_MerkleRootOfBlock);

// One durable WAL write (one write + fdatasync) of a batch of `range(0)` entries: what a
// consenter pays per Raft Ready. The file system of the working directory decides the figure.
void BM_WalAppendDurable(benchmark::State& state) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / "milk-micro-bench-wal").string();
  std::filesystem::remove_all(dir);
  node::wal::WalRecovery recovery;
  auto wal = node::wal::Wal::Open(dir, node::wal::WalOptions(), &recovery);
  if (!wal.ok()) {
    state.SkipWithError(wal.status().ToString().c_str());
    return;
  }
  const size_t batch = static_cast<size_t>(state.range(0));
  uint64_t index = 0;
  for (auto _ : state) {
    std::vector<node::wal::WalEntry> entries;
    for (size_t i = 0; i < batch; ++i) entries.push_back({1, ++index, 0, Bytes(kEntryBytes, 'w')});
    Status saved = (*wal)->Save(node::wal::WalHardState{1, 1, index}, entries);
    if (!saved.ok()) {
      state.SkipWithError(saved.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
  wal->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalAppendDurable)->Arg(1)->Arg(64)->Arg(500);

}  // namespace
}  // namespace milk

BENCHMARK_MAIN();
