// chaincode/model: "no personal data field exists in any chaincode state" (issue 5), checked on
// the model's committed states: every JSON object key is a documented field name
// (docs/model_test.md lists them and why none is personal) or a wallet address, and no key part
// or string value looks like an e-mail address or a phone number.
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "chaincode/model/model_world.h"

namespace milk::chaincode::model {
namespace {

using Json = nlohmann::json;

// The field names of every chaincode's state formats (docs/chaincode_*.md). Adding a field to a
// format means adding it here, and saying in docs/model_test.md why it is not personal.
const std::set<std::string> kFieldNames = {
    // shared: amounts, times, states, references, addresses (key hashes), org and chain names
    "amount", "state", "tx", "time_ms", "ref", "request", "result", "owner", "brand", "chain_id",
    "id", "kind", "reason", "lots", "expiry_ms", "org", "to", "from", "name", "args", "function",
    "payload", "legacy_ref", "purchase_ref",
    // alliance
    "operator_org", "sector", "agreement", "approvals", "stake", "stakes", "fee_bps",
    "min_price_bps", "renewal_ms", "bps", "policy", "root_keys", "registered_ms", "joined_ms",
    "proposed_ms", "mlk_chaincode",
    // mlk (the pools are named by the whitepaper's allocation)
    "listing_ms", "liquidity_account", "gateway_account", "contribution_bps_by_year", "pools",
    "liquidity", "user_distribution", "partner_locked", "partner_contribution", "operation",
    "construction", "lzm_chaincode", "year", "volume_settled", "mlk",
    // lzm
    "rates", "trade_krw", "trade_mlk", "coupon_krw", "burn_mlk", "num", "den", "attendance_reward",
    "level_window_days", "levels", "min", "pack_chaincode",
    // pack
    "product", "term_ms", "cap", "staked", "reward", "reward_paid", "maturity_ms", "start_ms",
    "rate_num", "rate_den",
    // exchange
    "alliance_chaincode", "fee_account", "feed_max_age_ms", "swap_chaincode", "proof_max_age_ms",
    "micro_krw_per_mlk", "partner_org", "redemption_value_micro_krw", "bt_unit", "depth_units",
    "inventory", "seeded", "sold", "bought", "fees_mlk", "price_micro_krw", "buyer", "bt_amount",
    "mlk_total", "mlk_fee", "deadline_ms", "volume", "settled",
    // brandtoken
    "symbol", "redemption_krw", "default_expiry_ms", "transferable", "platform_address",
    // swap
    "center_chain_id", "center_policy", "center_root_keys", "exchange_chaincode",
    "brandtoken_chaincode", "deadline_max_ms", "min_mlk", "lock_tx", "lock_ms", "finish_tx",
    "proof_height", "deliver_tx"};

// Objects whose keys are org names (public, registered identities of companies, not persons).
const std::set<std::string> kOrgKeyed = {"root_keys", "center_root_keys"};
// Objects whose keys are UTC day numbers (lzm's earned-per-day for levels).
const std::set<std::string> kDayKeyed = {"earned"};

bool AllDigits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

bool LooksPersonal(const std::string& text) {
  static const std::regex kEmail(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
  // International (+82 10 1234 5678), Korean with or without separators (010-1234-5678,
  // 01012345678, 02-123-4567). Amounts never start with 0, ids are longer than a phone number.
  static const std::regex kPhone(R"((\+[0-9]{1,3}[ .-]?[0-9][0-9 .-]{6,14}[0-9]))"
                                 R"(|(0[0-9]{1,2}[ .-]?[0-9]{3,4}[ .-]?[0-9]{4}))");
  return std::regex_search(text, kEmail) || std::regex_match(text, kPhone);
}

// "" or what looks personal in value (at path).
// keyed: the parent field, when it is a map keyed by org names or day numbers.
std::string ScanJson(const Json& value, const std::string& path, const std::string& keyed) {
  if (value.is_string()) {
    return LooksPersonal(value.get<std::string>()) ? path + " holds " + value.dump() : "";
  }
  if (value.is_array()) {
    for (const auto& item : value) {
      std::string found = ScanJson(item, path + "[]", "");
      if (!found.empty()) return found;
    }
    return "";
  }
  if (!value.is_object()) return "";
  for (const auto& [key, item] : value.items()) {
    const bool allowed = kFieldNames.count(key) > 0 || crypto::IsValidWalletAddress(key) ||
                         (kOrgKeyed.count(keyed) > 0 && !LooksPersonal(key)) ||
                         (kDayKeyed.count(keyed) > 0 && AllDigits(key) && !LooksPersonal(key));
    if (!allowed) return path + " has the undocumented field " + Json(key).dump();
    std::string found = ScanJson(item, path + "." + key, key);
    if (!found.empty()) return found;
  }
  return "";
}

}  // namespace

std::string ScanPersonalData(const std::vector<std::pair<std::string, MemoryState*>>& chains) {
  std::string found;
  for (const auto& [chain_id, state] : chains) {
    for (const char* ns : kNamespaces) {
      Status scanned =
          state->Scan(ns, "", "", [&](const std::string& key, const VersionedValue& value) {
            const std::string where = chain_id + " " + ns + " ";
            Result<std::pair<std::string, std::vector<std::string>>> split = SplitCompositeKey(key);
            std::vector<std::string> parts;
            if (split.ok()) {
              parts = split->second;
              parts.push_back(split->first);
            } else {
              parts = {key};
            }
            for (const std::string& part : parts) {
              if (LooksPersonal(part)) found = where + "key part " + Json(part).dump();
            }
            const Json parsed = Json::parse(value.value, nullptr, false);
            const std::string name = where + (split.ok() ? split->first : key);
            if (found.empty()) {
              found =
                  parsed.is_discarded()
                      ? (LooksPersonal(value.value) ? name + " holds " + Json(value.value).dump()
                                                    : "")
                      : ScanJson(parsed, name, split.ok() ? split->first : "");
            }
            return found.empty();
          });
      if (!scanned.ok()) return "state scan failed: " + scanned.ToString();
      if (!found.empty()) return "personal data? " + found;
    }
  }
  return "";
}

}  // namespace milk::chaincode::model
