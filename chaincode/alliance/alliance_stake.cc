// The phase-2 stake (MISSION.md, "The alliance"): a joining partner's admin bonds MLK through the
// mlk chaincode (alliance_lock), so the stake is held by the chain rather than attested by TICA;
// withdrawing the proposal gives every recorded stake back (alliance_release).
#include "chaincode/alliance/alliance.h"
#include "chaincode/alliance/alliance_state.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode::alliance {
namespace {

// The configured mlk chaincode's name; "" when Init named none.
Result<std::string> ConfiguredMlk(Stub& stub) {
  MILK_ASSIGN_OR_RETURN(Json name, Load(stub, "param", {"mlk_chaincode"}));
  return name.is_string() ? name.get<std::string>() : std::string();
}

// Calls mlk; a refusal keeps mlk's status and message (412 short of MLK, 403 not the signer's).
Status CallMlk(Stub& stub, const std::string& mlk, const std::string& function,
               const std::string& address, Amount amount) {
  const std::string text = FormatAmount(amount);
  milkpb::Response moved = stub.InvokeChaincode(mlk, function, {address, text});
  if (moved.status() == 200) return Status::Ok();
  const std::string message = function + " of " + text + " MLK for " + address + " refused by " +
                              mlk + " (" + std::to_string(moved.status()) + "): " +
                              moved.message();
  switch (moved.status()) {
    case 400: return InvalidArgument(message);
    case 403: return PermissionDenied(message);
    case 404: return NotFound(message);
    case 409: return AlreadyExists(message);
    case 412: return FailedPrecondition(message);
    default: return Internal(message);
  }
}

Result<Amount> StoredAmount(const Json& value, const std::string& what) {
  if (!value.is_string()) return DataLoss("stored " + what + " is not an amount");
  auto amount = ParseAmount(value.get<std::string>());
  if (!amount.ok()) return DataLoss("stored " + what + " is not an amount");
  return amount;
}

}  // namespace

Result<milkpb::Response> Stake(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 3) return BadRequest("usage: stake <org> <amount> <reference>");
  const std::string &org = args[0], &ref = args[2];
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (creator.is_wallet || creator.role != milkpb::ADMIN || creator.org != org) {
    return PermissionDenied("the stake of " + Quote(org) + " is made by an admin of " +
                            Quote(org) + " from its own key; caller is " +
                            crypto::PrincipalName(creator));
  }
  MILK_ASSIGN_OR_RETURN(Amount amount, ParseAmount(args[1]));
  if (amount == 0) return InvalidArgument("the stake must be positive");
  MILK_RETURN_IF_ERROR(CheckName("reference", ref));
  MILK_ASSIGN_OR_RETURN(std::string mlk, ConfiguredMlk(stub));
  if (mlk.empty()) {
    return FailedPrecondition("no MLK chaincode configured: the alliance's Init named no "
                              "mlk_chaincode, so it cannot hold a stake");
  }
  const std::string address = crypto::WalletAddress(creator.public_key);
  const Json request = {{"org", org}, {"amount", FormatAmount(amount)}, {"address", address}};
  MILK_ASSIGN_OR_RETURN(Json seen, Load(stub, "stake_ref", {ref}));
  if (!seen.is_null()) {
    if (seen["request"] == request) return Success(seen["result"].get<std::string>());
    return AlreadyExists("stake reference " + Quote(ref) + " was used for a different stake");
  }
  MILK_ASSIGN_OR_RETURN(Json proposal, Load(stub, "proposal", {org}));
  if (proposal.is_null()) return NotFound("no pending proposal for org " + Quote(org));
  MILK_ASSIGN_OR_RETURN(Amount staked, StoredAmount(proposal["stake"], "stake"));
  if (!proposal.contains("stakes")) proposal["stakes"] = Json::object();
  Json& stakes = proposal["stakes"];
  Amount own = 0;
  if (stakes.contains(address)) {
    MILK_ASSIGN_OR_RETURN(own, StoredAmount(stakes[address], "stake of " + address));
  }
  std::optional<Amount> total = CheckedAdd(staked, amount);
  if (!total.has_value()) return InvalidArgument("the stake would overflow");
  MILK_RETURN_IF_ERROR(CallMlk(stub, mlk, "alliance_lock", address, amount));
  // own <= staked: no overflow.
  stakes[address] = FormatAmount(own + amount);
  proposal["stake"] = FormatAmount(*total);
  MILK_RETURN_IF_ERROR(Save(stub, "proposal", {org}, proposal));
  MILK_RETURN_IF_ERROR(stub.SetEvent("partner_staked", Json{{"org", org},
                                                            {"address", address},
                                                            {"amount", FormatAmount(amount)},
                                                            {"stake", proposal["stake"]}}
                                                           .dump()));
  MILK_ASSIGN_OR_RETURN(milkpb::Response answer, ActivateIfReady(stub, org));
  MILK_RETURN_IF_ERROR(
      Save(stub, "stake_ref", {ref}, Json{{"request", request}, {"result", answer.payload()}}));
  return answer;
}

Result<Json> ReleaseStakes(Stub& stub, const Json& proposal) {
  Json released = Json::object();
  if (!proposal.contains("stakes") || proposal["stakes"].empty()) return released;
  MILK_ASSIGN_OR_RETURN(std::string mlk, ConfiguredMlk(stub));
  if (mlk.empty()) return DataLoss("a proposal holds stakes but no mlk chaincode is configured");
  for (const auto& [address, value] : proposal["stakes"].items()) {
    MILK_ASSIGN_OR_RETURN(Amount amount, StoredAmount(value, "stake of " + address));
    if (amount == 0) continue;
    MILK_RETURN_IF_ERROR(CallMlk(stub, mlk, "alliance_release", address, amount));
    released[address] = value;
  }
  return released;
}

}  // namespace milk::chaincode::alliance
