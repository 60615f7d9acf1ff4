// Faults that stalled or wedged consenters, each reduced to its trigger (regression tests):
// - a consenter that hangs (SIGSTOP) right after it restarts, before the others reconnected to
//   it, must not stall the other consenters' Raft threads;
// - a consenter killed after recording a leader's snapshot but before fetching the snapshot's
//   blocks must still end up with every block.
#include <catch2/catch.hpp>
#include <regex>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/cluster_load.h"
#include "tests/integration/wal_scan.h"

namespace milk::integration {
namespace {

constexpr int kClients = 4;
constexpr int64_t kMilestoneTimeoutMs = 30000;
constexpr int64_t kConvergeTimeoutMs = 30000;

// Issues 1 token to alice through node `via` until it commits or timeout_ms passes; the time
// it took, or -1.
int64_t CommitOneWithin(const TestCluster& cluster, size_t via, int64_t timeout_ms) {
  const auto start = std::chrono::steady_clock::now();
  client::GatewayOptions options;
  options.deadline_ms = timeout_ms;
  const client::GatewayClient peer = cluster.Client(via, options);
  const client::Signer issuer = cluster.Member("issuer");
  const std::string alice = cluster.Address("alice");
  bool committed = PollUntil(timeout_ms, [&] {
    auto issued = InvokeToken(peer, issuer, "issue", {alice, "1"});
    return issued.ok() && issued->code == milkpb::VALID;
  });
  if (!committed) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// The majority left when one consenter hangs commits within this long: a few elections.
constexpr int64_t kHungPeerCommitBoundMs = 5000;
// How long transactions keep going with the consenter hung: past the others' reconnection
// backoff (at most a second in the node's transport).
constexpr auto kHungPeerWatch = std::chrono::seconds(3);

// Was: node/raft/cluster_transport.cc opened a stream (which waits for the HTTP/2 handshake)
// while holding the peer's mutex that Send() takes on the Raft thread.
TEST_CASE("a consenter hung right after it restarts does not stall the others",
          "[integration][cluster]") {
  TestCluster cluster;
  const size_t leader = cluster.LeaderIndex();
  const size_t hung = (leader + 1) % cluster.size();
  const size_t other = (leader + 2) % cluster.size();
  REQUIRE(CommitOneWithin(cluster, other, kMilestoneTimeoutMs) >= 0);

  // Restarted and frozen before the others' reconnection backoff ends: they connect to a
  // socket that accepts but never answers.
  cluster.Kill9(hung);
  cluster.Restart(hung);
  cluster.Pause(hung);
  // Transactions one after another for a while: the others reconnect (and would stall) at
  // some point within their reconnection backoff of a second or so.
  const auto until = std::chrono::steady_clock::now() + kHungPeerWatch;
  int64_t slowest_ms = 0;
  int commits = 0;
  while (std::chrono::steady_clock::now() < until && slowest_ms >= 0) {
    const int64_t took_ms = CommitOneWithin(cluster, other, 2 * kHungPeerCommitBoundMs);
    slowest_ms = took_ms < 0 ? -1 : std::max(slowest_ms, took_ms);
    ++commits;
  }
  WARN(commits << " commits with a hung consenter; the slowest took " << slowest_ms
               << " ms (-1: one did not commit within " << 2 * kHungPeerCommitBoundMs << " ms)");
  CHECK(slowest_ms >= 0);
  CHECK(slowest_ms <= kHungPeerCommitBoundMs);
  cluster.Resume(hung);
  CheckNodesConverge(cluster, {0, 1, 2}, kConvergeTimeoutMs);
}

// See cluster_test.cc: with a snapshot every 20 entries keeping 5, this many entries applied by
// the others leave the victim's whole log behind the leader's first index, and make the fetch
// of the snapshot's blocks long enough (a few hundred milliseconds) to kill the victim in it.
constexpr uint64_t kEntriesWhileDown = 150;
// The victim records the leader's snapshot within an election or two of its restart.
constexpr int64_t kSnapshotMarkTimeoutMs = 15000;
// Killing the victim in the middle of its fetch is a race it may lose; each try is a full
// down-compact-restart cycle of a few seconds.
constexpr int kFetchKillTriesMax = 3;

// The height the victim's log reports for the chain at its last start ("chain opened").
uint64_t HeightAtLastStart(const std::string& log) {
  static const std::regex kOpened("chain opened chain=demo height=([0-9]+)");
  uint64_t height = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), kOpened);
       it != std::sregex_iterator(); ++it) {
    height = std::stoull((*it)[1].str());
  }
  return height;
}

// Was: a consenter restarted with a snapshot in its WAL but not its blocks skipped every later
// block; now it fetches the blocks the snapshot covers before anything else.
TEST_CASE("a consenter killed while fetching the blocks of a snapshot catches up after restart",
          "[integration][cluster][snapshot]") {
  ClusterOptions options;
  options.wallets = LoadWalletNames(kClients);
  options.snapshot_every_entries = 20;
  options.snapshot_keep_entries = 5;
  TestCluster cluster(options);
  const size_t leader = cluster.LeaderIndex();
  const size_t victim = (leader + 1) % cluster.size();
  const size_t other = (leader + 2) % cluster.size();
  FundSenders(cluster, leader, kClients);

  uint64_t target = 0;
  bool killed_in_fetch = false;
  for (int attempt = 0; attempt < kFetchKillTriesMax && !killed_in_fetch; ++attempt) {
    cluster.Kill9(victim);
    auto at_kill = ScanWal(cluster.wal_dir(victim));
    INFO(at_kill.status().ToString());
    REQUIRE(at_kill.ok());
    {
      ClusterLoad load(cluster, {kClients, {leader, other}});
      REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] {
        return cluster.Applied(leader) >= at_kill->last_entry_index + kEntriesWhileDown;
      }));
      for (const ClientRun& run : load.Finish()) REQUIRE(run.fatal.empty());
    }
    auto height = cluster.Height(leader);
    REQUIRE(height.ok());
    target = *height;
    cluster.Restart(victim);
    REQUIRE(PollUntil(kSnapshotMarkTimeoutMs, [&] {
      auto scan = ScanWal(cluster.wal_dir(victim));
      return scan.ok() && !scan->installed_snapshots.empty() &&
             scan->installed_snapshots.back() > at_kill->last_entry_index;
    }));
    cluster.Kill9(victim);
    cluster.Restart(victim);
    killed_in_fetch = HeightAtLastStart(cluster.Log(victim)) < target;
    WARN("try " << attempt << ": victim restarted at height "
                << HeightAtLastStart(cluster.Log(victim)) << ", snapshot height about " << target);
  }
  REQUIRE(killed_in_fetch);

  const bool caught_up = PollUntil(kConvergeTimeoutMs, [&] {
    auto height = cluster.Height(victim);
    return height.ok() && *height >= target;
  });
  auto height_now = cluster.Height(victim);
  auto status_now = cluster.Status(victim);
  INFO("victim height " << (height_now.ok() ? *height_now : 0) << ", target " << target
                        << "; its raft applied index "
                        << (status_now.ok() ? status_now->applied() : 0) << ", the leader's "
                        << cluster.Applied(leader));
  CHECK(caught_up);
  if (caught_up) CheckNodesConverge(cluster, {0, 1, 2}, kConvergeTimeoutMs);
}

}  // namespace
}  // namespace milk::integration
