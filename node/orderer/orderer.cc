#include "node/orderer/orderer.h"

#include <algorithm>

#include "node/ledger/formats.h"

namespace milk::node {

Orderer::Orderer(OrdererOptions options, crypto::KeyPair key, std::string signer_identity,
                 const Clock& clock, BlockSink& sink)
    : options_(std::move(options)),
      key_(std::move(key)),
      signer_identity_(std::move(signer_identity)),
      clock_(clock),
      sink_(sink) {}

Orderer::~Orderer() { Stop(); }

void Orderer::Start() {
  thread_ = std::thread([this] { Loop(); });
  completer_ = std::thread([this] { CompleteLoop(); });
}

void Orderer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable() && !completer_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Blocks already handed to the sink are answered with what the sink says (a stopping sink
  // fails them), never dropped.
  if (completer_.joinable()) completer_.join();
  Answers answers;
  {
    std::lock_guard lock(mutex_);
    for (Pending& p : queue_) {
      Resolve(*p.waiters, Unavailable("the node is shutting down; retry"), answers);
    }
    queue_.clear();
    queue_isolated_ = 0;
    in_flight_.clear();
  }
  Call(answers);
}

void Orderer::Resolve(Waiters& waiters, Result<OrderedTx> outcome, Answers& answers) {
  waiters.promise.set_value(outcome);
  if (!waiters.callbacks.empty()) answers.emplace_back(std::move(waiters.callbacks), std::move(outcome));
}

void Orderer::Call(Answers& answers) {
  for (auto& [callbacks, outcome] : answers) {
    for (OrderedCallback& callback : callbacks) callback(outcome);
  }
  answers.clear();
}

size_t Orderer::pending() const {
  std::lock_guard lock(mutex_);
  return in_flight_.size();
}

std::shared_future<Result<OrderedTx>> Orderer::Submit(std::string envelope_bytes,
                                                      const std::string& tx_id, bool isolated,
                                                      OrderedCallback done) {
  std::unique_lock lock(mutex_);
  if (auto it = in_flight_.find(tx_id); it != in_flight_.end()) {
    if (done) it->second->callbacks.push_back(std::move(done));
    return it->second->future;
  }
  auto waiters = std::make_shared<Waiters>();
  waiters->future = waiters->promise.get_future().share();
  if (done) waiters->callbacks.push_back(std::move(done));
  std::optional<Status> refused;
  if (stopping_) {
    refused = Unavailable("the node is shutting down; retry");
  } else if (in_flight_.size() >= options_.pending_max) {
    refused = ResourceExhausted(std::to_string(in_flight_.size()) +
                                " transactions are waiting to be ordered (limit " +
                                std::to_string(options_.pending_max) + "); retry later");
  }
  if (refused.has_value()) {
    lock.unlock();
    Answers answers;
    Resolve(*waiters, *refused, answers);
    Call(answers);
    return waiters->future;
  }
  const auto now = std::chrono::steady_clock::now();
  if (queue_.empty()) first_arrival_ = now;
  queue_bytes_ += envelope_bytes.size();
  if (isolated) ++queue_isolated_;
  queue_.push_back(Pending{std::move(envelope_bytes), tx_id, waiters, isolated, now});
  in_flight_.emplace(tx_id, waiters);
  cv_.notify_all();
  return waiters->future;
}

Orderer::Limits Orderer::CurrentLimits() const {
  std::optional<milkpb::BatchConfig> batch = sink_.batch_config();
  if (!batch.has_value()) {
    return {options_.max_tx_count, options_.max_bytes, options_.batch_timeout_ms};
  }
  return {batch->max_tx_count(), batch->max_bytes(), batch->batch_timeout_ms()};
}

bool Orderer::MayCut(const Pending& front) const {
  if (in_flight_blocks_.empty()) return true;
  if (resync_ || front.isolated || in_flight_blocks_.back().isolated) return false;
  return in_flight_blocks_.size() < std::max<size_t>(options_.blocks_in_flight, 1);
}

void Orderer::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const Limits limits = CurrentLimits();
    if (queue_.empty()) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    auto deadline = first_arrival_ + std::chrono::milliseconds(limits.batch_timeout_ms);
    auto full = [&] {
      return queue_.size() >= limits.max_tx_count || queue_bytes_ >= limits.max_bytes ||
             queue_isolated_ > 0;
    };
    if (!full() && std::chrono::steady_clock::now() < deadline) {
      cv_.wait_until(lock, deadline, [&] { return stopping_ || full(); });
      continue;
    }
    // A full block goes as soon as the pipeline has room. A partial one (its batch timed out)
    // goes only when nothing is in flight: while blocks are in flight more transactions keep
    // coming and it fills up instead, and bigger blocks cost less per transaction.
    auto may_cut = [&] {
      return MayCut(queue_.front()) && (full() || in_flight_blocks_.empty());
    };
    if (!may_cut()) {
      cv_.wait(lock, [&] { return stopping_ || may_cut(); });
      continue;
    }
    // Take up to max_tx_count transactions and max_bytes (at least one, however large); an
    // isolated envelope goes alone, and ends the batch before it.
    std::deque<Pending> batch;
    size_t bytes = 0;
    while (!queue_.empty() && batch.size() < limits.max_tx_count) {
      const Pending& front = queue_.front();
      size_t next = front.envelope.size();
      if (!batch.empty() && (bytes + next > limits.max_bytes || front.isolated)) break;
      bytes += next;
      const bool isolated = front.isolated;
      if (isolated) --queue_isolated_;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
      if (isolated) break;
    }
    queue_bytes_ -= bytes;
    // What is left has waited since it arrived (often through the whole delivery of the
    // previous block): its timeout runs from then, not from this cut.
    if (!queue_.empty()) first_arrival_ = queue_.front().arrival;
    if (in_flight_blocks_.empty()) {  // chain onto the committed head
      resync_ = false;
      tip_ = Tip{sink_.next_number(), sink_.last_header_hash(), sink_.last_timestamp_ms()};
    }
    const Tip tip = tip_;
    const bool isolated = batch.front().isolated;
    // Unlocked: Submit keeps queueing while the block is signed and handed over (a new
    // leader's sink may hold it until it has applied its predecessors' blocks). Only this
    // thread proposes, so blocks reach the sink in the order they were cut.
    lock.unlock();
    milkpb::Block block = BuildBlock(batch, tip);
    const Tip next{block.header().number() + 1, ledger::HeaderHash(block.header()),
                   block.header().timestamp_ms()};
    std::future<Result<milkpb::Block>> committed = sink_.Propose(std::move(block));
    lock.lock();
    tip_ = next;
    in_flight_blocks_.push_back(InFlight{std::move(batch), std::move(committed), isolated});
    cv_.notify_all();
  }
}

void Orderer::CompleteLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !in_flight_blocks_.empty(); });
    if (in_flight_blocks_.empty()) return;  // stopping, and every proposed block answered
    std::future<Result<milkpb::Block>>& future = in_flight_blocks_.front().committed;
    lock.unlock();
    Result<milkpb::Block> committed = future.get();
    lock.lock();
    InFlight done = std::move(in_flight_blocks_.front());
    in_flight_blocks_.pop_front();
    if (!committed.ok()) resync_ = true;  // blocks cut onto this one will fail too
    Answers answers;
    for (size_t i = 0; i < done.batch.size(); ++i) {
      Pending& p = done.batch[i];
      if (committed.ok()) {
        OrderedTx tx{committed->header().number(), static_cast<uint32_t>(i),
                     static_cast<uint8_t>(committed->metadata().validation_codes()[i])};
        Resolve(*p.waiters, tx, answers);
      } else {
        Resolve(*p.waiters, Unavailable("the block could not be stored (" +
                                        committed.status().message() + "); retry"),
                answers);
      }
      in_flight_.erase(p.tx_id);
    }
    cv_.notify_all();
    lock.unlock();
    Call(answers);
    lock.lock();
  }
}

milkpb::Block Orderer::BuildBlock(const std::deque<Pending>& batch, const Tip& tip) const {
  milkpb::Block block;
  milkpb::BlockHeader* header = block.mutable_header();
  header->set_version(ledger::kFormatVersion);
  header->set_chain_id(options_.chain_id);
  header->set_number(tip.number);
  header->set_previous_hash(tip.header_hash);
  header->set_timestamp_ms(std::max(clock_.NowMs(), tip.timestamp_ms));
  for (const Pending& p : batch) block.mutable_data()->add_envelopes(p.envelope);
  header->set_data_hash(ledger::DataHash(block.data()));
  block.mutable_metadata()->set_signer(signer_identity_);
  block.mutable_metadata()->set_signature(crypto::Sign(key_.secret_key, ledger::HeaderHash(*header)));
  return block;
}

}  // namespace milk::node
