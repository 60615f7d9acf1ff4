// Private to chaincode/swap: configuration, records and the argument checks shared by the
// functions. Pure functions of their arguments and the stub.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chaincode/proof/view_proof.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::swap {

using Json = nlohmann::ordered_json;

struct Config {
  std::string center_chain_id;
  std::string center_policy;
  std::map<std::string, std::string> center_root_keys;  // org -> 32 raw bytes
  std::string exchange_chaincode;
  std::string brandtoken_chaincode;
  std::string operator_org;
  std::string partner_org;
  int64_t proof_max_age_ms = 0;
  int64_t deadline_max_ms = 0;
};

// Init's JSON strictly (kInvalidArgument naming the key); ConfigToJson is its normal form.
Result<Config> ParseConfig(const std::string& text);
Json ConfigToJson(const Config& config);
Result<Config> LoadConfig(Stub& stub);  // kDataLoss when absent or corrupt
// The center chain as a proof source.
proof::Source CenterSource(const Config& config);

struct Record {
  std::string id;
  std::string kind;  // "sell" | "stock"
  std::string chain_id;
  std::string brand;
  std::string owner;
  std::string ref;
  Amount amount = 0;
  Amount min_mlk = 0;
  int64_t deadline_ms = 0;
  std::string state;  // "locked" | "released" | "refunded"
  std::string lock_tx;
  int64_t lock_ms = 0;
  std::string finish_tx;
  std::string reason;
  uint64_t proof_height = 0;  // of the proof that finished it; 0 while locked
};

Json RecordToJson(const Record& record);
Result<Record> ParseRecord(const std::string& text);  // kDataLoss when malformed
Result<std::optional<Record>> LoadRecord(Stub& stub, const std::string& id);
// Writes the record and keeps ("open", id) in step with its state.
Status SaveRecord(Stub& stub, const Record& record);

struct Delivery {
  std::string tx;
  std::string buyer;
  Amount amount = 0;
  int64_t expiry_ms = 0;
  std::string deliver_tx;
};
Json DeliveryToJson(const Delivery& delivery);
Result<Delivery> ParseDelivery(const std::string& text);  // kDataLoss when malformed

// Argument checks (kInvalidArgument with a message a person can act on).
Status CheckRef(const std::string& ref);
Status CheckSwapIdArg(const std::string& swap_id);
Status CheckTxId(const std::string& txid);
Result<int64_t> ParseMsArg(const std::string& what, const std::string& text);
Result<Amount> ParseAmountArg(const std::string& what, const std::string& text, bool positive);

}  // namespace milk::chaincode::swap
