// The state a simulation reads, as the shim sees it. node/ implements it over RocksDB; tests
// implement it in memory. Dependencies point one way: node -> chaincode/shim.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crypto/status.h"

namespace milk::chaincode {

// The transaction that last wrote a key.
struct Version {
  uint64_t block_number = 0;
  uint32_t tx_index = 0;
  bool operator==(const Version&) const = default;
};

struct VersionedValue {
  std::string value;
  Version version;
};

struct HistoryEntry {
  std::string tx_id;
  Version version;
  int64_t timestamp_ms = 0;
  bool is_delete = false;
  std::string value;
};

// Thread-safety: implementations are safe for concurrent reads.
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual Result<std::optional<VersionedValue>> Get(const std::string& ns,
                                                    const std::string& key) = 0;
  // Visits keys in [start, end) of namespace ns in byte order; end empty = to the end of ns.
  // Stops early when visit returns false.
  virtual Status Scan(
      const std::string& ns, const std::string& start, const std::string& end,
      const std::function<bool(const std::string& key, const VersionedValue&)>& visit) = 0;
  // Every committed modification of a key, oldest first.
  virtual Result<std::vector<HistoryEntry>> History(const std::string& ns,
                                                    const std::string& key) = 0;
};

}  // namespace milk::chaincode
