// The ways envelopes reach the leader in the ordering benchmark (bench/ordering/ordering_bench.cc,
// docs/PERFORMANCE.md "Ordering alone"): over a unary gRPC call per envelope, as etcd's puts,
// over streams as Gateway.SubmitStream carries submits, or in-process; the envelopes themselves, and the sample of acknowledgements read back afterwards.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "node/node.h"
#include "tools/bench/bench_report.h"

namespace milk::bench::ordering {

using SteadyClock = std::chrono::steady_clock;

inline constexpr const char* kChain = "bench";

struct Options {
  std::string net;
  double seconds = 10;
  double warmup_seconds = 1;
  // Fewer than a block's max_tx_count (bench/net: 500) in flight leaves every block to be cut by
  // the batch timeout.
  std::vector<int> in_flight = {512, 1024, 2048};
  std::vector<std::string> submit = {"grpc", "in-process"};
  int payload_bytes = 256;
  bool json = false;
};

// The smallest --payload-bytes: the signature, the fields' tags and lengths, and room for the
// "run:submitter:sequence:" prefix that makes each envelope distinct.
inline constexpr int kPayloadBytesMin = 128;

// A serialized Envelope of exactly `size` bytes (size >= kPayloadBytesMin): a payload of filler
// after "run:submitter:sequence:", and a 64-byte signature. Distinct for each (run, submitter,
// sequence); it proves no txid.
std::string EnvelopeBytes(int size, uint64_t run, int submitter, uint64_t sequence);

// Every kSampleEvery-th acknowledged envelope: where its acknowledgement says it is, and what
// was sent. CheckStored reads each back from every node.
inline constexpr uint64_t kSampleEvery = 2000;
struct Sample {
  uint64_t block = 0;
  uint32_t index = 0;
  std::string bytes;
};
class Samples {
 public:
  // Called once per acknowledged envelope; `bytes` is called only when this one is sampled.
  void Acknowledged(uint64_t block, uint32_t index, const std::function<std::string()>& bytes) {
    if (count_.fetch_add(1) % kSampleEvery != 0) return;
    Sample sample{block, index, bytes()};
    std::lock_guard lock(mutex_);
    samples_.push_back(std::move(sample));
  }
  std::vector<Sample> Take() {
    std::lock_guard lock(mutex_);
    return std::move(samples_);
  }

 private:
  std::atomic<uint64_t> count_{0};
  std::mutex mutex_;
  std::vector<Sample> samples_;  // guarded by mutex_
};

SteadyClock::duration Seconds(double seconds);

// The benchmark's client RPC (ordering_submit.proto) in front of the leader, plaintext on
// 127.0.0.1 like the etcd benchmark's client port. Stops on destruction.
class SubmitServer {
 public:
  // kUnavailable when it cannot listen.
  static Result<std::unique_ptr<SubmitServer>> Start(node::Node& leader);
  virtual ~SubmitServer() = default;
  virtual const std::string& target() const = 0;  // "127.0.0.1:port"
  // Stops serving once every call has been answered (the orderer answers every envelope it
  // accepted: when its block commits, or when the node stops).
  virtual void Shutdown() = 0;
};

// One window at `in_flight` envelopes in flight, each way. Adds the outcomes of calls that ended
// in the window, their latencies, and every acknowledged envelope (window or not) to
// `acknowledged`; samples acknowledgements. `echo`: the same calls answered at once, ordering
// nothing (outcome "echoed"; nothing acknowledged).
void RunGrpc(const std::string& target, const Options& options, int in_flight, uint64_t run,
             Samples& samples, LatencyRecorder& latency,
             std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged, bool echo);
// The same over two Gateway.SubmitStream-like streams (OrderStream), in_flight/2 envelopes
// waiting on each.
void RunGrpcStream(const std::string& target, const Options& options, int in_flight, uint64_t run,
                   Samples& samples, LatencyRecorder& latency,
                   std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged);
void RunInProcess(node::Node& leader, const Options& options, int in_flight, uint64_t run,
                  Samples& samples, LatencyRecorder& latency,
                  std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged);

}  // namespace milk::bench::ordering
