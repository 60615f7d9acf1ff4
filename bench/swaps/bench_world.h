// What both scenarios of milk_swap_bench (swap_bench.cc) share on top of the integration harness's
// CrossChain (tests/integration/crosschain.h): transactions sent from many threads without Catch2
// (whose REQUIREs are for the test's main thread only), the chains' chaincode events timestamped as
// they arrive, and a relay started with the benchmark's own settings.
//
// Thread-safety: Transactor and EventClock are thread-safe; the rest is for the main thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "milk/ledger.pb.h"
#include "tests/integration/crosschain.h"
#include "tools/bench/bench_report.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"

namespace milk::bench::swaps {

// Microseconds on the steady clock: what every latency here is measured in.
int64_t NowMicros();

// What became of one transaction.
struct CallResult {
  // The validation code's name ("VALID", "MVCC_READ_CONFLICT", ...), "refused:<status>" when an
  // endorser's chaincode run refused it (nothing submitted), or "error:<code>" for a client-side
  // failure (transport, deadline).
  std::string outcome;
  std::string detail;  // the refusal's or error's message; "" when committed
  std::string tx_id;
  int64_t submit_us = 0;       // NowMicros() right before Submit (0 when never submitted)
  int64_t commit_us = 0;       // NowMicros() when CommitStatus answered
  milkpb::Response sequenced;  // a sequenced call's answer at commit
  bool valid() const { return outcome == "VALID"; }
  int64_t latency_us() const { return commit_us - submit_us; }
};

// Endorses on one node, submits to it and waits for the commit (the Fabric gateway flow of
// client::Invoke, with the submit timed apart from the endorsement).
class Transactor {
 public:
  // tls_org/tls_member: whose TLS certificate the connections present.
  Transactor(const integration::Network &net, const std::string &node, const std::string &chain,
             const std::string &tls_org, const std::string &tls_member);

  CallResult Call(const client::Signer &signer, const std::string &chaincode,
                  const std::string &function, const std::vector<std::string> &args) const;
  // Call until it commits VALID (an MVCC conflict on a hot key of setup traffic is retried), at
  // most kSetupAttemptsMax times; the last result.
  CallResult CallUntilValid(const client::Signer &signer, const std::string &chaincode,
                            const std::string &function,
                            const std::vector<std::string> &args) const;
  // An endorsed view (serialized ViewProof) of chaincode.function(args) from this node.
  Result<std::string> View(const std::string &chaincode, const std::string &function,
                           const std::vector<std::string> &args) const;
  // The chain's height on this node.
  Result<uint64_t> Height() const;
  const client::GatewayClient &peer() const { return *clients_.front(); }

 private:
  const client::GatewayClient &Next() const;

  std::string chain_;
  std::string endpoint_;
  client::GatewayOptions options_;
  // A few connections, so that hundreds of concurrent calls do not share one HTTP/2 stream window
  // (GatewayOptions::own_connection).
  std::vector<std::unique_ptr<client::GatewayClient>> clients_;
  mutable std::atomic<size_t> next_{0};
};

// Runs work(i) for i in [0, count) on `threads` threads; worker w takes i = w, w + threads, ... so
// a worker's items are its own (a customer's locks never race each other). work must not reach
// Catch2's INFO/REQUIRE/CHECK, which are not thread-safe (Network's loaders use them: load what
// the workers need beforehand, e.g. LoadCustomers); racing them corrupted the heap at 128 threads.
void RunStriped(size_t count, int threads, const std::function<void(size_t)> &work);

// A customer's wallet as the workers use it, loaded on the calling thread.
struct Customer {
  client::Signer wallet;
  std::string address;
};
std::vector<Customer> LoadCustomers(const integration::Network &net,
                                    const std::vector<std::string> &names);

// Records, per key, when a chaincode event naming it first arrived from a chain: key is the JSON
// payload's field "id" (a swap) or else "tx" (a purchase). Follows the stream on its own thread
// from start_block until the node ends the stream (StopAndCheck stops the nodes).
class EventClock {
 public:
  EventClock(client::GatewayClient peer, const std::string &chain, const std::string &chaincode,
             uint64_t start_block);
  // Waits briefly for the stream to end, then leaves the thread to end with the node (it owns
  // everything it touches).
  ~EventClock();

  // When (NowMicros) event `name` naming key arrived; 0 when it has not.
  int64_t When(const std::string &name, const std::string &key) const;
  // Events named `name` seen so far.
  size_t Count(const std::string &name) const;

 private:
  struct State {
    explicit State(client::GatewayClient p) : peer(std::move(p)) {}
    client::GatewayClient peer;
    std::mutex mutex;
    std::map<std::string, std::map<std::string, int64_t>> seen;  // name -> key -> micros
    std::atomic<bool> stop{false};
    std::atomic<bool> ended{false};
  };
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// `milk relay` as a child process, with a config the benchmark chooses (the harness's StartRelay
// fixes in_flight_max at its default).
struct RelaySettings {
  int in_flight_max = 64;
  int64_t poll_ms = 100;
};
std::unique_ptr<integration::ChildProcess> StartBenchRelay(integration::CrossChain &world,
                                                           const RelaySettings &settings,
                                                           const std::string &name);

// Stock swaps of `amount` on both brand chains, settled by a relay run: TICA's inventory for
// buyers. Main thread (REQUIREs).
void StockBothMarkets(integration::CrossChain &world, const std::string &amount);

// Brand Tokens for every customer on chain, issued one at a time (they share the supply counter;
// REQUIREs every issue VALID).
void IssuePoints(integration::CrossChain &world, const std::string &chain,
                 const std::vector<std::string> &customers, const std::string &amount);

// CPU seconds (user + system, from /proc/<pid>/stat) of every process whose command line mentions
// the network's directory (the milkd nodes, the relay), by a short name, plus this process ("bench
// clients"). Where a run's CPU went; Linux only (empty elsewhere).
std::map<std::string, double> CpuSecondsByProcess(const std::string &network_dir);
// Adds "cpu_ms_per_item <name>" figures to report: the CPU each process spent between the two
// samples, per item committed, and the total.
void AddCpuFigures(const std::map<std::string, double> &before,
                   const std::map<std::string, double> &after, Report &report);

}  // namespace milk::bench::swaps
