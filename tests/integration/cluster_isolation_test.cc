// A consenter cut off from the others by the test-only fault hook (node/raft/fault_hook.h,
// Admin.SetClusterFaults): a network partition, not a frozen process, so the cut-off node still
// answers its clients. Under load the majority keeps committing, the isolated node does not
// move, and after healing it converges without disrupting the leader (pre-vote). Also: the
// leader isolated, forwarding to an unreachable leader refused, and the RPC's refusals.
#include <algorithm>
#include <chrono>
#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/integration/cluster_harness.h"
#include "tests/integration/cluster_load.h"
#include "tests/integration/harness.h"
#include "tests/integration/ledger_scan.h"

namespace milk::integration {
namespace {

// Fewer than cluster_test's 6: enough to keep blocks coming, lighter on a 2-core machine.
constexpr int kClients = 4;
// Bounded waits for load milestones: each takes a few seconds on a busy 2-core machine.
constexpr int64_t kMilestoneTimeoutMs = 30000;
// After the load stops, every node holds the same blocks within this long (one catch-up).
constexpr int64_t kConvergeTimeoutMs = 20000;
// Transfers before the fault, so the cut comes in the middle of steady load.
constexpr int kCommitsBeforeFault = 30;
// Blocks the majority commits after the cut before the isolated node's height is read: the
// fault may let through what was already in flight (queued messages, a commit being applied).
constexpr uint64_t kSettleBlocks = 3;
// Blocks the majority commits while the isolated node's height must stay put.
constexpr uint64_t kBlocksWhileIsolated = 30;
constexpr int kCommitsAfterHeal = 30;
// With 200-400 ms election timeouts, a new leader well within this (several elections).
constexpr int64_t kFailoverBoundMs = 5000;

// The series line of Cluster's drop counter in /metrics (no labels): "<name> <value>".
const std::string kDroppedMetricPrefix = "milk_raft_messages_dropped_by_fault_total ";
// Gateway.Submit calls a node answered, by outcome.
const std::string kSubmitsPrefix = "milk_rpc_requests_total{";
const std::string kSubmitLabel = "method=\"Submit\"";

std::vector<size_t> AllNodes(const TestCluster& cluster) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < cluster.size(); ++i) nodes.push_back(i);
  return nodes;
}

uint64_t RaftId(size_t i) { return i + 1; }

uint64_t HeightOf(const TestCluster& cluster, size_t i) {
  auto height = cluster.Height(i);
  return height.ok() ? *height : 0;
}

uint64_t MinHeight(const TestCluster& cluster, const std::vector<size_t>& nodes) {
  uint64_t lowest = UINT64_MAX;
  for (size_t i : nodes) lowest = std::min(lowest, HeightOf(cluster, i));
  return lowest;
}

milkpb::ClusterStatusResponse StatusOf(const TestCluster& cluster, size_t i) {
  auto status = cluster.Status(i);
  INFO("node" << i << ": " << status.status().ToString());
  REQUIRE(status.ok());
  return std::move(status).value();
}

void SetFaults(const TestCluster& cluster, size_t i, milkpb::SetClusterFaultsRequest request) {
  request.set_chain_id(kChainId);
  const Status status = cluster.SetClusterFaults(i, request);
  INFO("SetClusterFaults on node" << i << ": " << status.ToString());
  REQUIRE(status.ok());
}

milkpb::SetClusterFaultsRequest IsolateRequest() {
  milkpb::SetClusterFaultsRequest request;
  request.set_isolate(true);
  return request;
}

milkpb::SetClusterFaultsRequest BlockBothWays(uint64_t raft_id) {
  milkpb::SetClusterFaultsRequest request;
  request.add_block_outbound(raft_id);
  request.add_block_inbound(raft_id);
  return request;
}

milkpb::SetClusterFaultsRequest HealRequest() {
  milkpb::SetClusterFaultsRequest request;
  request.set_heal(true);
  return request;
}

// Node `cut` drops everything to and from every consenter, and every other node drops everything
// to and from it: no Raft message crosses in either direction.
void IsolateBothWays(const TestCluster& cluster, size_t cut) {
  SetFaults(cluster, cut, IsolateRequest());
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (i != cut) SetFaults(cluster, i, BlockBothWays(RaftId(cut)));
  }
}

void HealAll(const TestCluster& cluster) {
  for (size_t i = 0; i < cluster.size(); ++i) SetFaults(cluster, i, HealRequest());
}

// The sum of node i's /metrics series whose line starts with `prefix` and contains `label`
// (empty: any); -1 when unreadable.
double MetricSum(const TestCluster& cluster, size_t i, const std::string& prefix,
                 const std::string& label = "") {
  nlohmann::json ready = nlohmann::json::parse(
      ReadFileOrEmpty(cluster.node_dir(i) + "/ready.json"), nullptr, false);
  if (!ready.is_object() || !ready.contains("operations")) return -1;
  auto metrics = HttpGet(ready["operations"].get<std::string>(), "/metrics");
  if (!metrics.ok()) return -1;
  std::istringstream lines(*metrics);
  double sum = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0 && line.find(label) != std::string::npos) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

// milk_raft_messages_dropped_by_fault_total on node i; -1 when unreadable.
double DroppedByFault(const TestCluster& cluster, size_t i) {
  return MetricSum(cluster, i, kDroppedMetricPrefix);
}

// Waits (bounded) until the nodes `among` agree on one leader, which is one of them and says it
// leads, in one term; returns its index. Nodes outside `among` (cut off) are not asked.
size_t LeaderAmong(const TestCluster& cluster, const std::vector<size_t>& among,
                   int64_t timeout_ms) {
  std::optional<size_t> found;
  std::string last;
  const bool agreed = PollUntil(timeout_ms, [&] {
    std::optional<uint64_t> leader, term;
    bool same = true, leader_says_so = false;
    last.clear();
    for (size_t i : among) {
      auto status = cluster.Status(i);
      if (!status.ok()) return false;
      last += "\n  node" + std::to_string(i) + ": " + status->role() + " term " +
              std::to_string(status->term()) + " leader " + std::to_string(status->leader());
      same = same && status->leader() != 0 &&
             leader.value_or(status->leader()) == status->leader() &&
             term.value_or(status->term()) == status->term();
      leader = status->leader();
      term = status->term();
      leader_says_so = leader_says_so ||
                       (status->raft_id() == status->leader() && status->role() == "leader");
    }
    if (!same || !leader_says_so) return false;
    found = *leader - 1;
    return true;
  });
  INFO("the nodes did not agree on a leader among them within " << timeout_ms << " ms:" << last);
  REQUIRE(agreed);
  return *found;
}

// Waits until the majority commits kSettleBlocks past the cut, then until it commits
// kBlocksWhileIsolated more, and checks the isolated node's height did not move meanwhile.
void CheckMajorityCommitsWithout(const TestCluster& cluster, const ClusterLoad& load,
                                 const std::vector<size_t>& majority, size_t isolated) {
  const uint64_t at_cut = MinHeight(cluster, majority);
  REQUIRE(PollUntil(kMilestoneTimeoutMs,
                    [&] { return MinHeight(cluster, majority) >= at_cut + kSettleBlocks; }));
  const uint64_t isolated_height = HeightOf(cluster, isolated);
  const uint64_t isolated_commit = StatusOf(cluster, isolated).commit();
  const uint64_t settled = MinHeight(cluster, majority);
  const int reported = load.reported();
  const bool grew = PollUntil(kMilestoneTimeoutMs, [&] {
    return MinHeight(cluster, majority) >= settled + kBlocksWhileIsolated &&
           load.reported() > reported;
  });
  INFO("majority height " << settled << " -> " << MinHeight(cluster, majority)
                          << ", transfers reported " << reported << " -> " << load.reported());
  REQUIRE(grew);
  // The isolation bites: nothing reached the isolated node.
  CHECK(HeightOf(cluster, isolated) == isolated_height);
  CHECK(StatusOf(cluster, isolated).commit() == isolated_commit);
  CHECK(isolated_height < MinHeight(cluster, majority));
}

TEST_CASE("an isolated follower does not stop the majority and converges after healing",
          "[integration][cluster][faults]") {
  ClusterOptions options;
  options.wallets = LoadWalletNames(kClients);
  TestCluster cluster(options);
  const size_t leader = cluster.LeaderIndex();
  const size_t isolated = (leader + 1) % cluster.size();
  const size_t other = (leader + 2) % cluster.size();
  FundSenders(cluster, leader, kClients);

  std::vector<ClientRun> runs;
  uint64_t leader_term = 0;
  {
    ClusterLoad load(cluster, {kClients, {leader, other}});  // the majority's nodes only
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.reported() >= kCommitsBeforeFault; }));
    REQUIRE(DroppedByFault(cluster, isolated) == 0);
    // First the node cuts itself off: the leader's heartbeats still arrive and are dropped.
    SetFaults(cluster, isolated, IsolateRequest());
    CHECK(PollUntil(kMilestoneTimeoutMs, [&] { return DroppedByFault(cluster, isolated) > 0; }));
    IsolateBothWays(cluster, isolated);

    CheckMajorityCommitsWithout(cluster, load, {leader, other}, isolated);
    const milkpb::ClusterStatusResponse cut_off = StatusOf(cluster, isolated);
    CHECK(cut_off.role() != "leader");
    const milkpb::ClusterStatusResponse leading = StatusOf(cluster, leader);
    REQUIRE(leading.role() == "leader");
    leader_term = leading.term();
    WARN("isolated node: " << cut_off.role() << " term " << cut_off.term() << "; leader's term "
                           << leader_term);

    const uint64_t height_at_heal = MinHeight(cluster, {leader, other});
    HealAll(cluster);
    const bool caught_up = PollUntil(
        kMilestoneTimeoutMs, [&] { return HeightOf(cluster, isolated) >= height_at_heal; });
    INFO("isolated node's height " << HeightOf(cluster, isolated) << ", majority's at heal "
                                   << height_at_heal);
    REQUIRE(caught_up);
    const int at_heal = load.reported();
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return load.reported() >= at_heal + kCommitsAfterHeal; }));
    runs = load.Finish();
  }
  CheckNodesConverge(cluster, AllNodes(cluster), kConvergeTimeoutMs);
  // Pre-vote: the healed node's campaigns never won a vote, so the leader kept its term.
  CHECK(cluster.LeaderIndex() == leader);
  CHECK(StatusOf(cluster, leader).term() == leader_term);
  CHECK(StatusOf(cluster, isolated).term() == leader_term);
  CheckAfterLoad(cluster, runs, AllNodes(cluster), kClients);
}

TEST_CASE("an isolated leader is replaced, steps down and converges after healing",
          "[integration][cluster][faults]") {
  ClusterOptions options;
  options.wallets = LoadWalletNames(kClients);
  TestCluster cluster(options);
  const size_t old_leader = cluster.LeaderIndex();
  const std::vector<size_t> majority = {(old_leader + 1) % cluster.size(),
                                        (old_leader + 2) % cluster.size()};
  const uint64_t old_term = StatusOf(cluster, old_leader).term();
  FundSenders(cluster, majority[0], kClients);  // forwarded to the leader

  std::vector<ClientRun> runs;
  size_t new_leader = 0;
  uint64_t new_term = 0;
  {
    ClusterLoad load(cluster, {kClients, majority});  // followers, forwarding to the leader
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.reported() >= kCommitsBeforeFault; }));
    load.Mark();
    const auto cut_at = std::chrono::steady_clock::now();
    IsolateBothWays(cluster, old_leader);
    new_leader = LeaderAmong(cluster, majority, kMilestoneTimeoutMs);
    const auto elected_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - cut_at)
                                .count();
    WARN("new leader after " << elected_ms << " ms");
    CHECK(elected_ms <= kFailoverBoundMs);
    REQUIRE(new_leader != old_leader);
    new_term = StatusOf(cluster, new_leader).term();
    CHECK(new_term > old_term);
    REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return load.FirstReportAfterMarkMs() >= 0; }));
    WARN("first commit of a transaction started after the cut: " << load.FirstReportAfterMarkMs()
                                                                 << " ms");
    CHECK(load.FirstReportAfterMarkMs() <= kFailoverBoundMs);
    // Check-quorum: cut off from every follower, the old leader stops leading by itself.
    CHECK(PollUntil(kFailoverBoundMs,
                    [&] { return StatusOf(cluster, old_leader).role() != "leader"; }));

    CheckMajorityCommitsWithout(cluster, load, majority, old_leader);
    CHECK(StatusOf(cluster, new_leader).term() == new_term);

    const uint64_t height_at_heal = MinHeight(cluster, majority);
    HealAll(cluster);
    const bool caught_up = PollUntil(
        kMilestoneTimeoutMs, [&] { return HeightOf(cluster, old_leader) >= height_at_heal; });
    INFO("old leader's height " << HeightOf(cluster, old_leader) << ", majority's at heal "
                                << height_at_heal);
    REQUIRE(caught_up);
    const int at_heal = load.reported();
    REQUIRE(PollUntil(kMilestoneTimeoutMs,
                      [&] { return load.reported() >= at_heal + kCommitsAfterHeal; }));
    runs = load.Finish();
  }
  CheckNodesConverge(cluster, AllNodes(cluster), kConvergeTimeoutMs);
  CHECK(cluster.LeaderIndex() == new_leader);
  const milkpb::ClusterStatusResponse healed = StatusOf(cluster, old_leader);
  CHECK(healed.role() == "follower");
  CHECK(healed.leader() == RaftId(new_leader));
  CHECK(healed.term() == new_term);
  CHECK(StatusOf(cluster, new_leader).term() == new_term);
  CheckAfterLoad(cluster, runs, AllNodes(cluster), kClients);
}

TEST_CASE("a node that may not reach the leader refuses to forward; bad fault requests refused",
          "[integration][cluster][faults]") {
  TestCluster cluster;
  const size_t leader = cluster.LeaderIndex();
  const size_t follower = (leader + 1) % cluster.size();
  const client::GatewayClient via_follower = cluster.Client(follower);
  const client::Signer issuer = cluster.Member("issuer");
  const std::string alice = cluster.Address("alice");

  SECTION("Submit forwarding to a blocked leader is UNAVAILABLE; it works again after heal") {
    milkpb::SetClusterFaultsRequest to_leader;
    to_leader.add_block_outbound(RaftId(leader));
    SetFaults(cluster, follower, to_leader);
    // Inbound still flows: the follower keeps hearing the leader, so it keeps forwarding to it.
    auto refused = InvokeToken(via_follower, issuer, "issue", {alice, "1"});
    INFO(refused.status().ToString());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kUnavailable);
    CHECK(refused.status().message().find("isolated by a test fault") != std::string::npos);
    CHECK(StatusOf(cluster, follower).leader() == RaftId(leader));

    SetFaults(cluster, follower, HealRequest());
    auto issued = InvokeToken(via_follower, issuer, "issue", {alice, "1"});
    INFO(issued.status().ToString());
    REQUIRE(issued.ok());
    CHECK(issued->code == milkpb::VALID);
  }

  SECTION("bad requests are refused and change nothing") {
    auto refusal = [&](milkpb::SetClusterFaultsRequest request) {
      if (request.chain_id().empty()) request.set_chain_id(kChainId);
      return cluster.SetClusterFaults(follower, request);
    };
    milkpb::SetClusterFaultsRequest unknown_chain = IsolateRequest();
    unknown_chain.set_chain_id("nosuchchain");
    CHECK(refusal(unknown_chain).code() == Code::kNotFound);

    const Status self = refusal(BlockBothWays(RaftId(follower)));
    CHECK(self.code() == Code::kInvalidArgument);
    CHECK(self.message().find("is not another consenter of chain 'demo'") != std::string::npos);
    const Status stranger = refusal(BlockBothWays(9));
    CHECK(stranger.code() == Code::kInvalidArgument);
    CHECK(stranger.message().find("raft id 9") != std::string::npos);
    milkpb::SetClusterFaultsRequest heal_and_isolate = IsolateRequest();
    heal_and_isolate.set_heal(true);
    CHECK(refusal(heal_and_isolate).code() == Code::kInvalidArgument);
    CHECK(refusal(milkpb::SetClusterFaultsRequest()).code() == Code::kInvalidArgument);

    // Nothing was set: the follower still forwards.
    auto issued = InvokeToken(via_follower, issuer, "issue", {alice, "1"});
    INFO(issued.status().ToString());
    REQUIRE(issued.ok());
    CHECK(issued->code == milkpb::VALID);
    CHECK(DroppedByFault(cluster, follower) == 0);
  }
}

TEST_CASE("SetClusterFaults is refused unless testing.fault_injection is on",
          "[integration][faults]") {
  TestNode node;  // its node.yaml leaves the key out: off
  milkpb::SetClusterFaultsRequest request = IsolateRequest();
  request.set_chain_id(kChainId);
  const Status refused = SetClusterFaultsAt(node.grpc_endpoint(), request);
  CHECK(refused.code() == Code::kFailedPrecondition);
  CHECK(refused.message().find("fault injection is disabled (testing.fault_injection)") !=
        std::string::npos);
  // Still serving and ordering: nothing was cut.
  auto issued = InvokeToken(node.Client(), node.Member("issuer"), "issue",
                            {node.Address("alice"), "1"});
  INFO(issued.status().ToString());
  REQUIRE(issued.ok());
  CHECK(issued->code == milkpb::VALID);
}

}  // namespace
TEST_CASE("a consenter without a leader refuses submits after the election wait, forwards none, "
          "and answers other submits meanwhile",
          "[integration][cluster][faults]") {
  TestCluster cluster;
  const size_t cut = 0;  // first in the consenter list: a node that forwarded on would pick itself
  const client::GatewayClient via_cut = cluster.Client(cut);
  const client::Signer issuer = cluster.Member("issuer");
  const std::string alice = cluster.Address("alice");
  IsolateBothWays(cluster, cut);
  REQUIRE(PollUntil(kMilestoneTimeoutMs, [&] { return StatusOf(cluster, cut).leader() == 0; }));

  // More waiting submits than gRPC has callback threads (two on this machine): each used to
  // hold one for the whole election wait, and a node with no leader forwarded them to the
  // first consenter in the list, itself, again and again.
  constexpr int kWaiting = 8;
  std::vector<std::thread> clients;
  std::vector<Status> outcomes(kWaiting);
  for (int i = 0; i < kWaiting; ++i) {
    clients.emplace_back([&, i] {
      outcomes[i] = InvokeToken(via_cut, issuer, "issue", {alice, std::to_string(i + 1)}).status();
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Meanwhile a Submit refused on sight is refused at once, not after the waiting ones.
  milkpb::Envelope garbage;
  garbage.set_payload("not a transaction");
  const auto sent = std::chrono::steady_clock::now();
  const Status refused = via_cut.Submit(kChainId, garbage).status();
  const auto refused_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - sent)
                              .count();
  for (auto& client : clients) client.join();
  INFO("refused: " << refused.ToString() << " after " << refused_ms << " ms");
  CHECK(refused.code() == Code::kInvalidArgument);
  // The election wait is 6 ticks x election_ticks (1.2 s here); eight waiting submits on two
  // threads took ~4 s before.
  CHECK(refused_ms < 1000);
  for (const Status& outcome : outcomes) {
    INFO(outcome.ToString());
    CHECK(outcome.code() == Code::kUnavailable);
    CHECK(outcome.message().find("has no leader right now") != std::string::npos);
  }
  // Nothing goes on answering Submits after the clients are done (no forwarding loop).
  const double answered = MetricSum(cluster, cut, kSubmitsPrefix, kSubmitLabel);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(MetricSum(cluster, cut, kSubmitsPrefix, kSubmitLabel) == answered);

  HealAll(cluster);
  LeaderAmong(cluster, AllNodes(cluster), kConvergeTimeoutMs);
  auto issued = InvokeToken(via_cut, issuer, "issue", {alice, "1"});
  INFO(issued.status().ToString());
  REQUIRE(issued.ok());
  CHECK(issued->code == milkpb::VALID);
}

}  // namespace milk::integration
