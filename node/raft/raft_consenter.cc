#include "node/raft/raft_consenter.h"

#include <chrono>

#include "crypto/bytes.h"
#include "node/ledger/formats.h"
#include "node/ops/logging.h"

namespace milk::node {


// The leader's cutter delivers blocks into Raft through this sink.
class RaftConsenter::ProposeSink final : public BlockSink {
 public:
  explicit ProposeSink(RaftConsenter& owner) : owner_(owner) {}
  std::future<Result<milkpb::Block>> Propose(milkpb::Block block) override {
    return owner_.ProposeBlock(std::move(block));
  }
  uint64_t next_number() const override { return owner_.chain_.height(); }
  std::string last_header_hash() const override { return owner_.chain_.last_header_hash(); }
  int64_t last_timestamp_ms() const override { return owner_.chain_.last_timestamp_ms(); }
  std::optional<milkpb::BatchConfig> batch_config() const override {
    return owner_.chain_.config()->config().batch();
  }

 private:
  RaftConsenter& owner_;
};

RaftConsenter::RaftConsenter(RaftConsenterOptions options, Chain& chain, const Clock& clock,
                             RaftTransport& transport, BlockFetcher fetcher)
    : options_(std::move(options)),
      chain_(chain),
      clock_(clock),
      transport_(transport),
      fetcher_(std::move(fetcher)) {}

RaftConsenter::~RaftConsenter() { Stop(); }

Result<std::unique_ptr<RaftConsenter>> RaftConsenter::Start(
    RaftConsenterOptions options, Chain& chain, crypto::KeyPair key, std::string signer_identity,
    const Clock& clock, RaftTransport& transport, BlockFetcher fetcher, CatchUpFetcher catch_up) {
  std::unique_ptr<RaftConsenter> c(
      new RaftConsenter(std::move(options), chain, clock, transport, std::move(fetcher)));
  c->catch_up_ = std::move(catch_up);
  MILK_ASSIGN_OR_RETURN(c->log_, RaftLogStore::Open(c->options_.wal_dir, c->options_.voters));
  consensus::Config config;
  config.id = c->options_.raft_id;
  config.election_ticks = c->options_.election_ticks;
  config.heartbeat_ticks = 1;
  config.seed = c->options_.seed;
  // Applying is idempotent by block number, so Raft may re-deliver everything after the
  // snapshot; blocks the chain already holds are skipped.
  config.applied = c->log_->storage()->FirstIndex() - 1;
  c->applied_ = config.applied;
  MILK_ASSIGN_OR_RETURN(c->raft_, consensus::RawNode::Create(config, c->log_->storage()));
  c->sink_ = std::make_unique<ProposeSink>(*c);
  c->orderer_ = std::make_unique<Orderer>(c->options_.orderer, std::move(key),
                                          std::move(signer_identity), clock, *c->sink_);
  c->orderer_->Start();
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  return c;
}

void RaftConsenter::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  FailWaiters("the node is shutting down; retry");
  if (orderer_) orderer_->Stop();
}

void RaftConsenter::Receive(milkpb::RaftMessage message) {
  std::lock_guard lock(mutex_);
  if (inbox_.size() >= options_.inbox_max) return;  // dropped: Raft retransmits
  inbox_.push_back(std::move(message));
  cv_.notify_all();
}

std::shared_future<Result<OrderedTx>> RaftConsenter::Submit(std::string envelope_bytes,
                                                            const std::string& tx_id,
                                                            bool isolated, OrderedCallback done) {
  Status refused;
  {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) {
      refused = failure_;
    } else if (leading_) {
      return orderer_->Submit(std::move(envelope_bytes), tx_id, isolated, std::move(done));
    } else {
      refused = Unavailable("this consenter does not lead chain '" + options_.chain_id +
                            "' (leader: " +
                            (leader_ == 0 ? "unknown, election in progress"
                                          : "raft id " + std::to_string(leader_)) +
                            "); retry");
    }
  }
  std::promise<Result<OrderedTx>> p;
  p.set_value(refused);
  if (done) done(refused);
  return p.get_future().share();
}

void RaftConsenter::NoteUnknownSender() {
  if (!catch_up_) return;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const auto interval = std::chrono::milliseconds(options_.tick_ms * options_.election_ticks);
    if (stopping_ || now - last_catch_up_ < interval) return;
    last_catch_up_ = now;
    tasks_.push_back([this] {
      auto blocks = catch_up_(chain_.height());
      if (!blocks.ok()) return;
      uint64_t committed = 0;
      for (auto& block : *blocks) {
        if (block.header().number() != chain_.height()) continue;
        if (!chain_.CommitBlock(std::move(block)).ok()) break;
        ++committed;
      }
      if (committed > 0) {
        ops::LogInfo("caught up with blocks from other consenters (a sender this node did not "
                     "know)", {{"chain", options_.chain_id}, {"blocks", std::to_string(committed)}});
      }
    });
  }
  cv_.notify_all();
}

uint64_t RaftConsenter::leader() const {
  std::lock_guard lock(mutex_);
  return leader_;
}

bool RaftConsenter::is_leader() const {
  std::lock_guard lock(mutex_);
  return leading_;
}

consensus::RaftStatus RaftConsenter::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void RaftConsenter::FailWaiters(const std::string& why) {
  std::lock_guard lock(mutex_);
  for (auto& [number, waiter] : waiters_) waiter.promise.set_value(Unavailable(why));
  waiters_.clear();
}

void RaftConsenter::FailWaiterLocked(uint64_t number, const std::string& why) {
  auto it = waiters_.find(number);
  if (it == waiters_.end()) return;
  it->second.promise.set_value(Unavailable(why));
  waiters_.erase(it);
}

void RaftConsenter::ExpireWaiters() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    it->second.promise.set_value(Unavailable("block " + std::to_string(it->first) +
                                             " was not ordered within " +
                                             std::to_string(options_.propose_timeout_ms) +
                                             " ms; retry"));
    it = waiters_.erase(it);
  }
}

}  // namespace milk::node
