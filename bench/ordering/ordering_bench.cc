// milk_ordering_bench: our three-consenter ordering of 256-byte envelopes, the figure bench/compare
// sets against etcd's 256-byte puts (issue 6, docs/PERFORMANCE.md, "Ordering").
//
//   bench/net prepare --dir DIR --consenters 3
//   milk_ordering_bench --net DIR --seconds 10 --in-flight 512,1024,2048 --json
//
// Starts the three nodes bench/net prepared inside this process, each exactly as milkd runs it
// (node::RunningNode: its own data directory, gRPC server, mutual TLS between consenters, Raft
// WAL and durable block store), joins them to the chain and hands envelopes of --payload-bytes
// to the leader's orderer through Node::OrderUnchecked. An envelope counts once its block is
// committed by a quorum and on the leader: what etcd acknowledges of a put. Measured: batching,
// Raft replication over TLS, fsync of the WAL and of the block files, and the committer storing
// each block (it finds the envelopes invalid, which costs a parse).
//
// The ways in (--submit), each from a client in this process over loopback (plaintext, as the
// etcd benchmark's) to a benchmark-only service (ordering_submit.proto) in front of the leader:
// "grpc-stream", two streams carrying many envelopes each, answered on the stream as
// Gateway.SubmitStream answers (the same server code, node/server/answering_stream.h, and the
// same in-flight bound); "grpc", like etcd's puts, one unary call per envelope; and
// "in-process", the ordering path alone. bench/compare sets the stream figure against etcd and
// shows the unary one beside it. "grpc-echo" makes the same unary calls to a method that
// answers at once and orders nothing: the most unary calls per second this machine carries.
//
// After the runs every node must reach the leader's height with the same last header hash, the
// blocks added must hold at least as many envelopes as were acknowledged, and a sample of the
// acknowledged envelopes must be, byte for byte, where their acknowledgements said on every node:
// an acknowledgement is a promise.
#include <absl/synchronization/mutex.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/ordering/ordering_load.h"
#include "crypto/ed25519.h"
#include "node/daemon.h"
#include "node/ledger/formats.h"
#include "node/node.h"
#include "tools/bench/bench_report.h"
#include "tools/client/signer.h"

namespace milk::bench {
namespace {

using ordering::kChain;
using ordering::Options;
using ordering::Sample;
using ordering::Samples;
using ordering::SteadyClock;

constexpr int kConsenters = 3;
// A leader is elected within a few election timeouts of the chain opening (docs/consensus.md).
constexpr auto kLeaderWaitMax = std::chrono::seconds(30);
// Followers commit what the leader committed within a heartbeat or two.
constexpr auto kCatchUpWaitMax = std::chrono::seconds(30);

struct Level {
  std::string submit;
  int in_flight = 0;
  Report report;
};

class Cluster {
 public:
  Status Start(const std::string& net) {
    for (int i = 0; i < kConsenters; ++i) {
      node::DaemonOptions daemon;
      daemon.config_path = net + "/node" + std::to_string(i) + "/node.yaml";
      auto running = node::RunningNode::Start(
          daemon, [](node::NodeOptions& options) { options.unchecked_ordering = true; });
      if (!running.ok()) return running.status().WithContext("node" + std::to_string(i));
      nodes_.push_back(std::move(running).value());
    }
    std::ifstream in(net + "/bench.block", std::ios::binary);
    std::stringstream genesis_bytes;
    genesis_bytes << in.rdbuf();
    milkpb::Block genesis;
    if (!in || !genesis.ParseFromString(genesis_bytes.str())) {
      return InvalidArgument(net + "/bench.block is not a genesis block (run bench/net prepare)");
    }
    MILK_ASSIGN_OR_RETURN(client::Signer admin,
                          client::LoadSigner(net + "/crypto/orgs/Bench/members/admin"));
    const std::string signature =
        crypto::Sign(admin.key.secret_key, ledger::HeaderHash(genesis.header()));
    for (auto& running : nodes_) {
      // A directory a previous run used has the chain joined already: carry on with it.
      Status joined = running->node().JoinChain(genesis, admin.identity_bytes, signature).status();
      if (!joined.ok() && joined.code() != Code::kAlreadyExists) return joined;
    }
    return Status::Ok();
  }

  // The node whose orderer takes envelopes, once there is one.
  Result<node::Node*> WaitForLeader() {
    const auto deadline = SteadyClock::now() + kLeaderWaitMax;
    while (SteadyClock::now() < deadline) {
      for (auto& running : nodes_) {
        auto status = running->node().ClusterStatus(kChain);
        if (status.ok() && status->role() == "leader") return &running->node();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Unavailable("no leader for chain '" + std::string(kChain) + "' within 30 s");
  }

  // Every node at the leader's height with its last header hash; the blocks since
  // `start_height` hold at least `acknowledged` envelopes; and each sampled acknowledgement's
  // envelope is, byte for byte, where it said, on every node. Returns the blocks and envelopes
  // this run added.
  Result<std::pair<uint64_t, uint64_t>> CheckStored(node::Node& leader, uint64_t start_height,
                                                    uint64_t acknowledged,
                                                    const std::vector<Sample>& samples) {
    MILK_ASSIGN_OR_RETURN(std::shared_ptr<node::Chain> chain, leader.GetChain(kChain));
    const uint64_t height = chain->height();
    MILK_ASSIGN_OR_RETURN(milkpb::Block last, chain->GetBlock(height - 1));
    const std::string head = ledger::HeaderHash(last.header());
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const std::string name = "node" + std::to_string(i);
      MILK_ASSIGN_OR_RETURN(std::shared_ptr<node::Chain> other, nodes_[i]->node().GetChain(kChain));
      const auto deadline = SteadyClock::now() + kCatchUpWaitMax;
      while (other->height() < height && SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (other->height() < height) {
        return DataLoss(name + " is at height " + std::to_string(other->height()) +
                        ", the leader at " + std::to_string(height));
      }
      MILK_ASSIGN_OR_RETURN(milkpb::Block block, other->GetBlock(height - 1));
      if (ledger::HeaderHash(block.header()) != head) {
        return DataLoss(name + " holds another block " + std::to_string(height - 1) +
                        " than the leader");
      }
      std::map<uint64_t, milkpb::Block> read;  // each sampled block once
      for (const Sample& sample : samples) {
        auto [it, fresh] = read.try_emplace(sample.block);
        if (fresh) {
          MILK_ASSIGN_OR_RETURN(it->second, other->GetBlock(sample.block));
        }
        const auto& envelopes = it->second.data().envelopes();
        if (sample.index >= static_cast<uint32_t>(envelopes.size()) ||
            envelopes[static_cast<int>(sample.index)] != sample.bytes) {
          return DataLoss(name + ": block " + std::to_string(sample.block) + " does not hold " +
                          "the envelope acknowledged at index " + std::to_string(sample.index));
        }
      }
    }
    uint64_t envelopes = 0;
    for (uint64_t n = start_height; n < height; ++n) {
      MILK_ASSIGN_OR_RETURN(milkpb::Block block, chain->GetBlock(n));
      envelopes += static_cast<uint64_t>(block.data().envelopes_size());
    }
    if (envelopes < acknowledged) {
      return DataLoss(std::to_string(acknowledged) + " envelopes acknowledged but the blocks " +
                      "since the start hold " + std::to_string(envelopes));
    }
    return std::make_pair(height - start_height, envelopes);
  }

  uint64_t height(node::Node& leader) { return leader.FindChain(kChain)->height(); }

  void Stop() {
    for (auto& running : nodes_) running->Stop();
  }

 private:
  std::vector<std::unique_ptr<node::RunningNode>> nodes_;
};

// One window at a fixed number of envelopes in flight, submitted one way.
Level RunLevel(node::Node& leader, const std::string& target, const Options& options,
               const std::string& submit, int in_flight, Samples& samples,
               uint64_t& acknowledged) {
  static uint64_t run_counter = 0;
  const uint64_t run = run_counter++;
  LatencyRecorder latency;
  std::map<std::string, uint64_t> outcomes;
  if (submit == "grpc" || submit == "grpc-echo") {
    ordering::RunGrpc(target, options, in_flight, run, samples, latency, outcomes, acknowledged,
                      /*echo=*/submit == "grpc-echo");
  } else if (submit == "grpc-stream") {
    ordering::RunGrpcStream(target, options, in_flight, run, samples, latency, outcomes,
                            acknowledged);
  } else {
    ordering::RunInProcess(leader, options, in_flight, run, samples, latency, outcomes,
                           acknowledged);
  }
  Level level;
  level.submit = submit;
  level.in_flight = in_flight;
  Report& report = level.report;
  report.scenario = "ordering/three-consenters";
  report.seconds = options.seconds;
  const char* counted = submit == "grpc-echo" ? "echoed" : "ordered";
  report.committed = outcomes.count(counted) ? outcomes.at(counted) : 0;
  report.outcomes = outcomes;
  report.latency = Summarize(latency.Samples());
  report.latency_what =
      submit == "grpc"          ? "client call to its answer (committed on the leader)"
      : submit == "grpc-echo"   ? "client call to its answer (nothing ordered)"
      : submit == "grpc-stream" ? "sent on the stream to its answer (committed on the leader)"
                                : "handed to the orderer to committed on the leader";
  report.figures["envelopes_per_s"] = report.Rate();
  report.params["submit"] = submit;
  report.params["in_flight"] = std::to_string(in_flight);
  report.params["payload_bytes"] = std::to_string(options.payload_bytes);
  return level;
}

int Main(const Options& options) {
  // As milkd does (node/daemon.cc): Abseil's lock-order graph costs gRPC's mutexes ~3% of CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Cluster cluster;
  Status started = cluster.Start(options.net);
  if (!started.ok()) {
    std::cerr << "milk_ordering_bench: " << started.ToString() << "\n";
    return 1;
  }
  auto leader = cluster.WaitForLeader();
  if (!leader.ok()) {
    std::cerr << "milk_ordering_bench: " << leader.status().ToString() << "\n";
    cluster.Stop();
    return 1;
  }
  auto server = ordering::SubmitServer::Start(**leader);
  if (!server.ok()) {
    std::cerr << "milk_ordering_bench: " << server.status().ToString() << "\n";
    cluster.Stop();
    return 1;
  }
  const std::string target = (*server)->target();

  const uint64_t start_height = cluster.height(**leader);
  Samples samples;
  uint64_t acknowledged = 0;
  std::vector<Level> levels;
  // In-process submission saturates the orderer at any of these levels and stores ~4x as many
  // envelopes per second (disk: ~280 bytes per envelope on each node), so it runs once, at the
  // largest.
  const int in_flight_max = *std::max_element(options.in_flight.begin(), options.in_flight.end());
  for (const std::string& submit : options.submit) {
    for (int in_flight : options.in_flight) {
      if (submit == "in-process" && in_flight != in_flight_max) continue;
      levels.push_back(
          RunLevel(**leader, target, options, submit, in_flight, samples, acknowledged));
      if (!options.json) PrintText(levels.back().report, std::cerr);
    }
  }
  (*server)->Shutdown();
  const std::vector<Sample> sampled = samples.Take();
  auto stored = cluster.CheckStored(**leader, start_height, acknowledged, sampled);
  cluster.Stop();
  if (!stored.ok()) {
    std::cerr << "milk_ordering_bench: " << stored.status().ToString() << "\n";
    return 1;
  }
  // The report is the best level of the first --submit way (grpc by default: like etcd's);
  // every level's rate is a figure.
  const Level* best = nullptr;
  for (const Level& level : levels) {
    if (level.submit == options.submit.front() &&
        (best == nullptr || level.report.Rate() > best->report.Rate())) {
      best = &level;
    }
  }
  Report report = best->report;
  for (const Level& level : levels) {
    report.figures["envelopes_per_s_" + level.submit + "_" + std::to_string(level.in_flight)] =
        level.report.Rate();
    double& best_of_way = report.figures["best_per_s_" + level.submit];
    best_of_way = std::max(best_of_way, level.report.Rate());
  }
  report.figures["best_in_flight"] = best->in_flight;
  report.figures["acknowledged_all_runs"] = static_cast<double>(acknowledged);
  report.figures["acknowledgements_read_back"] = static_cast<double>(sampled.size());
  report.figures["envelopes_stored"] = static_cast<double>(stored->second);
  report.figures["blocks"] = static_cast<double>(stored->first);
  report.params["consenters"] = std::to_string(kConsenters);
  if (options.json) {
    std::cout << ToJson(report).dump() << "\n";
  } else {
    std::cout << "best of the in-flight levels:\n";
    PrintText(report, std::cout);
  }
  return 0;
}

}  // namespace
}  // namespace milk::bench

int main(int argc, char** argv) {
  milk::bench::Options options;
  CLI::App app{"Three consenters in one process ordering fixed-size envelopes (bench/ordering)"};
  app.add_option("--net", options.net, "Directory bench/net prepare wrote (3 consenters)")
      ->required();
  app.add_option("--seconds", options.seconds, "Measured seconds per in-flight level")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", options.warmup_seconds, "Seconds before measuring, per level")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--in-flight", options.in_flight, "Envelopes in flight, one run each")
      ->delimiter(',')
      ->check(CLI::Range(1, 100000));
  app.add_option("--submit", options.submit,
                 "How envelopes reach the leader, one run of each level each: grpc (a unary call "
                 "each), grpc-stream (two streams, as Gateway.SubmitStream), in-process, "
                 "grpc-echo (the same unary calls answered at once: the call's own ceiling)")
      ->delimiter(',')
      ->check(CLI::IsMember({"grpc", "grpc-stream", "in-process", "grpc-echo"}));
  app.add_option("--payload-bytes", options.payload_bytes, "Serialized envelope size")
      ->check(CLI::Range(milk::bench::ordering::kPayloadBytesMin, 1 << 20));
  app.add_flag("--json", options.json, "Print the best level's report as JSON on the last line");
  CLI11_PARSE(app, argc, argv);
  return milk::bench::Main(options);
}
