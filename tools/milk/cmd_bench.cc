// milk bench: load generators that measure a running network from the client's side
// (docs/PERFORMANCE.md). They print figures; they assert nothing.
//   milk bench transfers   Brand Token transfers between bench wallets (tools/bench/
//                          transfer_load.h): throughput, submit-to-commit latency, outcomes.
//   milk bench signatures  the machine's Ed25519 verification rate (libsodium, every core).
//   milk bench table       the comparison table of bench/compare from the JSON of each run.
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <absl/synchronization/mutex.h>

#include "crypto/ed25519.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/compare_table.h"
#include "tools/bench/transfer_load.h"
#include "tools/milk/commands.h"

namespace milk::cli {
namespace {

// More streams than this is a typo: each holds a gRPC call and two wallets.
constexpr uint32_t kStreamsMax = 20000;

void RunTransfers(CliContext& ctx, bench::TransferLoadOptions options) {
  if (options.streams > kStreamsMax) {
    ctx.Fail(InvalidArgument("--streams " + std::to_string(options.streams) + " is above " +
                             std::to_string(kStreamsMax)));
  }
  // The load generator shares the machine with the nodes: spare it Abseil's lock-order graph
  // too (node/daemon.cc says why).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const client::Signer issuer = ctx.Identity();
  options.endpoints = ctx.Peers();
  options.gateway = ctx.Gateway();
  if (!ctx.options.json) {
    ctx.err << "milk bench: funding " << 2 * options.streams << " wallets, pre-signing "
            << options.transactions << " transfers, then measuring\n";
  }
  bench::Report report = ctx.Take(bench::RunTransferLoad(issuer, options));
  if (ctx.options.json) {
    ctx.out << bench::ToJson(report).dump() << "\n";
  } else {
    bench::PrintText(report, ctx.out);
  }
}

struct SignatureOptions {
  double seconds = 3;
  unsigned threads = 0;  // 0 = every core
};

// Runs `once` on `threads` threads for `seconds`; how many times it returned true and false, and
// the seconds it took.
struct Counted {
  uint64_t ok = 0, bad = 0;
  double seconds = 0;
};
template <typename Once>
Counted RunFor(unsigned threads, double seconds, const Once& once) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ok{0}, bad{0};
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      uint64_t mine_ok = 0, mine_bad = 0;
      while (!stop.load(std::memory_order_relaxed)) (once() ? mine_ok : mine_bad)++;
      ok += mine_ok;
      bad += mine_bad;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& w : workers) w.join();
  return {ok.load(), bad.load(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

// Every thread verifies one 512-byte message's signature over and over (what a node does per
// creator, endorsement and block signature), then, for as long, signs it (what an endorser and
// a client do per transfer).
void RunSignatures(CliContext& ctx, const SignatureOptions& options) {
  constexpr size_t kMessageBytes = 512;
  crypto::EnsureSodium();
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  const std::string message(kMessageBytes, 'm');
  const std::string signature = crypto::Sign(key.secret_key, message);
  const unsigned threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const Counted verified = RunFor(threads, options.seconds, [&] {
    return crypto::Verify(key.public_key, message, signature);
  });
  if (verified.bad > 0) {
    ctx.Fail(Internal("a valid signature failed to verify: libsodium is broken"));
  }
  const Counted signed_ = RunFor(threads, options.seconds, [&] {
    return crypto::Sign(key.secret_key, message) == signature;  // Ed25519 is deterministic
  });
  if (signed_.bad > 0) ctx.Fail(Internal("signing the same message twice differed"));
  bench::Report report;
  report.scenario = "signatures/ed25519-verify";
  report.seconds = verified.seconds;
  report.latency_what = "not measured";
  report.figures["verify_per_s"] = static_cast<double>(verified.ok) / verified.seconds;
  report.figures["verify_per_s_per_thread"] =
      static_cast<double>(verified.ok) / verified.seconds / threads;
  report.figures["sign_per_s"] = static_cast<double>(signed_.ok) / signed_.seconds;
  report.params["threads"] = std::to_string(threads);
  report.params["message_bytes"] = std::to_string(kMessageBytes);
  if (ctx.options.json) {
    ctx.out << bench::ToJson(report).dump() << "\n";
  } else {
    bench::PrintText(report, ctx.out);
  }
}

struct TableFiles {
  std::string signatures, one_node, one_node_half, three_consenters, postgresql, etcd, ordering;
  int verifications_per_tx = 3;
};

// The last non-empty line of path, parsed as JSON; null for an empty path.
nlohmann::json LastJsonLine(const CliContext& ctx, const std::string& path) {
  if (path.empty()) return nullptr;
  std::ifstream in(path);
  if (!in) ctx.Fail(NotFound("cannot read " + path));
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  nlohmann::json json = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    ctx.Fail(InvalidArgument(path + ": its last line is not a JSON object (did the run fail?)"));
  }
  return json;
}

void RunTable(CliContext& ctx, const TableFiles& files) {
  bench::CompareInputs inputs;
  inputs.signatures = LastJsonLine(ctx, files.signatures);
  inputs.one_node = LastJsonLine(ctx, files.one_node);
  inputs.one_node_half = LastJsonLine(ctx, files.one_node_half);
  inputs.three_consenters = LastJsonLine(ctx, files.three_consenters);
  inputs.postgresql = LastJsonLine(ctx, files.postgresql);
  inputs.etcd = LastJsonLine(ctx, files.etcd);
  inputs.ordering = LastJsonLine(ctx, files.ordering);
  inputs.verifications_per_tx = files.verifications_per_tx;
  ctx.Check(bench::PrintCompareTable(inputs, ctx.out));
}

}  // namespace

void RegisterBenchCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure a running network from the client's side (docs/PERFORMANCE.md)");
  bench->require_subcommand(1);

  auto options = std::make_shared<bench::TransferLoadOptions>();
  CLI::App* transfers = bench->add_subcommand(
      "transfers",
      "Brand Token transfers between bench wallets over the Gateway, many in flight. --identity "
      "is a member that may issue (the partner's client); the first --peer funds the wallets; "
      "streams spread over every --peer");
  transfers->add_option("--chain,-C", options->chain_id, "Chain id")->required();
  transfers->add_option("--name,-n", options->chaincode, "The Brand Token chaincode")
      ->capture_default_str();
  transfers->add_option("--streams", options->streams,
                        "Transfers in flight at once (each between its own two wallets)")
      ->capture_default_str()
      ->check(CLI::Range(1u, kStreamsMax));
  transfers->add_option("--tx", options->transactions, "Transfers to measure")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}));
  transfers->add_option("--rate", options->rate,
                        "Start at most this many transfers per second (0 = as fast as they go)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  transfers->add_option("--connections", options->connections,
                        "gRPC connections per --peer")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  transfers
      ->add_option_function<std::string>(
          "--submit",
          [options](const std::string& way) { options->submit_stream = way == "stream"; },
          "How transfers are submitted: unary (a Gateway.Submit call each, the default) or "
          "stream (one Gateway.SubmitStream per connection)")
      ->check(CLI::IsMember({"unary", "stream"}));
  transfers->add_option("--seed", options->seed,
                        "Derives the bench wallets (the same seed reuses them)")
      ->capture_default_str();
  transfers->add_option("--scenario", options->scenario, "Name printed with the figures")
      ->capture_default_str();
  transfers->callback([ctx, options] { RunTransfers(*ctx, *options); });

  auto signatures = std::make_shared<SignatureOptions>();
  CLI::App* sig = bench->add_subcommand(
      "signatures", "The machine's Ed25519 verification rate (libsodium), on every core");
  sig->add_option("--seconds", signatures->seconds, "How long to measure")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  sig->add_option("--threads", signatures->threads, "Verifying threads (0 = one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1024u));
  sig->callback([ctx, signatures] { RunSignatures(*ctx, *signatures); });

  auto files = std::make_shared<TableFiles>();
  CLI::App* table = bench->add_subcommand(
      "table", "The comparison table of bench/compare, from each run's output (its last line, "
               "JSON); runs left out show as not run");
  table->add_option("--signatures", files->signatures, "milk bench signatures --json output");
  table->add_option("--one-node", files->one_node, "milk bench transfers on one consenter");
  table->add_option("--one-node-half", files->one_node_half, "the same at half of peak");
  table->add_option("--three", files->three_consenters, "milk bench transfers on three consenters");
  table->add_option("--postgresql", files->postgresql, "bench/pg/run output");
  table->add_option("--etcd", files->etcd, "bench/etcd/run output");
  table->add_option("--ordering", files->ordering, "milk_ordering_bench --json output");
  table->add_option("--verifications-per-tx", files->verifications_per_tx,
                    "Signature checks a node makes per committed transfer")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  table->callback([ctx, files] { RunTable(*ctx, *files); });
}

}  // namespace milk::cli
