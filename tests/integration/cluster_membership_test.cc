// Consenter membership through config updates (docs/chain_config.md, docs/consensus.md
// "Membership"): under continuous load a fourth node joins by the genesis block, follows the
// chain, becomes a consenter through `milk chain consenter add`, and then the leader is removed
// through `milk chain consenter remove`; nothing acknowledged is lost and ordering stalls for at
// most an election.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/cluster_load.h"
#include "tests/integration/ledger_scan.h"

namespace milk::integration {
namespace {

constexpr int kClients = 6;
constexpr int64_t kMilestoneTimeoutMs = 30000;
constexpr int64_t kConvergeTimeoutMs = 20000;
constexpr int kCommitsBefore = 100;
constexpr int kCommitsBetween = 100;
constexpr int kCommitsAfter = 100;
// Removing the leader costs one election (200-400 ms here) plus client retries: the first
// transaction started after the removal must commit well within this.
constexpr int64_t kStallBoundMs = 5000;
constexpr size_t kSpare = 3;  // node index of the added consenter; raft id 4

uint64_t HeightOf(const TestCluster& cluster, size_t i) {
  auto height = cluster.Height(i);
  return height.ok() ? *height : 0;
}

std::set<uint64_t> ProgressIds(const TestCluster& cluster, size_t leader) {
  std::set<uint64_t> ids;
  auto status = cluster.Status(leader);
  if (status.ok()) {
    for (const auto& p : status->progress()) ids.insert(p.raft_id());
  }
  return ids;
}

CommandResult Milk(const TestCluster& cluster, size_t via, const std::string& identity,
                   std::vector<std::string> args) {
  std::vector<std::string> argv = {"--peer", cluster.endpoint(via), "--identity",
                                   cluster.crypto_dir() + "/orgs/" + kOrg + "/members/" + identity};
  argv.insert(argv.end(), args.begin(), args.end());
  return cluster.RunMilk(argv);
}

std::vector<std::string> AddArgs(const TestCluster& cluster, size_t node) {
  const std::string member =
      cluster.crypto_dir() + "/orgs/" + kOrg + "/members/orderer" + std::to_string(node);
  std::vector<std::string> args = {"chain", "consenter", "add", "-C", kChainId,
                                   "--cert", member + "/cert", "--endpoint", cluster.endpoint(node),
                                   "--raft-id", std::to_string(node + 1)};
  if (std::filesystem::exists(member + "/tls.crt")) {  // the cluster runs TLS: bind its cert
    args.push_back("--consenter-tls-cert");
    args.push_back(member + "/tls.crt");
  }
  return args;
}

}  // namespace

TEST_CASE("a consenter added and the leader removed under load lose nothing",
          "[integration][cluster]") {
  ClusterOptions options;
  options.wallets = LoadWalletNames(kClients);
  options.spare_nodes = 1;
  options.snapshot_every_entries = 50;
  options.snapshot_keep_entries = 10;
  TestCluster cluster(options);
  FundSenders(cluster, 0, kClients);

  std::vector<ClientRun> runs;
  size_t removed = 0;
  {
    ClusterLoad load(cluster, {kClients, {0, 1, 2}});
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.reported() >= kCommitsBefore; }));

    // The spare joins by the genesis block and follows the chain without being a consenter.
    cluster.StartSpare(kSpare);
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] {
      return HeightOf(cluster, kSpare) + 5 >= HeightOf(cluster, 0) && HeightOf(cluster, kSpare) > 3;
    }));
    CHECK_FALSE(cluster.Status(kSpare).ok());  // no Raft status: it does not order the chain

    // Refused updates change nothing: a non-admin, and removing a raft id nobody has.
    CommandResult by_client = Milk(cluster, 0, "issuer", {"chain", "consenter", "remove", "-C",
                                                          kChainId, "--raft-id", "1"});
    INFO(by_client.out << by_client.err);
    CHECK(by_client.exit_code == 1);
    CommandResult unknown = Milk(cluster, 0, "admin", {"chain", "consenter", "remove", "-C",
                                                       kChainId, "--raft-id", "9"});
    INFO(unknown.out << unknown.err);
    CHECK(unknown.exit_code == 1);

    // Add raft id 4.
    CommandResult added = Milk(cluster, 1, "admin", AddArgs(cluster, kSpare));
    INFO(added.out << added.err);
    REQUIRE(added.exit_code == 0);
    CHECK(added.out.find("VALID") != std::string::npos);
    cluster.SetConsenter(kSpare, true);
    size_t leader = cluster.LeaderIndex();
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] {
      return ProgressIds(cluster, leader) == std::set<uint64_t>{1, 2, 3, 4};
    }));
    auto spare_status = cluster.Status(kSpare);
    REQUIRE(spare_status.ok());
    CHECK(spare_status->raft_id() == 4);
    const int at_add = load.reported();
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return load.reported() >= at_add + kCommitsBetween; }));

    // Remove the leader (the hardest member to lose): the others elect among themselves.
    leader = cluster.LeaderIndex();
    removed = leader;
    const size_t via = (leader + 1) % 3;
    load.Mark();
    CommandResult gone = Milk(cluster, via, "admin",
                              {"chain", "consenter", "remove", "-C", kChainId, "--raft-id",
                               std::to_string(leader + 1)});
    INFO(gone.out << gone.err);
    REQUIRE(gone.exit_code == 0);
    cluster.SetConsenter(removed, false);
    const size_t new_leader = cluster.LeaderIndex();
    CHECK(new_leader != removed);
    std::set<uint64_t> expected{1, 2, 3, 4};
    expected.erase(removed + 1);
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return ProgressIds(cluster, cluster.LeaderIndex()) == expected; }));
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.FirstReportAfterMarkMs() >= 0; }));
    WARN("first commit of a transaction started with the leader's removal: "
         << load.FirstReportAfterMarkMs() << " ms");
    CHECK(load.FirstReportAfterMarkMs() <= kStallBoundMs);
    const int at_remove = load.reported();
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return load.reported() >= at_remove + kCommitsAfter; }));
    runs = load.Finish();
  }
  // All four nodes, the removed one following as a peer, hold byte-identical blocks.
  const std::vector<size_t> all = {0, 1, 2, 3};
  const uint64_t height = CheckNodesConverge(cluster, all, kConvergeTimeoutMs);
  WARN("converged at height " << height);
  CHECK_FALSE(cluster.Status(removed).ok());  // it no longer orders the chain
  CheckAfterLoad(cluster, runs, all, kClients);
}

}  // namespace milk::integration

namespace milk::integration {

TEST_CASE("milk cluster transfer hands leadership to the chosen consenter",
          "[integration][cluster]") {
  ClusterOptions options;
  TestCluster cluster(options);
  const size_t leader = cluster.LeaderIndex();
  const uint64_t term = cluster.Status(leader)->term();
  const size_t target = (leader + 1) % cluster.size();
  const std::vector<std::string> transfer = {"cluster", "transfer", "-C", kChainId};

  SECTION("to a named consenter, asked through a follower") {
    std::vector<std::string> args = transfer;
    args.insert(args.end(), {"--to", std::to_string(target + 1)});
    CommandResult moved = Milk(cluster, target, "admin", args);
    INFO(moved.out << moved.err);
    REQUIRE(moved.exit_code == 0);
    CHECK(moved.out.find("raft id " + std::to_string(target + 1) + " now leads") !=
          std::string::npos);
    CHECK(cluster.LeaderIndex() == target);
    CHECK(cluster.Status(target)->term() > term);
    // Without --to: the most caught-up other consenter takes over.
    CommandResult again = Milk(cluster, leader, "admin", transfer);
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(cluster.LeaderIndex() != target);
  }
  SECTION("refused: not an admin, or not a consenter; the leader stays") {
    std::vector<std::string> args = transfer;
    args.insert(args.end(), {"--to", std::to_string(target + 1)});
    CommandResult by_client = Milk(cluster, leader, "issuer", args);
    INFO(by_client.out << by_client.err);
    CHECK(by_client.exit_code == 1);
    CHECK(by_client.err.find("admin") != std::string::npos);
    std::vector<std::string> unknown = transfer;
    unknown.insert(unknown.end(), {"--to", "9"});
    CommandResult to_unknown = Milk(cluster, leader, "admin", unknown);
    INFO(to_unknown.out << to_unknown.err);
    CHECK(to_unknown.exit_code == 1);
    CHECK(cluster.LeaderIndex() == leader);
    CHECK(cluster.Status(leader)->term() == term);
  }
}

}  // namespace milk::integration

namespace milk::integration {
namespace {

void Faults(const TestCluster& cluster, size_t i, milkpb::SetClusterFaultsRequest request) {
  request.set_chain_id(kChainId);
  const Status status = cluster.SetClusterFaults(i, request);
  INFO("SetClusterFaults on node" << i << ": " << status.ToString());
  REQUIRE(status.ok());
}

}  // namespace

// A consenter cut off while consenter 4 is added, which then leads: the lagging node does not
// know raft id 4, refuses its messages, and must catch up by itself (block fetch) to rejoin.
TEST_CASE("a consenter that missed the addition of the leader catches up after healing",
          "[integration][cluster]") {
  ClusterOptions options;
  options.spare_nodes = 1;
  options.wallets = LoadWalletNames(1);
  TestCluster cluster(options);
  const size_t leader = cluster.LeaderIndex();
  const size_t lagging = (leader + 1) % 3;
  const size_t other = (leader + 2) % 3;
  milkpb::SetClusterFaultsRequest isolate;
  isolate.set_isolate(true);
  Faults(cluster, lagging, isolate);
  for (size_t i : {leader, other}) {
    milkpb::SetClusterFaultsRequest cut;
    cut.add_block_outbound(lagging + 1);
    cut.add_block_inbound(lagging + 1);
    Faults(cluster, i, cut);
  }
  cluster.StartSpare(kSpare);
  CommandResult added = Milk(cluster, leader, "admin", AddArgs(cluster, kSpare));
  INFO(added.out << added.err);
  REQUIRE(added.exit_code == 0);
  const uint64_t lagging_height = HeightOf(cluster, lagging);
  CHECK(lagging_height < HeightOf(cluster, leader));  // it missed the update
  REQUIRE(PollUntil(kMilestoneTimeoutMs,
                    [&] { return ProgressIds(cluster, leader).count(4) == 1; }));
  // The transfer waits a bounded time for the new consenter to take over; on a loaded machine
  // its catch-up alone can take that long, so let it catch up first.
  REQUIRE(PollUntil(kMilestoneTimeoutMs,
                    [&] { return cluster.Applied(kSpare) >= cluster.Applied(leader); }));
  CommandResult moved = Milk(cluster, leader, "admin",
                             {"cluster", "transfer", "-C", kChainId, "--to", "4"});
  INFO(moved.out << moved.err);
  REQUIRE(moved.exit_code == 0);

  milkpb::SetClusterFaultsRequest heal;
  heal.set_heal(true);
  for (size_t i : {leader, lagging, other}) Faults(cluster, i, heal);
  cluster.SetConsenter(kSpare, true);
  CHECK(cluster.LeaderIndex() == kSpare);  // the lagging node follows raft id 4 now
  FundSenders(cluster, lagging, 1);  // and orders through it: forwarded to 4
  const std::vector<size_t> all = {0, 1, 2, 3};
  const uint64_t height = CheckNodesConverge(cluster, all, kConvergeTimeoutMs);
  CHECK(height > lagging_height);
  CHECK(cluster.Log(lagging).find("caught up with blocks from other consenters") !=
        std::string::npos);
  CheckLedgerVerifies(cluster, all);
}

}  // namespace milk::integration

namespace milk::integration {

// A node that follows the chain pulls blocks from the first consenter in the config (node 0)
// first. Node 0 is cut off from the other consenters: it still serves the follow stream but
// never has a new block, so the follower must notice the standstill and move to a consenter
// that is ahead, or it stays behind for good.
TEST_CASE("a follower whose source consenter is cut off moves to a consenter that is ahead",
          "[integration][cluster]") {
  ClusterOptions options;
  options.spare_nodes = 1;
  options.wallets = LoadWalletNames(1);
  TestCluster cluster(options);
  constexpr size_t kCutOff = 0;
  if (cluster.LeaderIndex() == kCutOff) {  // keep ordering on the other two
    CommandResult moved = Milk(cluster, kCutOff, "admin",
                               {"cluster", "transfer", "-C", kChainId, "--to", "2"});
    INFO(moved.out << moved.err);
    REQUIRE(moved.exit_code == 0);
  }
  const size_t leader = cluster.LeaderIndex();
  REQUIRE(leader != kCutOff);
  milkpb::SetClusterFaultsRequest isolate;
  isolate.set_isolate(true);
  Faults(cluster, kCutOff, isolate);
  cluster.StartSpare(kSpare);  // a follower, not a consenter: its puller starts on node 0
  FundSenders(cluster, leader, 1);
  const uint64_t cut_off_height = HeightOf(cluster, kCutOff);
  const uint64_t leader_height = HeightOf(cluster, leader);
  REQUIRE(leader_height > cut_off_height);
  CHECK(PollUntil(kConvergeTimeoutMs,
                  [&] { return HeightOf(cluster, kSpare) >= leader_height; }));
  CHECK(cluster.Log(kSpare).find("block pulling moves to a consenter that is ahead") !=
        std::string::npos);
  CHECK(HeightOf(cluster, kCutOff) == cut_off_height);  // the cut held throughout
}

}  // namespace milk::integration
