// What `milk chain fetch|info|list` show: ledger messages turned into text for people and JSON
// for scripts. Pure functions; the JSON and text carry the same facts.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "milk/ledger.pb.h"
#include "milk/services.pb.h"
#include "tools/milk/output.h"

namespace milk::cli {

struct TxLine {
  uint32_t index = 0;
  std::string type;          // "endorser", "config" or "malformed"
  std::string tx_id;         // "" for config and malformed envelopes
  std::string call;          // "token.transfer", "config", or what did not parse
  std::string code;          // validation code name; NOT_VALIDATED when the block has no codes yet
  std::string creator;       // principal, e.g. "TICA.client"; "wallet" for wallets
  std::string creator_name;  // member name or wallet address
};

struct BlockSummary {
  std::string chain_id;
  uint64_t number = 0;
  std::string header_hash, previous_hash, data_hash, commit_hash;  // hex
  int64_t timestamp_ms = 0;
  std::string signer;  // principal and name of the block signer
  std::vector<TxLine> transactions;
};

// Never fails: parts that do not parse are reported as such in the summary.
BlockSummary SummarizeBlock(const milkpb::Block& block);
std::string BlockSummaryText(const BlockSummary& summary);
Json BlockSummaryJson(const BlockSummary& summary);

std::string ChainListText(const std::vector<milkpb::ChainSummary>& chains);
Json ChainListJson(const std::vector<milkpb::ChainSummary>& chains);

std::string ChainInfoText(const milkpb::ChainInfoResponse& info);
Json ChainInfoJson(const milkpb::ChainInfoResponse& info);

}  // namespace milk::cli
