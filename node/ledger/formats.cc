#include "node/ledger/formats.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"

namespace milk::ledger {

std::string ComputeTxId(std::string_view nonce, std::string_view creator) {
  crypto::Sha256Hasher hasher;
  hasher.Update(nonce);
  hasher.Update(creator);
  return ToHex(hasher.Finish());
}

std::string HeaderHash(const milkpb::BlockHeader& header) {
  std::string buf = "milk-block-header-v1";
  PutFixed32BE(&buf, header.version());
  PutLengthPrefixed(&buf, header.chain_id());
  PutFixed64BE(&buf, header.number());
  PutLengthPrefixed(&buf, header.previous_hash());
  PutLengthPrefixed(&buf, header.data_hash());
  PutFixed64BE(&buf, static_cast<uint64_t>(header.timestamp_ms()));
  return crypto::Sha256(buf);
}

std::string DataHash(const milkpb::BlockData& data) {
  std::vector<std::string> leaves(data.envelopes().begin(), data.envelopes().end());
  return crypto::MerkleRoot(leaves);
}

std::string EnvelopeSigningBytes(milkpb::EnvelopeType type, std::string_view payload) {
  std::string buf;
  buf.reserve(payload.size() + 1);
  buf.push_back(static_cast<char>(type));
  buf.append(payload);
  return buf;
}

std::string ConfigApprovalBytes(const milkpb::ChainConfig& config) {
  std::string out = "milk-config-approval-v1";
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  config.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string TransferLeadershipSigningBytes(std::string_view chain_id, uint64_t to,
                                           int64_t timestamp_ms) {
  std::string out = "milk-transfer-leadership-v1";
  PutFixed32BE(&out, static_cast<uint32_t>(chain_id.size()));
  out.append(chain_id);
  PutFixed64BE(&out, to);
  PutFixed64BE(&out, static_cast<uint64_t>(timestamp_ms));
  return out;
}

std::string LeaveChainSigningBytes(std::string_view chain_id, int64_t timestamp_ms) {
  std::string out = "milk-leave-chain-v1";
  PutFixed32BE(&out, static_cast<uint32_t>(chain_id.size()));
  out.append(chain_id);
  PutFixed64BE(&out, static_cast<uint64_t>(timestamp_ms));
  return out;
}

std::string ViewSigningBytes(const milkpb::ViewResult& result) {
  std::string out = "milk-view-v1";
  auto put_bytes = [&out](std::string_view bytes) {
    PutFixed32BE(&out, static_cast<uint32_t>(bytes.size()));
    out.append(bytes);
  };
  PutFixed32BE(&out, result.version());
  put_bytes(result.chain_id());
  PutFixed64BE(&out, result.height());
  put_bytes(result.block_hash());
  PutFixed64BE(&out, static_cast<uint64_t>(result.block_time_ms()));
  put_bytes(result.chaincode());
  put_bytes(result.function());
  PutFixed32BE(&out, static_cast<uint32_t>(result.args_size()));
  for (const std::string& arg : result.args()) put_bytes(arg);
  PutFixed32BE(&out, static_cast<uint32_t>(result.status()));
  put_bytes(result.payload());
  PutFixed64BE(&out, static_cast<uint64_t>(result.evaluated_ms()));
  return out;
}

std::string EndorsementSigningBytes(std::string_view response_payload, std::string_view endorser) {
  std::string buf;
  buf.reserve(response_payload.size() + endorser.size());
  buf.append(response_payload);
  buf.append(endorser);
  return buf;
}

std::string CommitHash(std::string_view previous_commit_hash, uint64_t block_number,
                       std::string_view validation_codes, const std::vector<CommitWrite>& writes) {
  crypto::Sha256Hasher hasher;
  std::string buf = "milk-commit-v1";
  PutLengthPrefixed(&buf, previous_commit_hash);
  PutFixed64BE(&buf, block_number);
  PutLengthPrefixed(&buf, validation_codes);
  hasher.Update(buf);
  for (const CommitWrite& w : writes) {
    buf.clear();
    PutLengthPrefixed(&buf, w.ns);
    PutLengthPrefixed(&buf, w.key);
    buf.push_back(w.is_delete ? 1 : 0);
    PutLengthPrefixed(&buf, w.value);
    hasher.Update(buf);
  }
  return hasher.Finish();
}

std::string ZeroHash() { return std::string(32, '\0'); }

std::string ValidationCodeName(uint32_t code) {
  if (milkpb::TxValidationCode_IsValid(static_cast<int>(code))) {
    return milkpb::TxValidationCode_Name(static_cast<milkpb::TxValidationCode>(code));
  }
  return "UNKNOWN_CODE_" + std::to_string(code);
}

}  // namespace milk::ledger
