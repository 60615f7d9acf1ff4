// milk_ledger_gen: writes a real brand chain of N brandtoken transfers (after the issues that fund
// the wallets) into a node data directory, for `milk ledger verify` at scale (issue 6,
// bench/ledger/verify-speed). Every transaction is signed by a cryptogen wallet, endorsed by the
// partner's peer on the committed state and ordered in consenter-signed blocks; node::Chain
// computes the validation codes and commit hashes as milkd does. See transfer_chain.h.
//
//   milk_ledger_gen --dir DIR [--tx N] [--wallets W] [--block-tx B] [--threads T]
//
// Then: milk ledger verify --chain bench.bt --data-dir DIR/node
// DIR/ledger-gen.json is written last, so its presence means the chain is complete.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/ledger/transfer_chain.h"

namespace milk::bench {
namespace {

struct GenArgs {
  std::string dir;
  uint64_t transfers = 1'000'000;
  size_t wallets = 1000;
  size_t block_tx = kBlockTxDefault;
  size_t threads = 0;  // 0 = every core
};

// Progress lines on stderr: about this many per run.
constexpr uint64_t kProgressSteps = 20;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Status Generate(const GenArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  TransferChainOptions options;
  options.dir = args.dir;
  options.wallets = args.wallets;
  options.threads = args.threads != 0 ? args.threads
                                      : std::max<size_t>(std::thread::hardware_concurrency(), 1);
  // The files are laid out as milkd lays them out; fsync only changes how long generation takes.
  options.chain.block_store.sync = false;
  MILK_ASSIGN_OR_RETURN(auto chain, TransferChain::Create(options));
  std::cerr << "identities and genesis ready (" << SecondsSince(start) << " s); funding "
            << args.wallets << " wallets\n";
  MILK_RETURN_IF_ERROR(chain->FundWallets());
  std::cerr << "wallets funded (" << SecondsSince(start) << " s)\n";
  const uint64_t step = std::max<uint64_t>(args.transfers / kProgressSteps, 1);
  uint64_t written = 0, next_report = step;
  while (written < args.transfers) {
    const size_t count =
        static_cast<size_t>(std::min<uint64_t>(args.block_tx, args.transfers - written));
    MILK_ASSIGN_OR_RETURN(milkpb::Block block, chain->BuildTransferBlock(count));
    MILK_RETURN_IF_ERROR(chain->Commit(std::move(block)).status());
    written += count;
    if (written >= next_report) {
      std::cerr << written << " transfers (" << SecondsSince(start) << " s)\n";
      next_report += step;
    }
  }
  const uint64_t blocks = chain->chain().height();
  const uint64_t transactions = args.transfers + args.wallets + 1;  // + issues + genesis
  const double seconds = SecondsSince(start);
  const std::string data_dir = chain->data_dir();
  chain.reset();  // closes RocksDB before the chain is declared complete
  nlohmann::json summary = {{"complete", true},           {"chain", kBenchChainId},
                            {"data_dir", data_dir},        {"transfers", args.transfers},
                            {"wallets", args.wallets},     {"transactions", transactions},
                            {"blocks", blocks},            {"block_tx", args.block_tx},
                            {"generate_seconds", seconds}};
  const std::string path = args.dir + "/ledger-gen.json";
  std::ofstream out(path, std::ios::trunc);
  out << summary.dump() << "\n";
  out.close();
  if (!out) return IoError("cannot write " + path);
  std::cout << "wrote chain " << kBenchChainId << " to " << data_dir << ": " << blocks
            << " blocks, " << transactions << " transactions (" << args.transfers
            << " transfers) in " << seconds << " s\n";
  return Status::Ok();
}

}  // namespace
}  // namespace milk::bench

int main(int argc, char** argv) {
  milk::bench::GenArgs args;
  CLI::App app{"Write a brand chain of brandtoken transfers into a node data directory"};
  app.add_option("--dir", args.dir, "Directory to create (crypto/, profile.yaml, node/)")
      ->required();
  app.add_option("--tx", args.transfers, "Transfers after the funding issues")
      ->check(CLI::PositiveNumber);
  app.add_option("--wallets", args.wallets, "Wallets (at least twice --block-tx)")
      ->check(CLI::Range(2, 1'000'000));
  app.add_option("--block-tx", args.block_tx, "Transfers per block")->check(CLI::Range(1, 500));
  app.add_option("--threads", args.threads, "Signing threads (0 = every core)");
  CLI11_PARSE(app, argc, argv);
  if (2 * args.block_tx > args.wallets) {
    std::cerr << "error: --wallets must be at least twice --block-tx (" << 2 * args.block_tx
              << ") so a block's transfers touch distinct wallets\n";
    return 2;
  }
  milk::Status status = milk::bench::Generate(args);
  if (!status.ok()) {
    std::cerr << "error: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
