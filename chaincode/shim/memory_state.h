// An in-memory, ordered world state with history: the StateReader of tests across the project.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/shim/state.h"
#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::chaincode {

// Thread-safety: every method is safe to call concurrently. Scan holds the lock while it visits,
// so visit must not call back into the same MemoryState.
class MemoryState : public StateReader {
 public:
  // Commits value under (ns, key) as written by transaction version; appends to its history.
  void Put(const std::string& ns, const std::string& key, std::string value, Version version,
           const std::string& tx_id = "", int64_t timestamp_ms = 0);
  // Removes (ns, key) (no-op on the value if absent); the delete still goes into its history.
  void Delete(const std::string& ns, const std::string& key, Version version,
              const std::string& tx_id = "", int64_t timestamp_ms = 0);
  // Commits every write of a simulated transaction, as the committer would for a valid one.
  void Apply(const milkpb::TxReadWriteSet& rwset, Version version, const std::string& tx_id = "",
             int64_t timestamp_ms = 0);

  // Fault injection: while set (not OK), Get, Scan and History return this status.
  void FailReadsWith(Status status);
  // Number of live keys across namespaces.
  size_t Size() const;

  Result<std::optional<VersionedValue>> Get(const std::string& ns, const std::string& key) override;
  Status Scan(
      const std::string& ns, const std::string& start, const std::string& end,
      const std::function<bool(const std::string& key, const VersionedValue&)>& visit) override;
  Result<std::vector<HistoryEntry>> History(const std::string& ns, const std::string& key) override;

 private:
  using NsKey = std::pair<std::string, std::string>;

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, VersionedValue>> values_;  // ns -> key -> value
  std::map<NsKey, std::vector<HistoryEntry>> history_;
  Status read_failure_;
};

}  // namespace milk::chaincode
