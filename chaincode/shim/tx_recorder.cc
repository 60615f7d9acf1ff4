#include "chaincode/shim/tx_recorder.h"

#include "chaincode/shim/stub.h"

namespace milk::chaincode::internal {

const PendingWrite* TxRecorder::FindWrite(const std::string& ns, const std::string& key) const {
  auto ns_it = namespaces_.find(ns);
  if (ns_it == namespaces_.end()) return nullptr;
  auto it = ns_it->second.writes.find(key);
  return it == ns_it->second.writes.end() ? nullptr : &it->second;
}

Status TxRecorder::RecordRead(const std::string& ns, const std::string& key,
                              std::optional<Version> version) {
  auto& reads = namespaces_[ns].reads;
  if (reads.count(key) != 0) return Status::Ok();  // the first read wins
  if (read_keys_ >= kReadKeysMax) {
    return Fail(ResourceExhausted("transaction reads more than " + std::to_string(kReadKeysMax) +
                                  " distinct keys (kReadKeysMax)"));
  }
  reads.emplace(key, version);
  ++read_keys_;
  return Status::Ok();
}

Status TxRecorder::RecordRangeQuery(const std::string& ns, milkpb::RangeQueryInfo info) {
  if (range_queries_ >= kRangeQueriesMax) {
    return Fail(ResourceExhausted("transaction runs more than " + std::to_string(kRangeQueriesMax) +
                                  " range queries (kRangeQueriesMax)"));
  }
  namespaces_[ns].range_queries.push_back(std::move(info));
  ++range_queries_;
  return Status::Ok();
}

Status TxRecorder::RecordWrite(const std::string& ns, const std::string& key, PendingWrite write) {
  auto& writes = namespaces_[ns].writes;
  auto it = writes.find(key);
  if (it == writes.end() && write_keys_ >= kWriteKeysMax) {
    return Fail(ResourceExhausted("transaction writes more than " + std::to_string(kWriteKeysMax) +
                                  " distinct keys (kWriteKeysMax)"));
  }
  if (!frames_.empty()) {
    std::optional<PendingWrite> original;
    if (it != writes.end()) original = it->second;
    frames_.back().originals.try_emplace(NsKey(ns, key), std::move(original));
  }
  if (it == writes.end()) {
    writes.emplace(key, std::move(write));
    ++write_keys_;
  } else {
    it->second = std::move(write);
  }
  return Status::Ok();
}

Status TxRecorder::RecordEvent(milkpb::ChaincodeEvent event) {
  if (events_.size() >= kEventsMax) {
    return Fail(ResourceExhausted("transaction sets more than " + std::to_string(kEventsMax) +
                                  " events (kEventsMax)"));
  }
  events_.push_back(std::move(event));
  return Status::Ok();
}

void TxRecorder::BeginNested() {
  Frame frame;
  frame.events_size = events_.size();
  frames_.push_back(std::move(frame));
}

void TxRecorder::EndNested(bool keep_changes) {
  MILK_CHECK(!frames_.empty());
  Frame frame = std::move(frames_.back());
  frames_.pop_back();
  if (keep_changes) {
    // The caller's frame (if any) must still be able to undo these changes: a key it has not
    // touched yet had, at its start, the value this frame saw first.
    if (!frames_.empty()) {
      for (auto& [ns_key, original] : frame.originals) {
        frames_.back().originals.try_emplace(ns_key, std::move(original));
      }
    }
    return;
  }
  for (auto& [ns_key, original] : frame.originals) Restore(ns_key, std::move(original));
  MILK_CHECK(frame.events_size <= events_.size());
  events_.resize(frame.events_size);
}

void TxRecorder::Restore(const NsKey& ns_key, std::optional<PendingWrite> original) {
  auto& writes = namespaces_[ns_key.first].writes;
  if (original.has_value()) {
    writes[ns_key.second] = std::move(*original);
    return;
  }
  size_t erased = writes.erase(ns_key.second);
  MILK_CHECK(erased == 1);
  --write_keys_;
}

Status TxRecorder::Fail(Status status) {
  MILK_CHECK(!status.ok());
  if (failure_.ok()) failure_ = status;
  return status;
}

milkpb::TxReadWriteSet TxRecorder::BuildRwset() const {
  milkpb::TxReadWriteSet rwset;
  for (const auto& [name, ns] : namespaces_) {
    if (ns.reads.empty() && ns.range_queries.empty() && ns.writes.empty()) continue;
    milkpb::NsReadWriteSet* out = rwset.add_ns_rwset();
    out->set_namespace_(name);
    for (const auto& [key, version] : ns.reads) {
      milkpb::KVRead* read = out->add_reads();
      read->set_key(key);
      if (version.has_value()) {
        read->mutable_version()->set_block_number(version->block_number);
        read->mutable_version()->set_tx_index(version->tx_index);
      }
    }
    for (const auto& range : ns.range_queries) *out->add_range_queries() = range;
    for (const auto& [key, write] : ns.writes) {
      milkpb::KVWrite* kv = out->add_writes();
      kv->set_key(key);
      kv->set_is_delete(write.is_delete);
      if (!write.is_delete) kv->set_value(write.value);
    }
  }
  return rwset;
}

}  // namespace milk::chaincode::internal
