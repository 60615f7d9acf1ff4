#include "node/node.h"
#include "node/chain_runtime.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "crypto/ed25519.h"
#include "crypto/signature_memo.h"
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

// Metrics and logs of every committed block; on_config_change runs after a valid config update
// (on the committing thread: it must only schedule work).
void ObserveCommits(Chain& chain, ops::Registry& metrics, std::function<void()> on_config_change) {
  const std::string id = chain.chain_id();
  ops::Counter& blocks = metrics.GetCounter("milk_blocks_committed_total",
                                            "Blocks committed, by chain.", {{"chain", id}});
  ops::Gauge& height = metrics.GetGauge("milk_chain_height", "Committed blocks.", {{"chain", id}});
  ops::Histogram& latency = metrics.GetHistogram(
      "milk_block_commit_latency_ms", "Validation start to state commit, per block.",
      ops::DefaultLatencyBucketsMs(), {{"chain", id}});
  height.Set(static_cast<double>(chain.height()));
  chain.SetCommitObserver([&metrics, &blocks, &height, &latency, id,
                           on_config_change = std::move(on_config_change)](
                              const CommittedBlockInfo& info) {
    blocks.Inc();
    height.Set(static_cast<double>(info.number + 1));
    // Process-wide (crypto/signature_memo.h): how many signature checks were full Ed25519
    // verifications and how many were answered from the memo.
    const crypto::SignatureMemoStats memo = crypto::GetSignatureMemoStats();
    metrics
        .GetGauge("milk_signature_checks_verified",
                  "Memoized signature checks that ran Ed25519 verification, since start.")
        .Set(static_cast<double>(memo.verified));
    metrics
        .GetGauge("milk_signature_checks_remembered",
                  "Memoized signature checks answered from the memo, since start.")
        .Set(static_cast<double>(memo.hits));
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
    if (info.config_changed) {
      ops::LogInfo("chain config updated", {{"chain", id}, {"block", std::to_string(info.number)}});
      on_config_change();
    }
  });
}

}  // namespace

Node::Node(NodeOptions options, const chaincode::Registry& registry, const Clock& clock,
           ops::Registry& metrics)
    : options_(std::move(options)),
      registry_(registry),
      clock_(clock),
      metrics_(metrics),
      pool_(options_.validation_threads),
      transport_(ClusterTransportOptions{}, options_.peer_credentials),
      peer_channels_(std::make_shared<PeerChannels>(options_.peer_credentials)),
      submit_calls_(std::make_unique<SubmitCalls>(options_.submit_timeout_ms)),
      forward_calls_(std::make_unique<ForwardCalls>(peer_channels_)) {}

Node::~Node() {
  Stop();
  if (data_lock_fd_ >= 0) close(data_lock_fd_);  // releases the flock
}

Status Node::LockDataDir() {
  const std::string path = options_.data_dir + "/LOCK";
  data_lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (data_lock_fd_ < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
  if (flock(data_lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return FailedPrecondition("data directory " + options_.data_dir +
                                " is in use by another milkd (it holds " + path +
                                "); stop that process or point node.data_dir elsewhere");
    }
    return IoError("cannot lock " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Node>> Node::Open(NodeOptions options, const chaincode::Registry& registry,
                                         const Clock& clock, ops::Registry& metrics) {
  std::unique_ptr<Node> node(new Node(std::move(options), registry, clock, metrics));
  node->transport_.SetFaults(&node->faults_);  // before any chain (and so any Send)
  const std::string chains_dir = node->options_.data_dir + "/chains";
  std::error_code ec;
  fs::create_directories(chains_dir, ec);
  if (ec) return IoError("cannot create " + chains_dir + ": " + ec.message());
  // Before any chain opens: recovery truncates torn block-file tails, which must never happen
  // to the files of a node that is running (docs/storage.md).
  MILK_RETURN_IF_ERROR(node->LockDataDir());
  std::vector<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(chains_dir, ec)) {
    // ".left" holds chains this node left (node_chains.cc): never reopened.
    if (entry.path().filename().string().rfind('.', 0) == 0) continue;
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
  const std::string chain_id = chain->chain_id();
  ObserveCommits(*chain, metrics_, [this, chain_id] { ScheduleRoleCheck(chain_id); });
  MILK_RETURN_IF_ERROR(StartRole(*runtime));
  std::unique_lock lock(mutex_);
  chains_[chain_id] = std::move(runtime);
  return Status::Ok();
}

const char* RaftRoutingName(RaftRouting routing) {
  switch (routing) {
    case RaftRouting::kRouted: return "routed";
    case RaftRouting::kUnknownChain: return "unknown_chain";
    case RaftRouting::kUnknownSender: return "unknown_sender";
    case RaftRouting::kNoCertificate: return "no_certificate";
    case RaftRouting::kUnboundSender: return "unbound_sender";
    case RaftRouting::kWrongCertificate: return "wrong_certificate";
    case RaftRouting::kStopping: return "stopping";
  }
  MILK_CHECK(false);
  return "";
}

RaftRouting Node::RouteRaftMessage(const std::string& chain_id, milkpb::RaftMessage message,
                                   const RaftSender& sender) {
  using Check = ledger::ChainConfigView::ConsenterTlsCheck;
  std::shared_lock lock(mutex_);
  // Stop empties chains_ while the gRPC server still takes messages: not a stranger's chain.
  if (stopped_) return RaftRouting::kStopping;
  auto it = chains_.find(chain_id);
  if (it == chains_.end() || it->second->consenter == nullptr) return RaftRouting::kUnknownChain;
  // The config in force now: a config update that rebinds a consenter applies to the next message.
  const Check check =
      it->second->chain->config()->CheckConsenterTls(message.from(), sender.fingerprint_sha256);
  if (check == Check::kUnknownConsenter) {
    it->second->consenter->NoteUnknownSender();  // behind an update that added it?
    return RaftRouting::kUnknownSender;
  }
  if (sender.tls && check != Check::kAccepted) {
    if (check == Check::kNoCertificate) return RaftRouting::kNoCertificate;
    if (check == Check::kUnboundConsenter) return RaftRouting::kUnboundSender;
    return RaftRouting::kWrongCertificate;
  }
  it->second->consenter->Receive(std::move(message));
  return RaftRouting::kRouted;
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
