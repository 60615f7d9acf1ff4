#include "chaincode/pack/pack.h"

#include <set>
#include <string>
#include <vector>

#include "chaincode/pack/pack_internal.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace pack {

Result<Config> ParseConfig(const std::string& text) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return InvalidArgument("Init argument is not a JSON object");
  }
  const std::set<std::string> keys = {"operator_org", "mlk_chaincode", "lzm_chaincode"};
  for (const auto& item : json.items()) {
    if (!keys.count(item.key())) {
      return InvalidArgument("unknown key " + Quote(item.key()) + " in the pack config");
    }
    if (!item.value().is_string()) return InvalidArgument(item.key() + " must be a string");
  }
  for (const std::string& key : keys) {
    if (!json.contains(key))
      return InvalidArgument("missing key \"" + key + "\" in the pack config");
  }
  Config config{json["operator_org"], json["mlk_chaincode"], json["lzm_chaincode"]};
  if (config.operator_org.empty() || config.lzm_chaincode.empty()) {
    return InvalidArgument("operator_org and lzm_chaincode must not be empty");
  }
  return config;
}

Result<Config> LoadConfig(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Json stored, lzm::Load(stub, "config", {}));
  if (stored.is_null()) return FailedPrecondition("pack is not initialised");
  auto config = ParseConfig(stored.dump());
  if (!config.ok()) return DataLoss("stored pack config is corrupt: " + config.status().message());
  return config;
}

}  // namespace pack

namespace {

using pack::Json;

Status CheckProductId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64;  // a product code, not a description
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.');
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid product id " + Quote(id) + ": 1 to 64 of [A-Za-z0-9._-]");
}

Result<int64_t> ParseTerm(const std::string& text) {
  auto parsed = ParseAmount(text);
  if (!parsed.ok() || *parsed < Amount(kPackTermMsMin) || *parsed > Amount(kPackTermMsMax)) {
    return InvalidArgument("term_ms must be an integer in [" + std::to_string(kPackTermMsMin) +
                           ", " + std::to_string(kPackTermMsMax) + "], got " + Quote(text));
  }
  return static_cast<int64_t>(*parsed);
}

Result<milkpb::Response> CreateProduct(Stub& stub, const pack::Config& config) {
  const crypto::IdentityInfo& who = stub.GetCreator();
  if (who.is_wallet || who.org != config.operator_org || who.role != milkpb::ADMIN) {
    return Forbidden("create_product requires an admin of " + config.operator_org + "; caller is " +
                     crypto::PrincipalName(who));
  }
  const auto& args = stub.GetArgs();
  if (args.size() != 5) {
    return BadRequest("usage: create_product <id> <term_ms> <rate_num> <rate_den> <cap>");
  }
  MILK_RETURN_IF_ERROR(CheckProductId(args[0]));
  MILK_ASSIGN_OR_RETURN(int64_t term_ms, ParseTerm(args[1]));
  auto rate_num = ParseAmount(args[2]);
  if (!rate_num.ok()) return BadRequest("rate_num: " + rate_num.status().message());
  MILK_ASSIGN_OR_RETURN(Amount rate_den, lzm::ParsePositive(args[3], "rate_den"));
  MILK_ASSIGN_OR_RETURN(Amount cap, lzm::ParsePositive(args[4], "cap"));
  MILK_ASSIGN_OR_RETURN(Json existing, lzm::Load(stub, "product", {args[0]}));
  if (!existing.is_null()) return Error(409, "product " + Quote(args[0]) + " already exists");
  Json product = {{"id", args[0]},
                  {"term_ms", term_ms},
                  {"rate_num", args[2]},
                  {"rate_den", FormatAmount(rate_den)},
                  {"cap", FormatAmount(cap)},
                  {"staked", "0"}};
  MILK_RETURN_IF_ERROR(lzm::Save(stub, "product", {args[0]}, product));
  return Success(product.dump());
}

Result<milkpb::Response> Show(Stub& stub, const std::string& type) {
  const auto& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: " + stub.GetFunction() + " <id>");
  MILK_RETURN_IF_ERROR(lzm::CheckReference(args[0]));
  MILK_ASSIGN_OR_RETURN(Json value, lzm::Load(stub, type, {args[0]}));
  if (value.is_null()) return Error(404, "unknown " + type + " " + Quote(args[0]));
  return Success(value.dump());
}

Result<milkpb::Response> InitPack(Stub& stub) {
  const auto& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: init <config_json>");
  MILK_ASSIGN_OR_RETURN(pack::Config config, pack::ParseConfig(args[0]));
  MILK_RETURN_IF_ERROR(lzm::Save(stub, "config", {},
                                 Json{{"operator_org", config.operator_org},
                                      {"mlk_chaincode", config.mlk_chaincode},
                                      {"lzm_chaincode", config.lzm_chaincode}}));
  return Success();
}

Result<milkpb::Response> Dispatch(Stub& stub) {
  const std::string& function = stub.GetFunction();
  if (function == "product") return Show(stub, "product");
  if (function == "stake_info") return Show(stub, "stake");
  MILK_ASSIGN_OR_RETURN(pack::Config config, pack::LoadConfig(stub));
  if (function == "create_product") return CreateProduct(stub, config);
  if (function == "stake") return pack::Stake(stub, config);
  if (function == "unstake") return pack::Unstake(stub, config);
  return Error(404, "unknown function " + Quote(function) +
                        " (pack has create_product, stake, unstake, product, stake_info)");
}

}  // namespace

milkpb::Response PackChaincode::Init(Stub& stub) { return ResponseFromResult(InitPack(stub)); }
milkpb::Response PackChaincode::Invoke(Stub& stub) { return ResponseFromResult(Dispatch(stub)); }

bool PackChaincode::IsSequenced(const std::string& function) const {
  return function == "stake" || function == "unstake";
}

}  // namespace milk::chaincode
