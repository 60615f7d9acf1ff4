// RaftConsenter: the Raft thread (ticks, messages, Ready handling, applying) and proposing.
#include <algorithm>
#include <chrono>

#include "crypto/bytes.h"
#include "node/ledger/config_update.h"
#include "node/ledger/formats.h"
#include "node/ops/logging.h"
#include "node/raft/raft_consenter.h"

namespace milk::node {
namespace {

using Steady = std::chrono::steady_clock;

std::string EncodeChainMark(uint64_t height, const std::string& header_hash) {
  std::string out;
  PutFixed64BE(&out, height);
  out.append(header_hash);
  return out;
}

Result<uint64_t> DecodeChainMark(const std::string& data) {
  if (data.empty()) return uint64_t{0};  // the bootstrap snapshot
  if (data.size() != 8 + 32) return DataLoss("snapshot data is not a chain mark");
  return GetFixed64BE(data.data());
}

// How long the proposer re-checks leadership and the barrier while waiting.
constexpr auto kProposePoll = std::chrono::milliseconds(20);
// Fetching blocks for a snapshot: attempts and the pause between them.
constexpr int kFetchAttemptsMax = 50;
constexpr auto kFetchRetryPause = std::chrono::milliseconds(100);

}  // namespace

void RaftConsenter::Loop() {
  // A consenter stopped between recording a snapshot and fetching its blocks finishes the fetch
  // before anything else: entries after the snapshot build on those blocks.
  auto snapshot = log_->storage()->Snapshot();
  Status caught_up = snapshot.ok() ? InstallSnapshot(*snapshot) : snapshot.status();
  if (!caught_up.ok()) {
    ops::LogError("consenter stopped", {{"chain", options_.chain_id}, {"why", caught_up.ToString()}});
    std::lock_guard lock(mutex_);
    failure_ = Unavailable("consenter of chain '" + options_.chain_id + "' cannot catch up: " +
                           caught_up.message() + "; restart the node");
    return;
  }
  auto next_tick = Steady::now() + std::chrono::milliseconds(options_.tick_ms);
  while (true) {
    std::deque<milkpb::RaftMessage> inbox;
    std::deque<Proposal> proposals;
    std::deque<std::function<void()>> tasks;
    {
      std::unique_lock lock(mutex_);
      cv_.wait_until(lock, next_tick, [&] {
        return stopping_ || !inbox_.empty() || !proposals_.empty() || !tasks_.empty();
      });
      if (stopping_) return;
      inbox.swap(inbox_);
      proposals.swap(proposals_);
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) task();
    for (const auto& m : inbox) {
      Status s = raft_->Step(m);
      if (!s.ok()) ops::LogDebug("raft message dropped", {{"chain", options_.chain_id}, {"why", s.message()}});
    }
    ProposeAll(std::move(proposals));
    if (Steady::now() >= next_tick) {
      ExpireWaiters();
      raft_->Tick();
      next_tick += std::chrono::milliseconds(options_.tick_ms);
      if (next_tick < Steady::now()) next_tick = Steady::now() + std::chrono::milliseconds(options_.tick_ms);
    }
    while (raft_->HasReady()) {
      Status s = HandleReady();
      if (!s.ok()) {
        ops::LogError("consenter stopped", {{"chain", options_.chain_id}, {"why", s.ToString()}});
        {
          std::lock_guard lock(mutex_);
          failure_ = Unavailable("consenter of chain '" + options_.chain_id + "' stopped: " +
                                 s.message() + "; restart the node");
          leading_ = false;
        }
        FailWaiters(s.message());
        return;
      }
    }
    std::lock_guard lock(mutex_);
    status_ = raft_->GetStatus();
  }
}

Status RaftConsenter::HandleReady() {
  consensus::Ready ready = raft_->GetReady();
  if (ready.soft_state.has_value()) {
    bool now_leading = ready.soft_state->role == consensus::Role::kLeader;
    bool lost = false;
    {
      std::lock_guard lock(mutex_);
      lost = leading_ && !now_leading;
      if (now_leading && !leading_) leader_barrier_ = raft_->GetStatus().last_index;
      leading_ = now_leading;
      leader_ = ready.soft_state->leader;
    }
    proposed_tip_.reset();  // a new term: chain onto the applied head again
    if (lost) FailWaiters("leadership of chain '" + options_.chain_id + "' moved; retry");
    ops::LogInfo("raft role", {{"chain", options_.chain_id},
                               {"role", consensus::RoleName(ready.soft_state->role)},
                               {"leader", std::to_string(ready.soft_state->leader)}});
  }
  MILK_RETURN_IF_ERROR(log_->Persist(ready));  // durable before anything is sent
  if (ready.snapshot.has_value()) MILK_RETURN_IF_ERROR(InstallSnapshot(*ready.snapshot));
  for (const auto& m : ready.messages) {
    transport_.Send(options_.chain_id, m);
    // The transport cannot tell whether a snapshot arrived; report it sent so the leader goes
    // back to probing the follower, which asks again (another snapshot) if it was lost.
    if (m.type() == milkpb::RaftMessage::SNAPSHOT) raft_->ReportSnapshot(m.to(), true);
  }
  MILK_RETURN_IF_ERROR(ApplyCommitted(ready.committed_entries));
  raft_->Advance(ready);
  return MaybeCompact();
}

void RaftConsenter::ProposeAll(std::deque<Proposal> proposals) {
  for (Proposal& p : proposals) {
    // A block must extend what is already on its way: the last block this leader proposed, or
    // the chain head once that one is applied (or when there is none). Anything else would sit
    // in the log with a gap before it, which only a snapshot may leave.
    const bool tip_pending = proposed_tip_.has_value() && proposed_tip_->number >= chain_.height();
    const uint64_t expected = tip_pending ? proposed_tip_->number + 1 : chain_.height();
    const std::string onto = tip_pending ? proposed_tip_->header_hash : chain_.last_header_hash();
    Status s = Status::Ok();
    if (p.block_number != expected || p.previous_hash != onto) {
      s = Unavailable("the chain head moved while the block was cut (it is block " +
                      std::to_string(p.block_number) + ", the next is " +
                      std::to_string(expected) + ")");
    } else {
      s = p.change.has_value() ? raft_->ProposeConfChange(*p.change)
                               : raft_->Propose(std::move(p.data));
    }
    if (s.ok()) {
      proposed_tip_ = ProposedTip{p.block_number, p.header_hash};
      continue;
    }
    ops::LogDebug("proposal refused", {{"chain", options_.chain_id}, {"why", s.message()}});
    // Refused at once (no longer leading, a membership change still pending, too much
    // uncommitted, cut onto a refused block): tell the waiter now rather than at its timeout.
    std::lock_guard lock(mutex_);
    FailWaiterLocked(p.block_number, "block " + std::to_string(p.block_number) +
                                         " was not proposed (" + s.message() + "); retry");
  }
}

Status RaftConsenter::TransferLeadership(uint64_t to, int64_t timeout_ms) {
  const auto deadline = Steady::now() + std::chrono::milliseconds(timeout_ms);
  // The core abandons a transfer after an election timeout (a slow target); ask again until the
  // deadline, as long as this node still leads and no transfer is under way.
  bool started_once = false;
  while (Steady::now() < deadline) {
    if (leader() == to) return Status::Ok();
    consensus::RaftStatus now = status();
    if (started_once && (now.role != consensus::Role::kLeader || now.lead_transferee != 0)) {
      std::this_thread::sleep_for(kProposePoll);
      continue;
    }
    auto started = std::make_shared<std::promise<Status>>();
    std::future<Status> accepted = started->get_future();
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || !failure_.ok()) return Unavailable("the consenter is stopping");
      tasks_.push_back([this, to, started] { started->set_value(raft_->TransferLeadership(to)); });
    }
    cv_.notify_all();
    if (accepted.wait_until(deadline) != std::future_status::ready) break;
    Status s = accepted.get();
    if (!s.ok()) {
      if (started_once && leader() == to) return Status::Ok();
      if (!started_once) return s;  // not the leader, not a voter: say so at once
      break;
    }
    if (!started_once) {
      ops::LogInfo("leadership transfer started", {{"chain", options_.chain_id}, {"to", std::to_string(to)}});
    }
    started_once = true;
    std::this_thread::sleep_for(kProposePoll);
  }
  if (leader() == to) return Status::Ok();
  return Unavailable("raft id " + std::to_string(to) + " did not take over within " +
                     std::to_string(timeout_ms) + " ms (leader now: " + std::to_string(leader()) +
                     "); it may be lagging or unreachable");
}

Status RaftConsenter::ApplyCommitted(const std::vector<milkpb::RaftEntry>& entries) {
  for (const milkpb::RaftEntry& entry : entries) {
    if (entry.type() == milkpb::RaftEntry::CONF_CHANGE) {
      MILK_RETURN_IF_ERROR(ApplyConfChangeEntry(entry));
    } else if (!entry.data().empty()) {
      MILK_RETURN_IF_ERROR(ApplyBlockEntry(entry.data(), entry.index()));
    }
    std::lock_guard lock(mutex_);
    applied_ = entry.index();
  }
  return Status::Ok();
}

Status RaftConsenter::ApplyConfChangeEntry(const milkpb::RaftEntry& entry) {
  milkpb::RaftConfChange change;
  milkpb::Block block;
  if (!change.ParseFromString(entry.data()) || !block.ParseFromString(change.context())) {
    ops::LogWarn("membership entry without a config block; skipped",
                 {{"chain", options_.chain_id}, {"index", std::to_string(entry.index())}});
    return Status::Ok();
  }
  MILK_RETURN_IF_ERROR(ApplyBlockEntry(change.context(), entry.index()));
  // The change takes effect only if this very block is in the chain with its update VALID (a
  // stale leader's block, or an update overtaken by another, changes nothing), and only as the
  // new config says. The same facts hold on every node, so every node decides alike.
  const uint64_t number = block.header().number();
  auto stored = chain_.GetBlock(number);
  bool applies = stored.ok() &&
                 ledger::HeaderHash(stored->header()) == ledger::HeaderHash(block.header()) &&
                 stored->metadata().validation_codes() == std::string(1, char{milkpb::VALID});
  if (applies) {
    milkpb::Envelope envelope;
    milkpb::ConfigTransaction tx;
    applies = envelope.ParseFromString(stored->data().envelopes(0)) &&
              tx.ParseFromString(envelope.payload());
    bool listed = false;
    for (const auto& c : tx.config().consenters()) listed = listed || c.raft_id() == change.node_id();
    applies = applies && (change.type() == milkpb::RaftConfChange::ADD_NODE ? listed : !listed);
  }
  if (!applies) {
    ops::LogInfo("membership change not applied (its config block did not take effect)",
                 {{"chain", options_.chain_id}, {"block", std::to_string(number)}});
    return Status::Ok();
  }
  milkpb::RaftConfState state = raft_->ApplyConfChange(change);
  std::string voters;
  for (uint64_t id : state.voters()) voters += (voters.empty() ? "" : ",") + std::to_string(id);
  ops::LogInfo("raft membership changed",
               {{"chain", options_.chain_id},
                {"change", change.type() == milkpb::RaftConfChange::ADD_NODE ? "add" : "remove"},
                {"raft_id", std::to_string(change.node_id())}, {"voters", voters}});
  return Status::Ok();
}

Status RaftConsenter::ApplyBlockEntry(const std::string& block_bytes, uint64_t index) {
  milkpb::Block block;
  if (!block.ParseFromString(block_bytes)) {
    ops::LogWarn("raft entry is not a block; skipped", {{"chain", options_.chain_id},
                                                        {"index", std::to_string(index)}});
    return Status::Ok();
  }
  const uint64_t number = block.header().number();
  // Raft entries and blocks advance together; a gap means blocks of an installed snapshot are
  // missing here: fetch them first.
  if (number > chain_.height()) MILK_RETURN_IF_ERROR(FetchBlocksUpTo(number));
  Result<milkpb::Block> committed = FailedPrecondition("block does not extend the chain");
  if (number == chain_.height()) committed = chain_.CommitBlock(block);
  if (!committed.ok() && committed.status().code() == Code::kUnavailable) {
    return committed.status();  // storage failure: stop
  }
  std::lock_guard lock(mutex_);
  auto it = waiters_.find(number);
  if (it == waiters_.end()) return Status::Ok();
  if (committed.ok() && ledger::HeaderHash(committed->header()) == it->second.header_hash) {
    it->second.promise.set_value(std::move(committed).value());
    waiters_.erase(it);
  } else if (number < chain_.height()) {
    it->second.promise.set_value(
        Unavailable("another leader's block " + std::to_string(number) + " was ordered first; retry"));
    waiters_.erase(it);
  }
  return Status::Ok();
}

Status RaftConsenter::InstallSnapshot(const milkpb::RaftSnapshot& snapshot) {
  MILK_ASSIGN_OR_RETURN(uint64_t height, DecodeChainMark(snapshot.data()));
  const uint64_t before = chain_.height();
  MILK_RETURN_IF_ERROR(FetchBlocksUpTo(height));
  if (before < height) {
    ops::LogInfo("snapshot installed", {{"chain", options_.chain_id},
                                        {"index", std::to_string(snapshot.meta().index())},
                                        {"height", std::to_string(height)},
                                        {"fetched_blocks", std::to_string(height - before)}});
  }
  std::lock_guard lock(mutex_);
  applied_ = std::max(applied_, snapshot.meta().index());
  return Status::Ok();
}

Status RaftConsenter::FetchBlocksUpTo(uint64_t height) {
  for (int attempt = 0; chain_.height() < height; ++attempt) {
    if (attempt >= kFetchAttemptsMax || !fetcher_) {
      return Unavailable("cannot fetch blocks " + std::to_string(chain_.height()) + ".." +
                         std::to_string(height - 1) + " for a snapshot");
    }
    auto blocks = fetcher_(chain_.height(), height);
    if (!blocks.ok()) {
      std::this_thread::sleep_for(kFetchRetryPause);
      continue;
    }
    for (auto& block : *blocks) {
      if (block.header().number() != chain_.height()) continue;
      MILK_RETURN_IF_ERROR(chain_.CommitBlock(std::move(block)).status());
    }
  }
  return Status::Ok();
}

Status RaftConsenter::MaybeCompact() {
  uint64_t applied;
  {
    std::lock_guard lock(mutex_);
    applied = applied_;
  }
  consensus::MemoryStorage* storage = log_->storage();
  if (applied < storage->FirstIndex() + options_.snapshot_every_entries) return Status::Ok();
  return log_->Compact(applied, raft_->GetStatus().conf_state,
                       EncodeChainMark(chain_.height(), chain_.last_header_hash()),
                       options_.snapshot_keep_entries);
}

std::optional<milkpb::RaftConfChange> RaftConsenter::MembershipChangeOf(
    const milkpb::Block& block) const {
  if (block.data().envelopes_size() != 1 || !ledger::IsConfigBlock(block)) return std::nullopt;
  ledger::ConfigUpdateCheck check = ledger::CheckConfigUpdate(
      block.data().envelopes(0), *chain_.config(), block.header().timestamp_ms());
  if (check.code != milkpb::VALID ||
      check.change.kind == ledger::MembershipChange::Kind::kNone) {
    return std::nullopt;  // ordered as a plain block (it may still change other settings)
  }
  milkpb::RaftConfChange change;
  change.set_type(check.change.kind == ledger::MembershipChange::Kind::kAdd
                      ? milkpb::RaftConfChange::ADD_NODE
                      : milkpb::RaftConfChange::REMOVE_NODE);
  change.set_node_id(check.change.raft_id);
  change.set_context(block.SerializeAsString());
  return change;
}

std::future<Result<milkpb::Block>> RaftConsenter::ProposeBlock(milkpb::Block block) {
  auto refused = [](Status why) {
    std::promise<Result<milkpb::Block>> promise;
    promise.set_value(std::move(why));
    return promise.get_future();
  };
  const auto deadline = Steady::now() + std::chrono::milliseconds(options_.propose_timeout_ms);
  // A new leader first applies what earlier leaders committed, so its blocks extend the chain.
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return refused(Unavailable("the node is shutting down; retry"));
      if (!leading_) {
        return refused(Unavailable("leadership of chain '" + options_.chain_id + "' moved; retry"));
      }
      if (applied_ >= leader_barrier_) break;
    }
    if (Steady::now() >= deadline) return refused(Unavailable("the new leader is still catching up; retry"));
    std::this_thread::sleep_for(kProposePoll);
  }
  const uint64_t number = block.header().number();
  std::string header_hash = ledger::HeaderHash(block.header());
  Proposal proposal{block.SerializeAsString(), MembershipChangeOf(block), number,
                    block.header().previous_hash(), header_hash};
  std::future<Result<milkpb::Block>> future;
  {
    // Checked and registered under one lock: Stop (and a failed Raft thread) fail every waiter
    // registered before, and none is registered after.
    std::lock_guard lock(mutex_);
    if (stopping_) return refused(Unavailable("the node is shutting down; retry"));
    if (!failure_.ok()) return refused(failure_);
    if (waiters_.count(number) != 0) {
      return refused(Unavailable("block " + std::to_string(number) + " is already being ordered; retry"));
    }
    Waiter& waiter = waiters_[number];
    waiter.header_hash = std::move(header_hash);
    waiter.deadline = deadline;
    future = waiter.promise.get_future();
    proposals_.push_back(std::move(proposal));
  }
  cv_.notify_all();
  return future;
}

}  // namespace milk::node
