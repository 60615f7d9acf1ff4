#include "bench/ordering/ordering_load.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "node/server/answering_stream.h"
#include "node/server/services.h"
#include "ordering_submit.grpc.pb.h"
#include "tools/client/answered_stream.h"

namespace milk::bench::ordering {
namespace {

// Threads that hand envelopes to the orderer; each keeps in-flight/threads envelopes waiting.
constexpr int kSubmitters = 2;

using OrderStreamServer =
    node::AnsweringStream<milkbench::OrderRequest, milkbench::OrderStreamResponse,
                          milkbench::OrderStreamAnswer>;
using OrderStreamClient =
    client::AnsweredStream<milkbench::OrderRequest, milkbench::OrderStreamResponse,
                           milkbench::OrderStreamAnswer>;

// The benchmark's client RPCs: hand each envelope to the leader and answer when its block is
// committed, from the orderer's callback, as Gateway.Submit and Gateway.SubmitStream do
// (node/submit_calls.h, node/server/answering_stream.h).
class SubmitService final : public milkbench::OrderingSubmit::CallbackService {
 public:
  explicit SubmitService(node::Node& leader) : leader_(leader) {}

  grpc::ServerUnaryReactor* Order(grpc::CallbackServerContext* context,
                                  const milkbench::OrderRequest* request,
                                  milkbench::OrderResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    // gRPC keeps request and response until Finish; the orderer answers every envelope it
    // accepts, at the latest when the node stops.
    auto accepted = leader_.OrderUnchecked(
        kChain, request->envelope(), request->tx_id(),
        [reactor, response](const Result<node::OrderedTx>& ordered) {
          if (!ordered.ok()) {
            reactor->Finish(node::ToGrpc(ordered.status()));
            return;
          }
          response->set_block_number(ordered->block_number);
          response->set_tx_index(ordered->tx_index);
          reactor->Finish(grpc::Status::OK);
        });
    if (!accepted.ok()) reactor->Finish(node::ToGrpc(accepted.status()));
    return reactor;
  }

  // Gateway.SubmitStream's server code and default bound, in front of OrderUnchecked.
  grpc::ServerBidiReactor<milkbench::OrderRequest, milkbench::OrderStreamResponse>* OrderStream(
      grpc::CallbackServerContext*) override {
    return OrderStreamServer::Start(
        [this](milkbench::OrderRequest& request, uint64_t sequence,
               OrderStreamServer::Settle settle) {
          auto answer = [sequence, settle](const Result<node::OrderedTx>& ordered) {
            milkbench::OrderStreamAnswer out;
            out.set_sequence(sequence);
            if (ordered.ok()) {
              out.mutable_response()->set_block_number(ordered->block_number);
              out.mutable_response()->set_tx_index(ordered->tx_index);
            } else {
              out.set_code(static_cast<int32_t>(ordered.status().code()));
              out.set_message(ordered.status().message());
            }
            settle(std::move(out));
          };
          auto accepted =
              leader_.OrderUnchecked(kChain, request.envelope(), request.tx_id(), answer);
          if (!accepted.ok()) answer(accepted.status());
        },
        node::RpcServerOptions{}.submit_stream_in_flight_max);
  }

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const milkbench::OrderRequest*,
                                 milkbench::OrderResponse*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  node::Node& leader_;
};

// One window's bookkeeping, shared by the client threads whose answers it records: which
// answers fall in the measured window, their outcomes and latencies, the envelopes acknowledged
// (window or not), and the senders still running.
class Tally {
 public:
  Tally(const Options& options, LatencyRecorder& latency, int senders)
      : window_start_(SteadyClock::now() + Seconds(options.warmup_seconds)),
        window_end_(window_start_ + Seconds(options.seconds)),
        latency_(latency),
        senders_(senders) {}

  SteadyClock::time_point window_end() const { return window_end_; }

  // One answer, sent at `sent`: ok with `ok_outcome` ("ordered", "echoed"), acknowledged or
  // not, or an error with `error`. Returns the time it was recorded.
  SteadyClock::time_point Record(SteadyClock::time_point sent, bool ok, bool acknowledged,
                                 const char* ok_outcome, Code error) {
    const auto now = SteadyClock::now();
    std::lock_guard lock(mutex_);
    if (acknowledged) ++acknowledged_;
    if (sent >= window_start_ && now <= window_end_) {
      if (ok) {
        ++outcomes_[ok_outcome];
        latency_.Add(std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count());
      } else {
        ++outcomes_["error:" + std::string(milk::CodeName(error))];
      }
    }
    return now;
  }
  void Count(const std::string& outcome) {
    std::lock_guard lock(mutex_);
    ++outcomes_[outcome];
  }
  // A sender sends no more.
  void SenderDone() {
    std::lock_guard lock(mutex_);
    if (--senders_ == 0) done_.notify_all();
  }
  void WaitForSenders() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return senders_ == 0; });
  }
  void AddTo(std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged) {
    std::lock_guard lock(mutex_);
    for (const auto& [name, count] : outcomes_) outcomes[name] += count;
    acknowledged += acknowledged_;
  }

 private:
  const SteadyClock::time_point window_start_, window_end_;
  LatencyRecorder& latency_;
  std::mutex mutex_;
  std::condition_variable done_;
  int senders_ = 0;                           // guarded by mutex_
  uint64_t acknowledged_ = 0;                 // guarded by mutex_
  std::map<std::string, uint64_t> outcomes_;  // guarded by mutex_
};

// The client side of --submit grpc: `in_flight` slots, each with one Order call in flight; a
// slot sends the next envelope when its call ends (as bench/etcd's puts do). With `echo`
// (--submit grpc-echo) the calls are Echo: answered at once, nothing ordered or acknowledged.
class GrpcLoad {
 public:
  GrpcLoad(const std::string& target, const Options& options, int in_flight, uint64_t run,
           Samples& samples, bool echo)
      : options_(options), run_(run), samples_(samples), echo_(echo) {
    for (int i = 0; i < kChannels; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a TCP connection per channel
      stubs_.push_back(milkbench::OrderingSubmit::NewStub(
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
    }
    slots_.resize(static_cast<size_t>(in_flight));
  }

  // Runs warm-up and window; returns the outcomes of calls that ended in the window and adds
  // every acknowledged envelope (window or not) to `acknowledged`.
  void Run(LatencyRecorder& latency, std::map<std::string, uint64_t>& outcomes,
           uint64_t& acknowledged) {
    tally_ = std::make_unique<Tally>(options_, latency, static_cast<int>(slots_.size()));
    for (size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].index = i;
      slots_[i].stub = stubs_[i % stubs_.size()].get();
      Send(slots_[i]);
    }
    tally_->WaitForSenders();
    tally_->AddTo(outcomes, acknowledged);
  }

 private:
  static constexpr int kChannels = 2;
  struct Slot {
    size_t index = 0;
    uint64_t sequence = 0;
    milkbench::OrderingSubmit::Stub* stub = nullptr;
    std::unique_ptr<grpc::ClientContext> context;
    milkbench::OrderRequest request;
    milkbench::OrderResponse response;
    SteadyClock::time_point sent;
  };

  void Send(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    const int submitter = static_cast<int>(slot.index);
    slot.request.set_envelope(
        EnvelopeBytes(options_.payload_bytes, run_, submitter, slot.sequence));
    slot.request.set_tx_id("grpc-" + std::to_string(run_) + "-" + std::to_string(slot.index) +
                           "-" + std::to_string(slot.sequence));
    ++slot.sequence;
    slot.sent = SteadyClock::now();
    auto done = [this, &slot](grpc::Status status) { OnDone(slot, status); };
    if (echo_) {
      slot.stub->async()->Echo(slot.context.get(), &slot.request, &slot.response, done);
    } else {
      slot.stub->async()->Order(slot.context.get(), &slot.request, &slot.response, done);
    }
  }

  void OnDone(Slot& slot, const grpc::Status& status) {
    const bool acknowledged = status.ok() && !echo_;
    if (acknowledged) {
      samples_.Acknowledged(slot.response.block_number(), slot.response.tx_index(),
                            [&slot] { return slot.request.envelope(); });
    }
    // Our codes are gRPC's (crypto/status.h).
    const auto now = tally_->Record(slot.sent, status.ok(), acknowledged,
                                    echo_ ? "echoed" : "ordered",
                                    static_cast<Code>(status.error_code()));
    if (now < tally_->window_end()) {
      Send(slot);
      return;
    }
    tally_->SenderDone();
  }

  const Options& options_;
  const uint64_t run_;
  Samples& samples_;
  const bool echo_;
  std::vector<std::unique_ptr<milkbench::OrderingSubmit::Stub>> stubs_;
  std::vector<Slot> slots_;  // sized before the first call: slots never move
  std::unique_ptr<Tally> tally_;
};

// The client side of --submit grpc-stream: kStreams streams (one per TCP connection), each
// keeping in_flight / kStreams envelopes waiting; each answer sends the next envelope on the
// same stream until the window ends.
class GrpcStreamLoad {
 public:
  GrpcStreamLoad(const std::string& target, const Options& options, int in_flight, uint64_t run,
                 Samples& samples)
      : options_(options), run_(run), samples_(samples) {
    window_ = static_cast<size_t>(std::max(1, in_flight / kStreams));
    for (int i = 0; i < kStreams; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a TCP connection per channel
      auto stream = std::make_unique<Stream>();
      stream->index = i;
      stream->stub = milkbench::OrderingSubmit::NewStub(
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
      streams_.push_back(std::move(stream));
    }
  }

  void Run(LatencyRecorder& latency, std::map<std::string, uint64_t>& outcomes,
           uint64_t& acknowledged) {
    tally_ = std::make_unique<Tally>(options_, latency,
                                     static_cast<int>(window_ * streams_.size()));
    for (auto& stream : streams_) {
      Stream* s = stream.get();
      s->client = std::make_unique<OrderStreamClient>(
          [s](grpc::ClientContext* context, auto* reactor) {
            s->stub->async()->OrderStream(context, reactor);
          });
      for (size_t j = 0; j < window_; ++j) Send(*s);
    }
    tally_->WaitForSenders();
    for (auto& stream : streams_) {
      const grpc::Status closed = stream->client->Close();
      if (!closed.ok()) {
        tally_->Count("error:stream:" +
                      std::string(milk::CodeName(static_cast<Code>(closed.error_code()))));
      }
    }
    tally_->AddTo(outcomes, acknowledged);
  }

 private:
  static constexpr int kStreams = 2;
  struct Stream {
    int index = 0;
    std::unique_ptr<milkbench::OrderingSubmit::Stub> stub;
    std::unique_ptr<OrderStreamClient> client;
    std::atomic<uint64_t> sequence{0};
  };

  void Send(Stream& s) {
    const uint64_t sequence = s.sequence++;
    milkbench::OrderRequest request;
    request.set_envelope(EnvelopeBytes(options_.payload_bytes, run_, s.index, sequence));
    request.set_tx_id("stream-" + std::to_string(run_) + "-" + std::to_string(s.index) + "-" +
                      std::to_string(sequence));
    const auto sent = SteadyClock::now();
    s.client->Send(std::move(request),
                   [this, &s, sent, sequence](Result<milkbench::OrderStreamAnswer> answer) {
                     OnAnswer(s, sent, sequence, answer);
                   });
  }

  void OnAnswer(Stream& s, SteadyClock::time_point sent, uint64_t sequence,
                const Result<milkbench::OrderStreamAnswer>& answer) {
    const bool ordered = answer.ok() && answer->code() == 0;
    if (ordered) {
      samples_.Acknowledged(answer->response().block_number(), answer->response().tx_index(),
                            [&] {
                              return EnvelopeBytes(options_.payload_bytes, run_, s.index,
                                                   sequence);
                            });
    }
    const Code error = answer.ok() ? static_cast<Code>(answer->code()) : answer.status().code();
    const auto now = tally_->Record(sent, ordered, ordered, "ordered", error);
    if (now < tally_->window_end() && answer.ok()) {
      Send(s);
      return;
    }
    tally_->SenderDone();
  }

  const Options& options_;
  const uint64_t run_;
  Samples& samples_;
  size_t window_ = 1;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::unique_ptr<Tally> tally_;
};

class SubmitServerImpl final : public SubmitServer {
 public:
  explicit SubmitServerImpl(node::Node& leader) : service_(leader) {}
  ~SubmitServerImpl() override { Shutdown(); }
  const std::string& target() const override { return target_; }
  void Shutdown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
  }

 private:
  friend class milk::bench::ordering::SubmitServer;
  SubmitService service_;  // outlives server_
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
};

}  // namespace

std::string EnvelopeBytes(int size, uint64_t run, int submitter, uint64_t sequence) {
  milkpb::Envelope envelope;
  envelope.set_signature(std::string(64, 's'));
  const std::string prefix = std::to_string(run) + ":" + std::to_string(submitter) + ":" +
                             std::to_string(sequence) + ":";
  int64_t payload = size - 64 - 4;  // a first guess at the tags and lengths
  std::string bytes;
  // A length's varint may grow or shrink by a byte as the payload is adjusted: converge.
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::string filler = prefix;
    filler.resize(static_cast<size_t>(std::max<int64_t>(payload, 0)), 'p');
    envelope.set_payload(std::move(filler));
    bytes = envelope.SerializeAsString();
    const int64_t off = static_cast<int64_t>(bytes.size()) - size;
    if (off == 0) break;
    payload -= off;
  }
  MILK_CHECK(static_cast<int>(bytes.size()) == size);
  MILK_CHECK(envelope.payload().compare(0, prefix.size(), prefix) == 0);
  return bytes;
}

SteadyClock::duration Seconds(double seconds) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

Result<std::unique_ptr<SubmitServer>> SubmitServer::Start(node::Node& leader) {
  auto server = std::make_unique<SubmitServerImpl>(leader);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&server->service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    return Unavailable("cannot start the submit service on 127.0.0.1");
  }
  server->target_ = "127.0.0.1:" + std::to_string(port);
  return std::unique_ptr<SubmitServer>(std::move(server));
}

void RunGrpc(const std::string& target, const Options& options, int in_flight, uint64_t run,
             Samples& samples, LatencyRecorder& latency,
             std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged, bool echo) {
  GrpcLoad load(target, options, in_flight, run, samples, echo);
  load.Run(latency, outcomes, acknowledged);
}

void RunGrpcStream(const std::string& target, const Options& options, int in_flight, uint64_t run,
                   Samples& samples, LatencyRecorder& latency,
                   std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged) {
  GrpcStreamLoad load(target, options, in_flight, run, samples);
  load.Run(latency, outcomes, acknowledged);
}

// --submit in-process: kSubmitters threads, each keeping in_flight/kSubmitters envelopes waiting.
void RunInProcess(node::Node& leader, const Options& options, int in_flight, uint64_t run,
                  Samples& samples, LatencyRecorder& latency,
                  std::map<std::string, uint64_t>& outcomes, uint64_t& acknowledged) {
  std::mutex outcomes_mutex;
  const auto measure_from = SteadyClock::now() + Seconds(options.warmup_seconds);
  const auto end = measure_from + Seconds(options.seconds);
  std::atomic<uint64_t> all_ok{0};
  auto submitter = [&](int index) {
    struct Waiting {
      std::shared_future<Result<node::OrderedTx>> future;
      SteadyClock::time_point sent;
      uint64_t sequence;
    };
    std::deque<Waiting> waiting;
    std::map<std::string, uint64_t> mine;
    const size_t window = static_cast<size_t>(std::max(1, in_flight / kSubmitters));
    uint64_t sequence = 0;
    auto settle = [&](Waiting& w) {
      const Result<node::OrderedTx>& result = w.future.get();
      const auto done = SteadyClock::now();
      if (result.ok()) {
        ++all_ok;
        samples.Acknowledged(result->block_number, result->tx_index, [&] {
          return EnvelopeBytes(options.payload_bytes, run, index, w.sequence);
        });
      }
      if (w.sent < measure_from || done > end) return;
      if (result.ok()) {
        ++mine["ordered"];
        latency.Add(std::chrono::duration_cast<std::chrono::microseconds>(done - w.sent).count());
      } else {
        ++mine["error:" + std::string(milk::CodeName(result.status().code()))];
      }
    };
    while (SteadyClock::now() < end) {
      while (waiting.size() < window) {
        const std::string tx_id = "local-" + std::to_string(run) + "-" + std::to_string(index) +
                                  "-" + std::to_string(sequence);
        const auto sent = SteadyClock::now();
        auto future = leader.OrderUnchecked(
            kChain, EnvelopeBytes(options.payload_bytes, run, index, sequence), tx_id);
        const uint64_t this_sequence = sequence++;
        if (!future.ok()) {
          if (sent >= measure_from) {
            ++mine["error:" + std::string(milk::CodeName(future.status().code()))];
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          break;
        }
        waiting.push_back({std::move(future).value(), sent, this_sequence});
      }
      if (waiting.empty()) continue;
      settle(waiting.front());
      waiting.pop_front();
    }
    for (Waiting& w : waiting) settle(w);
    std::lock_guard lock(outcomes_mutex);
    for (const auto& [name, count] : mine) outcomes[name] += count;
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kSubmitters; ++i) threads.emplace_back(submitter, i);
  for (auto& t : threads) t.join();
  acknowledged += all_ok.load();
}

}  // namespace milk::bench::ordering
