// Three real milkd consenters ordering one chain with Raft (ARCHITECTURE.md section 5): the
// leader killed under load, a follower frozen under load, and `milk cluster status`.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/cluster_load.h"
#include "tests/integration/ledger_scan.h"
#include "tests/integration/wal_scan.h"

namespace milk::integration {
namespace {

constexpr int kClients = 6;
// Bounded waits for load milestones: each takes a few seconds on a busy 2-core machine.
constexpr int64_t kMilestoneTimeoutMs = 30000;
// After the load stops, every node holds the same blocks within this long (one catch-up).
constexpr int64_t kConvergeTimeoutMs = 20000;

std::vector<size_t> AllNodes(const TestCluster& cluster) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < cluster.size(); ++i) nodes.push_back(i);
  return nodes;
}

uint64_t HeightOf(const TestCluster& cluster, size_t i) {
  auto height = cluster.Height(i);
  return height.ok() ? *height : 0;
}

// Kill -9 of the leader mid-load.
constexpr int kCommitsBeforeKill = 150;
// A new leader must commit a transaction started after the kill within this long: with
// 200-400 ms election timeouts that is several elections, and clients retrying every 20 ms.
constexpr int64_t kFailoverBoundMs = 5000;
// Entries the survivors apply while the victim is down. With a snapshot every 20 entries that
// keeps 5, the leader's log then begins at least 30 entries past the victim's last one, so the
// victim can only catch up from a snapshot (and Deliver for the blocks).
constexpr uint64_t kEntriesWhileDown = 60;
// Transfers after the restart, with the victim serving its share of the clients.
constexpr int kCommitsAfterRestart = 100;

TEST_CASE("kill -9 of the leader under load elects a new leader and the victim catches up",
          "[integration][cluster]") {
  ClusterOptions options;
  options.wallets = LoadWalletNames(kClients);
  options.snapshot_every_entries = 20;
  options.snapshot_keep_entries = 5;
  TestCluster cluster(options);
  const size_t victim = cluster.LeaderIndex();
  FundSenders(cluster, (victim + 1) % cluster.size(), kClients);  // forwarded by a follower

  std::vector<ClientRun> runs;
  {
    ClusterLoad load(cluster, {kClients, {}});
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.reported() >= kCommitsBeforeKill; }));
    load.Mark();
    cluster.Kill9(victim);
    auto wal_at_kill = ScanWal(cluster.wal_dir(victim));
    INFO(wal_at_kill.status().ToString());
    REQUIRE(wal_at_kill.ok());
    const uint64_t victim_last_index = wal_at_kill->last_entry_index;

    const size_t leader = cluster.LeaderIndex();
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.FirstReportAfterMarkMs() >= 0; }));
    WARN("first commit of a transaction started after the kill: " << load.FirstReportAfterMarkMs()
                                                                  << " ms");
    CHECK(load.FirstReportAfterMarkMs() <= kFailoverBoundMs);

    const bool compacted = PollUntil(kMilestoneTimeoutMs, [&] {
      return cluster.Applied(leader) >= victim_last_index + kEntriesWhileDown;
    });
    INFO("victim's last index " << victim_last_index << ", leader applied "
                                << cluster.Applied(leader));
    REQUIRE(compacted);

    const uint64_t height_at_restart = HeightOf(cluster, leader);
    cluster.Restart(victim);
    const bool caught_up = PollUntil(
        kMilestoneTimeoutMs, [&] { return HeightOf(cluster, victim) >= height_at_restart; });
    INFO("victim height " << HeightOf(cluster, victim) << ", leader's at restart "
                          << height_at_restart);
    REQUIRE(caught_up);
    // It caught up from a snapshot past the end of its log, not from the log.
    auto wal_now = ScanWal(cluster.wal_dir(victim));
    INFO(wal_now.status().ToString());
    REQUIRE(wal_now.ok());
    INFO("snapshots installed: " << wal_now->installed_snapshots.size());
    CHECK(std::any_of(wal_now->installed_snapshots.begin(), wal_now->installed_snapshots.end(),
                      [&](uint64_t index) { return index > victim_last_index; }));
    const int at_restart = load.reported();
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return load.reported() >= at_restart + kCommitsAfterRestart; }));
    runs = load.Finish();
  }
  const uint64_t height = CheckNodesConverge(cluster, AllNodes(cluster), kConvergeTimeoutMs);
  WARN("converged at height " << height);
  CheckAfterLoad(cluster, runs, AllNodes(cluster), kClients);
  // Everyone, the victim included, still agrees on one leader.
  cluster.LeaderIndex();
}

// A follower frozen with SIGSTOP while the load runs.
constexpr int kCommitsBeforePause = 50;
// Blocks the majority commits while the follower is frozen.
constexpr uint64_t kBlocksWhilePaused = 30;
constexpr int kCommitsAfterResume = 50;

TEST_CASE("a paused follower does not stop the majority and converges after it resumes",
          "[integration][cluster]") {
  ClusterOptions options;
  options.wallets = LoadWalletNames(kClients);
  TestCluster cluster(options);
  const size_t leader = cluster.LeaderIndex();
  const size_t frozen = (leader + 1) % cluster.size();
  const size_t other = (leader + 2) % cluster.size();
  FundSenders(cluster, leader, kClients);

  std::vector<ClientRun> runs;
  {
    // The clients use the two nodes that keep answering (the other follower forwards).
    ClusterLoad load(cluster, {kClients, {leader, other}});
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.reported() >= kCommitsBeforePause; }));
    cluster.Pause(frozen);
    const uint64_t height_at_pause = std::max(HeightOf(cluster, leader), HeightOf(cluster, other));
    const bool grew = PollUntil(kMilestoneTimeoutMs, [&] {
      return HeightOf(cluster, leader) >= height_at_pause + kBlocksWhilePaused &&
             HeightOf(cluster, other) >= height_at_pause + kBlocksWhilePaused;
    });
    INFO("height at pause " << height_at_pause << ", now " << HeightOf(cluster, leader) << " and "
                            << HeightOf(cluster, other));
    REQUIRE(grew);
    // The leader sees the frozen follower fall behind.
    auto status = cluster.Status(cluster.LeaderIndex());
    INFO(status.status().ToString());
    REQUIRE(status.ok());
    bool lag_seen = false;
    for (const milkpb::PeerProgress& p : status->progress()) {
      if (p.raft_id() == frozen + 1) lag_seen = p.lag() > 0;
    }
    CHECK(lag_seen);

    cluster.Resume(frozen);
    const int at_resume = load.reported();
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return load.reported() >= at_resume + kCommitsAfterResume; }));
    runs = load.Finish();
  }
  CheckNodesConverge(cluster, AllNodes(cluster), kConvergeTimeoutMs);
  CheckAfterLoad(cluster, runs, AllNodes(cluster), kClients);
}

// `milk cluster status`.
constexpr int kStatusAttemptsMax = 5;  // an election between two answers is possible, not 5

nlohmann::json ClusterStatusJson(const TestCluster& cluster, const std::vector<std::string>& peers,
                                 const std::string& chain_id, int expected_exit) {
  std::vector<std::string> args;
  for (const std::string& peer : peers) {
    args.push_back("--peer");
    args.push_back(peer);
  }
  args.insert(args.end(), {"--timeout-ms", "5000", "--json", "cluster", "status", "-C", chain_id});
  const CommandResult result = cluster.RunMilk(args);
  INFO("milk cluster status: " << result.out << result.err);
  REQUIRE(result.exit_code == expected_exit);
  nlohmann::json answers = nlohmann::json::parse(result.out, nullptr, false);
  REQUIRE(answers.is_array());
  REQUIRE(answers.size() == peers.size());
  return answers;
}

// True when the answers without "error" name exactly one leader, which they all follow in one
// term. Fails the test on malformed answers.
bool OneLeaderOneTerm(const nlohmann::json& answers, size_t expected_answers) {
  size_t answered = 0, leaders = 0;
  std::set<uint64_t> terms, leader_ids;
  for (const auto& a : answers) {
    if (a.contains("error")) continue;
    ++answered;
    REQUIRE(a["raft_id"].get<uint64_t>() >= 1);
    if (a["role"] == "leader") {
      ++leaders;
      CHECK(a["progress"].size() >= 2);  // every other consenter at least
    }
    terms.insert(a["term"].get<uint64_t>());
    leader_ids.insert(a["leader"].get<uint64_t>());
  }
  REQUIRE(answered == expected_answers);
  return leaders == 1 && terms.size() == 1 && leader_ids.size() == 1 && *leader_ids.begin() != 0;
}

TEST_CASE("milk cluster status shows one leader and one term on every node",
          "[integration][cluster][cli]") {
  TestCluster cluster;
  std::vector<std::string> peers = cluster.endpoints();

  int attempts = 0;
  nlohmann::json answers;
  do {
    const size_t leader = cluster.LeaderIndex();
    answers = ClusterStatusJson(cluster, peers, kChainId, 0);
    ++attempts;
    if (OneLeaderOneTerm(answers, peers.size())) {
      CHECK(answers[leader]["role"] == "leader");
      break;
    }
  } while (attempts < kStatusAttemptsMax);
  INFO(answers.dump(2));
  CHECK(OneLeaderOneTerm(answers, peers.size()));
  for (size_t i = 0; i < peers.size(); ++i) {
    CHECK(answers[i]["endpoint"] == peers[i]);
    CHECK(answers[i]["raft_id"] == i + 1);
  }

  SECTION("text output: one row per peer and the leader's progress") {
    std::vector<std::string> args;
    for (const std::string& peer : peers) args.insert(args.end(), {"--peer", peer});
    args.insert(args.end(), {"cluster", "status", "-C", kChainId});
    const CommandResult result = cluster.RunMilk(args);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.rfind("ENDPOINT", 0) == 0);
    for (const std::string& peer : peers) CHECK(result.out.find(peer) != std::string::npos);
    CHECK(result.out.find("progress reported by the leader (raft id ") != std::string::npos);
    CHECK(result.out.find(" replicate ") != std::string::npos);
  }

  SECTION("a peer that does not answer gets a row; exit 1 only when none answers") {
    const std::string closed = "127.0.0.1:" + std::to_string(PickFreePorts(1).front());
    std::vector<std::string> with_closed = peers;
    with_closed.push_back(closed);
    const nlohmann::json mixed = ClusterStatusJson(cluster, with_closed, kChainId, 0);
    CHECK(mixed.back()["endpoint"] == closed);
    CHECK(mixed.back()["error"].get<std::string>().find("connection refused") != std::string::npos);

    const nlohmann::json none = ClusterStatusJson(cluster, {closed}, kChainId, 1);
    CHECK(none.front()["error"].get<std::string>().find(closed) != std::string::npos);
    const nlohmann::json unknown = ClusterStatusJson(cluster, peers, "nosuchchain", 1);
    for (const auto& a : unknown) {
      CHECK(a["error"].get<std::string>().find("not joined") != std::string::npos);
    }
  }

  SECTION("a stopped follower shows as not answering and the others keep one leader") {
    const size_t leader = cluster.LeaderIndex();
    const size_t follower = (leader + 1) % cluster.size();
    cluster.Stop(follower);
    const nlohmann::json stopped = ClusterStatusJson(cluster, peers, kChainId, 0);
    CHECK(stopped[follower].contains("error"));
    CHECK(stopped[leader]["role"] == "leader");
    cluster.Restart(follower);
    cluster.LeaderIndex();
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] {
      return OneLeaderOneTerm(ClusterStatusJson(cluster, peers, kChainId, 0), peers.size());
    }));
  }
}

}  // namespace
}  // namespace milk::integration
