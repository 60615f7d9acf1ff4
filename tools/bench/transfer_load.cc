#include "tools/bench/transfer_load.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "tools/bench/pacer.h"
#include "tools/client/invoke.h"
#include "tools/client/transaction.h"

namespace milk::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kChaincodeOk = 200;
// Funding calls run on this many threads at once (each a whole Invoke).
constexpr size_t kFundingThreads = 64;

int64_t MicrosBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

client::Signer BenchWallet(uint64_t seed, size_t index) {
  const std::string material =
      "milk-bench-wallet/" + std::to_string(seed) + "/" + std::to_string(index);
  return client::WalletSigner(crypto::KeyPairFromSeed(crypto::Sha256(material)));
}

std::string AddressOf(const client::Signer& wallet) {
  return crypto::WalletAddress(wallet.key.public_key);
}

// Runs every job on up to kFundingThreads threads; the first error, if any.
Status RunAll(const std::vector<std::function<Status()>>& jobs) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  Status first = Status::Ok();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(kFundingThreads, jobs.size()); ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < jobs.size(); i = next++) {
        Status s = jobs[i]();
        std::lock_guard lock(mutex);
        if (!s.ok() && first.ok()) first = s;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return first;
}

Status CallOk(const client::Signer& signer, const client::GatewayClient& peer,
              const TransferLoadOptions& options, const std::string& function,
              const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(
      client::InvokeResult r,
      client::Invoke(signer, {&peer}, peer, options.chain_id, options.chaincode, function, args,
                     SystemClock::Instance().NowMs()));
  if (r.code != milkpb::VALID) {
    return Aborted("funding " + function + " committed as " + milkpb::TxValidationCode_Name(r.code));
  }
  return Status::Ok();
}

// Phase 2: the issuer issues to wallet 0; in each round every funded wallet i (the multiples of
// 2 step) hands wallet i + step the units of [i + step, i + 2 step), halving step until 1.
Status Fund(const client::Signer& issuer, const std::vector<client::Signer>& wallets,
            const client::GatewayClient& peer, const TransferLoadOptions& options) {
  const size_t n = wallets.size();
  const std::string ref = "bench-" + std::to_string(options.seed) + "-" +
                          std::to_string(SystemClock::Instance().NowMs());
  MILK_RETURN_IF_ERROR(CallOk(issuer, peer, options, "issue",
                              {AddressOf(wallets[0]), std::to_string(n * options.units_per_wallet),
                               ref})
                           .WithContext("issuing the bench units"));
  size_t step = 1;
  while (step < n) step *= 2;
  for (step /= 2; step >= 1; step /= 2) {
    std::vector<std::function<Status()>> jobs;
    for (size_t i = 0; i + step < n; i += 2 * step) {
      // Wallet i holds the units of [i, i + 2 step); it passes on those of [i + step, ...).
      const size_t end = std::min(i + 2 * step, n);
      const uint64_t units = (end - (i + step)) * options.units_per_wallet;
      jobs.push_back([&, i, step, units] {
        return CallOk(wallets[i], peer, options, "transfer",
                      {AddressOf(wallets[i + step]), std::to_string(units)});
      });
    }
    MILK_RETURN_IF_ERROR(RunAll(jobs).WithContext("funding the bench wallets"));
    if (step == 1) break;
  }
  return Status::Ok();
}

struct Stream {
  size_t index = 0;
  const client::Signer* wallets[2] = {nullptr, nullptr};
  milkpb::Gateway::Stub* stub = nullptr;
  client::SubmitStream* submit_stream = nullptr;  // with --submit stream: its connection's
  std::vector<client::BuiltProposal> txs;
  size_t next = 0;
  // The call in progress.
  std::unique_ptr<grpc::ClientContext> context;
  milkpb::EndorseRequest endorse_request;
  milkpb::EndorseResponse endorse_response;
  milkpb::SubmitRequest submit_request;
  milkpb::SubmitResponse submit_response;
  milkpb::CommitStatusRequest status_request;
  milkpb::CommitStatusResponse status_response;
  SteadyClock::time_point endorse_start;
  SteadyClock::time_point submit_start;
};

// Phase 4: every stream's chain of asynchronous calls (gRPC's callback API).
class Run {
 public:
  Run(const TransferLoadOptions& options, std::vector<std::unique_ptr<Stream>> streams)
      : options_(options), streams_(std::move(streams)), pacer_([this](void* s) {
          Endorse(*static_cast<Stream*>(s));
        }) {}

  Report Go() {
    active_ = streams_.size();
    start_ = SteadyClock::now();
    for (auto& s : streams_) StartNext(*s);
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return active_ == 0; });
    }
    const auto end = SteadyClock::now();
    pacer_.Stop();
    Report report;
    report.scenario = options_.scenario;
    report.seconds = static_cast<double>(MicrosBetween(start_, end)) / 1e6;
    report.committed = committed_;
    report.outcomes = outcomes_;
    report.latency = Summarize(submit_to_commit_.Samples());
    const Percentiles whole = Summarize(endorse_to_commit_.Samples());
    report.figures["endorse_to_commit_p50_ms"] = whole.p50_ms;
    report.figures["endorse_to_commit_p99_ms"] = whole.p99_ms;
    const Percentiles endorse = Summarize(endorse_.Samples());
    report.figures["endorse_p50_ms"] = endorse.p50_ms;
    report.figures["endorse_p99_ms"] = endorse.p99_ms;
    const Percentiles ordered = Summarize(submit_.Samples());
    report.figures["submit_p50_ms"] = ordered.p50_ms;
    report.figures["submit_p99_ms"] = ordered.p99_ms;
    return report;
  }

 private:
  void StartNext(Stream& s) {
    if (s.next >= s.txs.size()) {
      std::lock_guard lock(mutex_);
      if (--active_ == 0) done_.notify_all();
      return;
    }
    if (options_.rate > 0) {
      const uint64_t ticket = tickets_++;
      const auto due = start_ + std::chrono::microseconds(static_cast<int64_t>(
                                    static_cast<double>(ticket) * 1e6 / options_.rate));
      if (due > SteadyClock::now()) {
        pacer_.At(due, &s);
        return;
      }
    }
    Endorse(s);
  }

  void NewContext(Stream& s) {
    s.context = std::make_unique<grpc::ClientContext>();
    s.context->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::milliseconds(options_.gateway.deadline_ms));
  }

  void Endorse(Stream& s) {
    *s.endorse_request.mutable_proposal() = s.txs[s.next].signed_proposal;
    NewContext(s);
    s.endorse_start = SteadyClock::now();
    s.stub->async()->Endorse(s.context.get(), &s.endorse_request, &s.endorse_response,
                             [this, &s](grpc::Status status) { OnEndorsed(s, status); });
  }

  void OnEndorsed(Stream& s, const grpc::Status& status) {
    if (!status.ok()) return Finish(s, "error:endorse:" + CodeText(status));
    endorse_.Add(MicrosBetween(s.endorse_start, SteadyClock::now()));
    const milkpb::ProposalResponse& answer = s.endorse_response.response();
    if (answer.response().status() != kChaincodeOk) {
      return Finish(s, "refused:" + std::to_string(answer.response().status()));
    }
    Result<milkpb::Envelope> envelope =
        client::BuildEnvelope(*s.wallets[s.next % 2], s.txs[s.next].signed_proposal.proposal(),
                              {answer}, /*verify_endorsements=*/false);
    if (!envelope.ok()) return Finish(s, "error:envelope:" + std::string(CodeName(envelope.status().code())));
    s.submit_request.set_chain_id(options_.chain_id);
    *s.submit_request.mutable_envelope() = std::move(envelope).value();
    s.submit_start = SteadyClock::now();
    if (s.submit_stream != nullptr) {
      s.submit_stream->Send(std::move(s.submit_request),
                            [this, &s](Result<milkpb::SubmitStreamAnswer> settled) {
                              OnStreamAnswer(s, settled);
                            });
      return;
    }
    NewContext(s);
    s.stub->async()->Submit(s.context.get(), &s.submit_request, &s.submit_response,
                            [this, &s](grpc::Status st) { OnSubmitted(s, st); });
  }

  void OnStreamAnswer(Stream& s, Result<milkpb::SubmitStreamAnswer>& answer) {
    if (!answer.ok()) {
      return Finish(s, "error:submit:" + std::string(CodeName(answer.status().code())));
    }
    if (answer->code() != 0) {
      return Finish(s, "error:submit:" + std::string(CodeName(static_cast<Code>(answer->code()))));
    }
    s.submit_response = std::move(*answer->mutable_response());
    Submitted(s);
  }

  void OnSubmitted(Stream& s, const grpc::Status& status) {
    if (!status.ok()) return Finish(s, "error:submit:" + CodeText(status));
    Submitted(s);
  }

  // The submit was answered OK (s.submit_response).
  void Submitted(Stream& s) {
    const auto now = SteadyClock::now();
    submit_.Add(MicrosBetween(s.submit_start, now));
    if (s.submit_response.committed()) {  // the node answered after committing the block
      return Committed(s, s.submit_response.code(), now);
    }
    s.status_request.set_chain_id(options_.chain_id);
    s.status_request.set_tx_id(s.txs[s.next].tx_id);
    s.status_request.set_wait(true);
    NewContext(s);
    s.stub->async()->CommitStatus(s.context.get(), &s.status_request, &s.status_response,
                                  [this, &s](grpc::Status st) { OnCommitted(s, st); });
  }

  void OnCommitted(Stream& s, const grpc::Status& status) {
    if (!status.ok()) return Finish(s, "error:commit_status:" + CodeText(status));
    Committed(s, s.status_response.code(), SteadyClock::now());
  }

  void Committed(Stream& s, milkpb::TxValidationCode code, SteadyClock::time_point now) {
    submit_to_commit_.Add(MicrosBetween(s.submit_start, now));
    endorse_to_commit_.Add(MicrosBetween(s.endorse_start, now));
    Finish(s, milkpb::TxValidationCode_Name(code));
  }

  void Finish(Stream& s, const std::string& outcome) {
    {
      std::lock_guard lock(mutex_);
      ++outcomes_[outcome];
      if (outcome == "VALID") ++committed_;
    }
    ++s.next;
    StartNext(s);
  }

  static std::string CodeText(const grpc::Status& status) {
    return CodeName(static_cast<Code>(static_cast<int>(status.error_code())));
  }

  const TransferLoadOptions& options_;
  std::vector<std::unique_ptr<Stream>> streams_;
  Pacer pacer_;
  SteadyClock::time_point start_;
  std::atomic<uint64_t> tickets_{0};
  LatencyRecorder submit_to_commit_;
  LatencyRecorder endorse_to_commit_;
  LatencyRecorder endorse_;  // Endorse sent to answered
  LatencyRecorder submit_;   // Submit sent to answered (the transaction's block is durable)
  std::mutex mutex_;
  std::condition_variable done_;
  size_t active_ = 0;
  uint64_t committed_ = 0;
  std::map<std::string, uint64_t> outcomes_;
};

}  // namespace

Result<Report> RunTransferLoad(const client::Signer& issuer, const TransferLoadOptions& options) {
  if (options.endpoints.empty()) return InvalidArgument("no --peer to send the load to");
  if (options.streams == 0 || options.transactions == 0) {
    return InvalidArgument("streams and transactions must be at least 1");
  }
  crypto::EnsureSodium();
  std::vector<client::Signer> wallets;
  for (size_t i = 0; i < 2 * static_cast<size_t>(options.streams); ++i) {
    wallets.push_back(BenchWallet(options.seed, i));
  }
  client::GatewayOptions funding = options.gateway;
  client::GatewayClient first(options.endpoints.front(), funding);
  MILK_RETURN_IF_ERROR(Fund(issuer, wallets, first, options));

  // Channels: `connections` per endpoint, streams spread over them round robin.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<milkpb::Gateway::Stub>> stubs;
  client::GatewayOptions load = options.gateway;
  load.own_connection = true;
  for (int c = 0; c < std::max(1, options.connections); ++c) {
    for (const std::string& endpoint : options.endpoints) {
      channels.push_back(client::MakeChannel(endpoint, load));
      stubs.push_back(milkpb::Gateway::NewStub(channels.back()));
    }
  }
  // With --submit stream, one Gateway.SubmitStream per connection, shared by its streams.
  std::vector<std::unique_ptr<client::SubmitStream>> submit_streams;
  if (options.submit_stream) {
    for (auto& stub : stubs) {
      milkpb::Gateway::Stub* raw = stub.get();
      submit_streams.push_back(std::make_unique<client::SubmitStream>(
          [raw](grpc::ClientContext* context, auto* reactor) {
            raw->async()->SubmitStream(context, reactor);
          }));
    }
  }
  std::vector<std::unique_ptr<Stream>> streams;
  for (size_t k = 0; k < options.streams; ++k) {
    auto s = std::make_unique<Stream>();
    s->index = k;
    s->wallets[0] = &wallets[2 * k];
    s->wallets[1] = &wallets[2 * k + 1];
    s->stub = stubs[k % stubs.size()].get();
    if (options.submit_stream) s->submit_stream = submit_streams[k % stubs.size()].get();
    const uint64_t count = options.transactions / options.streams +
                           (k < options.transactions % options.streams ? 1 : 0);
    s->txs.resize(count);
    streams.push_back(std::move(s));
  }
  // Phase 3: pre-sign every proposal, on presign_threads threads.
  const int64_t now_ms = SystemClock::Instance().NowMs();
  std::vector<std::function<Status()>> jobs;
  for (auto& stream : streams) {
    Stream* s = stream.get();
    jobs.push_back([s, &options, now_ms]() -> Status {
      for (size_t j = 0; j < s->txs.size(); ++j) {
        const client::Signer& from = *s->wallets[j % 2];
        const client::Signer& to = *s->wallets[(j + 1) % 2];
        MILK_ASSIGN_OR_RETURN(s->txs[j],
                              client::BuildProposal(from, options.chain_id, options.chaincode,
                                                    "transfer", {AddressOf(to), "1"}, now_ms));
      }
      return Status::Ok();
    });
  }
  {
    std::atomic<size_t> next{0};
    std::vector<std::future<Status>> workers;
    for (int t = 0; t < std::max(1, options.presign_threads); ++t) {
      workers.push_back(std::async(std::launch::async, [&] {
        for (size_t i = next++; i < jobs.size(); i = next++) MILK_RETURN_IF_ERROR(jobs[i]());
        return Status::Ok();
      }));
    }
    for (auto& w : workers) MILK_RETURN_IF_ERROR(w.get());
  }
  Run run(options, std::move(streams));
  Report report = run.Go();
  for (auto& stream : submit_streams) {
    const grpc::Status closed = stream->Close();  // every transfer has its answer by now
    if (!closed.ok()) ++report.outcomes["error:submit_stream:" + closed.error_message()];
  }
  report.params["submit"] = options.submit_stream ? "stream" : "unary";
  report.params["chain"] = options.chain_id;
  report.params["peers"] = std::to_string(options.endpoints.size());
  report.params["streams"] = std::to_string(options.streams);
  report.params["transactions"] = std::to_string(options.transactions);
  report.params["rate"] = options.rate > 0 ? std::to_string(static_cast<int64_t>(options.rate)) : "max";
  report.params["connections"] = std::to_string(options.connections);
  return report;
}

}  // namespace milk::bench
