#include "node/ledger/validator.h"

#include <map>
#include <optional>
#include <set>

#include "chaincode/shim/simulator.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "node/ledger/formats.h"
#include "node/ledger/tx_check.h"

namespace milk::ledger {
namespace {

using chaincode::Version;

std::string BlockName(const milkpb::Block& block) {
  return "block " + std::to_string(block.header().number());
}

std::string CommitHashOf(const std::string& previous, uint64_t number, const std::string& codes,
                         const std::vector<node::StateWrite>& writes) {
  std::vector<CommitWrite> commit_writes;
  commit_writes.reserve(writes.size());
  for (const node::StateWrite& w : writes) commit_writes.push_back({w.ns, w.key, w.is_delete, w.value});
  return CommitHash(previous, number, codes, commit_writes);
}

// The state as seen by transaction i of a block: committed state overlaid with the writes of
// the valid transactions before it. nullopt version = deleted in this block.
class BlockOverlay final : public chaincode::StateReader {
 public:
  explicit BlockOverlay(chaincode::StateReader& state) : state_(state) {}

  // The current version of a key; nullopt when it does not exist. Read errors are fatal to the
  // node: the state is local and a failed read means the disk is failing.
  std::optional<Version> CurrentVersion(const std::string& ns, const std::string& key) {
    auto it = updates_.find({ns, key});
    if (it != updates_.end()) {
      if (!it->second.has_value()) return std::nullopt;
      return it->second->version;
    }
    auto value = state_.Get(ns, key);
    MILK_CHECK(value.ok());
    if (!value->has_value()) return std::nullopt;
    return (*value)->version;
  }

  // Keys and versions in [start, end) of ns, merged with this block's updates, up to and
  // including `last` when it is non-empty.
  std::vector<std::pair<std::string, Version>> CurrentRange(const std::string& ns,
                                                            const std::string& start,
                                                            const std::string& end,
                                                            const std::string* last) {
    std::vector<std::pair<std::string, Version>> out;
    Status s = Scan(ns, start, end, [&](const std::string& key, const chaincode::VersionedValue& v) {
      if (last != nullptr && key > *last) return false;
      out.emplace_back(key, v.version);
      return out.size() <= chaincode::kRangeResultsMax + 1;
    });
    MILK_CHECK(s.ok());
    return out;
  }

  // REQUIRES: write outlives the overlay (it points at the value instead of copying it: the
  // validator applies every write of every block, and only sequenced calls read values back).
  void Apply(const std::string& ns, const milkpb::KVWrite& write, Version version) {
    updates_[{ns, write.key()}] =
        write.is_delete() ? std::nullopt : std::optional<Update>(Update{&write.value(), version});
  }

  // StateReader: what a sequenced call executed at validation sees.
  Result<std::optional<chaincode::VersionedValue>> Get(const std::string& ns,
                                                       const std::string& key) override {
    auto it = updates_.find({ns, key});
    if (it != updates_.end()) return ValueOf(it->second);
    return state_.Get(ns, key);
  }
  Status Scan(const std::string& ns, const std::string& start, const std::string& end,
              const std::function<bool(const std::string&, const chaincode::VersionedValue&)>&
                  visit) override {
    // The committed range merged with this block's updates, in key order.
    std::map<std::string, std::optional<chaincode::VersionedValue>> merged;
    MILK_RETURN_IF_ERROR(state_.Scan(ns, start, end,
                                     [&](const std::string& key, const chaincode::VersionedValue& v) {
                                       merged.emplace(key, v);
                                       return merged.size() <= chaincode::kRangeResultsMax + 1;
                                     }));
    for (auto it = updates_.lower_bound({ns, start}); it != updates_.end() && it->first.first == ns;
         ++it) {
      if (!end.empty() && it->first.second >= end) break;
      merged[it->first.second] = ValueOf(it->second);
    }
    for (const auto& [key, value] : merged) {
      if (value.has_value() && !visit(key, *value)) break;
    }
    return Status::Ok();
  }
  // Committed history only: this block's own writes are not history yet.
  Result<std::vector<chaincode::HistoryEntry>> History(const std::string& ns,
                                                       const std::string& key) override {
    return state_.History(ns, key);
  }

 private:
  struct Update {
    const std::string* value;  // in the writing transaction's read/write set
    Version version;
  };
  static std::optional<chaincode::VersionedValue> ValueOf(const std::optional<Update>& update) {
    if (!update.has_value()) return std::nullopt;
    return chaincode::VersionedValue{*update->value, update->version};
  }

  chaincode::StateReader& state_;
  std::map<std::pair<std::string, std::string>, std::optional<Update>> updates_;  // nullopt: deleted
};

bool ReadMatches(const milkpb::KVRead& read, const std::optional<Version>& current) {
  if (!read.has_version()) return !current.has_value();
  return current.has_value() && current->block_number == read.version().block_number() &&
         current->tx_index == read.version().tx_index();
}

uint8_t CheckReads(const milkpb::TxReadWriteSet& rwset, BlockOverlay& overlay) {
  for (const milkpb::NsReadWriteSet& ns : rwset.ns_rwset()) {
    for (const milkpb::KVRead& read : ns.reads()) {
      if (!ReadMatches(read, overlay.CurrentVersion(ns.namespace_(), read.key()))) {
        return milkpb::MVCC_READ_CONFLICT;
      }
    }
    for (const milkpb::RangeQueryInfo& range : ns.range_queries()) {
      const std::string* last = nullptr;
      if (!range.exhausted()) {
        if (range.reads().empty()) continue;
        last = &range.reads(range.reads_size() - 1).key();
      }
      auto current = overlay.CurrentRange(ns.namespace_(), range.start_key(), range.end_key(), last);
      if (current.size() != static_cast<size_t>(range.reads_size())) {
        return milkpb::PHANTOM_READ_CONFLICT;
      }
      for (size_t i = 0; i < current.size(); ++i) {
        const milkpb::KVRead& read = range.reads(static_cast<int>(i));
        if (read.key() != current[i].first || !ReadMatches(read, current[i].second)) {
          return milkpb::PHANTOM_READ_CONFLICT;
        }
      }
    }
  }
  return milkpb::VALID;
}

}  // namespace

Status CheckBlockIntegrity(const milkpb::Block& block, const std::string& previous_header_hash,
                           const ChainConfigView& config) {
  const milkpb::BlockHeader& header = block.header();
  if (header.version() != kFormatVersion) {
    return DataLoss(BlockName(block) + ": unknown header version " + std::to_string(header.version()));
  }
  if (header.chain_id() != config.chain_id()) {
    return DataLoss(BlockName(block) + ": belongs to chain '" + header.chain_id() + "'");
  }
  if (header.previous_hash() != previous_header_hash) {
    return DataLoss(BlockName(block) + ": previous hash " + ToHex(header.previous_hash()) +
                    " does not match the header hash of block " +
                    std::to_string(header.number() - 1) + " (" + ToHex(previous_header_hash) + ")");
  }
  if (header.data_hash() != DataHash(block.data())) {
    return DataLoss(BlockName(block) + ": data hash does not match its transactions");
  }
  IdentityCheck signer = config.CheckIdentity(block.metadata().signer(), header.timestamp_ms());
  if (signer.problem != IdentityProblem::kNone || !config.IsConsenter(signer.info)) {
    return DataLoss(BlockName(block) + ": signed by an identity that is not a consenter of '" +
                    config.chain_id() + "'" +
                    (signer.message.empty() ? "" : " (" + signer.message + ")"));
  }
  if (!crypto::Verify(signer.info.public_key, HeaderHash(header), block.metadata().signature())) {
    return DataLoss(BlockName(block) + ": consenter signature does not verify");
  }
  return Status::Ok();
}

ValidatedBlock Validator::ValidateConfigBlock(
    const milkpb::Block& block, const ChainConfigView& config,
    const std::function<bool(const std::string&)>& tx_id_committed,
    const std::string& previous_commit_hash) const {
  const uint64_t number = block.header().number();
  ConfigUpdateCheck check =
      CheckConfigUpdate(block.data().envelopes(0), config, block.header().timestamp_ms());
  ValidatedBlock out;
  uint8_t code = check.code;
  if (check.tx_id_proven) {
    if (tx_id_committed(check.tx_id)) {
      code = milkpb::DUPLICATE_TXID;
    } else {
      out.txs.emplace_back(check.tx_id, node::TxRecord{number, 0, code});
    }
  }
  if (code == milkpb::VALID) {
    out.new_config = check.config;
    out.change = check.change;
  }
  out.codes = std::string(1, static_cast<char>(code));
  out.commit_hash = CommitHashOf(previous_commit_hash, number, out.codes, out.writes);
  return out;
}

uint8_t Validator::ExecuteSequenced(const chaincode::TxContext& call, uint32_t tx_index,
                                    const ChainConfigView& config,
                                    chaincode::StateReader& overlay, TxCheck& check,
                                    ValidatedBlock& out) const {
  milkpb::SequencedOutcome* outcome = out.sequenced.Add();
  outcome->set_tx_index(tx_index);
  const chaincode::Chaincode* code = registry_.Find(call.chaincode);
  if (code == nullptr || !code->IsSequenced(call.function)) {
    // Endorsed as sequenced, but this node's chaincode does not declare the function so: a
    // forged or stale payload. Nothing is executed.
    outcome->mutable_response()->set_status(400);
    outcome->mutable_response()->set_message("'" + call.chaincode + "." + call.function +
                                             "' is not a sequenced function here");
    return milkpb::INVALID_CHAINCODE;
  }
  chaincode::SimulationResult result = chaincode::Simulate(registry_, overlay, call);
  *outcome->mutable_response() = result.response;
  if (result.response.status() != 200) return milkpb::SEQUENCED_EXECUTION_FAILED;
  // Nested calls may reach chaincodes the node has but this chain does not define: their writes
  // are refused exactly as an endorsed transaction's would be.
  const uint8_t shape = CheckRwsetShape(result.rwset, config);
  if (shape != milkpb::VALID) return shape;
  for (auto& event : result.events) *outcome->add_events() = std::move(event);
  check.rwset = std::move(result.rwset);  // its writes are applied like endorsed ones
  return milkpb::VALID;
}

ValidatedBlock Validator::Validate(const milkpb::Block& block, const ChainConfigView& config,
                                   chaincode::StateReader& state,
                                   const std::function<bool(const std::string&)>& tx_id_committed,
                                   const std::string& previous_commit_hash) const {
  if (block.data().envelopes_size() == 1 && IsConfigBlock(block)) {
    return ValidateConfigBlock(block, config, tx_id_committed, previous_commit_hash);
  }
  const auto& envelopes = block.data().envelopes();
  const size_t count = static_cast<size_t>(envelopes.size());
  const uint64_t number = block.header().number();
  std::vector<TxCheck> checks(count);
  pool_.ParallelFor(count, [&](size_t i) {
    checks[i] = CheckTransaction(envelopes[static_cast<int>(i)], config,
                                 block.header().timestamp_ms());
  });

  ValidatedBlock out;
  out.codes.resize(count);
  BlockOverlay overlay(state);
  std::set<std::string> seen_in_block;
  for (size_t i = 0; i < count; ++i) {
    TxCheck& check = checks[i];
    uint8_t code = check.code;
    if (check.tx_id_proven) {
      bool duplicate = !seen_in_block.insert(check.tx_id).second || tx_id_committed(check.tx_id);
      if (duplicate) {
        code = milkpb::DUPLICATE_TXID;
      } else {
        if (code == milkpb::VALID) {
          code = check.sequenced.has_value()
                     ? ExecuteSequenced(*check.sequenced, static_cast<uint32_t>(i), config,
                                        overlay, check, out)
                     : CheckReads(check.rwset, overlay);
        }
        out.txs.emplace_back(check.tx_id, node::TxRecord{number, static_cast<uint32_t>(i), code});
      }
    }
    out.codes[i] = static_cast<char>(code);
    if (code != milkpb::VALID) continue;
    Version version{number, static_cast<uint32_t>(i)};
    for (const milkpb::NsReadWriteSet& ns : check.rwset.ns_rwset()) {
      for (const milkpb::KVWrite& w : ns.writes()) {
        overlay.Apply(ns.namespace_(), w, version);
        out.writes.push_back(node::StateWrite{ns.namespace_(), w.key(), w.is_delete(), w.value(),
                                              version, check.tx_id, check.timestamp_ms});
      }
    }
  }
  out.commit_hash = CommitHashOf(previous_commit_hash, number, out.codes, out.writes);
  return out;
}

Result<ValidatedGenesis> ValidateGenesis(const milkpb::Block& genesis,
                                         const chaincode::Registry& registry,
                                         chaincode::StateReader& empty_state) {
  MILK_ASSIGN_OR_RETURN(milkpb::ConfigTransaction tx, ChainConfigView::ConfigFromGenesis(genesis));
  MILK_ASSIGN_OR_RETURN(auto config, ChainConfigView::Create(tx.config()));
  const milkpb::BlockHeader& header = genesis.header();
  if (header.version() != kFormatVersion || header.chain_id() != config->chain_id() ||
      header.previous_hash() != ZeroHash() || header.data_hash() != DataHash(genesis.data())) {
    return InvalidArgument("genesis block header is inconsistent (version, chain id, previous "
                           "hash or data hash)");
  }
  IdentityCheck admin = config->CheckIdentity(genesis.metadata().signer(), header.timestamp_ms());
  if (admin.problem != IdentityProblem::kNone || admin.info.role != milkpb::ADMIN) {
    return InvalidArgument("genesis block must be signed by an admin of a chain org" +
                           (admin.message.empty() ? "" : ": " + admin.message));
  }
  milkpb::Envelope envelope;
  MILK_CHECK(envelope.ParseFromString(genesis.data().envelopes(0)));
  if (tx.creator() != genesis.metadata().signer() ||
      !crypto::Verify(admin.info.public_key, EnvelopeSigningBytes(envelope.type(), envelope.payload()),
                      envelope.signature()) ||
      !crypto::Verify(admin.info.public_key, HeaderHash(header), genesis.metadata().signature())) {
    return InvalidArgument("genesis block signatures do not verify against its admin");
  }
  ValidatedGenesis out;
  out.config = config;
  out.block.codes = std::string(1, static_cast<char>(milkpb::VALID));
  const std::string tx_id = ToHex(crypto::Sha256(envelope.payload()));
  for (const milkpb::ChaincodeDefinition& cc : config->config().chaincodes()) {
    if (registry.Find(cc.name()) == nullptr) {
      return FailedPrecondition("chaincode '" + cc.name() + "' of chain '" + config->chain_id() +
                                "' is not installed on this node");
    }
    chaincode::TxContext context{config->chain_id(), tx_id, admin.info, header.timestamp_ms(),
                                 cc.name(), "init", {}};
    for (const std::string& arg : cc.init_args()) context.args.push_back(arg);
    chaincode::SimulationResult result = chaincode::Simulate(registry, empty_state, context, true);
    if (result.response.status() != 200) {
      return FailedPrecondition("chaincode '" + cc.name() + "' Init failed: " +
                                result.response.message());
    }
    for (const milkpb::NsReadWriteSet& ns : result.rwset.ns_rwset()) {
      for (const milkpb::KVWrite& w : ns.writes()) {
        out.block.writes.push_back(node::StateWrite{ns.namespace_(), w.key(), w.is_delete(),
                                                    w.value(), Version{0, 0}, tx_id,
                                                    header.timestamp_ms()});
      }
    }
  }
  out.block.txs.emplace_back(tx_id, node::TxRecord{0, 0, milkpb::VALID});
  out.block.commit_hash = CommitHashOf(ZeroHash(), 0, out.block.codes, out.block.writes);
  return out;
}

}  // namespace milk::ledger
