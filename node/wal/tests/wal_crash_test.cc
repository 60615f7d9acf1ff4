// Crash simulation: a child process saves in a loop and reports each operation on a pipe
// only after it returned; the parent kills it with SIGKILL at a random moment, reopens the WAL
// and checks that everything reported is there, intact. The child's operations are generated
// deterministically from the recovered state and a seed, so the parent knows exactly what was
// acknowledged and what the one operation in flight may have left behind.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <random>

#include "node/wal/tests/wal_test_util.h"
#include "node/wal/wal.h"

namespace milk::node::wal {
namespace {

using namespace testing;  // NOLINT

// What the WAL should hold.
struct Expected {
  std::optional<WalHardState> hard_state;
  std::optional<WalSnapshotMark> mark;
  std::map<uint64_t, WalEntry> entries;  // after the mark

  uint64_t MarkIndex() const { return mark ? mark->index : 0; }
  uint64_t LastIndex() const { return entries.empty() ? MarkIndex() : entries.rbegin()->first; }
  uint64_t Commit() const { return hard_state ? hard_state->commit : 0; }
  uint64_t Term() const { return hard_state ? std::max<uint64_t>(hard_state->term, 1) : 1; }
};

Expected FromRecovery(const WalRecovery& recovery) {
  Expected out{recovery.hard_state, recovery.snapshot_mark, {}};
  for (const WalEntry& entry : recovery.entries) out.entries[entry.index] = entry;
  return out;
}

struct Op {
  bool is_mark = false;  // SaveSnapshotMark(mark) then Compact(mark.index); else Save
  std::optional<WalHardState> hard_state;
  std::vector<WalEntry> entries;
  WalSnapshotMark mark;
};

// A deterministic stream of valid operations: appends, suffix overwrites by a new term, and
// snapshot marks with compaction.
class Workload {
 public:
  Workload(Expected state, uint64_t seed) : state_(std::move(state)), rng_(seed) {}

  Op Next() {
    uint64_t last = state_.LastIndex();
    uint64_t floor = std::max(state_.Commit(), state_.MarkIndex());
    uint64_t roll = Uniform(0, 99);
    Op op;
    if (roll < 12 && last > floor + 1) {
      uint64_t from = Uniform(floor + 1, last);
      uint64_t term = state_.Term() + 1;
      op.entries = MakeEntries(from, Uniform(1, 3), term);
      op.hard_state = WalHardState{term, 0, state_.Commit()};
    } else if (roll < 22 && state_.Commit() > state_.MarkIndex()) {
      uint64_t at = Uniform(state_.MarkIndex() + 1, state_.Commit());
      op.is_mark = true;
      op.mark = WalSnapshotMark{at, state_.entries.at(at).term, "conf-" + std::to_string(at)};
    } else {
      uint64_t count = Uniform(1, 4);
      op.entries = MakeEntries(last + 1, count, state_.Term());
      uint64_t commit = std::min(last + count, state_.Commit() + Uniform(0, 3));
      op.hard_state = WalHardState{state_.Term(), 1, commit};
    }
    return op;
  }

  void Apply(const Op& op) {
    if (op.is_mark) {
      state_.mark = op.mark;
      state_.entries.erase(state_.entries.begin(), state_.entries.upper_bound(op.mark.index));
      return;
    }
    if (!op.entries.empty()) {
      state_.entries.erase(state_.entries.lower_bound(op.entries.front().index),
                           state_.entries.end());
    }
    for (const WalEntry& entry : op.entries) state_.entries[entry.index] = entry;
    state_.hard_state = op.hard_state;
  }

  const Expected& state() const { return state_; }

 private:
  uint64_t Uniform(uint64_t low, uint64_t high) {
    return std::uniform_int_distribution<uint64_t>(low, high)(rng_);
  }
  std::vector<WalEntry> MakeEntries(uint64_t from, uint64_t count, uint64_t term) {
    std::vector<WalEntry> out;
    for (uint64_t i = from; i < from + count; ++i) out.push_back(Entry(i, term, Uniform(0, 3000)));
    return out;
  }

  Expected state_;
  std::mt19937_64 rng_;
};

WalOptions CrashOptions() {
  WalOptions options;
  options.segment_bytes_max = 16 << 10;  // many rollovers and compactions per round
  return options;
}

// The child: runs operations forever, reporting each count after it returned. Never returns.
[[noreturn]] void RunChild(const std::string& dir, uint64_t seed, int report_fd) {
  WalRecovery recovery;
  auto wal = Wal::Open(dir, CrashOptions(), &recovery);
  if (!wal.ok()) ::_exit(2);
  Workload workload(FromRecovery(recovery), seed);
  for (uint64_t done = 1;; ++done) {
    Op op = workload.Next();
    Status status =
        op.is_mark ? (*wal)->SaveSnapshotMark(op.mark) : (*wal)->Save(op.hard_state, op.entries);
    if (status.ok() && op.is_mark) status = (*wal)->Compact(op.mark.index);
    if (!status.ok()) ::_exit(3);
    workload.Apply(op);
    if (::write(report_fd, &done, sizeof(done)) != sizeof(done)) ::_exit(4);
  }
}

// Forks the child, lets it acknowledge at least `target` operations, kills it, and returns how
// many operations it acknowledged in all.
uint64_t RunAndKill(const std::string& dir, uint64_t seed, uint64_t target, uint64_t spin) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    RunChild(dir, seed, fds[1]);
  }
  ::close(fds[1]);
  uint64_t acknowledged = 0;
  uint64_t count = 0;
  bool killed = false;
  while (::read(fds[0], &count, sizeof(count)) == sizeof(count)) {
    acknowledged = count;
    if (!killed && acknowledged >= target) {
      std::atomic<uint64_t> busy{0};  // a busy wait, so the kill lands at a random point
      while (busy.fetch_add(1, std::memory_order_relaxed) < spin) {
      }
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  int wait_status = 0;
  REQUIRE(::waitpid(pid, &wait_status, 0) == pid);
  INFO("child exit status " << (WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1));
  REQUIRE(WIFSIGNALED(wait_status));
  REQUIRE(WTERMSIG(wait_status) == SIGKILL);
  return acknowledged;
}

// Checks the recovered WAL against the state after `acknowledged` operations, allowing any
// prefix of the one operation that was in flight.
void CheckRecovered(const WalRecovery& recovered, const Expected& before, uint64_t seed,
                    uint64_t acknowledged) {
  Workload replay(before, seed);
  for (uint64_t i = 0; i < acknowledged; ++i) replay.Apply(replay.Next());
  const Expected done = replay.state();
  Op in_flight = replay.Next();
  replay.Apply(in_flight);
  const Expected maybe = replay.state();

  CHECK((recovered.hard_state == done.hard_state || recovered.hard_state == maybe.hard_state));
  CHECK((recovered.snapshot_mark == done.mark || recovered.snapshot_mark == maybe.mark));
  uint64_t mark_index = recovered.snapshot_mark ? recovered.snapshot_mark->index : 0;
  uint64_t expected_index = mark_index + 1;
  for (const WalEntry& entry : recovered.entries) {
    CHECK(entry.index == expected_index++);
    auto was = done.entries.find(entry.index);
    auto may = maybe.entries.find(entry.index);
    bool known = (was != done.entries.end() && was->second == entry) ||
                 (may != maybe.entries.end() && may->second == entry);
    INFO("entry " << entry.index << " term " << entry.term);
    CHECK(known);
  }
  // Everything acknowledged is there, unless the in-flight write legitimately replaced it.
  uint64_t replaced_from = UINT64_MAX;
  if (!in_flight.is_mark && !in_flight.entries.empty()) {
    replaced_from = in_flight.entries.front().index;
  }
  std::map<uint64_t, WalEntry> got;
  for (const WalEntry& entry : recovered.entries) got[entry.index] = entry;
  for (const auto& [index, entry] : done.entries) {
    if (index <= mark_index || index >= replaced_from) continue;
    INFO("acknowledged entry " << index);
    CHECK((got.count(index) == 1 && got[index] == entry));
  }
  // The hard state is the last record of its write: if it survived, so did its entries.
  if (!in_flight.is_mark && recovered.hard_state == maybe.hard_state &&
      maybe.hard_state != done.hard_state) {
    for (const WalEntry& entry : in_flight.entries) {
      CHECK((got.count(entry.index) == 1 && got[entry.index] == entry));
    }
  }
}

TEST_CASE("entries acknowledged before a kill -9 survive it") {
  TempDir dir;
  std::mt19937_64 rng(20240611);
  constexpr int kRounds = 20;  // each round: one child, killed after 1-30 acknowledged ops
  uint64_t total_acknowledged = 0;
  for (int round = 0; round < kRounds; ++round) {
    WalRecovery recovery;
    MustOpen(dir.path(), &recovery, CrashOptions());  // cut any torn tail first
    Expected before = FromRecovery(recovery);
    uint64_t seed = 1000 + static_cast<uint64_t>(round);
    uint64_t target = std::uniform_int_distribution<uint64_t>(1, 30)(rng);
    uint64_t spin = std::uniform_int_distribution<uint64_t>(0, 2000000)(rng);
    uint64_t acknowledged = RunAndKill(dir.path(), seed, target, spin);
    total_acknowledged += acknowledged;

    INFO("round " << round << " acknowledged " << acknowledged);
    WalRecovery recovered;
    MustOpen(dir.path(), &recovered, CrashOptions());
    CheckRecovered(recovered, before, seed, acknowledged);
  }
  CHECK(total_acknowledged >= kRounds);
}

}  // namespace
}  // namespace milk::node::wal
