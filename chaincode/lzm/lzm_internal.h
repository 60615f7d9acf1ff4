// Private to chaincode/lzm: configuration, state access, roles and the reward engine.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::lzm {

using Json = nlohmann::ordered_json;

inline constexpr int64_t kDayMs = 86'400'000;  // UTC days: timestamps are Unix ms

// reward = floor(quantity * num / den): the floor favours the platform.
struct Rate {
  Amount num = 0;
  Amount den = 1;
};

struct Level {
  std::string name;
  Amount min = 0;  // LZM earned in the window to reach this level
};

struct Config {
  std::string operator_org;
  Rate trade_krw;
  Rate trade_mlk;
  Rate coupon_krw;
  Rate burn_mlk;
  Amount attendance_reward = 0;
  int64_t level_window_days = 0;
  std::vector<Level> levels;  // ascending by min
  std::string pack_chaincode;
};

// Parses the Init JSON strictly (unknown keys, missing keys, bad values: kInvalidArgument).
Result<Config> ParseConfig(const std::string& text);
// The configuration stored by Init; kDataLoss when corrupt.
Result<Config> LoadConfig(Stub& stub);

// An amount stored under (type, attrs); 0 when absent; kDataLoss when corrupt.
Result<Amount> ReadAmount(Stub& stub, const std::string& type,
                          const std::vector<std::string>& attrs);
Status WriteAmount(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
                   Amount amount);
Result<Json> Load(Stub& stub, const std::string& type, const std::vector<std::string>& attrs);
Status Save(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
            const Json& value);

Status CheckAddress(const std::string& address);
Result<Amount> ParsePositive(const std::string& text, const std::string& what);
// 1..128 bytes of printable ASCII without spaces: references and ids from other systems.
Status CheckReference(const std::string& ref);
// nullopt on overflow.
std::optional<Amount> CheckedMul(Amount a, Amount b);
// floor(quantity * rate); kInvalidArgument when the product overflows 128 bits.
Result<Amount> ApplyRate(Amount quantity, const Rate& rate);

// The chaincodes trusted by name when they call lzm (GetCallingChaincode): the exchange reports
// trades, mlk reports burns. Fixed: they are registered under these names on the center chain.
inline constexpr char kExchangeCaller[] = "exchange";
inline constexpr char kMlkCaller[] = "mlk";

// Roles (kPermissionDenied with the caller's principal in the message).
bool IsOperatorAdmin(const crypto::IdentityInfo& who, const Config& config);
// The operator's admin or client (its service back end): reports trades and burns.
Status RequireReporter(Stub& stub, const Config& config, const std::string& function);
Status RequireOperatorAdmin(Stub& stub, const Config& config, const std::string& function);

// Pays up to `amount` from pool to address (the remainder when the pool holds less; 412 when it
// is empty), records the earning for levels when earned is true, raises users_received for the
// rewards and events pools, emits event "reward". Answers the amount paid.
Result<Amount> PayFromPool(Stub& stub, const Config& config, const std::string& pool,
                           const std::string& address, Amount amount, const std::string& kind);

// Idempotent execution on (kind, ref): a first call runs body and stores fingerprint and result;
// a repeat with the same fingerprint answers the stored result; a different one is 409.
Result<milkpb::Response> Idempotent(Stub& stub, const std::string& kind, const std::string& ref,
                                    const std::string& fingerprint,
                                    const std::function<Result<milkpb::Response>()>& body);

// The level of address at the transaction's time: {"address","earned","level","name"}.
Result<Json> LevelOf(Stub& stub, const Config& config, const std::string& address);

milkpb::Response FromStatus(const Status& status);

// Reward and grant functions (lzm_rewards.cc) and queries (lzm_query.cc).
Result<milkpb::Response> TradeReward(Stub& stub, const Config& config);
Result<milkpb::Response> CouponReward(Stub& stub, const Config& config);
Result<milkpb::Response> BurnReward(Stub& stub, const Config& config);
Result<milkpb::Response> PackReward(Stub& stub, const Config& config);
Result<milkpb::Response> Attendance(Stub& stub, const Config& config);
Result<milkpb::Response> TeamGrant(Stub& stub, const Config& config);
Result<milkpb::Response> ReserveGrant(Stub& stub, const Config& config);
Result<milkpb::Response> Vip(Stub& stub, const Config& config);
Result<milkpb::Response> Supply(Stub& stub);

}  // namespace milk::chaincode::lzm
