#include "chaincode/shim/memory_state.h"

namespace milk::chaincode {

void MemoryState::Put(const std::string& ns, const std::string& key, std::string value,
                      Version version, const std::string& tx_id, int64_t timestamp_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  history_[NsKey(ns, key)].push_back(HistoryEntry{tx_id, version, timestamp_ms, false, value});
  values_[ns][key] = VersionedValue{std::move(value), version};
}

void MemoryState::Delete(const std::string& ns, const std::string& key, Version version,
                         const std::string& tx_id, int64_t timestamp_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  history_[NsKey(ns, key)].push_back(HistoryEntry{tx_id, version, timestamp_ms, true, ""});
  auto it = values_.find(ns);
  if (it == values_.end()) return;
  it->second.erase(key);
  if (it->second.empty()) values_.erase(it);
}

void MemoryState::Apply(const milkpb::TxReadWriteSet& rwset, Version version,
                        const std::string& tx_id, int64_t timestamp_ms) {
  for (const auto& ns : rwset.ns_rwset()) {
    for (const auto& write : ns.writes()) {
      if (write.is_delete()) {
        Delete(ns.namespace_(), write.key(), version, tx_id, timestamp_ms);
      } else {
        Put(ns.namespace_(), write.key(), write.value(), version, tx_id, timestamp_ms);
      }
    }
  }
}

void MemoryState::FailReadsWith(Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  read_failure_ = std::move(status);
}

size_t MemoryState::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t size = 0;
  for (const auto& [ns, keys] : values_) size += keys.size();
  return size;
}

Result<std::optional<VersionedValue>> MemoryState::Get(const std::string& ns,
                                                       const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!read_failure_.ok()) return read_failure_;
  auto ns_it = values_.find(ns);
  if (ns_it == values_.end()) return std::optional<VersionedValue>();
  auto it = ns_it->second.find(key);
  if (it == ns_it->second.end()) return std::optional<VersionedValue>();
  return std::optional<VersionedValue>(it->second);
}

Status MemoryState::Scan(
    const std::string& ns, const std::string& start, const std::string& end,
    const std::function<bool(const std::string& key, const VersionedValue&)>& visit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!read_failure_.ok()) return read_failure_;
  auto ns_it = values_.find(ns);
  if (ns_it == values_.end()) return Status::Ok();
  const auto& keys = ns_it->second;
  for (auto it = keys.lower_bound(start); it != keys.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (!visit(it->first, it->second)) break;
  }
  return Status::Ok();
}

Result<std::vector<HistoryEntry>> MemoryState::History(const std::string& ns,
                                                       const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!read_failure_.ok()) return read_failure_;
  auto it = history_.find(NsKey(ns, key));
  if (it == history_.end()) return std::vector<HistoryEntry>();
  return it->second;
}

}  // namespace milk::chaincode
