// Helpers shared by the WAL tests.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "node/storage/tests/temp_dir.h"
#include "node/wal/wal.h"

namespace milk::node::wal::testing {

using milk::node::testing::ReadWholeFile;
using milk::node::testing::TempDir;
using milk::node::testing::WriteWholeFile;

// Deterministic data for an entry, so that any entry read back can be checked by its index
// and term alone. Sizes vary with the index.
inline std::string DataFor(uint64_t index, uint64_t term, size_t bytes) {
  std::string data = "e" + std::to_string(index) + "t" + std::to_string(term) + ":";
  while (data.size() < bytes) data.push_back(static_cast<char>('a' + (data.size() + index) % 26));
  return data;
}

inline WalEntry Entry(uint64_t index, uint64_t term, size_t bytes = 40) {
  return WalEntry{term, index, static_cast<uint32_t>(index % 3), DataFor(index, term, bytes)};
}

// Entries first..last, all of one term.
inline std::vector<WalEntry> Entries(uint64_t first, uint64_t last, uint64_t term,
                                     size_t bytes = 40) {
  std::vector<WalEntry> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(Entry(i, term, bytes));
  return out;
}

inline std::unique_ptr<Wal> MustOpen(const std::string& dir, WalRecovery* recovery,
                                     const WalOptions& options = {}) {
  auto wal = Wal::Open(dir, options, recovery);
  INFO(wal.status().ToString());
  REQUIRE(wal.ok());
  return std::move(wal).value();
}

inline void MustSave(Wal* wal, const std::optional<WalHardState>& hard_state,
                     const std::vector<WalEntry>& entries) {
  Status status = wal->Save(hard_state, entries);
  INFO(status.ToString());
  REQUIRE(status.ok());
}

// Segment file paths in dir, sorted by name (which sorts by seq).
inline std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    std::string name = item.path().filename().string();
    if (name.rfind("wal-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".log") {
      out.push_back(item.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline uint64_t FileBytes(const std::string& path) { return std::filesystem::file_size(path); }

}  // namespace milk::node::wal::testing
