// Node: submit, commit status, health and shutdown.
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "node/ledger/config_update.h"
#include "node/ledger/formats.h"
#include "node/ledger/tx_check.h"
#include "node/node.h"
#include "node/chain_runtime.h"
#include "node/ops/logging.h"
#include "node/raft/peer_client.h"

namespace milk::node {
namespace {

// Why the orderer refuses an envelope up front, so a bad one never takes space in a block.
Status StatusForCode(uint8_t code, const std::string& chain_id) {
  std::string name = ledger::ValidationCodeName(code);
  switch (code) {
    case milkpb::BAD_CREATOR_SIGNATURE:
      return Unauthenticated("envelope refused (" + name +
                             "): the creator is unknown to chain '" + chain_id +
                             "' or its signature does not verify");
    case milkpb::EXPIRED_CERTIFICATE:
    case milkpb::REVOKED_CERTIFICATE:
    case milkpb::CREATOR_NOT_AUTHORIZED:
      return PermissionDenied("envelope refused (" + name + ")");
    case milkpb::ENDORSEMENT_POLICY_FAILURE:
      return FailedPrecondition("envelope refused (" + name +
                                "): its endorsements do not satisfy the chaincode's policy; "
                                "collect endorsements from the peers the policy names");
    case milkpb::INVALID_CHAINCODE:
      return NotFound("envelope refused (" + name + "): chaincode not defined on chain '" +
                      chain_id + "'");
    default:
      return InvalidArgument("envelope refused (" + name + ")");
  }
}

Status NoLeader(const std::string& chain_id) {
  return Unavailable("chain '" + chain_id + "' has no leader right now (election in progress); "
                     "retry");
}

}  // namespace

Result<milkpb::SubmitResponse> Node::Submit(const std::string& chain_id,
                                            const milkpb::Envelope& envelope, bool forwarded) {
  auto answer = std::make_shared<std::promise<Result<milkpb::SubmitResponse>>>();
  std::future<Result<milkpb::SubmitResponse>> future = answer->get_future();
  SubmitAsync(chain_id, envelope, forwarded, [answer](Result<milkpb::SubmitResponse> result) {
    answer->set_value(std::move(result));
  });
  return future.get();  // SubmitAsync answers within the submit timeout
}

void Node::SubmitAsync(const std::string& chain_id, const milkpb::Envelope& envelope,
                       bool forwarded, SubmitCallback done) {
  std::string bytes = envelope.SerializeAsString();
  if (bytes.size() > options_.envelope_bytes_max) {
    return done(ResourceExhausted("envelope of " + std::to_string(bytes.size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(options_.envelope_bytes_max)));
  }
  std::shared_ptr<Chain> chain;
  std::shared_ptr<RaftConsenter> consenter;
  {
    std::shared_lock lock(mutex_);
    if (stopped_) return done(Unavailable("the node is stopping; retry on another node"));
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) {
      return done(NotFound("chain '" + chain_id + "' is not joined on this node"));
    }
    chain = it->second->chain;
    consenter = it->second->consenter;
  }
  const bool is_config = envelope.type() == milkpb::CONFIG;
  std::string tx_id;
  if (is_config) {
    // A config update is checked against the config in force now; it is checked again when its
    // block commits (another update may come first).
    ledger::ConfigUpdateCheck check = ledger::CheckConfigUpdate(bytes, *chain->config(), clock_.NowMs());
    if (check.code != milkpb::VALID) {
      return done(check.tx_id_proven ? FailedPrecondition("config update refused: " + check.message)
                                     : PermissionDenied("config update refused: " + check.message));
    }
    tx_id = check.tx_id;
  } else {
    ledger::TxCheck check = ledger::CheckTransaction(bytes, *chain->config(), clock_.NowMs());
    if (check.code != milkpb::VALID) return done(StatusForCode(check.code, chain_id));
    tx_id = check.tx_id;
  }
  Result<std::optional<TxRecord>> existing = chain->GetTx(tx_id);
  if (!existing.ok()) return done(existing.status());
  if (existing->has_value()) {
    return done(AlreadyExists("transaction " + tx_id + " is already in block " +
                              std::to_string((*existing)->block_number) + " as " +
                              ledger::ValidationCodeName((*existing)->validation_code)));
  }
  if (consenter == nullptr) {
    if (forwarded) {
      return done(FailedPrecondition("this node is not a consenter of chain '" + chain_id + "'"));
    }
    return Forward(chain, 0, envelope, submit_calls_->Start(tx_id, std::move(done)));  // a peer
  }
  std::shared_ptr<SubmitCall> call = submit_calls_->Start(tx_id, std::move(done));
  if (consenter->leader() != 0) {
    return Route(chain, *consenter, std::move(bytes), tx_id, is_config, envelope, forwarded,
                 std::move(call));
  }
  // During an election (a fresh chain, or after a leader died) wait for a leader rather than
  // refusing, a few election timeouts at most; the wait holds no thread (SubmitCalls::After).
  auto waiting = std::make_shared<WaitingForLeader>(WaitingForLeader{
      chain, consenter, std::move(bytes), tx_id, is_config, envelope, forwarded, std::move(call),
      std::chrono::steady_clock::now() +
          std::chrono::milliseconds(3 * options_.raft_tick_ms * 2 * options_.raft_election_ticks)});
  submit_calls_->After(kLeaderPoll, [this, waiting] { RouteOnceLed(waiting); });
}

void Node::RouteOnceLed(const std::shared_ptr<WaitingForLeader>& w) {
  if (w->call->answered()) return;  // its deadline passed, or the node stopped
  if (w->consenter->leader() == 0) {
    if (std::chrono::steady_clock::now() < w->until) {
      submit_calls_->After(kLeaderPoll, [this, w] { RouteOnceLed(w); });
      return;
    }
    // Never forwarded on to another consenter: with no leader it would forward it on again.
    w->call->Answer(NoLeader(w->chain->chain_id()));
    return;
  }
  Route(w->chain, *w->consenter, std::move(w->bytes), w->tx_id, w->is_config, w->envelope,
        w->forwarded, w->call);
}

void Node::Route(const std::shared_ptr<Chain>& chain, RaftConsenter& consenter, std::string bytes,
                 const std::string& tx_id, bool is_config, const milkpb::Envelope& envelope,
                 bool forwarded, std::shared_ptr<SubmitCall> call) {
  if (!consenter.is_leader()) {
    const uint64_t leader = consenter.leader();
    if (forwarded || leader == 0) {  // leader 0: lost since it was checked
      call->Answer(forwarded ? Unavailable("this consenter no longer leads chain '" +
                                           chain->chain_id() + "'; retry")
                             : NoLeader(chain->chain_id()));
      return;
    }
    return Forward(chain, leader, envelope, std::move(call));
  }
  consenter.Submit(std::move(bytes), tx_id, is_config,
                   [call, tx_id](const Result<OrderedTx>& ordered) {
                     if (!ordered.ok()) {
                       call->Answer(ordered.status());
                       return;
                     }
                     milkpb::SubmitResponse response;
                     response.set_tx_id(tx_id);
                     response.set_block_number(ordered->block_number);
                     response.set_committed(true);
                     response.set_code(
                         static_cast<milkpb::TxValidationCode>(ordered->validation_code));
                     response.set_tx_index(ordered->tx_index);
                     call->Answer(std::move(response));
                   });
}

Result<std::shared_future<Result<OrderedTx>>> Node::OrderUnchecked(const std::string& chain_id,
                                                                   std::string bytes,
                                                                   const std::string& tx_id,
                                                                   OrderedCallback done) {
  if (!options_.unchecked_ordering) {
    return FailedPrecondition("unchecked ordering is for the in-process ordering benchmark only");
  }
  std::shared_ptr<RaftConsenter> consenter;
  {
    std::shared_lock lock(mutex_);
    if (stopped_) return Unavailable("the node is stopping");
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) return NotFound("chain '" + chain_id + "' is not joined on this node");
    consenter = it->second->consenter;
  }
  if (consenter == nullptr || !consenter->is_leader()) {
    return Unavailable("this node does not lead chain '" + chain_id + "'");
  }
  return consenter->Submit(std::move(bytes), tx_id, /*isolated=*/false, std::move(done));
}

namespace {

// The leader's answer to a forwarded submit, given once the block is committed here too: the
// client's next call (often an endorsement that reads what this transaction wrote) comes to
// this node, so read-your-writes holds at the node the client talks to. A node that lags past
// the submit timeout answers anyway with the leader's answer (the transaction is committed; the
// answer says where).
void AfterLocalCommit(const std::shared_ptr<Chain>& chain, const std::shared_ptr<SubmitCall>& call,
                      Result<milkpb::SubmitResponse> forwarded) {
  // A chain that stopped committing (Chain::failure) will not reach the block: answer now.
  if (!forwarded.ok() || !forwarded->committed() || !chain->failure().ok()) {
    call->Answer(std::move(forwarded));
    return;
  }
  const uint64_t block = forwarded->block_number();
  call->SetTimeoutAnswer(*std::move(forwarded));
  // The waiter holds the call (SubmitCalls only watches it) and answers with the leader's
  // answer, kept once, in the call. A call its deadline answered stays until the block arrives
  // or the chain closes; Chain::WhenBlock bounds how many wait.
  chain->WhenBlock(block, [call] {
    std::optional<Result<milkpb::SubmitResponse>> answer = call->TimeoutAnswer();
    if (answer.has_value()) call->Answer(*std::move(answer));
  });
}

// Tries the consenters from `next` on until one answers other than kUnavailable (a peer that
// does not order the chain; any consenter forwards to its leader).
void ForwardToAny(ForwardCalls& calls, std::vector<std::string> endpoints, size_t next,
                  milkpb::SubmitRequest request, int64_t timeout_ms,
                  std::shared_ptr<Chain> chain, std::shared_ptr<SubmitCall> call, Status last) {
  if (next >= endpoints.size() || call->answered()) {
    call->Answer(std::move(last));
    return;
  }
  const std::string endpoint = endpoints[next];
  milkpb::SubmitRequest copy = request;
  calls.Submit(endpoint, std::move(copy), timeout_ms,
               [&calls, endpoints = std::move(endpoints), next, request = std::move(request),
                timeout_ms, chain = std::move(chain),
                call = std::move(call)](Result<milkpb::SubmitResponse> response) mutable {
                 if (response.ok() || response.status().code() != Code::kUnavailable) {
                   AfterLocalCommit(chain, call, std::move(response));
                   return;
                 }
                 ForwardToAny(calls, std::move(endpoints), next + 1, std::move(request),
                              timeout_ms, std::move(chain), std::move(call), response.status());
               });
}

}  // namespace

void Node::Forward(const std::shared_ptr<Chain>& chain, uint64_t leader,
                   const milkpb::Envelope& envelope, std::shared_ptr<SubmitCall> call) {
  const std::string& chain_id = chain->chain_id();
  milkpb::SubmitRequest request;
  request.set_chain_id(chain_id);
  *request.mutable_envelope() = envelope;
  const auto consenters = chain->config()->consenters();
  if (leader == 0) {
    std::vector<std::string> endpoints;
    for (const auto& c : consenters) endpoints.push_back(c.endpoint);
    return ForwardToAny(*forward_calls_, std::move(endpoints), 0, std::move(request),
                        options_.submit_timeout_ms, chain, std::move(call),
                        Unavailable("chain '" + chain_id + "' names no consenter"));
  }
  request.set_forwarded(true);
  std::string endpoint;
  for (const auto& c : consenters) {
    if (c.raft_id == leader) endpoint = c.endpoint;
  }
  if (endpoint.empty()) {
    call->Answer(NoLeader(chain_id));
    return;
  }
  if (Status cut = faults_.CheckOutbound(chain_id, leader); !cut.ok()) {
    call->Answer(std::move(cut));
    return;
  }
  forward_calls_->Submit(endpoint, std::move(request), options_.submit_timeout_ms,
                         [chain, call](Result<milkpb::SubmitResponse> response) {
                           AfterLocalCommit(chain, call, std::move(response));
                         });
}

Result<milkpb::ClusterStatusResponse> Node::ClusterStatus(const std::string& chain_id) const {
  std::shared_ptr<Chain> chain;
  std::shared_ptr<const RaftConsenter> consenter;
  {
    std::shared_lock lock(mutex_);
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) return NotFound("chain '" + chain_id + "' is not joined on this node");
    chain = it->second->chain;
    consenter = it->second->consenter;
  }
  if (consenter == nullptr) {
    return FailedPrecondition("this node is not a consenter of chain '" + chain_id + "'");
  }
  consensus::RaftStatus status = consenter->status();
  milkpb::ClusterStatusResponse response;
  response.set_raft_id(status.id);
  response.set_role(consensus::RoleName(status.role));
  response.set_term(status.term);
  response.set_leader(status.leader);
  response.set_commit(status.commit);
  response.set_applied(status.applied);
  response.set_last_index(status.last_index);
  response.set_height(chain->height());
  for (const auto& c : chain->config()->consenters()) {
    if (c.raft_id == status.leader) response.set_endpoint(c.endpoint);
  }
  for (const consensus::PeerStatus& p : status.progress) {
    milkpb::PeerProgress* out = response.add_progress();
    out->set_raft_id(p.id);
    out->set_match(p.match);
    out->set_next(p.next);
    out->set_state(consensus::ProgressStateName(p.state));
    out->set_lag(status.last_index > p.match ? status.last_index - p.match : 0);
  }
  return response;
}

Result<milkpb::CommitStatusResponse> Node::CommitStatus(const std::string& chain_id,
                                                        const std::string& tx_id, bool wait,
                                                        int64_t timeout_ms,
                                                        bool with_sequenced_response) {
  MILK_ASSIGN_OR_RETURN(auto chain, GetChain(chain_id));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    uint64_t height = chain->height();
    MILK_ASSIGN_OR_RETURN(std::optional<TxRecord> record, chain->GetTx(tx_id));
    if (record.has_value()) {
      milkpb::CommitStatusResponse response;
      response.set_code(static_cast<milkpb::TxValidationCode>(record->validation_code));
      response.set_block_number(record->block_number);
      response.set_tx_index(record->tx_index);
      if (!with_sequenced_response) return response;
      MILK_ASSIGN_OR_RETURN(milkpb::Block block, chain->GetBlock(record->block_number));
      for (const milkpb::SequencedOutcome& outcome : block.metadata().sequenced()) {
        if (outcome.tx_index() == record->tx_index) {
          *response.mutable_sequenced_response() = outcome.response();
        }
      }
      return response;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (!wait || left <= 0) {
      return NotFound("transaction " + tx_id + " is not committed on chain '" + chain_id +
                      "' (height " + std::to_string(height) + ")");
    }
    chain->WaitForBlock(height, left);
  }
}

bool Node::Healthy() const {
  std::shared_lock lock(mutex_);
  if (stopped_) return false;
  for (const auto& [id, runtime] : chains_) {
    if (!runtime->chain->failure().ok()) return false;
  }
  return true;
}

void Node::Stop() {
  std::map<std::string, std::unique_ptr<ChainRuntime>> chains;
  {
    std::unique_lock lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    chains.swap(chains_);
  }
  {
    std::lock_guard lock(roles_mutex_);
    roles_stopping_ = true;
  }
  roles_cv_.notify_all();
  if (roles_thread_.joinable()) roles_thread_.join();
  for (auto& [id, runtime] : chains) {
    if (runtime->consenter) runtime->consenter->Stop();
    if (runtime->puller) runtime->puller->Stop();
    runtime->chain->Close();
  }
  // What is still open waits on another node (a forwarded submit) or for a leader: answered
  // kUnavailable. Then the forwarded calls are cancelled, and none outlives the node.
  submit_calls_->Stop();
  forward_calls_->Stop();
  transport_.Stop();
}

}  // namespace milk::node
