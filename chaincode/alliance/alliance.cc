#include "chaincode/alliance/alliance.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "chaincode/alliance/alliance_state.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode {
namespace {

using Json = nlohmann::ordered_json;
using alliance::Load;
using alliance::Save;

Result<milkpb::Response> Propose(Stub& stub, const std::vector<std::string>& args) {
  MILK_RETURN_IF_ERROR(alliance::RequireOperatorAdmin(stub));
  if (args.size() != 3) return BadRequest("usage: propose <org> <sector> <brand>");
  const std::string &org = args[0], &sector = args[1], &brand = args[2];
  MILK_RETURN_IF_ERROR(alliance::CheckName("org", org));
  MILK_RETURN_IF_ERROR(alliance::CheckName("sector", sector));
  MILK_RETURN_IF_ERROR(alliance::CheckName("brand", brand));
  MILK_ASSIGN_OR_RETURN(Json operator_org, Load(stub, "param", {"operator_org"}));
  if (org == operator_org.get<std::string>()) {
    return Error(409, "the operator " + Quote(org) + " cannot join as a partner");
  }
  MILK_ASSIGN_OR_RETURN(Json partner, Load(stub, "partner", {org}));
  if (!partner.is_null()) return Error(409, "org " + Quote(org) + " is already a partner");
  MILK_ASSIGN_OR_RETURN(Json owner, Load(stub, "sector", {sector}));
  if (!owner.is_null()) {
    return Error(409, "sector " + Quote(sector) + " already has a partner (" +
                          owner.get<std::string>() + "): one partner per sector");
  }
  MILK_ASSIGN_OR_RETURN(Json pending, Load(stub, "proposal", {org}));
  if (!pending.is_null()) return Error(409, "org " + Quote(org) + " is already proposed");
  MILK_ASSIGN_OR_RETURN(std::vector<std::string> proposed_sectors, alliance::PendingSectors(stub));
  for (const std::string& s : proposed_sectors) {
    if (s == sector) return Error(409, "sector " + Quote(sector) + " already has a pending proposal");
  }
  MILK_ASSIGN_OR_RETURN(size_t partners, alliance::CountPartners(stub));
  if (partners >= kPartnersMax) return Error(412, "the registry is full");
  Json proposal = {{"org", org},         {"sector", sector}, {"brand", brand},
                   {"proposed_ms", stub.GetTxTimestamp()}, {"approvals", Json::array()},
                   {"agreement", ""},    {"stake", "0"}, {"stakes", Json::object()}};
  MILK_RETURN_IF_ERROR(Save(stub, "proposal", {org}, proposal));
  MILK_RETURN_IF_ERROR(stub.SetEvent("partner_proposed", Json{{"org", org}, {"sector", sector}}.dump()));
  return Success();
}

// Looks up a pending proposal; 404 when there is none.
Result<Json> PendingProposal(Stub& stub, const std::string& org) {
  MILK_ASSIGN_OR_RETURN(Json proposal, Load(stub, "proposal", {org}));
  if (proposal.is_null()) return NotFound("no pending proposal for org " + Quote(org));
  return proposal;
}

Result<milkpb::Response> Approve(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 1) return BadRequest("usage: approve <org>");
  MILK_ASSIGN_OR_RETURN(std::string approver, alliance::RequireActivePartnerAdmin(stub));
  MILK_ASSIGN_OR_RETURN(Json proposal, PendingProposal(stub, args[0]));
  for (const auto& a : proposal["approvals"]) {
    if (a.get<std::string>() == approver) {
      return Error(409, approver + " already approved " + Quote(args[0]));
    }
  }
  proposal["approvals"].push_back(approver);
  MILK_RETURN_IF_ERROR(Save(stub, "proposal", {args[0]}, proposal));
  return alliance::ActivateIfReady(stub, args[0]);
}

Result<milkpb::Response> AcceptAgreement(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 2) return BadRequest("usage: accept_agreement <org> <agreement_sha256_hex>");
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (creator.is_wallet || creator.role != milkpb::ADMIN || creator.org != args[0]) {
    return PermissionDenied("the service agreement is accepted by an admin of " + Quote(args[0]));
  }
  static const std::regex kHash("[0-9a-f]{64}");
  if (!std::regex_match(args[1], kHash)) {
    return InvalidArgument("the agreement hash is 64 lower-case hex characters");
  }
  MILK_ASSIGN_OR_RETURN(Json proposal, PendingProposal(stub, args[0]));
  if (!proposal["agreement"].get<std::string>().empty()) {
    if (proposal["agreement"] == args[1]) return Success();  // the same acceptance again
    return Error(409, "a different agreement was already accepted");
  }
  proposal["agreement"] = args[1];
  MILK_RETURN_IF_ERROR(Save(stub, "proposal", {args[0]}, proposal));
  return alliance::ActivateIfReady(stub, args[0]);
}

Result<milkpb::Response> Withdraw(Stub& stub, const std::vector<std::string>& args) {
  MILK_RETURN_IF_ERROR(alliance::RequireOperatorAdmin(stub));
  if (args.size() != 1) return BadRequest("usage: withdraw <org>");
  MILK_ASSIGN_OR_RETURN(Json proposal, PendingProposal(stub, args[0]));
  MILK_ASSIGN_OR_RETURN(Json released, alliance::ReleaseStakes(stub, proposal));
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("proposal", {args[0]}));
  MILK_RETURN_IF_ERROR(stub.DelState(key));
  return Success(Json{{"org", args[0]}, {"released", released}}.dump());
}

Result<milkpb::Response> SetPartnerParams(Stub& stub, const std::vector<std::string>& args) {
  if (args.size() != 2) return BadRequest("usage: set_partner_params <min_price_bps> <renewal_ms>");
  MILK_ASSIGN_OR_RETURN(std::string org, alliance::RequireActivePartnerAdmin(stub));
  MILK_ASSIGN_OR_RETURN(int64_t min_bps, alliance::ParseInt(args[0], kMinPriceBpsLow,
                                                            kMinPriceBpsHigh, "min_price_bps"));
  MILK_ASSIGN_OR_RETURN(int64_t renewal, alliance::ParseInt(args[1], kRenewalMsMin, kRenewalMsMax,
                                                            "renewal_ms"));
  // The exchange's maximum price is 95% of redemption value less the fee (a buyer's all-in
  // price stays at 95%): a minimum at or above it would leave the market no price to trade at.
  MILK_ASSIGN_OR_RETURN(Json fee, Load(stub, "param", {"fee_bps"}));
  const int64_t fee_bps = fee.is_number_integer() ? fee.get<int64_t>() : 0;
  if (min_bps * (10'000 + fee_bps) >= kMinPriceBpsHigh * 10'000) {
    return Error(412, "min_price_bps " + std::to_string(min_bps) +
                          " is not below the market's maximum price at the current fee of " +
                          std::to_string(fee_bps) + " bps (" + std::to_string(kMinPriceBpsHigh) +
                          " / (1 + fee), about " +
                          std::to_string(kMinPriceBpsHigh * 10'000 / (10'000 + fee_bps)) +
                          " bps)");
  }
  MILK_ASSIGN_OR_RETURN(Json partner, Load(stub, "partner", {org}));
  partner["min_price_bps"] = min_bps;
  partner["renewal_ms"] = renewal;
  MILK_RETURN_IF_ERROR(Save(stub, "partner", {org}, partner));
  MILK_RETURN_IF_ERROR(stub.SetEvent("partner_params", partner.dump()));
  return Success();
}

Result<milkpb::Response> ProposeFee(Stub& stub, const std::vector<std::string>& args) {
  MILK_RETURN_IF_ERROR(alliance::RequireOperatorAdmin(stub));
  if (args.size() != 1) return BadRequest("usage: propose_fee <bps>");
  MILK_ASSIGN_OR_RETURN(int64_t bps, alliance::ParseInt(args[0], 0, kFeeBpsMax, "fee bps"));
  MILK_RETURN_IF_ERROR(Save(stub, "fee_proposal", {}, Json{{"bps", bps}, {"approvals", Json::array()}}));
  return alliance::ApplyFeeIfApproved(stub);
}

Result<milkpb::Response> ApproveFee(Stub& stub, const std::vector<std::string>& args) {
  if (!args.empty()) return BadRequest("usage: approve_fee");
  MILK_ASSIGN_OR_RETURN(std::string approver, alliance::RequireActivePartnerAdmin(stub));
  MILK_ASSIGN_OR_RETURN(Json proposal, Load(stub, "fee_proposal", {}));
  if (proposal.is_null()) return NotFound("no fee change is proposed");
  for (const auto& a : proposal["approvals"]) {
    if (a.get<std::string>() == approver) return Error(409, approver + " already approved");
  }
  proposal["approvals"].push_back(approver);
  MILK_RETURN_IF_ERROR(Save(stub, "fee_proposal", {}, proposal));
  return alliance::ApplyFeeIfApproved(stub);
}

Result<milkpb::Response> SetPhase(Stub& stub, const std::vector<std::string>& args) {
  MILK_RETURN_IF_ERROR(alliance::RequireOperatorAdmin(stub));
  if (args.size() != 2) return BadRequest("usage: set_phase <1|2> <stake_min>");
  MILK_ASSIGN_OR_RETURN(int64_t phase, alliance::ParseInt(args[0], 1, 2, "phase"));
  MILK_ASSIGN_OR_RETURN(Amount stake_min, ParseAmount(args[1]));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"phase"}, phase));
  MILK_RETURN_IF_ERROR(Save(stub, "param", {"stake_min"}, FormatAmount(stake_min)));
  return Success();
}

Result<milkpb::Response> Query(Stub& stub, const std::string& fn,
                               const std::vector<std::string>& args) {
  if (fn == "partners") {
    MILK_ASSIGN_OR_RETURN(Json all, alliance::AllPartners(stub));
    return Success(all.dump());
  }
  if (fn == "params") {
    MILK_ASSIGN_OR_RETURN(Json params, alliance::Params(stub));
    return Success(params.dump());
  }
  const std::map<std::string, std::string> kTypes = {
      {"partner", "partner"}, {"proposal", "proposal"}, {"brand_chain", "brand_chain"}};
  auto type = kTypes.find(fn);
  if (type == kTypes.end()) return Error(404, "unknown function " + Quote(fn));
  if (args.size() != 1) return BadRequest("usage: " + fn + " <id>");
  MILK_ASSIGN_OR_RETURN(Json value, Load(stub, type->second, {args[0]}));
  if (value.is_null()) return Error(404, fn + " " + Quote(args[0]) + " not found");
  return Success(value.dump());
}

Result<milkpb::Response> Dispatch(Stub& stub) {
  const std::string& fn = stub.GetFunction();
  const std::vector<std::string>& args = stub.GetArgs();
  if (fn == "propose") return Propose(stub, args);
  if (fn == "approve") return Approve(stub, args);
  if (fn == "accept_agreement") return AcceptAgreement(stub, args);
  if (fn == "stake") return alliance::Stake(stub, args);
  if (fn == "withdraw") return Withdraw(stub, args);
  if (fn == "set_partner_params") return SetPartnerParams(stub, args);
  if (fn == "propose_fee") return ProposeFee(stub, args);
  if (fn == "approve_fee") return ApproveFee(stub, args);
  if (fn == "set_phase") return SetPhase(stub, args);
  if (fn == "register_brand_chain") return alliance::RegisterBrandChain(stub, args);
  return Query(stub, fn, args);
}

}  // namespace

milkpb::Response AllianceChaincode::Init(Stub& stub) {
  auto result = alliance::InitParams(stub);
  return result.ok() ? *result : alliance::FromStatus(result.status());
}

milkpb::Response AllianceChaincode::Invoke(Stub& stub) {
  auto result = Dispatch(stub);
  return result.ok() ? *result : alliance::FromStatus(result.status());
}

}  // namespace milk::chaincode
