#include "tools/client/config_update.h"

#include <algorithm>

#include "crypto/ed25519.h"
#include "node/ledger/formats.h"

namespace milk::client {
namespace {

// The next config with explicit raft ids and the sequence advanced.
milkpb::ChainConfig Successor(const milkpb::ChainConfig& current) {
  milkpb::ChainConfig next = current;
  next.set_sequence(current.sequence() + 1);
  uint64_t last = current.last_raft_id();
  for (int i = 0; i < next.consenters_size(); ++i) {
    milkpb::ConsenterConfig* c = next.mutable_consenters(i);
    if (c->raft_id() == 0) c->set_raft_id(static_cast<uint64_t>(i) + 1);
    last = std::max(last, c->raft_id());
  }
  next.set_last_raft_id(last);
  return next;
}

}  // namespace

Result<milkpb::ChainConfig> ConfigAddingConsenter(const milkpb::ChainConfig& current,
                                                  milkpb::ConsenterConfig consenter) {
  milkpb::ChainConfig next = Successor(current);
  for (const milkpb::ConsenterConfig& c : next.consenters()) {
    if (consenter.raft_id() != 0 && c.raft_id() == consenter.raft_id()) {
      return InvalidArgument("raft id " + std::to_string(c.raft_id()) + " is already a consenter's");
    }
    if (c.certificate() == consenter.certificate()) {
      return InvalidArgument("that certificate is already consenter " + std::to_string(c.raft_id()) +
                             "'s");
    }
  }
  if (consenter.raft_id() == 0) consenter.set_raft_id(next.last_raft_id() + 1);
  next.set_last_raft_id(std::max(next.last_raft_id(), consenter.raft_id()));
  *next.add_consenters() = std::move(consenter);
  return next;
}

Result<milkpb::ChainConfig> ConfigRemovingConsenter(const milkpb::ChainConfig& current,
                                                    uint64_t raft_id) {
  milkpb::ChainConfig next = Successor(current);
  auto* consenters = next.mutable_consenters();
  auto it = std::find_if(consenters->begin(), consenters->end(),
                         [&](const milkpb::ConsenterConfig& c) { return c.raft_id() == raft_id; });
  if (it == consenters->end()) {
    return NotFound("chain '" + current.chain_id() + "' has no consenter with raft id " +
                    std::to_string(raft_id));
  }
  if (consenters->size() == 1) {
    return FailedPrecondition("raft id " + std::to_string(raft_id) +
                              " is the chain's last consenter; add another first");
  }
  consenters->erase(it);
  return next;
}

milkpb::ConfigApproval ApproveConfig(const milkpb::ChainConfig& next, const Signer& admin) {
  milkpb::ConfigApproval approval;
  approval.set_signer(admin.identity_bytes);
  approval.set_signature(crypto::Sign(admin.key.secret_key, ledger::ConfigApprovalBytes(next)));
  return approval;
}

milkpb::Envelope BuildConfigEnvelope(milkpb::ConfigTransaction update, const Signer& admin,
                                     int64_t now_ms) {
  update.set_creator(admin.identity_bytes);
  update.set_timestamp_ms(now_ms);
  milkpb::Envelope envelope;
  envelope.set_type(milkpb::CONFIG);
  envelope.set_payload(update.SerializeAsString());
  envelope.set_signature(crypto::Sign(admin.key.secret_key,
                                      ledger::EnvelopeSigningBytes(milkpb::CONFIG, envelope.payload())));
  return envelope;
}

}  // namespace milk::client
