#include "node/node.h"
#include "node/chain_runtime.h"

#include <filesystem>
#include <regex>

#include "crypto/ed25519.h"
#include "node/ledger/formats.h"
#include "node/ledger/tx_check.h"
#include "node/ops/logging.h"
#include "node/raft/peer_client.h"

namespace milk::node {
namespace fs = std::filesystem;

namespace {

bool ValidChainId(const std::string& id) {
  static const std::regex kPattern("[a-z0-9][a-z0-9.-]{0,63}");
  return std::regex_match(id, kPattern);
}

void ObserveCommits(Chain& chain, ops::Registry& metrics) {
  const std::string id = chain.chain_id();
  ops::Counter& blocks = metrics.GetCounter("milk_blocks_committed_total",
                                            "Blocks committed, by chain.", {{"chain", id}});
  ops::Gauge& height = metrics.GetGauge("milk_chain_height", "Committed blocks.", {{"chain", id}});
  ops::Histogram& latency = metrics.GetHistogram(
      "milk_block_commit_latency_ms", "Validation start to state commit, per block.",
      ops::DefaultLatencyBucketsMs(), {{"chain", id}});
  height.Set(static_cast<double>(chain.height()));
  chain.SetCommitObserver([&, id](const CommittedBlockInfo& info) {
    blocks.Inc();
    height.Set(static_cast<double>(info.number + 1));
    latency.Observe(static_cast<double>(info.commit_latency_us) / 1000.0);
    std::map<uint8_t, uint64_t> by_code;
    for (char c : info.codes) ++by_code[static_cast<uint8_t>(c)];
    for (auto [code, n] : by_code) {
      metrics.GetCounter("milk_transactions_total", "Committed transactions by validation code.",
                         {{"chain", id}, {"code", ledger::ValidationCodeName(code)}})
          .Inc(n);
    }
    ops::LogDebug("block committed", {{"chain", id}, {"number", std::to_string(info.number)},
                                      {"txs", std::to_string(info.codes.size())}});
  });
}

}  // namespace

Node::Node(NodeOptions options, const chaincode::Registry& registry, const Clock& clock,
           ops::Registry& metrics)
    : options_(std::move(options)),
      registry_(registry),
      clock_(clock),
      metrics_(metrics),
      pool_(options_.validation_threads) {}

Node::~Node() { Stop(); }

Result<std::unique_ptr<Node>> Node::Open(NodeOptions options, const chaincode::Registry& registry,
                                         const Clock& clock, ops::Registry& metrics) {
  std::unique_ptr<Node> node(new Node(std::move(options), registry, clock, metrics));
  const std::string chains_dir = node->options_.data_dir + "/chains";
  std::error_code ec;
  fs::create_directories(chains_dir, ec);
  if (ec) return IoError("cannot create " + chains_dir + ": " + ec.message());
  std::vector<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(chains_dir, ec)) {
    if (entry.is_directory()) dirs.push_back(entry.path().string());
  }
  if (ec) return IoError("cannot list " + chains_dir + ": " + ec.message());
  std::sort(dirs.begin(), dirs.end());
  for (const std::string& dir : dirs) {
    auto chain = Chain::Open(dir, registry, node->pool_, node->options_.chain);
    if (!chain.ok()) return chain.status().WithContext("opening chain in " + dir);
    ops::LogInfo("chain opened", {{"chain", (*chain)->chain_id()},
                                  {"height", std::to_string((*chain)->height())},
                                  {"recovered_blocks", std::to_string((*chain)->recovered_blocks())}});
    MILK_RETURN_IF_ERROR(node->AddChain(std::move(chain).value()));
  }
  return node;
}

Status Node::AddChain(std::shared_ptr<Chain> chain) {
  auto runtime = std::make_unique<ChainRuntime>();
  runtime->chain = chain;
  ObserveCommits(*chain, metrics_);
  const std::string chain_id = chain->chain_id();
  auto config = chain->config();
  std::vector<uint64_t> voters;
  for (const auto& c : config->consenters()) {
    transport_.SetPeer(chain_id, c.raft_id, c.endpoint);
    voters.push_back(c.raft_id);
  }
  uint64_t raft_id = 0;
  if (options_.consenter.has_value()) {
    auto info = crypto::ParseIdentity(options_.consenter->identity);
    if (info.ok()) raft_id = config->RaftIdOf(*info);
  }
  if (raft_id != 0) {
    const milkpb::BatchConfig& batch = config->config().batch();
    RaftConsenterOptions raft;
    raft.chain_id = chain_id;
    raft.raft_id = raft_id;
    raft.voters = voters;
    raft.wal_dir = options_.data_dir + "/chains/" + chain_id + "/wal";
    raft.tick_ms = options_.raft_tick_ms;
    raft.election_ticks = options_.raft_election_ticks;
    raft.snapshot_every_entries = options_.raft_snapshot_every_entries;
    raft.snapshot_keep_entries = options_.raft_snapshot_keep_entries;
    raft.seed = raft_id * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(clock_.NowMs());
    raft.orderer = {chain_id, batch.max_tx_count(), batch.max_bytes(), batch.batch_timeout_ms(),
                    options_.pending_submits_max};
    std::vector<ChainConfigPeer> peers;
    for (const auto& c : config->consenters()) {
      if (c.raft_id != raft_id) peers.push_back({c.raft_id, c.endpoint});
    }
    auto credentials = options_.peer_credentials;
    BlockFetcher fetcher = [peers, credentials, chain_id](uint64_t from, uint64_t to)
        -> Result<std::vector<milkpb::Block>> {
      Status last = Unavailable("no other consenter to fetch blocks from");
      for (const auto& peer : peers) {
        auto blocks = FetchBlocks(peer.endpoint, credentials, chain_id, from, to, 10000);
        if (blocks.ok()) return blocks;
        last = blocks.status();
      }
      return last;
    };
    MILK_ASSIGN_OR_RETURN(runtime->consenter,
                          RaftConsenter::Start(raft, *chain, options_.consenter->key,
                                               options_.consenter->identity, clock_, transport_,
                                               std::move(fetcher)));
  }
  std::unique_lock lock(mutex_);
  chains_[chain_id] = std::move(runtime);
  return Status::Ok();
}

bool Node::RouteRaftMessage(const std::string& chain_id, milkpb::RaftMessage message) {
  std::shared_lock lock(mutex_);
  auto it = chains_.find(chain_id);
  if (it == chains_.end() || it->second->consenter == nullptr) return false;
  bool known_sender = false;
  for (const auto& c : it->second->chain->config()->consenters()) {
    known_sender = known_sender || c.raft_id == message.from();
  }
  if (!known_sender) return false;
  it->second->consenter->Receive(std::move(message));
  return true;
}

Result<std::string> Node::JoinChain(const milkpb::Block& genesis, const std::string& creator,
                                    const std::string& signature) {
  MILK_ASSIGN_OR_RETURN(milkpb::ConfigTransaction config_tx,
                        ledger::ChainConfigView::ConfigFromGenesis(genesis));
  const std::string chain_id = config_tx.config().chain_id();
  if (!ValidChainId(chain_id)) {
    return InvalidArgument("chain id '" + chain_id + "' must match [a-z0-9][a-z0-9.-]{0,63}");
  }
  MILK_ASSIGN_OR_RETURN(auto config, ledger::ChainConfigView::Create(config_tx.config()));
  ledger::IdentityCheck admin = config->CheckIdentity(creator, clock_.NowMs());
  if (admin.problem != ledger::IdentityProblem::kNone || admin.info.role != milkpb::ADMIN ||
      !crypto::Verify(admin.info.public_key, ledger::HeaderHash(genesis.header()), signature)) {
    return PermissionDenied("joining chain '" + chain_id +
                            "' needs the signature of an admin of one of its orgs" +
                            (admin.message.empty() ? "" : " (" + admin.message + ")"));
  }
  std::lock_guard join_lock(join_mutex_);
  {
    std::shared_lock lock(mutex_);
    if (stopped_) return Unavailable("the node is stopping");
    if (chains_.count(chain_id) != 0) {
      return AlreadyExists("chain '" + chain_id + "' is already joined on this node");
    }
  }
  MILK_ASSIGN_OR_RETURN(auto chain, Chain::Create(options_.data_dir + "/chains/" + chain_id, genesis,
                                                  registry_, pool_, options_.chain));
  MILK_RETURN_IF_ERROR(AddChain(std::move(chain)));
  ops::LogInfo("chain joined", {{"chain", chain_id}});
  return chain_id;
}

std::vector<std::string> Node::ChainIds() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, runtime] : chains_) ids.push_back(id);
  return ids;
}

std::shared_ptr<Chain> Node::FindChain(const std::string& chain_id) const {
  std::shared_lock lock(mutex_);
  auto it = chains_.find(chain_id);
  return it == chains_.end() ? nullptr : it->second->chain;
}

Result<std::shared_ptr<Chain>> Node::GetChain(const std::string& chain_id) const {
  auto chain = FindChain(chain_id);
  if (chain == nullptr) return NotFound("chain '" + chain_id + "' is not joined on this node");
  return chain;
}

Result<milkpb::ProposalResponse> Node::Endorse(const milkpb::SignedProposal& proposal) {
  milkpb::Proposal p;
  if (!p.ParseFromString(proposal.proposal())) {
    return InvalidArgument("proposal bytes do not parse as a milk Proposal");
  }
  MILK_ASSIGN_OR_RETURN(auto chain, GetChain(p.chain_id()));
  return node::Endorse(proposal, *chain, options_.peer, clock_.NowMs());
}

Result<milkpb::Response> Node::Evaluate(const milkpb::SignedProposal& proposal) {
  milkpb::Proposal p;
  if (!p.ParseFromString(proposal.proposal())) {
    return InvalidArgument("proposal bytes do not parse as a milk Proposal");
  }
  MILK_ASSIGN_OR_RETURN(auto chain, GetChain(p.chain_id()));
  return node::Evaluate(proposal, *chain, clock_.NowMs());
}

}  // namespace milk::node
