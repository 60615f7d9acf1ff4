// Ordering on one node: the block cutter (ARCHITECTURE.md section 3, step 3).
//
// Transactions queue up; a block is cut when it reaches max_tx_count, when the next transaction
// would pass max_bytes, or batch_timeout_ms after its first transaction arrived. The block is
// signed with the consenter key and handed to a BlockSink (Raft, then the local commit). A
// submitter is answered only once its block is committed.
//
// Blocks are pipelined: up to blocks_in_flight cut blocks may be on their way through the sink
// at once, each chained onto the one cut before it (its number and header hash are known at cut
// time), so the next block is replicated while the one before it is validated and committed.
// Only full blocks are pipelined: a block cut by the batch timeout waits until nothing is in
// flight, filling up meanwhile (on a busy two-core machine, cutting partial blocks into the
// pipeline made blocks smaller and cost throughput).
// When a block fails, the cutter waits until nothing is in flight and chains onto the committed
// head again. An isolated block (a config update) is cut only when nothing is in flight and
// nothing is cut while it is: a config update may change what the next block must satisfy.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::node {

// Where cut blocks go.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  // Starts ordering a block and returns without waiting for it to commit. Blocks are handed
  // over in the order they were cut. The future resolves with the block as committed, or with
  // why it was not (every future resolves: a sink that stops fails what it holds).
  virtual std::future<Result<milkpb::Block>> Propose(milkpb::Block block) = 0;
  // The committed head: the number and header hash the next block must chain onto when no block
  // is in flight.
  virtual uint64_t next_number() const = 0;
  virtual std::string last_header_hash() const = 0;
  // The timestamp of the last block. Block timestamps never go backwards (certificates are
  // checked against them), so a clock that steps back does not reopen an expired certificate.
  virtual int64_t last_timestamp_ms() const = 0;
  // The batch limits in force (a config update may change them); nullopt = OrdererOptions'.
  virtual std::optional<milkpb::BatchConfig> batch_config() const { return std::nullopt; }
};

struct OrdererOptions {
  std::string chain_id;
  uint32_t max_tx_count = 500;
  uint32_t max_bytes = 4u << 20;
  uint32_t batch_timeout_ms = 200;
  // Accepted but not yet in a block; more is refused with kResourceExhausted (back-pressure
  // instead of unbounded memory).
  size_t pending_max = 100000;
  // Cut blocks on their way through the sink at once; 1 = cut the next block only after the
  // previous one committed.
  size_t blocks_in_flight = 4;
};

struct OrderedTx {
  uint64_t block_number = 0;
  uint32_t tx_index = 0;
  uint32_t validation_code = 0;
};
// Called once with what Submit's future resolves to, on the thread that resolves it (the
// completer; the submitting thread when refused at once), never under the orderer's lock. It
// must not block: the submitters of a whole block are answered one after another.
using OrderedCallback = std::function<void(const Result<OrderedTx>&)>;

class Orderer {
 public:
  // The signer is the consenter key and its serialized Identity.
  Orderer(OrdererOptions options, crypto::KeyPair key, std::string signer_identity,
          const Clock& clock, BlockSink& sink);
  ~Orderer();  // Stops: pending submitters get kUnavailable.

  void Start();
  void Stop();

  // Queues one envelope. The future resolves once its block is durable (or with the error that
  // kept it out: kResourceExhausted when full, kUnavailable when stopping or when the block
  // could not be stored). A txid already pending shares the first submission's future.
  // `isolated` (config updates) puts the envelope in a block of its own, cut at once.
  // `done`, when set, is called with the same outcome (OrderedCallback): how the Gateway answers
  // without a thread waiting per submitter.
  std::shared_future<Result<OrderedTx>> Submit(std::string envelope_bytes, const std::string& tx_id,
                                               bool isolated = false, OrderedCallback done = nullptr);

  size_t pending() const;

 private:
  // Everyone waiting for one txid: the future's promise and the callbacks.
  struct Waiters {
    std::promise<Result<OrderedTx>> promise;
    std::shared_future<Result<OrderedTx>> future;
    std::vector<OrderedCallback> callbacks;
  };
  // Callbacks to call once the lock is released, with what they are owed.
  using Answers = std::vector<std::pair<std::vector<OrderedCallback>, Result<OrderedTx>>>;
  struct Pending {
    std::string envelope;
    std::string tx_id;
    std::shared_ptr<Waiters> waiters;
    bool isolated = false;
    std::chrono::steady_clock::time_point arrival;
  };
  struct Limits {
    size_t max_tx_count;
    size_t max_bytes;
    int64_t batch_timeout_ms;
  };
  // A cut block on its way through the sink.
  struct InFlight {
    std::deque<Pending> batch;
    std::future<Result<milkpb::Block>> committed;
    bool isolated = false;
  };
  // What the next block chains onto.
  struct Tip {
    uint64_t number = 0;  // of the next block
    std::string header_hash;
    int64_t timestamp_ms = 0;
  };
  Limits CurrentLimits() const;
  // Whether the cutter may cut the block whose first envelope is `front` now. REQUIRES: mutex_.
  bool MayCut(const Pending& front) const;
  void Loop();
  // Answers the submitters of each in-flight block, oldest first, as its future resolves.
  void CompleteLoop();
  milkpb::Block BuildBlock(const std::deque<Pending>& batch, const Tip& tip) const;
  // Resolves the future and moves the callbacks to `answers`. REQUIRES: mutex_.
  static void Resolve(Waiters& waiters, Result<OrderedTx> outcome, Answers& answers);
  static void Call(Answers& answers);

  const OrdererOptions options_;
  const crypto::KeyPair key_;
  const std::string signer_identity_;
  const Clock& clock_;
  BlockSink& sink_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  size_t queue_bytes_ = 0;
  size_t queue_isolated_ = 0;  // isolated envelopes in queue_: cut without waiting
  std::map<std::string, std::shared_ptr<Waiters>> in_flight_;  // by txid
  std::chrono::steady_clock::time_point first_arrival_;
  std::deque<InFlight> in_flight_blocks_;  // oldest first; the front leaves once answered
  Tip tip_;              // valid while in_flight_blocks_ is not empty and !resync_
  bool resync_ = false;  // a block failed: chain onto the committed head once nothing is in flight
  bool stopping_ = false;
  std::thread thread_;
  std::thread completer_;
};

}  // namespace milk::node
