// milk_etcd_bench: drives an etcd cluster with 256-byte puts at a fixed number of puts in flight
// and prints throughput and put-to-acknowledgement latency as a milk::bench::Report (issue 6,
// docs/PERFORMANCE.md). bench/etcd/run starts the three-member cluster and calls this at each
// client count; bench/compare sets the best rate against our three-consenter ordering.
//
//   milk_etcd_bench --endpoints 127.0.0.1:2379,127.0.0.1:2479 --clients 64 --seconds 20 --json
//
// Each of the --clients slots keeps one put in flight: when a put is acknowledged (committed by
// etcd's Raft quorum, which fsyncs its WAL, and applied) the slot sends the next. Slots share a
// few channels spread over the endpoints (followers forward puts to the leader, as for a real
// client). Every put writes a distinct key. Puts completed during a short warm-up are not
// counted; in the measured window every completion is an outcome (OK or error:CODE).
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "etcd_kv.grpc.pb.h"
#include "tools/bench/bench_report.h"

namespace milk::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A put that takes longer has failed for our purposes; the bound also guarantees every call
// ends, so the run can wait for all of them before freeing their state.
constexpr auto kPutTimeout = std::chrono::seconds(10);
// How long each channel may take to connect before the run gives up on its endpoint.
constexpr auto kConnectTimeout = std::chrono::seconds(10);
// More in-flight puts than this is not a client count anyone runs on two cores.
constexpr int kClientsMax = 4096;
// etcd's default request size limit is 1.5 MiB; stay well below it.
constexpr int kValueBytesMax = 1 << 20;

struct Options {
  std::vector<std::string> endpoints;
  int clients = 16;
  double seconds = 20;
  double warmup_seconds = 1;
  int value_bytes = 256;
  int channels_per_endpoint = 2;
  bool json = false;
};

std::string CodeName(grpc::StatusCode code) {
  static const std::map<grpc::StatusCode, std::string> kNames = {
      {grpc::StatusCode::OK, "OK"},
      {grpc::StatusCode::CANCELLED, "CANCELLED"},
      {grpc::StatusCode::UNKNOWN, "UNKNOWN"},
      {grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT"},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"},
      {grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
      {grpc::StatusCode::ALREADY_EXISTS, "ALREADY_EXISTS"},
      {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"},
      {grpc::StatusCode::FAILED_PRECONDITION, "FAILED_PRECONDITION"},
      {grpc::StatusCode::ABORTED, "ABORTED"},
      {grpc::StatusCode::OUT_OF_RANGE, "OUT_OF_RANGE"},
      {grpc::StatusCode::UNIMPLEMENTED, "UNIMPLEMENTED"},
      {grpc::StatusCode::INTERNAL, "INTERNAL"},
      {grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
      {grpc::StatusCode::DATA_LOSS, "DATA_LOSS"},
      {grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
  };
  auto it = kNames.find(code);
  return it != kNames.end() ? it->second : "CODE_" + std::to_string(static_cast<int>(code));
}

// 1 -> "1", 0.5 -> "0.5" (std::to_string would print "1.000000").
std::string FormatSeconds(double seconds) {
  std::ostringstream out;
  out << seconds;
  return out.str();
}

// "http://127.0.0.1:2379" or "127.0.0.1:2379" -> "127.0.0.1:2379".
std::string GrpcTarget(const std::string& endpoint) {
  for (const std::string prefix : {"http://", "https://"}) {
    if (endpoint.rfind(prefix, 0) == 0) return endpoint.substr(prefix.size());
  }
  return endpoint;
}

// One slot: the state of the put it has in flight. Only the slot's own callback touches it
// while a put is in flight.
struct Slot {
  etcdserverpb::KV::Stub* stub = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  etcdserverpb::PutRequest request;
  etcdserverpb::PutResponse response;
  Clock::time_point sent;
};

class PutLoad {
 public:
  explicit PutLoad(Options options) : options_(std::move(options)) {}

  // Connects every channel; false (with a message on stderr) if an endpoint never answers.
  bool Connect() {
    for (const std::string& endpoint : options_.endpoints) {
      for (int i = 0; i < options_.channels_per_endpoint; ++i) {
        grpc::ChannelArguments args;
        // A channel of its own TCP connection: without this, channels to the same endpoint
        // share one subchannel and the spread across channels would be a fiction.
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        auto channel = grpc::CreateCustomChannel(GrpcTarget(endpoint),
                                                 grpc::InsecureChannelCredentials(), args);
        if (!channel->WaitForConnected(std::chrono::system_clock::now() + kConnectTimeout)) {
          std::cerr << "milk_etcd_bench: cannot connect to " << endpoint << "\n";
          return false;
        }
        stubs_.push_back(etcdserverpb::KV::NewStub(channel));
      }
    }
    return true;
  }

  // Runs the warm-up and the measured window; returns once every put has ended.
  Report Run() {
    std::string value(static_cast<size_t>(options_.value_bytes), '\0');
    std::mt19937_64 random(std::random_device{}());
    for (char& c : value) c = static_cast<char>(random() & 0xff);
    // Distinct keys across runs against the same cluster, too.
    key_prefix_ = "milk-bench/" + std::to_string(random() & 0xffffffffu) + "/";

    slots_.resize(static_cast<size_t>(options_.clients));
    const auto start = Clock::now();
    window_start_ = start + ToDuration(options_.warmup_seconds);
    window_end_ = window_start_ + ToDuration(options_.seconds);
    in_flight_ = options_.clients;
    for (size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].stub = stubs_[i % stubs_.size()].get();
      slots_[i].request.set_value(value);
      Send(slots_[i]);
    }
    {
      std::unique_lock lock(mutex_);
      all_done_.wait(lock, [this] { return in_flight_ == 0; });
    }
    return MakeReport();
  }

 private:
  static Clock::duration ToDuration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }

  void Send(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() + kPutTimeout);
    // Wait out a reconnect instead of failing at once: a lost connection shows as slow puts
    // (and DEADLINE_EXCEEDED past the timeout), not as a spin of instant UNAVAILABLEs.
    slot.context->set_wait_for_ready(true);
    slot.request.set_key(key_prefix_ + std::to_string(next_key_.fetch_add(1)));
    slot.response.Clear();
    slot.sent = Clock::now();
    slot.stub->async()->Put(slot.context.get(), &slot.request, &slot.response,
                            [this, &slot](grpc::Status status) { OnDone(slot, status); });
  }

  void OnDone(Slot& slot, const grpc::Status& status) {
    const auto now = Clock::now();
    if (now >= window_start_ && now <= window_end_) {
      if (status.ok()) {
        latencies_.Add(
            std::chrono::duration_cast<std::chrono::microseconds>(now - slot.sent).count());
      }
      std::lock_guard lock(mutex_);
      ++outcomes_[status.ok() ? "OK" : "error:" + CodeName(status.error_code())];
      if (!status.ok() && first_error_.empty()) first_error_ = status.error_message();
    }
    if (now < window_end_) {
      Send(slot);
      return;
    }
    std::lock_guard lock(mutex_);
    if (--in_flight_ == 0) all_done_.notify_all();
  }

  Report MakeReport() {
    Report report;
    report.scenario = "etcd/put-" + std::to_string(options_.value_bytes) + "B";
    report.seconds = options_.seconds;
    report.outcomes = outcomes_;
    report.committed = outcomes_.count("OK") ? outcomes_.at("OK") : 0;
    report.latency = Summarize(latencies_.Samples());
    report.latency_what = "put to acknowledgement";
    std::ostringstream endpoints;
    for (size_t i = 0; i < options_.endpoints.size(); ++i) {
      endpoints << (i ? "," : "") << options_.endpoints[i];
    }
    report.params = {{"endpoints", endpoints.str()},
                     {"clients", std::to_string(options_.clients)},
                     {"channels", std::to_string(stubs_.size())},
                     {"value_bytes", std::to_string(options_.value_bytes)},
                     {"warmup_seconds", FormatSeconds(options_.warmup_seconds)}};
    if (!first_error_.empty()) {
      std::cerr << "milk_etcd_bench: first error: " << first_error_ << "\n";
    }
    return report;
  }

  const Options options_;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs_;
  std::vector<Slot> slots_;  // sized once before the first put: slots never move
  std::string key_prefix_;
  std::atomic<uint64_t> next_key_{0};
  Clock::time_point window_start_;
  Clock::time_point window_end_;
  LatencyRecorder latencies_;

  std::mutex mutex_;
  std::condition_variable all_done_;
  int in_flight_ = 0;                         // guarded by mutex_: slots still sending
  std::map<std::string, uint64_t> outcomes_;  // guarded by mutex_
  std::string first_error_;                   // guarded by mutex_
};

int Main(int argc, char** argv) {
  Options options;
  std::string endpoints;
  CLI::App app{"256-byte puts against an etcd cluster (bench/etcd/run, docs/PERFORMANCE.md)"};
  app.add_option("--endpoints", endpoints, "comma-separated host:port of the members")->required();
  app.add_option("--clients", options.clients, "puts kept in flight")
      ->check(CLI::Range(1, kClientsMax));
  app.add_option("--seconds", options.seconds, "measured window")->check(CLI::PositiveNumber);
  app.add_option("--warmup-seconds", options.warmup_seconds, "uncounted start")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--value-bytes", options.value_bytes, "bytes per value")
      ->check(CLI::Range(1, kValueBytesMax));
  app.add_option("--channels-per-endpoint", options.channels_per_endpoint,
                 "gRPC channels (TCP connections) per endpoint")
      ->check(CLI::Range(1, 64));
  app.add_flag("--json", options.json, "print the report as one JSON line");
  CLI11_PARSE(app, argc, argv);

  std::stringstream list(endpoints);
  for (std::string endpoint; std::getline(list, endpoint, ',');) {
    if (!endpoint.empty()) options.endpoints.push_back(endpoint);
  }
  if (options.endpoints.empty()) {
    std::cerr << "milk_etcd_bench: --endpoints lists no endpoint\n";
    return 2;
  }

  PutLoad load(options);
  if (!load.Connect()) return 1;
  const Report report = load.Run();
  if (options.json) {
    std::cout << ToJson(report).dump() << "\n";
  } else {
    PrintText(report, std::cout);
  }
  return 0;
}

}  // namespace
}  // namespace milk::bench

int main(int argc, char** argv) { return milk::bench::Main(argc, argv); }
