#include <catch2/catch.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "crypto/hash.h"
#include "node/ledger/formats.h"
#include "node/orderer/orderer.h"

using namespace milk;

namespace {

// Records delivered blocks; answers every transaction VALID.
class MemorySink final : public node::BlockSink {
 public:
  std::future<Result<milkpb::Block>> Propose(milkpb::Block block) override {
    std::promise<Result<milkpb::Block>> promise;
    promise.set_value(Commit(std::move(block)));
    return promise.get_future();
  }
  Result<milkpb::Block> Commit(milkpb::Block block) {
    std::lock_guard lock(mutex);
    if (fail) return Unavailable("disk on fire");
    block.mutable_metadata()->set_validation_codes(std::string(block.data().envelopes_size(), '\0'));
    last_hash = ledger::HeaderHash(block.header());
    blocks.push_back(block);
    return block;
  }
  uint64_t next_number() const override {
    std::lock_guard lock(mutex);
    return blocks.size() + 1;
  }
  int64_t last_timestamp_ms() const override { return 5000; }
  std::string last_header_hash() const override {
    std::lock_guard lock(mutex);
    return last_hash;
  }
  mutable std::mutex mutex;
  std::vector<milkpb::Block> blocks;
  std::string last_hash = ledger::ZeroHash();
  bool fail = false;
};

struct Fixture {
  explicit Fixture(node::OrdererOptions options)
      : key(crypto::KeyPairFromSeed(crypto::Sha256("orderer"))),
        orderer(std::move(options), key, "signer", clock, sink) {
    orderer.Start();
  }
  ManualClock clock{1000};
  crypto::KeyPair key;
  MemorySink sink;
  node::Orderer orderer;
};

}  // namespace

TEST_CASE("orderer: cuts at max_tx_count and chains blocks") {
  Fixture f({"demo", 3, 1 << 20, 60000, 100});
  std::vector<std::shared_future<Result<node::OrderedTx>>> futures;
  for (int i = 0; i < 6; ++i) futures.push_back(f.orderer.Submit("tx" + std::to_string(i), "id" + std::to_string(i)));
  for (size_t i = 0; i < futures.size(); ++i) {
    const auto& r = futures[i].get();
    REQUIRE(r.ok());
    CHECK(r->block_number == 1 + i / 3);
    CHECK(r->tx_index == i % 3);
  }
  REQUIRE(f.sink.blocks.size() == 2);
  CHECK(f.sink.blocks[1].header().previous_hash() == ledger::HeaderHash(f.sink.blocks[0].header()));
  CHECK(f.sink.blocks[0].header().data_hash() == ledger::DataHash(f.sink.blocks[0].data()));
  CHECK(f.sink.blocks[0].header().timestamp_ms() == 5000);  // the clock (1000) is behind
  CHECK(crypto::Verify(f.key.public_key, ledger::HeaderHash(f.sink.blocks[0].header()),
                       f.sink.blocks[0].metadata().signature()));
}

TEST_CASE("orderer: cuts on the batch timeout and on max_bytes") {
  Fixture f({"demo", 1000, 10, 5, 100});
  auto a = f.orderer.Submit("12345678", "a");
  auto b = f.orderer.Submit("12345678", "b");  // 16 bytes > 10: a second block
  REQUIRE(a.get().ok());
  REQUIRE(b.get().ok());
  CHECK(a.get()->block_number == 1);
  CHECK(b.get()->block_number == 2);
}

TEST_CASE("orderer: a pending txid shares its future and the queue is bounded") {
  Fixture f({"demo", 1000, 1 << 20, 60000, 2});
  auto a = f.orderer.Submit("x", "same");
  auto again = f.orderer.Submit("x", "same");
  auto b = f.orderer.Submit("y", "other");
  auto c = f.orderer.Submit("z", "third");
  REQUIRE(c.get().status().code() == Code::kResourceExhausted);
  CHECK(f.orderer.pending() == 2);
  f.orderer.Stop();
  CHECK(a.get().status().code() == Code::kUnavailable);
  CHECK(again.get().status().code() == Code::kUnavailable);
  CHECK(f.sink.blocks.empty());
}

TEST_CASE("orderer: a sink failure is reported to every submitter") {
  Fixture f({"demo", 2, 1 << 20, 60000, 100});
  f.sink.fail = true;
  auto a = f.orderer.Submit("x", "a");
  auto b = f.orderer.Submit("y", "b");
  CHECK(a.get().status().code() == Code::kUnavailable);
  CHECK(b.get().status().code() == Code::kUnavailable);
}

// Isolated submissions (config updates): a block of their own, cut without waiting for the batch
// timeout. The batch timeout runs on the steady clock, so these tests set it to a minute and
// require every block long before: a cut that waited for the timeout would fail them.
namespace {

constexpr uint32_t kMinuteMs = 60000;
// Far below kMinuteMs and far above any cut on a loaded machine.
constexpr auto kPromptly = std::chrono::seconds(20);

bool ReadyPromptly(const std::shared_future<Result<node::OrderedTx>>& future) {
  return future.wait_for(kPromptly) == std::future_status::ready;
}

std::vector<std::string> EnvelopesOf(const milkpb::Block& block) {
  return {block.data().envelopes().begin(), block.data().envelopes().end()};
}

}  // namespace

TEST_CASE("orderer: an isolated submission is cut at once in a block of its own") {
  Fixture f({"demo", 1000, 1 << 20, kMinuteMs, 100});
  auto update = f.orderer.Submit("config", "cfg", /*isolated=*/true);
  REQUIRE(ReadyPromptly(update));
  REQUIRE(update.get().ok());
  CHECK(update.get()->block_number == 1);
  CHECK(update.get()->tx_index == 0);
  std::lock_guard lock(f.sink.mutex);
  REQUIRE(f.sink.blocks.size() == 1);
  CHECK(EnvelopesOf(f.sink.blocks[0]) == std::vector<std::string>{"config"});
}

TEST_CASE("orderer: an isolated submission ends the batch before it and goes alone") {
  // max_tx_count 3: the envelopes after the isolated one fill a block of their own, so nothing
  // here waits for the one-minute timeout.
  Fixture f({"demo", 3, 1 << 20, kMinuteMs, 100});
  auto a = f.orderer.Submit("a", "a");
  auto b = f.orderer.Submit("b", "b");
  auto update = f.orderer.Submit("config", "cfg", /*isolated=*/true);
  auto d = f.orderer.Submit("d", "d");
  auto e = f.orderer.Submit("e", "e");
  auto g = f.orderer.Submit("g", "g");
  for (const auto* future : {&a, &b, &update, &d, &e, &g}) {
    REQUIRE(ReadyPromptly(*future));
    REQUIRE(future->get().ok());
  }
  CHECK(a.get()->block_number == 1);
  CHECK(b.get()->block_number == 1);
  CHECK(update.get()->block_number == 2);
  CHECK(update.get()->tx_index == 0);
  CHECK(d.get()->block_number == 3);
  CHECK(g.get()->block_number == 3);
  std::lock_guard lock(f.sink.mutex);
  REQUIRE(f.sink.blocks.size() == 3);
  CHECK(EnvelopesOf(f.sink.blocks[0]) == std::vector<std::string>{"a", "b"});
  CHECK(EnvelopesOf(f.sink.blocks[1]) == std::vector<std::string>{"config"});
  CHECK(EnvelopesOf(f.sink.blocks[2]) == std::vector<std::string>{"d", "e", "g"});
  const auto& blocks = f.sink.blocks;
  CHECK(blocks[1].header().previous_hash() == ledger::HeaderHash(blocks[0].header()));
  CHECK(blocks[2].header().previous_hash() == ledger::HeaderHash(blocks[1].header()));
}

TEST_CASE("orderer: envelopes queued after an isolated one still wait for their batch") {
  Fixture f({"demo", 1000, 1 << 20, kMinuteMs, 100});
  auto a = f.orderer.Submit("a", "a");
  auto update = f.orderer.Submit("config", "cfg", /*isolated=*/true);
  auto c = f.orderer.Submit("c", "c");
  REQUIRE(ReadyPromptly(a));
  REQUIRE(ReadyPromptly(update));
  CHECK(a.get()->block_number == 1);
  CHECK(update.get()->block_number == 2);
  CHECK(c.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  CHECK(f.orderer.pending() == 1);
  f.orderer.Stop();  // c was never cut: it is answered kUnavailable, not put in a block
  CHECK(c.get().status().code() == Code::kUnavailable);
  std::lock_guard lock(f.sink.mutex);
  REQUIRE(f.sink.blocks.size() == 2);
  CHECK(EnvelopesOf(f.sink.blocks[0]) == std::vector<std::string>{"a"});
  CHECK(EnvelopesOf(f.sink.blocks[1]) == std::vector<std::string>{"config"});
}

TEST_CASE("orderer: consecutive isolated submissions each get their own block") {
  Fixture f({"demo", 1000, 1 << 20, kMinuteMs, 100});
  auto first = f.orderer.Submit("config1", "cfg1", /*isolated=*/true);
  auto second = f.orderer.Submit("config2", "cfg2", /*isolated=*/true);
  REQUIRE(ReadyPromptly(first));
  REQUIRE(ReadyPromptly(second));
  CHECK(first.get()->block_number == 1);
  CHECK(second.get()->block_number == 2);
  std::lock_guard lock(f.sink.mutex);
  REQUIRE(f.sink.blocks.size() == 2);
  CHECK(EnvelopesOf(f.sink.blocks[0]) == std::vector<std::string>{"config1"});
  CHECK(EnvelopesOf(f.sink.blocks[1]) == std::vector<std::string>{"config2"});
}

// Pipelining: blocks go to the sink without waiting for the ones before them to commit, each
// chained onto the block cut before it, at most blocks_in_flight at once.
namespace {

// Holds every proposed block until the test resolves it.
class HeldSink final : public node::BlockSink {
 public:
  std::future<Result<milkpb::Block>> Propose(milkpb::Block block) override {
    std::lock_guard lock(mutex);
    proposed.push_back(block);
    promises.emplace_back();
    cv.notify_all();
    return promises.back().get_future();
  }
  uint64_t next_number() const override {
    std::lock_guard lock(mutex);
    return head_number;
  }
  std::string last_header_hash() const override {
    std::lock_guard lock(mutex);
    return head_hash;
  }
  int64_t last_timestamp_ms() const override { return 5000; }
  // Waits (bounded) until count blocks were proposed.
  bool WaitProposed(size_t count) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, kPromptly, [&] { return proposed.size() >= count; });
  }
  // Commits proposed block i (it becomes the head) or fails it.
  void Resolve(size_t i, bool commit) {
    std::lock_guard lock(mutex);
    milkpb::Block block = proposed.at(i);
    resolved.insert(i);
    if (!commit) {
      promises.at(i).set_value(Unavailable("lost"));
      return;
    }
    block.mutable_metadata()->set_validation_codes(std::string(block.data().envelopes_size(), '\0'));
    head_number = block.header().number() + 1;
    head_hash = ledger::HeaderHash(block.header());
    promises.at(i).set_value(block);
  }
  // Fails what is still held, as a stopping sink does (the orderer's Stop waits for every
  // proposed block's answer): a failed check must not leave the test hanging.
  void FailUnresolved() {
    std::lock_guard lock(mutex);
    for (size_t i = 0; i < promises.size(); ++i) {
      if (resolved.insert(i).second) promises[i].set_value(Unavailable("sink stopped"));
    }
  }
  mutable std::mutex mutex;
  std::condition_variable cv;
  std::set<size_t> resolved;
  std::vector<milkpb::Block> proposed;
  std::deque<std::promise<Result<milkpb::Block>>> promises;
  uint64_t head_number = 7;
  std::string head_hash = ledger::ZeroHash();
};

// An orderer cutting one-transaction blocks into a HeldSink.
struct Pipeline {
  explicit Pipeline(size_t blocks_in_flight) : Pipeline(Options(blocks_in_flight)) {}
  explicit Pipeline(node::OrdererOptions options)
      : key(crypto::KeyPairFromSeed(crypto::Sha256("orderer"))),
        orderer(std::move(options), key, "signer", clock, sink) {
    orderer.Start();
  }
  ~Pipeline() {
    sink.FailUnresolved();
    orderer.Stop();
  }
  static node::OrdererOptions Options(size_t blocks_in_flight) {
    node::OrdererOptions options{"demo", 1, 1 << 20, kMinuteMs, 100};
    options.blocks_in_flight = blocks_in_flight;
    return options;
  }
  ManualClock clock{1000};
  crypto::KeyPair key;
  HeldSink sink;
  node::Orderer orderer;
};

}  // namespace

TEST_CASE("orderer: blocks are pipelined, chained onto the block cut before, up to the limit") {
  Pipeline p(3);
  HeldSink& sink = p.sink;
  node::Orderer& orderer = p.orderer;
  std::vector<std::shared_future<Result<node::OrderedTx>>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(orderer.Submit("tx" + std::to_string(i), "id" + std::to_string(i)));
  REQUIRE(sink.WaitProposed(3));  // three cut and proposed while none has committed
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(sink.mutex);
    REQUIRE(sink.proposed.size() == 3);  // the limit holds
    for (size_t i = 0; i < 3; ++i) CHECK(sink.proposed[i].header().number() == 7 + i);
    CHECK(sink.proposed[0].header().previous_hash() == ledger::ZeroHash());
    CHECK(sink.proposed[1].header().previous_hash() == ledger::HeaderHash(sink.proposed[0].header()));
    CHECK(sink.proposed[2].header().previous_hash() == ledger::HeaderHash(sink.proposed[1].header()));
  }
  CHECK(futures[0].wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  sink.Resolve(0, true);
  REQUIRE(ReadyPromptly(futures[0]));
  CHECK(futures[0].get()->block_number == 7);
  REQUIRE(sink.WaitProposed(4));  // room for one more
  for (size_t i = 1; i < 4; ++i) sink.Resolve(i, true);
  REQUIRE(sink.WaitProposed(5));
  sink.Resolve(4, true);
  for (size_t i = 0; i < futures.size(); ++i) {
    REQUIRE(ReadyPromptly(futures[i]));
    REQUIRE(futures[i].get().ok());
    CHECK(futures[i].get()->block_number == 7 + i);
  }
}

TEST_CASE("orderer: after a failed block the cutter drains and chains onto the committed head") {
  Pipeline p(2);
  HeldSink& sink = p.sink;
  node::Orderer& orderer = p.orderer;
  auto a = orderer.Submit("a", "a");
  auto b = orderer.Submit("b", "b");
  REQUIRE(sink.WaitProposed(2));  // 7 and 8 (onto 7)
  sink.Resolve(0, false);         // 7 fails: 8 was cut onto it
  REQUIRE(ReadyPromptly(a));
  CHECK(a.get().status().code() == Code::kUnavailable);
  auto c = orderer.Submit("c", "c");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(sink.mutex);
    CHECK(sink.proposed.size() == 2);  // c waits until nothing is in flight
  }
  sink.Resolve(1, false);
  REQUIRE(ReadyPromptly(b));
  CHECK(b.get().status().code() == Code::kUnavailable);
  REQUIRE(sink.WaitProposed(3));
  {
    std::lock_guard lock(sink.mutex);
    CHECK(sink.proposed[2].header().number() == 7);  // the committed head again
    CHECK(sink.proposed[2].header().previous_hash() == ledger::ZeroHash());
  }
  sink.Resolve(2, true);
  REQUIRE(ReadyPromptly(c));
  REQUIRE(c.get().ok());
  CHECK(c.get()->block_number == 7);
}

TEST_CASE("orderer: an isolated block is cut only when nothing is in flight, and alone") {
  Pipeline p(4);
  HeldSink& sink = p.sink;
  node::Orderer& orderer = p.orderer;
  auto a = orderer.Submit("a", "a");
  REQUIRE(sink.WaitProposed(1));
  auto update = orderer.Submit("config", "cfg", /*isolated=*/true);
  auto d = orderer.Submit("d", "d");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(sink.mutex);
    CHECK(sink.proposed.size() == 1);  // the config block waits for block 7
  }
  sink.Resolve(0, true);
  REQUIRE(sink.WaitProposed(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(sink.mutex);
    REQUIRE(sink.proposed.size() == 2);  // d waits for the config block
    CHECK(EnvelopesOf(sink.proposed[1]) == std::vector<std::string>{"config"});
    CHECK(sink.proposed[1].header().number() == 8);
  }
  sink.Resolve(1, true);
  REQUIRE(sink.WaitProposed(3));
  sink.Resolve(2, true);
  REQUIRE(ReadyPromptly(d));
  CHECK(d.get()->block_number == 9);
  CHECK(update.get()->block_number == 8);
  CHECK(a.get()->block_number == 7);
}

TEST_CASE("orderer: a partial block waits while blocks are in flight, and fills up meanwhile") {
  // max_tx_count 3 and a 1 ms batch timeout: a full block is cut at once, a partial one only
  // once nothing is in flight.
  node::OrdererOptions options{"demo", 3, 1 << 20, 1, 100};
  options.blocks_in_flight = 4;
  Pipeline p(options);
  HeldSink& sink = p.sink;
  node::Orderer& orderer = p.orderer;
  std::vector<std::shared_future<Result<node::OrderedTx>>> futures;
  for (const char* id : {"a", "b", "c"}) futures.push_back(orderer.Submit(id, id));
  REQUIRE(sink.WaitProposed(1));  // full: cut
  futures.push_back(orderer.Submit("d", "d"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // d's timeout passed long ago
  {
    std::lock_guard lock(sink.mutex);
    CHECK(sink.proposed.size() == 1);  // but block 7 is in flight
  }
  futures.push_back(orderer.Submit("e", "e"));
  sink.Resolve(0, true);
  REQUIRE(sink.WaitProposed(2));
  {
    std::lock_guard lock(sink.mutex);
    CHECK(EnvelopesOf(sink.proposed[1]) == std::vector<std::string>{"d", "e"});
  }
  sink.Resolve(1, true);
  for (const auto& f : futures) {
    REQUIRE(ReadyPromptly(f));
    REQUIRE(f.get().ok());
  }
}

// The callback form (OrderedCallback) is how the Gateway answers without a thread per submit:
// every path that resolves a future must call the callbacks too, once, with the same outcome.
namespace {

struct Recorded {
  std::mutex mutex;
  std::vector<Result<node::OrderedTx>> outcomes;
  node::OrderedCallback Callback() {
    return [this](const Result<node::OrderedTx>& outcome) {
      std::lock_guard lock(mutex);
      outcomes.push_back(outcome);
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return outcomes.size();
  }
};

}  // namespace

TEST_CASE("orderer: callbacks get what the futures get, once each, on every path") {
  SECTION("ordered, and a second submitter of the same txid") {
    Fixture f({"demo", 2, 1 << 20, 60000, 100});
    Recorded first, again, other;
    auto a = f.orderer.Submit("x", "a", false, first.Callback());
    f.orderer.Submit("x", "a", false, again.Callback());
    auto b = f.orderer.Submit("y", "b", false, other.Callback());
    REQUIRE(a.get().ok());
    REQUIRE(b.get().ok());
    // The completer resolves the futures before it calls back.
    for (int i = 0; i < 2000 && (first.size() + again.size() + other.size()) < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(first.size() == 1);
    REQUIRE(again.size() == 1);
    REQUIRE(other.size() == 1);
    CHECK(first.outcomes[0]->block_number == a.get()->block_number);
    CHECK(again.outcomes[0]->tx_index == 0);
    CHECK(other.outcomes[0]->tx_index == 1);
  }
  SECTION("refused at once, on the submitting thread") {
    Fixture f({"demo", 1000, 1 << 20, 60000, 1});
    Recorded kept, refused;
    f.orderer.Submit("x", "kept", false, kept.Callback());
    f.orderer.Submit("y", "over", false, refused.Callback());
    REQUIRE(refused.size() == 1);  // before Submit returned
    CHECK(refused.outcomes[0].status().code() == Code::kResourceExhausted);
    CHECK(kept.size() == 0);
    f.orderer.Stop();  // queued: answered kUnavailable
    REQUIRE(kept.size() == 1);
    CHECK(kept.outcomes[0].status().code() == Code::kUnavailable);
    Recorded late;
    f.orderer.Submit("z", "late", false, late.Callback());
    REQUIRE(late.size() == 1);
    CHECK(late.outcomes[0].status().code() == Code::kUnavailable);
  }
  SECTION("a failed block") {
    Fixture f({"demo", 1, 1 << 20, 60000, 100});
    f.sink.fail = true;
    Recorded failed;
    auto a = f.orderer.Submit("x", "a", false, failed.Callback());
    CHECK(a.get().status().code() == Code::kUnavailable);
    for (int i = 0; i < 2000 && failed.size() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(failed.size() == 1);
    CHECK(failed.outcomes[0].status().code() == Code::kUnavailable);
  }
}
