// Private to node/storage: the keys and values LedgerDb stores in each RocksDB column family.
// Every value starts with a format byte; the key layout as a whole is versioned by the
// meta/format entry. Layouts in docs/storage.md ("Ledger database").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chaincode/shim/state.h"
#include "crypto/status.h"
#include "node/storage/block_store.h"
#include "node/storage/ledger_db.h"

namespace milk::node::ledger_format {

// The value format every encoder below writes; decoders refuse any other with kDataLoss.
inline constexpr uint8_t kValueFormat = 1;
// The key layout version stored under meta/format (u32 BE). Open refuses any other.
inline constexpr uint32_t kLayoutVersion = 1;

inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kSavepointKey = "savepoint";
// The chain config in force after the last config update (absent until the first update).
inline constexpr std::string_view kConfigKey = "config";

// A namespace is non-empty and free of '\0' (the byte that ends it inside keys).
Status CheckNamespace(const std::string& ns);

// state key: ns | 0x00 | key.
std::string StateKey(const std::string& ns, std::string_view key);
// The first key past every state key of ns: ns | 0x01. Since ns has no 0x00, every key of ns
// starts with ns | 0x00 and sorts below this bound; no other namespace's key lies between.
std::string StateNamespaceEnd(const std::string& ns);
// The user key inside a state key of ns. REQUIRES: state_key starts with ns | 0x00.
std::string_view UserKey(const std::string& ns, std::string_view state_key);

// state value: format | u64 BE block | u32 BE tx | value bytes.
std::string EncodeStateValue(const chaincode::Version& version, std::string_view value);
Result<chaincode::VersionedValue> DecodeStateValue(std::string_view bytes);

// history key: ns | 0x00 | u32 BE len(key) | key | u64 BE block | u32 BE tx.
// The length prefix keeps keys unambiguous whatever bytes they hold; the version suffix sorts
// a key's entries oldest first.
std::string HistoryPrefix(const std::string& ns, std::string_view key);
std::string HistoryKey(const std::string& ns, std::string_view key,
                       const chaincode::Version& version);
// The version at the end of a history key that starts with prefix.
Result<chaincode::Version> DecodeHistoryVersion(std::string_view prefix,
                                                std::string_view history_key);

// history value: format | u32 BE len | tx_id | u64 BE timestamp_ms | u8 is_delete | value.
std::string EncodeHistoryValue(const StateWrite& write);
Result<chaincode::HistoryEntry> DecodeHistoryValue(std::string_view bytes,
                                                   const chaincode::Version& version);

// blocks key: u64 BE block number (byte order = numeric order).
std::string BlockKey(uint64_t number);
// blocks value: format | u32 BE segment | u64 BE offset | u32 BE length.
std::string EncodeBlockLocation(const BlockLocation& location);
Result<BlockLocation> DecodeBlockLocation(std::string_view bytes);

// txids value (key = tx_id): format | u64 BE block | u32 BE tx index | u32 BE validation code.
std::string EncodeTxRecord(const TxRecord& record);
Result<TxRecord> DecodeTxRecord(std::string_view bytes);

// meta/savepoint: format | u64 BE height | u32 BE segment | u64 BE offset |
//                 u32 BE len | last_header_hash | u32 BE len | commit_hash.
std::string EncodeSavepoint(const Savepoint& savepoint);
Result<Savepoint> DecodeSavepoint(std::string_view bytes);

std::string EncodeLayoutVersion(uint32_t version);
Result<uint32_t> DecodeLayoutVersion(std::string_view bytes);

}  // namespace milk::node::ledger_format
