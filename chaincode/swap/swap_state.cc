#include "chaincode/swap/swap_state.h"

#include <set>

#include "chaincode/shim/text.h"
#include "chaincode/swap/swap.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/identity.h"

namespace milk::chaincode {

std::string SwapId(const std::string& chain_id, const std::string& owner, const std::string& ref) {
  std::string bytes = "milk-swap-v1";
  PutLengthPrefixed(&bytes, chain_id);
  PutLengthPrefixed(&bytes, owner);
  PutLengthPrefixed(&bytes, ref);
  return ToHex(crypto::Sha256(bytes));
}

}  // namespace milk::chaincode

namespace milk::chaincode::swap {
namespace {

// Names (chain ids, chaincodes, orgs, policies) are short labels.
constexpr size_t kNameBytesMax = 256;

Result<std::string> NameField(const Json& init, const char* key) {
  const Json& value = init.at(key);
  if (!value.is_string() || value.get<std::string>().empty() ||
      value.get<std::string>().size() > kNameBytesMax || !IsValidUtf8(value.get<std::string>())) {
    return InvalidArgument(std::string(key) + " must be a non-empty string of at most " +
                           std::to_string(kNameBytesMax) + " bytes");
  }
  return value.get<std::string>();
}

Result<int64_t> BoundedMs(const Json& init, const char* key, int64_t min_ms, int64_t max_ms) {
  const Json& value = init.at(key);
  if (!value.is_number_integer() || value.get<int64_t>() < min_ms ||
      value.get<int64_t>() > max_ms) {
    return InvalidArgument(std::string(key) + " must be an integer in [" + std::to_string(min_ms) +
                           ", " + std::to_string(max_ms) + "] ms");
  }
  return value.get<int64_t>();
}

Result<std::map<std::string, std::string>> RootKeys(const Json& init) {
  const Json& keys = init.at("center_root_keys");
  if (!keys.is_object() || keys.empty() || keys.size() > kCenterRootKeysMax) {
    return InvalidArgument("center_root_keys must be an object of 1 to " +
                           std::to_string(kCenterRootKeysMax) + " org: hex root key entries");
  }
  std::map<std::string, std::string> roots;
  for (const auto& [org, hex] : keys.items()) {
    std::optional<std::string> raw =
        hex.is_string() ? FromHex(hex.get<std::string>()) : std::nullopt;
    if (org.empty() || !IsValidUtf8(org) || !raw.has_value() || raw->size() != 32) {
      return InvalidArgument("center_root_keys " + Quote(org) +
                             " must be 64 hex characters (a raw Ed25519 public key)");
    }
    roots[org] = *raw;
  }
  return roots;
}

// Field readers for stored records: any deviation is corrupt state.
Result<std::string> Str(const Json& record, const char* key) {
  if (!record.contains(key) || !record[key].is_string()) {
    return DataLoss(std::string("stored record: ") + key + " is missing or not a string");
  }
  return record[key].get<std::string>();
}

Result<int64_t> Int(const Json& record, const char* key) {
  if (!record.contains(key) || !record[key].is_number_integer()) {
    return DataLoss(std::string("stored record: ") + key + " is missing or not an integer");
  }
  return record[key].get<int64_t>();
}

Result<Amount> Amt(const Json& record, const char* key) {
  MILK_ASSIGN_OR_RETURN(std::string text, Str(record, key));
  auto amount = ParseAmount(text);
  if (!amount.ok()) return DataLoss(std::string("stored record: ") + key + " is not an amount");
  return amount;
}

Result<Json> ParseObject(const std::string& text, size_t fields) {
  Json record = Json::parse(text, nullptr, false);
  if (record.is_discarded() || !record.is_object() || record.size() != fields) {
    return DataLoss("stored record is not a JSON object of " + std::to_string(fields) + " fields");
  }
  return record;
}

}  // namespace

Result<Config> ParseConfig(const std::string& text) {
  static const std::set<std::string> kKeys = {
      "center_chain_id",    "center_policy",        "center_root_keys",
      "exchange_chaincode", "brandtoken_chaincode", "operator_org",
      "partner_org",        "proof_max_age_ms",     "deadline_max_ms"};
  Json init = Json::parse(text, nullptr, false);
  if (init.is_discarded() || !init.is_object()) return InvalidArgument("init is not a JSON object");
  for (const auto& [key, value] : init.items()) {
    if (kKeys.count(key) == 0) return InvalidArgument("unknown init key " + Quote(key));
  }
  for (const std::string& key : kKeys) {
    if (!init.contains(key)) return InvalidArgument("init key " + Quote(key) + " is required");
  }
  Config config;
  MILK_ASSIGN_OR_RETURN(config.center_chain_id, NameField(init, "center_chain_id"));
  MILK_ASSIGN_OR_RETURN(config.center_policy, NameField(init, "center_policy"));
  MILK_ASSIGN_OR_RETURN(config.center_root_keys, RootKeys(init));
  MILK_ASSIGN_OR_RETURN(config.exchange_chaincode, NameField(init, "exchange_chaincode"));
  MILK_ASSIGN_OR_RETURN(config.brandtoken_chaincode, NameField(init, "brandtoken_chaincode"));
  MILK_ASSIGN_OR_RETURN(config.operator_org, NameField(init, "operator_org"));
  MILK_ASSIGN_OR_RETURN(config.partner_org, NameField(init, "partner_org"));
  MILK_ASSIGN_OR_RETURN(
      config.proof_max_age_ms,
      BoundedMs(init, "proof_max_age_ms", kSwapProofMaxAgeMsMin, kSwapProofMaxAgeMsMax));
  MILK_ASSIGN_OR_RETURN(config.deadline_max_ms,
                        BoundedMs(init, "deadline_max_ms", kDeadlineMaxMsMin, kDeadlineMaxMsMax));
  return config;
}

Json ConfigToJson(const Config& config) {
  Json roots = Json::object();
  for (const auto& [org, raw] : config.center_root_keys) roots[org] = ToHex(raw);
  return Json{{"center_chain_id", config.center_chain_id},
              {"center_policy", config.center_policy},
              {"center_root_keys", roots},
              {"exchange_chaincode", config.exchange_chaincode},
              {"brandtoken_chaincode", config.brandtoken_chaincode},
              {"operator_org", config.operator_org},
              {"partner_org", config.partner_org},
              {"proof_max_age_ms", config.proof_max_age_ms},
              {"deadline_max_ms", config.deadline_max_ms}};
}

Result<Config> LoadConfig(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return DataLoss("the swap chaincode is not initialised: no config");
  auto config = ParseConfig(*stored);
  if (!config.ok()) return DataLoss("stored config is corrupt: " + config.status().message());
  return config;
}

proof::Source CenterSource(const Config& config) {
  return proof::Source{config.center_chain_id, config.center_root_keys, config.center_policy};
}

Json RecordToJson(const Record& r) {
  return Json{{"id", r.id},
              {"kind", r.kind},
              {"chain_id", r.chain_id},
              {"brand", r.brand},
              {"owner", r.owner},
              {"ref", r.ref},
              {"amount", FormatAmount(r.amount)},
              {"min_mlk", FormatAmount(r.min_mlk)},
              {"deadline_ms", r.deadline_ms},
              {"state", r.state},
              {"lock_tx", r.lock_tx},
              {"lock_ms", r.lock_ms},
              {"finish_tx", r.finish_tx},
              {"reason", r.reason},
              {"proof_height", r.proof_height}};
}

Result<Record> ParseRecord(const std::string& text) {
  MILK_ASSIGN_OR_RETURN(Json json, ParseObject(text, 15));
  Record r;
  MILK_ASSIGN_OR_RETURN(r.id, Str(json, "id"));
  MILK_ASSIGN_OR_RETURN(r.kind, Str(json, "kind"));
  MILK_ASSIGN_OR_RETURN(r.chain_id, Str(json, "chain_id"));
  MILK_ASSIGN_OR_RETURN(r.brand, Str(json, "brand"));
  MILK_ASSIGN_OR_RETURN(r.owner, Str(json, "owner"));
  MILK_ASSIGN_OR_RETURN(r.ref, Str(json, "ref"));
  MILK_ASSIGN_OR_RETURN(r.amount, Amt(json, "amount"));
  MILK_ASSIGN_OR_RETURN(r.min_mlk, Amt(json, "min_mlk"));
  MILK_ASSIGN_OR_RETURN(r.deadline_ms, Int(json, "deadline_ms"));
  MILK_ASSIGN_OR_RETURN(r.state, Str(json, "state"));
  MILK_ASSIGN_OR_RETURN(r.lock_tx, Str(json, "lock_tx"));
  MILK_ASSIGN_OR_RETURN(r.lock_ms, Int(json, "lock_ms"));
  MILK_ASSIGN_OR_RETURN(r.finish_tx, Str(json, "finish_tx"));
  MILK_ASSIGN_OR_RETURN(r.reason, Str(json, "reason"));
  MILK_ASSIGN_OR_RETURN(int64_t height, Int(json, "proof_height"));
  r.proof_height = static_cast<uint64_t>(height);
  if ((r.kind != "sell" && r.kind != "stock") ||
      (r.state != "locked" && r.state != "released" && r.state != "refunded") || r.amount == 0 ||
      height < 0 || r.id != SwapId(r.chain_id, r.owner, r.ref)) {
    return DataLoss("stored swap record " + Quote(r.id) +
                    " is inconsistent (kind, state, amount, height or id)");
  }
  return r;
}

Result<std::optional<Record>> LoadRecord(Stub& stub, const std::string& id) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("swap", {id}));
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> stored, stub.GetState(key));
  if (!stored.has_value()) return std::optional<Record>();
  MILK_ASSIGN_OR_RETURN(Record record, ParseRecord(*stored));
  return std::optional<Record>(std::move(record));
}

Status SaveRecord(Stub& stub, const Record& record) {
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("swap", {record.id}));
  MILK_RETURN_IF_ERROR(stub.PutState(key, RecordToJson(record).dump()));
  MILK_ASSIGN_OR_RETURN(std::string open_key, CreateCompositeKey("open", {record.id}));
  if (record.state == "locked") return stub.PutState(open_key, "");
  return stub.DelState(open_key);
}

Json DeliveryToJson(const Delivery& d) {
  return Json{{"tx", d.tx},
              {"buyer", d.buyer},
              {"amount", FormatAmount(d.amount)},
              {"expiry_ms", d.expiry_ms},
              {"deliver_tx", d.deliver_tx}};
}

Result<Delivery> ParseDelivery(const std::string& text) {
  MILK_ASSIGN_OR_RETURN(Json json, ParseObject(text, 5));
  Delivery d;
  MILK_ASSIGN_OR_RETURN(d.tx, Str(json, "tx"));
  MILK_ASSIGN_OR_RETURN(d.buyer, Str(json, "buyer"));
  MILK_ASSIGN_OR_RETURN(d.amount, Amt(json, "amount"));
  MILK_ASSIGN_OR_RETURN(d.expiry_ms, Int(json, "expiry_ms"));
  MILK_ASSIGN_OR_RETURN(d.deliver_tx, Str(json, "deliver_tx"));
  if (d.amount == 0 || !crypto::IsValidWalletAddress(d.buyer)) {
    return DataLoss("stored delivery " + Quote(d.tx) + " has no amount or a bad buyer");
  }
  return d;
}

Status CheckRef(const std::string& ref) {
  bool ok = !ref.empty() && ref.size() <= kSwapRefBytesMax;
  for (char c : ref) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c == ':');
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid ref " + Quote(ref) + ": 1 to " +
                         std::to_string(kSwapRefBytesMax) + " of [A-Za-z0-9._:-]");
}

Status CheckSwapIdArg(const std::string& swap_id) {
  bool ok = swap_id.size() == 64;
  for (char c : swap_id) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (ok) return Status::Ok();
  return InvalidArgument("invalid swap_id " + Quote(swap_id) + ": 64 lower-case hex characters");
}

Status CheckTxId(const std::string& txid) {
  // A center chain txid (hex of a hash); it becomes the brandtoken's purchase_ref, whose rule
  // (1 to 128 of [A-Za-z0-9._:-]) it must meet.
  bool ok = !txid.empty() && txid.size() <= 128;
  for (char c : txid) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c == ':');
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid txid " + Quote(txid) + ": 1 to 128 of [A-Za-z0-9._:-]");
}

Result<int64_t> ParseMsArg(const std::string& what, const std::string& text) {
  bool ok = !text.empty() && text.size() <= 15 && (text == "0" || text[0] != '0');
  for (char c : text) ok = ok && c >= '0' && c <= '9';  // 15 digits: far beyond any date
  if (!ok) {
    return InvalidArgument(what + " must be Unix milliseconds in decimal, got " + Quote(text));
  }
  return std::stoll(text);
}

Result<Amount> ParseAmountArg(const std::string& what, const std::string& text, bool positive) {
  auto amount = ParseAmount(text);
  if (!amount.ok()) return InvalidArgument(what + ": " + amount.status().message());
  if (positive && *amount == 0) return InvalidArgument(what + " must be positive, got 0");
  return amount;
}

}  // namespace milk::chaincode::swap
