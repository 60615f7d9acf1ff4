// Node: what the node does on each chain (order it, or follow it) and switching between the two
// when a config update adds or removes this node's consenter (docs/consensus.md, "Membership").
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "node/ledger/formats.h"
#include "node/chain_runtime.h"
#include "node/node.h"
#include "node/ops/logging.h"
#include "node/raft/peer_client.h"

namespace milk::node {
namespace fs = std::filesystem;
namespace {

// Bound on one block fetch for snapshot catch-up: a few thousand blocks over loopback or a LAN.
constexpr int64_t kFetchDeadlineMs = 10000;
// Catch-up past a config update this node missed (RaftConsenter::NoteUnknownSender) runs on the
// Raft thread: a bounded batch and a short deadline keep that thread's pause short; it repeats
// while the unknown sender keeps talking.
constexpr size_t kCatchUpBlocksMax = 500;
// A leadership transfer waits at least this long for the target to take over.
constexpr int64_t kTransferBoundMinMs = 5000;
constexpr int64_t kCatchUpDeadlineMs = 2000;

// A consenter whose TLS certificate is not the one the chain binds to it has every Raft message
// refused by the others: say so here, where the cause is, not only in the others' logs.
void WarnIfTlsUnbound(const ledger::ChainConfigView& config, uint64_t raft_id,
                      const std::string& tls_fingerprint) {
  if (raft_id == 0 || tls_fingerprint.empty()) return;
  if (config.CheckConsenterTls(raft_id, tls_fingerprint) ==
      ledger::ChainConfigView::ConsenterTlsCheck::kAccepted) {
    return;
  }
  ops::LogWarn("this node's TLS certificate (node.yaml tls.cert_file) is not the one the chain "
               "config binds to its consenter: the other consenters will refuse its Raft messages",
               {{"chain", config.chain_id()}, {"raft_id", std::to_string(raft_id)}});
}


}  // namespace

uint64_t Node::OwnRaftId(const ledger::ChainConfigView& config) const {
  if (!options_.consenter.has_value()) return 0;
  auto info = crypto::ParseIdentity(options_.consenter->identity);
  return info.ok() ? config.RaftIdOf(*info) : 0;
}

Status Node::StartRole(ChainRuntime& runtime) {
  std::shared_ptr<Chain> chain = runtime.chain;
  const std::string chain_id = chain->chain_id();
  auto config = chain->config();
  for (const auto& c : config->consenters()) transport_.SetPeer(chain_id, c.raft_id, c.endpoint);
  const uint64_t raft_id = OwnRaftId(*config);
  const std::string wal_dir = options_.data_dir + "/chains/" + chain_id + "/wal";
  if (raft_id == 0) {
    // Not (or no longer) a consenter: a WAL left from an earlier membership must never be
    // resumed (raft ids are not reused; a later addition starts from a fresh log).
    std::error_code ec;
    if (fs::exists(wal_dir, ec)) {
      fs::remove_all(wal_dir, ec);
      if (ec) return IoError("cannot remove the old WAL " + wal_dir + ": " + ec.message());
      ops::LogInfo("removed the WAL of a former consenter", {{"chain", chain_id}});
    }
    runtime.puller = std::make_unique<BlockPuller>(chain, peer_channels_);
    runtime.puller->Start();
    return Status::Ok();
  }
  WarnIfTlsUnbound(*config, raft_id, options_.tls_fingerprint_sha256);
  const milkpb::BatchConfig& batch = config->config().batch();
  RaftConsenterOptions raft;
  raft.chain_id = chain_id;
  raft.raft_id = raft_id;
  // Every node bootstraps Raft membership from the genesis config: the log's membership
  // changes (and snapshots) take it from there to the current one, identically everywhere.
  for (const auto& c : chain->genesis_config()->consenters()) raft.voters.push_back(c.raft_id);
  raft.wal_dir = wal_dir;
  raft.tick_ms = options_.raft_tick_ms;
  raft.election_ticks = options_.raft_election_ticks;
  raft.snapshot_every_entries = options_.raft_snapshot_every_entries;
  raft.snapshot_keep_entries = options_.raft_snapshot_keep_entries;
  raft.seed = raft_id * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(clock_.NowMs());
  raft.orderer = {chain_id, batch.max_tx_count(), batch.max_bytes(), batch.batch_timeout_ms(),
                  options_.pending_submits_max};
  std::shared_ptr<PeerChannels> channels = peer_channels_;
  const ClusterFaults* faults = &faults_;
  // The consenters to fetch from are read when fetching: the config may have changed since.
  BlockFetcher fetcher = [chain, channels, chain_id, faults, raft_id](uint64_t from, uint64_t to)
      -> Result<std::vector<milkpb::Block>> {
    Status last = Unavailable("no other consenter to fetch blocks from");
    for (const auto& peer : chain->config()->consenters()) {
      if (peer.raft_id == raft_id) continue;
      if (Status cut = faults->CheckOutbound(chain_id, peer.raft_id); !cut.ok()) {
        last = cut;
        continue;
      }
      auto blocks = FetchBlocks(*channels, peer.endpoint, chain_id, from, to, kFetchDeadlineMs);
      if (blocks.ok()) return blocks;
      last = blocks.status();
    }
    return last;
  };
  CatchUpFetcher catch_up = [chain, channels, chain_id, faults, raft_id](uint64_t from)
      -> Result<std::vector<milkpb::Block>> {
    Status last = Unavailable("no other consenter to fetch blocks from");
    for (const auto& peer : chain->config()->consenters()) {
      if (peer.raft_id == raft_id || !faults->CheckOutbound(chain_id, peer.raft_id).ok()) continue;
      auto blocks = FetchAvailableBlocks(*channels, peer.endpoint, chain_id, from,
                                         kCatchUpBlocksMax, kCatchUpDeadlineMs);
      if (blocks.ok() && !blocks->empty()) return blocks;
      if (!blocks.ok()) last = blocks.status();
    }
    return last;
  };
  MILK_ASSIGN_OR_RETURN(std::unique_ptr<RaftConsenter> consenter,
                        RaftConsenter::Start(raft, *chain, options_.consenter->key,
                                             options_.consenter->identity, clock_, transport_,
                                             std::move(fetcher), std::move(catch_up)));
  runtime.consenter = std::move(consenter);
  return Status::Ok();
}

void Node::ScheduleRoleCheck(const std::string& chain_id) {
  std::lock_guard lock(roles_mutex_);
  if (roles_stopping_) return;
  roles_pending_.insert(chain_id);
  if (!roles_thread_.joinable()) roles_thread_ = std::thread([this] { RolesLoop(); });
  roles_cv_.notify_all();
}

void Node::RolesLoop() {
  while (true) {
    std::string chain_id;
    {
      std::unique_lock lock(roles_mutex_);
      roles_cv_.wait(lock, [&] { return roles_stopping_ || !roles_pending_.empty(); });
      if (roles_stopping_) return;
      chain_id = *roles_pending_.begin();
      roles_pending_.erase(roles_pending_.begin());
    }
    Status s = CheckRole(chain_id);
    if (!s.ok()) {
      ops::LogError("cannot switch this node's role on the chain",
                    {{"chain", chain_id}, {"why", s.ToString()}});
    }
  }
}

Status Node::CheckRole(const std::string& chain_id) {
  // A role switch creates files under the chain's directory (a consenter's WAL): never while
  // LeaveChain moves that directory aside, or the move would leave a stray chains/<id>/wal.
  std::lock_guard dir_lock(join_mutex_);
  std::shared_ptr<RaftConsenter> old_consenter;
  std::unique_ptr<BlockPuller> old_puller;
  auto next = std::make_unique<ChainRuntime>();
  {
    std::unique_lock lock(mutex_);
    auto it = chains_.find(chain_id);
    if (it == chains_.end() || stopped_) return Status::Ok();
    ChainRuntime& runtime = *it->second;
    for (const auto& c : runtime.chain->config()->consenters()) {
      transport_.SetPeer(chain_id, c.raft_id, c.endpoint);  // endpoints may have moved
    }
    const bool ordering = runtime.consenter != nullptr;
    const bool should_order = OwnRaftId(*runtime.chain->config()) != 0;
    if (ordering == should_order) return Status::Ok();
    old_consenter = std::move(runtime.consenter);
    old_puller = std::move(runtime.puller);
    next->chain = runtime.chain;
  }
  // Stopped outside the lock: Stop joins threads that may be waiting on it.
  if (old_consenter) old_consenter->Stop();
  if (old_puller) old_puller->Stop();
  ops::LogInfo(old_consenter ? "this node's consenter was removed from the chain; following it"
                             : "this node's consenter was added to the chain; ordering it",
               {{"chain", chain_id}});
  Status started = StartRole(*next);
  std::unique_lock lock(mutex_);
  auto it = chains_.find(chain_id);
  if (it == chains_.end() || stopped_) {
    lock.unlock();
    if (next->consenter) next->consenter->Stop();
    if (next->puller) next->puller->Stop();
    return started;
  }
  it->second->consenter = std::move(next->consenter);
  it->second->puller = std::move(next->puller);
  return started;
}

Result<milkpb::TransferLeadershipResponse> Node::TransferLeadership(
    const milkpb::TransferLeadershipRequest& request) {
  const std::string& chain_id = request.chain_id();
  std::shared_ptr<Chain> chain;
  std::shared_ptr<RaftConsenter> consenter;
  {
    std::shared_lock lock(mutex_);
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) return NotFound("chain '" + chain_id + "' is not joined on this node");
    chain = it->second->chain;
    consenter = it->second->consenter;
  }
  auto config = chain->config();
  const int64_t now_ms = clock_.NowMs();
  ledger::IdentityCheck admin = config->CheckIdentity(request.creator(), now_ms);
  if (admin.problem != ledger::IdentityProblem::kNone || admin.info.is_wallet ||
      admin.info.role != milkpb::ADMIN ||
      !crypto::Verify(admin.info.public_key,
                      ledger::TransferLeadershipSigningBytes(chain_id, request.to(),
                                                             request.timestamp_ms()),
                      request.signature())) {
    return PermissionDenied("a leadership transfer needs the signature of an admin of an org of "
                            "chain '" + chain_id + "'" +
                            (admin.message.empty() ? "" : " (" + admin.message + ")"));
  }
  if (std::llabs(now_ms - request.timestamp_ms()) > config->max_timestamp_skew_ms()) {
    return InvalidArgument("the request's timestamp is " + std::to_string(now_ms - request.timestamp_ms()) +
                           " ms from this node's clock (limit " +
                           std::to_string(config->max_timestamp_skew_ms()) + " ms)");
  }
  if (consenter == nullptr) {
    return FailedPrecondition("this node is not a consenter of chain '" + chain_id + "'");
  }
  consensus::RaftStatus status = consenter->status();
  if (status.role != consensus::Role::kLeader) {
    std::string endpoint;
    for (const auto& c : config->consenters()) {
      if (c.raft_id == status.leader) endpoint = c.endpoint;
    }
    return FailedPrecondition("this consenter does not lead chain '" + chain_id + "'; send the "
                              "request to the leader" +
                              (endpoint.empty() ? " (unknown right now)" : " at " + endpoint));
  }
  uint64_t to = request.to();
  if (to == 0) {  // the most caught-up other voter
    uint64_t best_match = 0;
    for (const consensus::PeerStatus& p : status.progress) {
      if (p.id == status.id || p.is_learner) continue;
      if (to == 0 || p.match > best_match) {
        to = p.id;
        best_match = p.match;
      }
    }
    if (to == 0) return FailedPrecondition("chain '" + chain_id + "' has no other consenter");
  }
  // Catching up a lagging target and its election: a few election timeouts, and at least
  // kTransferBoundMinMs for a busy machine with short test timeouts.
  const int64_t bound_ms = std::max<int64_t>(
      4 * options_.raft_election_ticks * options_.raft_tick_ms, kTransferBoundMinMs);
  MILK_RETURN_IF_ERROR(consenter->TransferLeadership(to, bound_ms));
  milkpb::TransferLeadershipResponse response;
  response.set_leader(to);
  response.set_term(consenter->status().term);
  return response;
}

}  // namespace milk::node
