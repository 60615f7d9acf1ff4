#include "consensus/sim/sim_node.h"

#include "consensus/sim/hash.h"
#include "crypto/bytes.h"

namespace milk::consensus::sim {

namespace {
// Bound on decoded snapshot sizes: a run proposes far fewer ids than this.
constexpr uint64_t kIdsMax = 1u << 20;
}  // namespace

std::string AppState::Encode() const {
  std::string out;
  PutFixed64BE(&out, applied);
  PutFixed64BE(&out, chain);
  PutFixed64BE(&out, ids.size());
  for (uint64_t id : ids) PutFixed64BE(&out, id);
  return out;
}

std::optional<AppState> AppState::Decode(const milkpb::RaftSnapshot& snapshot) {
  const std::string& d = snapshot.data();
  if (d.size() < 24) return std::nullopt;
  AppState s;
  s.applied = GetFixed64BE(d.data());
  s.chain = GetFixed64BE(d.data() + 8);
  const uint64_t count = GetFixed64BE(d.data() + 16);
  if (count > kIdsMax || d.size() != 24 + 8 * count) return std::nullopt;
  for (uint64_t k = 0; k < count; ++k) s.ids.insert(GetFixed64BE(d.data() + 24 + 8 * k));
  s.conf = snapshot.meta().conf_state();
  if (s.applied != snapshot.meta().index()) return std::nullopt;
  return s;
}

Durable Genesis(uint64_t voters) {
  Durable d;
  for (uint64_t id = 1; id <= voters; ++id)
    d.snapshot.mutable_meta()->mutable_conf_state()->add_voters(id);
  d.snapshot.set_data(AppState{}.Encode());
  return d;
}

std::string EncodeProposal(uint64_t id, uint64_t padding_bytes) {
  std::string out;
  PutFixed64BE(&out, id);
  out.append(padding_bytes, 'p');
  return out;
}

std::optional<uint64_t> DecodeProposal(const std::string& data) {
  if (data.size() < 8) return std::nullopt;
  return GetFixed64BE(data.data());
}

Status SimNode::Start(uint64_t seed) {
  MILK_CHECK(!up());
  storage_ = std::make_unique<MemoryStorage>();
  MILK_RETURN_IF_ERROR(storage_->ApplySnapshot(durable_.snapshot));
  MILK_RETURN_IF_ERROR(storage_->Append(durable_.entries));
  storage_->SetHardState(durable_.hard_state);
  std::optional<AppState> app = AppState::Decode(durable_.snapshot);
  if (!app) return DataLoss("sim: node " + std::to_string(id_) + " has an unreadable snapshot");
  app_ = *app;
  chain_.clear();
  chain_[app_.applied] = app_.chain;
  for (const milkpb::RaftEntry& e : durable_.entries) {
    chain_[e.index()] = ChainHash(chain_.at(e.index() - 1), e);
  }
  Config c = config_;
  c.id = id_;
  c.applied = durable_.snapshot.meta().index();
  c.seed = seed;
  MILK_ASSIGN_OR_RETURN(node_, RawNode::Create(c, storage_.get()));
  return Status::Ok();
}

void SimNode::Crash() {
  node_.reset();
  storage_.reset();
  app_ = AppState{};
  chain_.clear();
}

size_t SimNode::PersistItems(const Ready& rd) {
  return (rd.snapshot ? 1 : 0) + rd.entries.size() + (rd.hard_state ? 1 : 0);
}

void SimNode::Persist(const Ready& rd, size_t items, Checker& checker) {
  size_t done = 0;
  if (rd.snapshot) {
    if (done++ == items) return;
    const milkpb::RaftSnapshot& s = *rd.snapshot;
    std::optional<AppState> app = AppState::Decode(s);
    if (!app)
      return checker.Fail("sim: node " + std::to_string(id_) + " got an unreadable snapshot");
    durable_.snapshot = s;
    durable_.entries.clear();
    MILK_CHECK(storage_->ApplySnapshot(s).ok());
    app_ = *app;  // installs the state machine
    chain_.clear();
    chain_[s.meta().index()] = app_.chain;
    checker.OnPersisted(id_, s.meta().index(), s.meta().term(), app_.chain);
    checker.OnApplied(id_, s.meta().index(), app_.chain);
  }
  for (const milkpb::RaftEntry& e : rd.entries) {
    if (done++ == items) return;
    PersistEntry(e, checker);
  }
  if (rd.hard_state) {
    if (done++ == items) return;
    const milkpb::RaftHardState& hs = *rd.hard_state;
    durable_.hard_state = hs;
    storage_->SetHardState(hs);
    checker.OnVote(id_, hs.term(), hs.vote());
    if (std::optional<uint64_t> chain = ChainAt(hs.commit())) {
      checker.OnCommitted(id_, hs.commit(), *chain, hs.term());
    }
  }
}

void SimNode::PersistEntry(const milkpb::RaftEntry& e, Checker& checker) {
  const uint64_t i = e.index();
  auto prev = chain_.find(i - 1);
  if (prev == chain_.end()) {
    return checker.Fail("sim: node " + std::to_string(id_) + " persists entry " +
                        std::to_string(i) + " after a gap");
  }
  const uint64_t chain = ChainHash(prev->second, e);
  chain_.erase(chain_.upper_bound(i - 1), chain_.end());
  chain_[i] = chain;
  const uint64_t base = durable_.snapshot.meta().index();
  MILK_CHECK(i > base && i - base - 1 <= durable_.entries.size());
  durable_.entries.resize(i - base - 1);
  durable_.entries.push_back(e);
  MILK_CHECK(storage_->Append({e}).ok());
  checker.OnPersisted(id_, i, e.term(), chain);
}

std::vector<uint64_t> SimNode::Apply(const Ready& rd, Checker& checker, uint64_t* conf_changes) {
  std::vector<uint64_t> ids;
  for (const milkpb::RaftEntry& e : rd.committed_entries) {
    const std::string who = "node " + std::to_string(id_);
    if (e.index() != app_.applied + 1) {
      checker.Fail("sim: " + who + " applies index " + std::to_string(e.index()) + " after " +
                   std::to_string(app_.applied));
      return ids;
    }
    app_.chain = ChainHash(app_.chain, e);
    app_.applied = e.index();
    checker.OnApplied(id_, e.index(), app_.chain);
    std::optional<uint64_t> logged = ChainAt(e.index());
    if (logged && *logged != app_.chain) {
      checker.Fail("state machine safety: " + who + " applied index " + std::to_string(e.index()) +
                   " differently from its own log");
    }
    if (e.type() == milkpb::RaftEntry::CONF_CHANGE) {
      milkpb::RaftConfChange cc;
      MILK_CHECK(cc.ParseFromString(e.data()));
      app_.conf = node_->ApplyConfChange(cc);
      ++*conf_changes;
    } else if (std::optional<uint64_t> id = DecodeProposal(e.data())) {
      if (!app_.ids.insert(*id).second) {
        checker.Fail("state machine safety: " + who + " applied proposal " + std::to_string(*id) +
                     " twice");
      }
      ids.push_back(*id);
    }
  }
  return ids;
}

void SimNode::MaybeCompact(uint64_t every, uint64_t keep) {
  if (app_.applied < storage_->FirstIndex() + every) return;
  Result<milkpb::RaftSnapshot> snap =
      storage_->CreateSnapshot(app_.applied, app_.conf, app_.Encode());
  if (!snap.ok()) return;  // not newer than the snapshot held
  const uint64_t applied = app_.applied;
  if (applied > keep && applied - keep >= storage_->FirstIndex()) {
    MILK_CHECK(storage_->Compact(applied - keep).ok());
  }
  const uint64_t base = durable_.snapshot.meta().index();
  durable_.snapshot = snap.value();
  durable_.entries.erase(durable_.entries.begin(),
                         durable_.entries.begin() + static_cast<ptrdiff_t>(applied - base));
  chain_.erase(chain_.begin(), chain_.lower_bound(applied));
}

std::optional<uint64_t> SimNode::ChainAt(uint64_t i) const {
  auto it = chain_.find(i);
  if (it == chain_.end()) return std::nullopt;
  return it->second;
}

}  // namespace milk::consensus::sim
