// chaincode/lzm: the VIP list, the supply query and the invariant checker.
#include <map>

#include "chaincode/lzm/lzm.h"
#include "chaincode/lzm/lzm_internal.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace lzm {
namespace {

const char* const kPools[] = {"rewards", "events", "team", "reserve"};

std::string ShardName(size_t shard) {
  static const char kHex[] = "0123456789abcdef";
  return std::string{kHex[shard / 16], kHex[shard % 16]};
}

Result<size_t> ParseShard(const std::string& text) {
  for (size_t shard = 0; shard < kLzmVipShards; ++shard) {
    if (ShardName(shard) == text) return shard;
  }
  return InvalidArgument("shard must be two lower-case hex digits 00..ff, got " + Quote(text));
}

}  // namespace

Result<milkpb::Response> Vip(Stub& stub, const Config& config) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (who.is_wallet) {
    return Forbidden("vip is for partners' org members; caller is " + crypto::PrincipalName(who));
  }
  const auto& args = stub.GetArgs();
  if (args.empty() || args.size() > 2) return BadRequest("usage: vip <min_level> [shard]");
  size_t min_level = 0;
  for (size_t level = 1; level <= config.levels.size(); ++level) {
    if (args[0] == std::to_string(level)) min_level = level;
  }
  if (min_level == 0) {
    return BadRequest("min_level must be a level number 1.." +
                      std::to_string(config.levels.size()) + ", got " + Quote(args[0]));
  }
  size_t shard = 0;
  if (args.size() == 2) {
    MILK_ASSIGN_OR_RETURN(shard, ParseShard(args[1]));
  }
  MILK_ASSIGN_OR_RETURN(auto range, PartialCompositeKeyRange("earned", {}));
  const std::string start = range.first + "mlk1" + ShardName(shard);
  MILK_ASSIGN_OR_RETURN(std::vector<KV> holders, stub.GetStateByRange(start, start + "~"));
  Json addresses = Json::array();
  for (const KV& kv : holders) {
    MILK_ASSIGN_OR_RETURN(auto split, SplitCompositeKey(kv.key));
    if (split.second.size() != 1) return DataLoss("malformed earnings key");
    MILK_ASSIGN_OR_RETURN(Json level, LevelOf(stub, config, split.second[0]));
    if (level["level"].get<size_t>() >= min_level) addresses.push_back(split.second[0]);
  }
  const std::string next = shard + 1 < kLzmVipShards ? ShardName(shard + 1) : "";
  return Success(Json{{"addresses", addresses}, {"next", next}}.dump());
}

Result<milkpb::Response> Supply(Stub& stub) {
  if (!stub.GetArgs().empty()) return BadRequest("usage: supply");
  Json pools = Json::object();
  Amount in_pools = 0;
  for (const char* pool : kPools) {
    MILK_ASSIGN_OR_RETURN(Amount held, ReadAmount(stub, "pool", {pool}));
    pools[pool] = FormatAmount(held);
    in_pools += held;
  }
  MILK_CHECK(in_pools <= kLzmTotal);
  return Success(Json{{"total", FormatAmount(kLzmTotal)},
                      {"pools", pools},
                      {"circulating", FormatAmount(kLzmTotal - in_pools)}}
                     .dump());
}

}  // namespace lzm

Status CheckLzmInvariants(StateReader& state) {
  std::map<std::string, Amount> pools;
  std::map<std::string, Amount> stats;
  Amount balances = 0;
  Status bad;
  Status scanned = state.Scan(
      kLzmChaincodeName, "", "", [&](const std::string& key, const VersionedValue& value) {
        auto split = SplitCompositeKey(key);
        if (!split.ok()) return true;  // not a composite key: not ours to check
        const std::string& type = split->first;
        if (type != "pool" && type != "balance" && type != "stat") return true;
        auto amount = ParseAmount(value.value);
        if (!amount.ok() || split->second.size() != 1) {
          bad = DataLoss("malformed " + type + " entry: " + Quote(value.value));
          return false;
        }
        if (type == "pool") pools[split->second[0]] = *amount;
        if (type == "stat") stats[split->second[0]] = *amount;
        if (type == "balance") balances += *amount;  // at most 2^128 / 1e27 entries could wrap
        return true;
      });
  MILK_RETURN_IF_ERROR(scanned);
  MILK_RETURN_IF_ERROR(bad);
  const std::map<std::string, Amount> caps = {{"rewards", kLzmRewardsCap},
                                              {"events", kLzmEventsCap},
                                              {"team", kLzmTeamCap},
                                              {"reserve", kLzmReserveCap}};
  Amount total = balances;
  for (const auto& [name, cap] : caps) {
    if (!pools.count(name)) return DataLoss("pool " + name + " is missing");
    if (pools[name] > cap) return DataLoss("pool " + name + " holds more than its cap");
    total += pools[name];
  }
  if (pools.size() != caps.size()) return DataLoss("an unknown pool exists");
  if (total != kLzmTotal) {
    return DataLoss("pools + balances = " + FormatAmount(total) + ", not " +
                    FormatAmount(kLzmTotal));
  }
  const Amount team_paid = kLzmTeamCap - pools["team"];
  if (team_paid != stats["team_paid"]) return DataLoss("team_paid does not match the team pool");
  if (team_paid > stats["users_received"] / 10) {
    return DataLoss("team paid more than 10% of what users received");
  }
  if (team_paid > 0 && (pools["rewards"] != 0 || pools["events"] != 0)) {
    return DataLoss("team paid before the rewards and events pools were exhausted");
  }
  const Amount users = (kLzmRewardsCap - pools["rewards"]) + (kLzmEventsCap - pools["events"]);
  if (users != stats["users_received"]) return DataLoss("users_received does not match pools");
  if (pools["reserve"] != kLzmReserveCap &&
      (pools["rewards"] != 0 || pools["events"] != 0 ||
       (pools["team"] != 0 && team_paid < stats["users_received"] / 10))) {
    return DataLoss("reserve paid before every other pool was exhausted");
  }
  return Status::Ok();
}

}  // namespace milk::chaincode
