// milk cluster status: every --peer's view of a chain's Raft cluster, side by side, so an
// operator sees at a glance who leads, whether everyone agrees on the term, and who lags.
#include <algorithm>
#include <future>
#include <ostream>
#include <sstream>

#include "tools/milk/commands.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

// One thread per --peer asks at once (a stopped node costs one deadline, not one per node). A
// chain has a handful of consenters; more than this many peers is a mistake on the command line.
constexpr size_t kPeersMax = 64;

struct PeerAnswer {
  std::string endpoint;
  Result<milkpb::ClusterStatusResponse> status = Unavailable("not asked");
};

std::vector<PeerAnswer> AskEveryPeer(const CliContext& ctx, const std::string& chain_id) {
  const std::vector<std::string> peers = ctx.Peers();
  if (peers.size() > kPeersMax) {
    ctx.Fail(InvalidArgument("at most " + std::to_string(kPeersMax) + " --peer values, got " +
                             std::to_string(peers.size())));
  }
  // Built here, not in the threads: the context is not thread-safe and may fail the command.
  const client::GatewayOptions gateway = ctx.Gateway();
  std::vector<std::future<Result<milkpb::ClusterStatusResponse>>> calls;
  for (const std::string& peer : peers) {
    calls.push_back(std::async(std::launch::async, [peer, gateway, &chain_id] {
      return client::GatewayClient(peer, gateway).ClusterStatus(chain_id);
    }));
  }
  std::vector<PeerAnswer> answers;
  for (size_t i = 0; i < peers.size(); ++i) {
    Result<milkpb::ClusterStatusResponse> status = calls[i].get();
    if (!status.ok()) status = client::WithEndpoint(status.status(), peers[i]);
    answers.push_back({peers[i], std::move(status)});
  }
  return answers;
}

// The answer of the node that says it leads; with several (a deposed leader not yet told), the
// one with the highest term, which is the only one that can still commit.
const milkpb::ClusterStatusResponse* LeaderAnswer(const std::vector<PeerAnswer>& answers,
                                                  std::string* endpoint) {
  const milkpb::ClusterStatusResponse* leader = nullptr;
  for (const PeerAnswer& a : answers) {
    if (!a.status.ok() || a.status->role() != "leader") continue;
    if (leader == nullptr || a.status->term() > leader->term()) {
      leader = &*a.status;
      *endpoint = a.endpoint;
    }
  }
  return leader;
}

// Left-aligned columns two spaces apart. A row with a single cell (a peer that did not answer
// after its endpoint) does not widen the columns.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (row.size() < 3) continue;
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size() && i < widths.size()) {
        line += std::string(widths[i] - std::min(widths[i], row[i].size()) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return out.str();
}

std::string StatusText(const std::vector<PeerAnswer>& answers) {
  std::vector<std::vector<std::string>> rows = {
      {"ENDPOINT", "RAFT ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "HEIGHT"}};
  for (const PeerAnswer& a : answers) {
    if (!a.status.ok()) {
      rows.push_back({a.endpoint, "no answer: " + a.status.status().message()});
      continue;
    }
    const milkpb::ClusterStatusResponse& s = *a.status;
    rows.push_back({a.endpoint, std::to_string(s.raft_id()), s.role(), std::to_string(s.term()),
                    s.leader() == 0 ? "-" : std::to_string(s.leader()), std::to_string(s.commit()),
                    std::to_string(s.applied()), std::to_string(s.height())});
  }
  std::string text = Table(rows);
  std::string leader_endpoint;
  const milkpb::ClusterStatusResponse* leader = LeaderAnswer(answers, &leader_endpoint);
  if (leader == nullptr) return text + "no answering peer leads the chain\n";
  text += "\nprogress reported by the leader (raft id " + std::to_string(leader->raft_id()) +
          " at " + leader_endpoint + ", last index " + std::to_string(leader->last_index()) +
          "):\n";
  std::vector<std::vector<std::string>> progress = {{"RAFT ID", "MATCH", "NEXT", "STATE", "LAG"}};
  for (const milkpb::PeerProgress& p : leader->progress()) {
    progress.push_back({std::to_string(p.raft_id()), std::to_string(p.match()),
                        std::to_string(p.next()), p.state(), std::to_string(p.lag())});
  }
  return text + Table(progress);
}

Json StatusJson(const std::vector<PeerAnswer>& answers) {
  Json out = Json::array();
  for (const PeerAnswer& a : answers) {
    if (!a.status.ok()) {
      out.push_back({{"endpoint", a.endpoint}, {"error", a.status.status().message()}});
      continue;
    }
    const milkpb::ClusterStatusResponse& s = *a.status;
    Json progress = Json::array();
    for (const milkpb::PeerProgress& p : s.progress()) {
      progress.push_back({{"raft_id", p.raft_id()},
                          {"match", p.match()},
                          {"next", p.next()},
                          {"state", p.state()},
                          {"lag", p.lag()}});
    }
    out.push_back({{"endpoint", a.endpoint},
                   {"raft_id", s.raft_id()},
                   {"role", s.role()},
                   {"term", s.term()},
                   {"leader", s.leader()},
                   {"leader_endpoint", s.endpoint()},
                   {"commit", s.commit()},
                   {"applied", s.applied()},
                   {"last_index", s.last_index()},
                   {"height", s.height()},
                   {"progress", progress}});
  }
  return out;
}

void RunStatus(const CliContext& ctx, const std::string& chain_id) {
  const std::vector<PeerAnswer> answers = AskEveryPeer(ctx, chain_id);
  if (ctx.options.json) {
    PrintJson(ctx.out, StatusJson(answers));
  } else {
    ctx.out << StatusText(answers);
  }
  const bool any = std::any_of(answers.begin(), answers.end(),
                               [](const PeerAnswer& a) { return a.status.ok(); });
  if (!any) {
    ctx.Fail(Unavailable("no --peer answered ClusterStatus for chain '" + chain_id +
                         "'; first error: " + answers.front().status.status().message()));
  }
}

// Finds the leader through the --peer nodes and asks it to hand over.
void RunTransfer(const CliContext& ctx, const std::string& chain_id, uint64_t to) {
  const client::Signer admin = ctx.Identity();
  const std::vector<PeerAnswer> answers = AskEveryPeer(ctx, chain_id);
  std::string leader_endpoint;
  for (const PeerAnswer& a : answers) {  // a follower knows the leader's endpoint too
    if (a.status.ok() && !a.status->endpoint().empty() && a.status->leader() != 0) {
      leader_endpoint = a.status->endpoint();
    }
  }
  if (LeaderAnswer(answers, &leader_endpoint) == nullptr && leader_endpoint.empty()) {
    ctx.Fail(Unavailable("no --peer knows a leader of chain '" + chain_id + "' right now; retry"));
  }
  const client::GatewayClient leader(leader_endpoint, ctx.Gateway());
  const milkpb::TransferLeadershipResponse done =
      ctx.Take(leader.TransferLeadership(chain_id, to, admin, ctx.clock.NowMs()));
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"chain_id", chain_id}, {"leader", done.leader()}, {"term", done.term()}});
  } else {
    ctx.out << "raft id " << done.leader() << " now leads chain " << chain_id << " (term "
            << done.term() << ")\n";
  }
}

}  // namespace

void RegisterClusterCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* cluster = app.add_subcommand("cluster", "inspect a chain's consenter cluster (Raft)");
  cluster->require_subcommand(1);
  auto chain_id = std::make_shared<std::string>();
  CLI::App* status = cluster->add_subcommand(
      "status", "role, term, leader and log indices of every --peer; the leader's view of lag");
  status->add_option("-C,--chain", *chain_id, "chain id")->required()->type_name("CHAIN");
  status->callback([ctx, chain_id] { RunStatus(*ctx, *chain_id); });
  auto to = std::make_shared<uint64_t>(0);
  CLI::App* transfer = cluster->add_subcommand(
      "transfer", "hand leadership to another consenter (signed by --identity, an admin)");
  transfer->add_option("-C,--chain", *chain_id, "chain id")->required()->type_name("CHAIN");
  transfer->add_option("--to", *to, "the new leader's raft id (default: the most caught-up one)");
  transfer->callback([ctx, chain_id, to] { RunTransfer(*ctx, *chain_id, *to); });
}

}  // namespace milk::cli
