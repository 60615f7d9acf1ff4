#include "node/ledger/config_update.h"

#include <algorithm>
#include <map>
#include <set>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "node/ledger/formats.h"

namespace milk::ledger {
namespace {

std::string Deterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

bool SameChaincodes(const milkpb::ChainConfig& a, const milkpb::ChainConfig& b) {
  if (a.chaincodes_size() != b.chaincodes_size()) return false;
  for (int i = 0; i < a.chaincodes_size(); ++i) {
    if (Deterministic(a.chaincodes(i)) != Deterministic(b.chaincodes(i))) return false;
  }
  return true;
}

// The admin behind an identity, if it is one of this config's admins valid at at_ms.
std::optional<crypto::IdentityInfo> Admin(const ChainConfigView& config, const std::string& identity,
                                          int64_t at_ms, std::string* why) {
  IdentityCheck check = config.CheckIdentity(identity, at_ms);
  if (check.problem != IdentityProblem::kNone) {
    *why = check.message;
    return std::nullopt;
  }
  if (check.info.is_wallet || check.info.role != milkpb::ADMIN) {
    *why = "'" + crypto::PrincipalName(check.info) + "' is not an admin";
    return std::nullopt;
  }
  return check.info;
}

// "org/name" of the member a consenter's certificate names ("" when it does not parse; Create
// refuses such a config anyway).
std::string ConsenterMember(const milkpb::ConsenterConfig& consenter) {
  milkpb::Certificate cert;
  milkpb::CertificateBody body;
  if (!cert.ParseFromString(consenter.certificate()) || !body.ParseFromString(cert.body())) {
    return "";
  }
  return body.org() + "/" + body.name();
}

}  // namespace

bool IsConfigBlock(const milkpb::Block& block) {
  for (const std::string& bytes : block.data().envelopes()) {
    milkpb::Envelope envelope;
    if (envelope.ParseFromString(bytes) && envelope.type() == milkpb::CONFIG) return true;
  }
  return false;
}

uint64_t EffectiveLastRaftId(const ChainConfigView& config) {
  uint64_t last = config.config().last_raft_id();
  for (const auto& c : config.consenters()) last = std::max(last, c.raft_id);
  return last;
}

Result<MembershipChange> CheckConfigSuccessor(const ChainConfigView& current,
                                              const milkpb::ChainConfig& next) {
  const milkpb::ChainConfig& now = current.config();
  if (next.chain_id() != now.chain_id()) {
    return InvalidArgument("a config update cannot change the chain id ('" + now.chain_id() +
                           "' to '" + next.chain_id() + "')");
  }
  if (next.version() != now.version()) {
    return InvalidArgument("config version " + std::to_string(next.version()) + " is not " +
                           std::to_string(now.version()));
  }
  if (next.sequence() != now.sequence() + 1) {
    return InvalidArgument("config sequence " + std::to_string(next.sequence()) +
                           " does not follow the current sequence " +
                           std::to_string(now.sequence()) + " (another update came first?)");
  }
  if (!SameChaincodes(now, next)) {
    return InvalidArgument("a config update cannot change chaincode definitions");
  }
  if (next.consenters().empty()) return InvalidArgument("a chain needs at least one consenter");
  std::set<uint64_t> before, after;
  std::map<uint64_t, std::string> member_before;  // raft id -> "org/name" of its consenter
  for (const auto& c : current.consenters()) before.insert(c.raft_id);
  for (int i = 0; i < now.consenters_size(); ++i) {
    member_before[current.consenters()[static_cast<size_t>(i)].raft_id] =
        ConsenterMember(now.consenters(i));
  }
  for (const milkpb::ConsenterConfig& c : next.consenters()) {
    if (c.raft_id() == 0) {
      return InvalidArgument("every consenter of a config update needs an explicit raft_id");
    }
    after.insert(c.raft_id());
    // A raft id stays with its member (its certificate may be renewed): handing it to another
    // node would let that node resume or vote under someone else's Raft identity.
    auto kept = member_before.find(c.raft_id());
    if (kept != member_before.end() && kept->second != ConsenterMember(c)) {
      return InvalidArgument("raft id " + std::to_string(c.raft_id()) + " belongs to consenter '" +
                             kept->second + "'; it cannot be given to '" + ConsenterMember(c) +
                             "' (remove one consenter and add the other under a new raft id)");
    }
  }
  // A chain that binds TLS certificates to its consenters binds every one (the Cluster service
  // refuses an unbound sender), and one that does not binds none.
  const bool tls_bound = now.consenters_size() > 0 && !now.consenters(0).tls_certificate().empty();
  for (const milkpb::ConsenterConfig& c : next.consenters()) {
    if (c.tls_certificate().empty() == tls_bound) {
      return InvalidArgument(std::string("consenter raft id ") + std::to_string(c.raft_id()) +
                             (tls_bound ? " has no TLS certificate, but this chain binds one to "
                                          "every consenter"
                                        : " has a TLS certificate, but this chain binds none"));
    }
  }
  std::vector<uint64_t> added, removed;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(removed));
  if (added.size() + removed.size() > 1) {
    return InvalidArgument("a config update may add or remove at most one consenter (this one "
                           "adds " + std::to_string(added.size()) + " and removes " +
                           std::to_string(removed.size()) + "); make one change per update");
  }
  const uint64_t last = EffectiveLastRaftId(current);
  if (next.last_raft_id() < last) {
    return InvalidArgument("last_raft_id " + std::to_string(next.last_raft_id()) +
                           " is below the highest raft id ever used (" + std::to_string(last) + ")");
  }
  MembershipChange change;
  if (!added.empty()) {
    if (added[0] <= last) {
      return InvalidArgument("raft id " + std::to_string(added[0]) + " was used before (the "
                             "highest so far is " + std::to_string(last) + "); a new consenter "
                             "takes a larger one");
    }
    if (next.last_raft_id() < added[0]) {
      return InvalidArgument("last_raft_id must be at least the added consenter's raft id " +
                             std::to_string(added[0]));
    }
    change = {MembershipChange::Kind::kAdd, added[0]};
  } else if (!removed.empty()) {
    change = {MembershipChange::Kind::kRemove, removed[0]};
  }
  return change;
}

ConfigUpdateCheck CheckConfigUpdate(const std::string& envelope_bytes,
                                    const ChainConfigView& current, int64_t block_time_ms) {
  ConfigUpdateCheck check;
  auto fail = [&check](std::string why) {
    check.code = milkpb::INVALID_CONFIG_TRANSACTION;
    check.message = std::move(why);
    return check;
  };
  milkpb::Envelope envelope;
  milkpb::ConfigTransaction tx;
  if (!envelope.ParseFromString(envelope_bytes) || envelope.type() != milkpb::CONFIG ||
      !tx.ParseFromString(envelope.payload())) {
    return fail("not a CONFIG envelope carrying a ConfigTransaction");
  }
  std::string why;
  std::optional<crypto::IdentityInfo> creator = Admin(current, tx.creator(), block_time_ms, &why);
  if (!creator.has_value()) return fail("the creator is not an admin of this chain: " + why);
  if (!crypto::Verify(creator->public_key, EnvelopeSigningBytes(envelope.type(), envelope.payload()),
                      envelope.signature())) {
    return fail("the creator's envelope signature does not verify");
  }
  check.tx_id = ToHex(crypto::Sha256(envelope.payload()));
  check.tx_id_proven = true;
  std::set<std::string> orgs{creator->org};
  const std::string approval_bytes = ConfigApprovalBytes(tx.config());
  for (const milkpb::ConfigApproval& approval : tx.approvals()) {
    std::optional<crypto::IdentityInfo> admin =
        Admin(current, approval.signer(), block_time_ms, &why);
    if (!admin.has_value()) return fail("an approval is not from an admin of this chain: " + why);
    if (!crypto::Verify(admin->public_key, approval_bytes, approval.signature())) {
      return fail("the approval of '" + crypto::PrincipalName(*admin) + "' does not verify");
    }
    orgs.insert(admin->org);
  }
  const size_t org_count = static_cast<size_t>(current.config().orgs_size());
  if (orgs.size() * 2 <= org_count) {
    return fail("approved by admins of " + std::to_string(orgs.size()) + " of " +
                std::to_string(org_count) + " orgs; a config update needs more than half");
  }
  Result<MembershipChange> change = CheckConfigSuccessor(current, tx.config());
  if (!change.ok()) return fail(change.status().message());
  auto next = ChainConfigView::Create(tx.config());
  if (!next.ok()) return fail(next.status().message());
  check.code = milkpb::VALID;
  check.config = std::move(next).value();
  check.change = *change;
  return check;
}

}  // namespace milk::ledger
