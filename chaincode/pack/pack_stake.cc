// chaincode/pack: staking, unstaking and the invariant checker.
#include <map>

#include "chaincode/pack/pack.h"
#include "chaincode/pack/pack_internal.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace pack {
namespace {

Result<Amount> JsonAmount(const Json& object, const std::string& field) {
  auto amount = ParseAmount(object.value(field, std::string()));
  if (!amount.ok()) return DataLoss("stored pack " + field + " is corrupt");
  return amount;
}

// Moves MLK through the mlk chaincode, which trusts pack_lock / pack_release because it sees
// pack as the calling chaincode (and the signer as the wallet moved).
Status MoveMlk(Stub& stub, const Config& config, const std::string& op, const std::string& address,
               Amount amount) {
  if (config.mlk_chaincode.empty()) return Status::Ok();
  const std::string text = FormatAmount(amount);
  milkpb::Response moved =
      stub.InvokeChaincode(config.mlk_chaincode, "pack_" + op, {address, text});
  if (moved.status() == 200) return Status::Ok();
  return FailedPrecondition("MLK " + op + " of " + text + " for " + address + " refused by " +
                            config.mlk_chaincode + " (" + std::to_string(moved.status()) +
                            "): " + moved.message());
}

Result<std::string> WalletCaller(Stub& stub, const std::string& function) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (!who.is_wallet) {
    return PermissionDenied(function + " is for customer wallets; caller is " +
                            crypto::PrincipalName(who));
  }
  return crypto::WalletAddress(who.public_key);
}

// Pays the reward through lzm; a pool that can no longer pay makes it 0.
Result<Amount> PayReward(Stub& stub, const Config& config, const std::string& stake_id,
                         const std::string& owner, Amount reward) {
  if (reward == 0) return Amount{0};
  milkpb::Response paid = stub.InvokeChaincode(config.lzm_chaincode, "pack_reward",
                                               {owner, FormatAmount(reward), stake_id});
  if (paid.status() == 412) return Amount{0};
  if (paid.status() != 200) {
    return Internal("LZM reward refused by " + config.lzm_chaincode + " (" +
                    std::to_string(paid.status()) + "): " + paid.message());
  }
  Json payload = Json::parse(paid.payload(), nullptr, false);
  if (payload.is_discarded()) return Internal("pack_reward answered malformed JSON");
  return JsonAmount(payload, "paid");
}

}  // namespace

Result<milkpb::Response> Stake(Stub& stub, const Config& config) {
  MILK_ASSIGN_OR_RETURN(std::string owner, WalletCaller(stub, "stake"));
  const auto& args = stub.GetArgs();
  if (args.size() != 2) return BadRequest("usage: stake <product_id> <amount>");
  MILK_RETURN_IF_ERROR(lzm::CheckReference(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount amount, lzm::ParsePositive(args[1], "amount"));
  MILK_ASSIGN_OR_RETURN(Json product, lzm::Load(stub, "product", {args[0]}));
  if (product.is_null()) return Error(404, "unknown product " + Quote(args[0]));
  MILK_ASSIGN_OR_RETURN(Amount staked, JsonAmount(product, "staked"));
  MILK_ASSIGN_OR_RETURN(Amount cap, JsonAmount(product, "cap"));
  if (amount > cap - staked) {
    return Error(412, "product " + args[0] + " is full: " + FormatAmount(staked) + " of cap " +
                          FormatAmount(cap) + " staked, room for " + FormatAmount(cap - staked));
  }
  lzm::Rate rate;
  MILK_ASSIGN_OR_RETURN(rate.num, JsonAmount(product, "rate_num"));
  MILK_ASSIGN_OR_RETURN(rate.den, JsonAmount(product, "rate_den"));
  MILK_ASSIGN_OR_RETURN(Amount reward, lzm::ApplyRate(amount, rate));
  const std::string& stake_id = stub.GetTxID();
  MILK_ASSIGN_OR_RETURN(Json existing, lzm::Load(stub, "stake", {stake_id}));
  if (!existing.is_null()) return Error(409, "stake " + Quote(stake_id) + " already exists");
  MILK_RETURN_IF_ERROR(MoveMlk(stub, config, "lock", owner, amount));
  product["staked"] = FormatAmount(staked + amount);
  MILK_RETURN_IF_ERROR(lzm::Save(stub, "product", {args[0]}, product));
  Json stake = {{"id", stake_id},
                {"owner", owner},
                {"product", args[0]},
                {"amount", FormatAmount(amount)},
                {"start_ms", stub.GetTxTimestamp()},
                {"maturity_ms", stub.GetTxTimestamp() + product["term_ms"].get<int64_t>()},
                {"reward", FormatAmount(reward)},
                {"state", "active"}};
  MILK_RETURN_IF_ERROR(lzm::Save(stub, "stake", {stake_id}, stake));
  MILK_RETURN_IF_ERROR(stub.SetEvent("staked", stake.dump()));
  return Success(stake.dump());
}

Result<milkpb::Response> Unstake(Stub& stub, const Config& config) {
  MILK_ASSIGN_OR_RETURN(std::string caller, WalletCaller(stub, "unstake"));
  const auto& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: unstake <stake_id>");
  MILK_RETURN_IF_ERROR(lzm::CheckReference(args[0]));
  MILK_ASSIGN_OR_RETURN(Json stake, lzm::Load(stub, "stake", {args[0]}));
  if (stake.is_null()) return Error(404, "unknown stake " + Quote(args[0]));
  if (stake["owner"] != caller) return Forbidden("stake " + args[0] + " belongs to another wallet");
  if (stake["state"] != "active") {
    return Error(
        412, "stake " + args[0] + " is already closed (" + stake["state"].get<std::string>() + ")");
  }
  MILK_ASSIGN_OR_RETURN(Amount amount, JsonAmount(stake, "amount"));
  const bool early = stub.GetTxTimestamp() < stake["maturity_ms"].get<int64_t>();
  MILK_ASSIGN_OR_RETURN(Json product, lzm::Load(stub, "product", {stake["product"]}));
  if (product.is_null()) return DataLoss("the product of stake " + args[0] + " is missing");
  MILK_ASSIGN_OR_RETURN(Amount staked, JsonAmount(product, "staked"));
  MILK_CHECK(staked >= amount);
  MILK_RETURN_IF_ERROR(MoveMlk(stub, config, "release", caller, amount));
  Amount paid = 0;
  if (!early) {
    MILK_ASSIGN_OR_RETURN(Amount reward, JsonAmount(stake, "reward"));
    MILK_ASSIGN_OR_RETURN(paid, PayReward(stub, config, args[0], caller, reward));
  }
  product["staked"] = FormatAmount(staked - amount);
  MILK_RETURN_IF_ERROR(lzm::Save(stub, "product", {stake["product"]}, product));
  stake["state"] = early ? "early_exit" : "matured";
  stake["reward_paid"] = FormatAmount(paid);
  MILK_RETURN_IF_ERROR(lzm::Save(stub, "stake", {args[0]}, stake));
  Json event = {{"stake", args[0]},
                {"owner", caller},
                {"amount", FormatAmount(amount)},
                {"reward", FormatAmount(paid)},
                {"early", early}};
  MILK_RETURN_IF_ERROR(stub.SetEvent("unstaked", event.dump()));
  return Success(event.dump());
}

}  // namespace pack

Status CheckPackInvariants(StateReader& state) {
  std::map<std::string, Amount> active;                       // product -> sum of active stakes
  std::map<std::string, std::pair<Amount, Amount>> products;  // id -> (staked, cap)
  Status bad;
  Status scanned = state.Scan(
      kPackChaincodeName, "", "", [&](const std::string& key, const VersionedValue& value) {
        auto split = SplitCompositeKey(key);
        if (!split.ok()) return true;
        const std::string& type = split->first;
        if (type == "config") return true;
        if (type != "product" && type != "stake") {
          bad = DataLoss("unexpected key of type " + Quote(type) + " in pack");
          return false;
        }
        pack::Json json = pack::Json::parse(value.value, nullptr, false);
        auto amount = ParseAmount(
            json.is_object() ? json.value(type == "product" ? "staked" : "amount", std::string())
                             : "");
        if (!amount.ok()) {
          bad = DataLoss("malformed " + type + " record");
          return false;
        }
        if (type == "product") {
          auto cap = ParseAmount(json.value("cap", std::string()));
          products[json.value("id", std::string())] = {*amount, cap.ok() ? *cap : 0};
        } else if (json.value("state", std::string()) == "active") {
          active[json.value("product", std::string())] += *amount;
        }
        return true;
      });
  MILK_RETURN_IF_ERROR(scanned);
  MILK_RETURN_IF_ERROR(bad);
  for (const auto& [id, sum] : active) {
    if (!products.count(id)) return DataLoss("a stake names unknown product " + id);
  }
  for (const auto& [id, staked_cap] : products) {
    if (staked_cap.first > staked_cap.second)
      return DataLoss("product " + id + " is above its cap");
    if (staked_cap.first != active[id]) {
      return DataLoss("product " + id + " staked " + FormatAmount(staked_cap.first) +
                      " but its active stakes sum to " + FormatAmount(active[id]));
    }
  }
  return Status::Ok();
}

}  // namespace milk::chaincode
