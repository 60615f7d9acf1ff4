#include "node/storage/ledger_format.h"

#include "crypto/bytes.h"

namespace milk::node::ledger_format {

namespace {

constexpr uint64_t kVersionBytes = 12;  // u64 block | u32 tx

// Reads fixed-width fields from the front of a value; any overrun marks it failed.
class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : rest_(bytes) {}

  uint8_t U8() {
    if (!Need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return v;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = GetFixed32BE(rest_.data());
    rest_.remove_prefix(4);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = GetFixed64BE(rest_.data());
    rest_.remove_prefix(8);
    return v;
  }
  std::string LengthPrefixed() {
    uint32_t n = U32();
    if (!Need(n)) return std::string();
    std::string v(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return v;
  }
  std::string Rest() {
    std::string v(rest_);
    rest_ = std::string_view();
    return v;
  }
  // OK when every read fit and, if whole, nothing is left over.
  Status Finish(const char* what, bool whole = true) const {
    if (failed_ || (whole && !rest_.empty())) {
      return DataLoss(std::string("corrupt ") + what + " in the ledger database");
    }
    return Status::Ok();
  }

 private:
  bool Need(uint64_t n) {
    if (failed_ || rest_.size() < n) {
      failed_ = true;
      return false;
    }
    return true;
  }

  std::string_view rest_;
  bool failed_ = false;
};

// Reads and checks the leading format byte.
Status ExpectFormat(Decoder* decoder, const char* what) {
  uint8_t format = decoder->U8();
  MILK_RETURN_IF_ERROR(decoder->Finish(what, /*whole=*/false));
  if (format != kValueFormat) {
    return DataLoss(std::string(what) + " has format " + std::to_string(format) +
                    "; this build reads format " + std::to_string(kValueFormat));
  }
  return Status::Ok();
}

void PutVersion(std::string* out, const chaincode::Version& version) {
  PutFixed64BE(out, version.block_number);
  PutFixed32BE(out, version.tx_index);
}

}  // namespace

Status CheckNamespace(const std::string& ns) {
  if (ns.empty()) return InvalidArgument("namespace is empty");
  if (ns.find('\0') != std::string::npos) {
    return InvalidArgument("namespace " + ToHex(ns) + " (hex) contains a 0x00 byte");
  }
  return Status::Ok();
}

std::string StateKey(const std::string& ns, std::string_view key) {
  std::string out;
  out.reserve(ns.size() + 1 + key.size());
  out.append(ns);
  out.push_back('\0');
  out.append(key);
  return out;
}

std::string StateNamespaceEnd(const std::string& ns) { return ns + '\x01'; }

std::string_view UserKey(const std::string& ns, std::string_view state_key) {
  MILK_CHECK(state_key.size() > ns.size() && state_key[ns.size()] == '\0');
  return state_key.substr(ns.size() + 1);
}

std::string EncodeStateValue(const chaincode::Version& version, std::string_view value) {
  std::string out;
  out.reserve(1 + kVersionBytes + value.size());
  out.push_back(static_cast<char>(kValueFormat));
  PutVersion(&out, version);
  out.append(value);
  return out;
}

Result<chaincode::VersionedValue> DecodeStateValue(std::string_view bytes) {
  Decoder decoder(bytes);
  MILK_RETURN_IF_ERROR(ExpectFormat(&decoder, "state value"));
  chaincode::VersionedValue out;
  out.version.block_number = decoder.U64();
  out.version.tx_index = decoder.U32();
  out.value = decoder.Rest();
  MILK_RETURN_IF_ERROR(decoder.Finish("state value"));
  return out;
}

std::string HistoryPrefix(const std::string& ns, std::string_view key) {
  std::string out;
  out.reserve(ns.size() + 5 + key.size() + kVersionBytes);
  out.append(ns);
  out.push_back('\0');
  PutLengthPrefixed(&out, key);
  return out;
}

std::string HistoryKey(const std::string& ns, std::string_view key,
                       const chaincode::Version& version) {
  std::string out = HistoryPrefix(ns, key);
  PutVersion(&out, version);
  return out;
}

Result<chaincode::Version> DecodeHistoryVersion(std::string_view prefix,
                                                std::string_view history_key) {
  if (history_key.size() != prefix.size() + kVersionBytes ||
      history_key.substr(0, prefix.size()) != prefix) {
    return DataLoss("corrupt history key " + ToHex(history_key) + " in the ledger database");
  }
  const char* p = history_key.data() + prefix.size();
  return chaincode::Version{GetFixed64BE(p), GetFixed32BE(p + 8)};
}

std::string EncodeHistoryValue(const StateWrite& write) {
  std::string out;
  out.push_back(static_cast<char>(kValueFormat));
  PutLengthPrefixed(&out, write.tx_id);
  PutFixed64BE(&out, static_cast<uint64_t>(write.timestamp_ms));
  out.push_back(write.is_delete ? 1 : 0);
  if (!write.is_delete) out.append(write.value);
  return out;
}

Result<chaincode::HistoryEntry> DecodeHistoryValue(std::string_view bytes,
                                                   const chaincode::Version& version) {
  Decoder decoder(bytes);
  MILK_RETURN_IF_ERROR(ExpectFormat(&decoder, "history value"));
  chaincode::HistoryEntry out;
  out.version = version;
  out.tx_id = decoder.LengthPrefixed();
  out.timestamp_ms = static_cast<int64_t>(decoder.U64());
  uint8_t is_delete = decoder.U8();
  out.value = decoder.Rest();
  MILK_RETURN_IF_ERROR(decoder.Finish("history value"));
  if (is_delete > 1 || (is_delete == 1 && !out.value.empty())) {
    return DataLoss("corrupt history value in the ledger database");
  }
  out.is_delete = is_delete == 1;
  return out;
}

std::string BlockKey(uint64_t number) {
  std::string out;
  PutFixed64BE(&out, number);
  return out;
}

std::string EncodeBlockLocation(const BlockLocation& location) {
  std::string out;
  out.push_back(static_cast<char>(kValueFormat));
  PutFixed32BE(&out, location.position.segment);
  PutFixed64BE(&out, location.position.offset);
  PutFixed32BE(&out, location.length);
  return out;
}

Result<BlockLocation> DecodeBlockLocation(std::string_view bytes) {
  Decoder decoder(bytes);
  MILK_RETURN_IF_ERROR(ExpectFormat(&decoder, "block location"));
  BlockLocation out;
  out.position.segment = decoder.U32();
  out.position.offset = decoder.U64();
  out.length = decoder.U32();
  MILK_RETURN_IF_ERROR(decoder.Finish("block location"));
  return out;
}

std::string EncodeTxRecord(const TxRecord& record) {
  std::string out;
  out.push_back(static_cast<char>(kValueFormat));
  PutFixed64BE(&out, record.block_number);
  PutFixed32BE(&out, record.tx_index);
  PutFixed32BE(&out, record.validation_code);
  return out;
}

Result<TxRecord> DecodeTxRecord(std::string_view bytes) {
  Decoder decoder(bytes);
  MILK_RETURN_IF_ERROR(ExpectFormat(&decoder, "tx record"));
  TxRecord out;
  out.block_number = decoder.U64();
  out.tx_index = decoder.U32();
  out.validation_code = decoder.U32();
  MILK_RETURN_IF_ERROR(decoder.Finish("tx record"));
  return out;
}

std::string EncodeSavepoint(const Savepoint& savepoint) {
  std::string out;
  out.push_back(static_cast<char>(kValueFormat));
  PutFixed64BE(&out, savepoint.height);
  PutFixed32BE(&out, savepoint.next_position.segment);
  PutFixed64BE(&out, savepoint.next_position.offset);
  PutLengthPrefixed(&out, savepoint.last_header_hash);
  PutLengthPrefixed(&out, savepoint.commit_hash);
  return out;
}

Result<Savepoint> DecodeSavepoint(std::string_view bytes) {
  Decoder decoder(bytes);
  MILK_RETURN_IF_ERROR(ExpectFormat(&decoder, "savepoint"));
  Savepoint out;
  out.height = decoder.U64();
  out.next_position.segment = decoder.U32();
  out.next_position.offset = decoder.U64();
  out.last_header_hash = decoder.LengthPrefixed();
  out.commit_hash = decoder.LengthPrefixed();
  MILK_RETURN_IF_ERROR(decoder.Finish("savepoint"));
  return out;
}

std::string EncodeLayoutVersion(uint32_t version) {
  std::string out;
  PutFixed32BE(&out, version);
  return out;
}

Result<uint32_t> DecodeLayoutVersion(std::string_view bytes) {
  Decoder decoder(bytes);
  uint32_t version = decoder.U32();
  MILK_RETURN_IF_ERROR(decoder.Finish("layout version"));
  return version;
}

}  // namespace milk::node::ledger_format
