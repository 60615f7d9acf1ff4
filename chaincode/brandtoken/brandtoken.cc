// Init, the functions that move units (issue, redeem, transfer, credit_purchase) and dispatch.
// Every refusal is decided before the first write.
#include "chaincode/brandtoken/brandtoken.h"

#include <string>
#include <vector>

#include "chaincode/brandtoken/brandtoken_escrow.h"
#include "chaincode/brandtoken/brandtoken_query.h"
#include "chaincode/brandtoken/brandtoken_state.h"
#include "chaincode/shim/text.h"
#include "crypto/identity.h"

namespace milk::chaincode {
namespace {

using namespace brandtoken;  // NOLINT: the private helpers of this chaincode

// The platform guard (docs/swaps.md, "Stocking TICA's inventory"): TICA's account equals its
// inventory on the center chain only if nothing but swaps moves it.
Status RefusePlatform(const Config& config, const std::string& address, const std::string& what) {
  if (address != config.platform_address) return Status::Ok();
  return PermissionDenied(std::string(kPlatformMovesOnlyThroughSwaps) + ": " + what);
}

bool IsPartnerMember(const crypto::IdentityInfo& creator, const Config& config, milkpb::Role role_a,
                     milkpb::Role role_b) {
  return !creator.is_wallet && creator.org == config.partner_org &&
         (creator.role == role_a || creator.role == role_b);
}

// Validates the optional explicit expiry of an issue against the transaction time.
Result<int64_t> IssueExpiry(const std::vector<std::string>& args, const Config& config,
                            int64_t now_ms) {
  if (args.size() < 4) return ExpiryAfter(now_ms, config.default_expiry_ms);
  MILK_ASSIGN_OR_RETURN(int64_t expiry_ms, ParseMs("expiry_ms", args[3]));
  if (expiry_ms <= now_ms) {
    return InvalidArgument("expiry_ms " + args[3] + " is not after the transaction time " +
                           std::to_string(now_ms) + ": the points would be born expired");
  }
  if (expiry_ms - now_ms > kPeriodMsMax) {
    return InvalidArgument("expiry_ms " + args[3] + " is more than " +
                           std::to_string(kPeriodMsMax) + " ms after the transaction time");
  }
  return expiry_ms;
}

Result<milkpb::Response> Issue(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (!IsPartnerMember(creator, config, milkpb::CLIENT, milkpb::ADMIN)) {
    return Forbidden("issue requires an issuer of the partner " + config.partner_org +
                     " (role client or admin); caller is " + crypto::PrincipalName(creator));
  }
  if (args.size() < 3 || args.size() > 4) {
    return BadRequest("usage: issue <to_address> <amount> <legacy_ref> [expiry_ms]");
  }
  const std::string &to = args[0], &reference = args[2];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  MILK_RETURN_IF_ERROR(CheckReference("legacy_ref", reference));
  MILK_RETURN_IF_ERROR(RefusePlatform(config, to, "BT cannot be issued to the platform account"));
  if (args.size() == 4) MILK_RETURN_IF_ERROR(ParseMs("expiry_ms", args[3]).status());
  Json request = {
      {"to", to}, {"amount", FormatAmount(amount)}, {"expiry_ms", args.size() == 4 ? args[3] : ""}};
  MILK_ASSIGN_OR_RETURN(std::optional<std::string> first,
                        FindIdempotent(stub, "issue_ref", reference, request));
  if (first.has_value()) return Success(*first);  // a retry: the first result, no change

  const int64_t now_ms = stub.GetTxTimestamp();
  MILK_ASSIGN_OR_RETURN(int64_t expiry_ms, IssueExpiry(args, config, now_ms));
  MILK_ASSIGN_OR_RETURN(Amount issued, LoadTotal(stub, "issued"));
  if (!CheckedAdd(issued, amount).has_value()) {
    return BadRequest("issuing " + FormatAmount(amount) + " would overflow the issued total " +
                      FormatAmount(issued));
  }
  MILK_ASSIGN_OR_RETURN(Lots lots, LoadLots(stub, to));
  MILK_RETURN_IF_ERROR(AddLots(lots, {Lot{expiry_ms, amount}}, to));

  MILK_RETURN_IF_ERROR(SaveLots(stub, to, lots));
  MILK_RETURN_IF_ERROR(AddToTotal(stub, "issued", amount));
  std::string payload = Json{
      {"to", to},
      {"amount", FormatAmount(amount)},
      {"expiry_ms", expiry_ms},
      {"legacy_ref",
       reference}}.dump();
  MILK_RETURN_IF_ERROR(SaveIdempotent(stub, "issue_ref", reference, request, payload));
  MILK_RETURN_IF_ERROR(stub.SetEvent("issue", payload));
  return Success(payload);
}

Result<milkpb::Response> Redeem(Stub& stub, const std::vector<std::string>& args) {
  const crypto::IdentityInfo& creator = stub.GetCreator();
  if (!creator.is_wallet) {
    return Forbidden("redeem is signed by the customer's wallet; caller is " +
                     crypto::PrincipalName(creator));
  }
  if (args.size() != 1) return BadRequest("usage: redeem <amount>");
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[0]));
  const std::string from = crypto::WalletAddress(creator.public_key);
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  MILK_RETURN_IF_ERROR(RefusePlatform(config, from, "the platform account cannot redeem"));
  const int64_t now_ms = stub.GetTxTimestamp();
  MILK_ASSIGN_OR_RETURN(Lots lots, LoadLots(stub, from));
  MILK_RETURN_IF_ERROR(RequireSpendable(lots, amount, now_ms, from));
  TakeEarliest(lots, amount, now_ms);
  MILK_RETURN_IF_ERROR(SaveLots(stub, from, lots));
  MILK_RETURN_IF_ERROR(AddToTotal(stub, "redeemed", amount));
  std::string payload = Json{{"from", from}, {"amount", FormatAmount(amount)}}.dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("redeem", payload));
  return Success(payload);
}

Result<milkpb::Response> Transfer(Stub& stub, const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(Config config, LoadConfig(stub));
  if (!config.transferable) {
    return Error(412, "brand " + config.symbol + " does not allow transfers between customers");
  }
  if (args.size() != 2) return BadRequest("usage: transfer <to_address> <amount>");
  const std::string from = crypto::WalletAddress(stub.GetCreator().public_key);
  const std::string& to = args[0];
  MILK_RETURN_IF_ERROR(CheckAddress(to));
  MILK_ASSIGN_OR_RETURN(Amount amount, ParsePositiveAmount(args[1]));
  if (to == from)
    return BadRequest("cannot transfer to yourself: to is the caller's address " + from);
  MILK_RETURN_IF_ERROR(RefusePlatform(config, from, "the platform account cannot transfer"));
  MILK_RETURN_IF_ERROR(RefusePlatform(config, to, "transfers to the platform account are refused"));
  const int64_t now_ms = stub.GetTxTimestamp();
  MILK_ASSIGN_OR_RETURN(Lots from_lots, LoadLots(stub, from));
  MILK_RETURN_IF_ERROR(RequireSpendable(from_lots, amount, now_ms, from));
  MILK_ASSIGN_OR_RETURN(Lots to_lots, LoadLots(stub, to));
  Lots pieces = TakeEarliest(from_lots, amount, now_ms);
  MILK_RETURN_IF_ERROR(AddLots(to_lots, pieces, to));  // units keep their expiry
  MILK_RETURN_IF_ERROR(SaveLots(stub, from, from_lots));
  MILK_RETURN_IF_ERROR(SaveLots(stub, to, to_lots));
  std::string payload = Json{{"from", from}, {"to", to}, {"amount", FormatAmount(amount)}}.dump();
  MILK_RETURN_IF_ERROR(stub.SetEvent("transfer", payload));
  return Success(payload);
}

Result<milkpb::Response> InitBrand(Stub& stub) {
  const std::vector<std::string>& args = stub.GetArgs();
  if (args.size() != 1) return BadRequest("usage: init <json> (see docs/chaincode_brandtoken.md)");
  MILK_ASSIGN_OR_RETURN(Config config, ParseConfig(args[0]));
  MILK_ASSIGN_OR_RETURN(std::string key, CreateCompositeKey("config", {}));
  MILK_RETURN_IF_ERROR(stub.PutState(key, ConfigToJson(config).dump()));
  for (const char* name : {"issued", "redeemed", "expired"}) {
    MILK_ASSIGN_OR_RETURN(std::string total_key, CreateCompositeKey("total", {name}));
    MILK_RETURN_IF_ERROR(stub.PutState(total_key, "0"));
  }
  return Success();
}

}  // namespace

milkpb::Response BrandTokenChaincode::Init(Stub& stub) {
  return ResponseFromResult(InitBrand(stub));
}

milkpb::Response BrandTokenChaincode::Invoke(Stub& stub) {
  const std::string& function = stub.GetFunction();
  const std::vector<std::string>& args = stub.GetArgs();
  if (stub.GetTxTimestamp() < 0 || stub.GetTxTimestamp() >= kTxTimestampMsMax) {
    return BadRequest("transaction timestamp " + std::to_string(stub.GetTxTimestamp()) +
                      " is outside [0, " + std::to_string(kTxTimestampMsMax) + ") ms");
  }
  if (function == "issue") return ResponseFromResult(Issue(stub, args));
  if (function == "redeem") return ResponseFromResult(Redeem(stub, args));
  if (function == "transfer") return ResponseFromResult(Transfer(stub, args));
  if (function == "escrow_lock") return ResponseFromResult(EscrowLock(stub, args));
  if (function == "escrow_release") return ResponseFromResult(EscrowRelease(stub, args));
  if (function == "escrow_refund") return ResponseFromResult(EscrowRefund(stub, args));
  if (function == "credit_purchase") return ResponseFromResult(CreditPurchase(stub, args));
  if (function == "escrow") return ResponseFromResult(EscrowQuery(stub, args));
  if (function == "balance") return ResponseFromResult(brandtoken::Balance(stub, args));
  if (function == "sweep") return ResponseFromResult(brandtoken::Sweep(stub, args));
  if (function == "totals") return ResponseFromResult(brandtoken::Totals(stub, args));
  return BadRequest("unknown function " + Quote(function) +
                    " (brandtoken has issue, redeem, transfer, escrow_lock, escrow_release,"
                    " escrow_refund, credit_purchase, balance, escrow, sweep, totals)");
}

}  // namespace milk::chaincode
