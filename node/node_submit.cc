// Node: submit, commit status, health and shutdown.
#include <chrono>

#include "node/ledger/formats.h"
#include "node/ledger/tx_check.h"
#include "node/node.h"
#include "node/chain_runtime.h"
#include "node/ops/logging.h"

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

}  // namespace

Result<milkpb::SubmitResponse> Node::Submit(const std::string& chain_id,
                                            const milkpb::Envelope& envelope) {
  std::string bytes = envelope.SerializeAsString();
  if (bytes.size() > options_.envelope_bytes_max) {
    return ResourceExhausted("envelope of " + std::to_string(bytes.size()) +
                             " bytes exceeds the limit of " +
                             std::to_string(options_.envelope_bytes_max));
  }
  Orderer* orderer = nullptr;
  std::shared_ptr<Chain> chain;
  {
    std::shared_lock lock(mutex_);
    auto it = chains_.find(chain_id);
    if (it == chains_.end()) return NotFound("chain '" + chain_id + "' is not joined on this node");
    chain = it->second->chain;
    orderer = it->second->orderer.get();
  }
  if (orderer == nullptr) {
    return FailedPrecondition("this node is not a consenter of chain '" + chain_id +
                              "'; submit to a consenter");
  }
  ledger::TxCheck check = ledger::CheckTransaction(bytes, *chain->config(), clock_.NowMs());
  if (check.code != milkpb::VALID) return StatusForCode(check.code, chain_id);
  MILK_ASSIGN_OR_RETURN(std::optional<TxRecord> existing, chain->GetTx(check.tx_id));
  if (existing.has_value()) {
    return AlreadyExists("transaction " + check.tx_id + " is already in block " +
                         std::to_string(existing->block_number) + " as " +
                         ledger::ValidationCodeName(existing->validation_code));
  }
  auto future = orderer->Submit(std::move(bytes), check.tx_id);
  if (future.wait_for(std::chrono::milliseconds(options_.submit_timeout_ms)) !=
      std::future_status::ready) {
    return DeadlineExceeded("transaction " + check.tx_id + " was not ordered within " +
                            std::to_string(options_.submit_timeout_ms) +
                            " ms; ask CommitStatus for its fate before resubmitting");
  }
  const Result<OrderedTx>& ordered = future.get();
  if (!ordered.ok()) return ordered.status();
  milkpb::SubmitResponse response;
  response.set_tx_id(check.tx_id);
  response.set_block_number(ordered->block_number);
  return response;
}

Result<milkpb::CommitStatusResponse> Node::CommitStatus(const std::string& chain_id,
                                                        const std::string& tx_id, bool wait,
                                                        int64_t timeout_ms) {
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
  for (auto& [id, runtime] : chains) {
    if (runtime->orderer) runtime->orderer->Stop();
    runtime->chain->Close();
  }
}

}  // namespace milk::node
