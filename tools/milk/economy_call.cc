// Amount parsing and formatting, and one chaincode call per command, for the economy verbs.
#include "tools/milk/economy_call.h"

#include <ostream>

#include "crypto/identity.h"
#include "node/ledger/formats.h"
#include "tools/client/invoke.h"
#include "tools/client/transaction.h"

namespace milk::cli {
namespace {

constexpr int32_t kStatusOk = 200;
// 10^38 still fits 128 bits (2^128 is about 3.4e38); more decimals could not be represented.
constexpr int kDecimalsMax = 38;

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// value * 10 + digit, false on overflow.
bool AppendDigit(Amount* value, char digit) {
  const Amount d = static_cast<Amount>(digit - '0');
  if (*value > (chaincode::kAmountMax - d) / 10) return false;
  *value = *value * 10 + d;
  return true;
}

}  // namespace

Result<Amount> ParseDecimal(std::string_view text, int decimals, std::string_view what) {
  MILK_CHECK(decimals >= 0 && decimals <= kDecimalsMax);
  const std::string name(what);
  const std::string quoted = "\"" + std::string(text) + "\"";
  const size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  if (!IsDigits(whole) || (point != std::string_view::npos && !IsDigits(fraction))) {
    return InvalidArgument(name + " must be a decimal number like 12 or 12.5, got " + quoted);
  }
  if (whole.size() > 1 && whole[0] == '0') {
    return InvalidArgument(name + " must not have leading zeros, got " + quoted);
  }
  if (fraction.size() > static_cast<size_t>(decimals)) {
    return InvalidArgument(name + " has more than " + std::to_string(decimals) + " decimals, got " +
                           quoted);
  }
  Amount value = 0;
  bool fits = true;
  for (char c : whole) fits = fits && AppendDigit(&value, c);
  for (char c : fraction) fits = fits && AppendDigit(&value, c);
  for (size_t i = fraction.size(); i < static_cast<size_t>(decimals); ++i) {
    fits = fits && AppendDigit(&value, '0');
  }
  if (!fits) return InvalidArgument(name + " is too large, got " + quoted);
  return value;
}

std::string FormatDecimal(Amount units, int decimals) {
  MILK_CHECK(decimals >= 0 && decimals <= kDecimalsMax);
  std::string digits = chaincode::FormatAmount(units);
  const size_t width = static_cast<size_t>(decimals);
  if (digits.size() <= width) digits.insert(0, width + 1 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - width);
  std::string fraction = digits.substr(digits.size() - width);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? whole : whole + "." + fraction;
}

Result<Amount> ParseTokenArg(std::string_view text, bool raw_units, std::string_view what) {
  if (raw_units) return ParseUnitsArg(text, what);
  MILK_ASSIGN_OR_RETURN(Amount value, ParseDecimal(text, kTokenDecimals, what));
  if (value == 0) return InvalidArgument(std::string(what) + " must be more than 0");
  return value;
}

Result<Amount> ParseUnitsArg(std::string_view text, std::string_view what) {
  Result<Amount> value = chaincode::ParseAmount(text);
  if (!value.ok()) {
    return InvalidArgument(std::string(what) + " must be a whole number of units, got \"" +
                           std::string(text) + "\" (" + value.status().message() + ")");
  }
  if (*value == 0) return InvalidArgument(std::string(what) + " must be more than 0");
  return value;
}

std::string ShowToken(std::string_view units_text, bool raw_units) {
  Result<Amount> units = chaincode::ParseAmount(units_text);
  if (raw_units || !units.ok()) return std::string(units_text);
  return FormatDecimal(*units, kTokenDecimals);
}

std::string ShowKrw(std::string_view micro_krw_text) {
  Result<Amount> micro = chaincode::ParseAmount(micro_krw_text);
  if (!micro.ok()) return std::string(micro_krw_text);
  return FormatDecimal(*micro, kKrwDecimals);
}

Status CheckAddressArg(std::string_view address, std::string_view what) {
  if (crypto::IsValidWalletAddress(address)) return Status::Ok();
  return InvalidArgument(std::string(what) + " \"" + std::string(address) +
                         "\" is not a wallet address (mlk1 followed by 48 lower-case hex digits; "
                         "see `milk wallet address`)");
}

void AddTargetOptions(CLI::App* command, CallTarget* target, const std::string& default_name) {
  target->chaincode = default_name;
  command->add_option("-C,--chain", target->chain_id, "chain id")->required()->type_name("CHAIN");
  command->add_option("-n,--name", target->chaincode, "chaincode name")
      ->capture_default_str()
      ->type_name("CHAINCODE");
}

CallResult InvokeOrFail(const CliContext& ctx, const CallTarget& target,
                        const std::string& function, const std::vector<std::string>& args) {
  const client::Signer signer = ctx.Identity();
  const std::vector<client::GatewayClient> clients = ctx.Clients();
  std::vector<const client::GatewayClient*> endorsers;
  for (const client::GatewayClient& c : clients) endorsers.push_back(&c);
  const client::InvokeResult invoked =
      ctx.Take(client::Invoke(signer, endorsers, clients.front(), target.chain_id, target.chaincode,
                              function, args, ctx.clock.NowMs()));
  const std::string where = target.chaincode + "." + function;
  if (invoked.code != milkpb::VALID) {
    std::string why;
    if (invoked.sequenced_response.has_value()) why = ": " + invoked.sequenced_response->message();
    ctx.Fail(Aborted(where + " transaction " + invoked.tx_id + " committed in block " +
                     std::to_string(invoked.block_number) + " as " +
                     ledger::ValidationCodeName(invoked.code) + why));
  }
  CallResult result{invoked.tx_id, invoked.block_number, false, ""};
  if (invoked.sequenced_response.has_value()) {
    const milkpb::Response& response = *invoked.sequenced_response;
    if (response.status() != kStatusOk) {  // a committed refusal changes nothing
      ctx.Fail(FailedPrecondition(where + " refused: " + response.message() + " (status " +
                                  std::to_string(response.status()) + ", tx " + invoked.tx_id +
                                  ")"));
    }
    result.sequenced = true;
    result.payload = response.payload();
  }
  return result;
}

Result<std::string> Query(const CliContext& ctx, const CallTarget& target,
                          const std::string& function, const std::vector<std::string>& args) {
  const client::Signer signer = ctx.Identity();
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  const client::BuiltProposal proposal = ctx.Take(client::BuildProposal(
      signer, target.chain_id, target.chaincode, function, args, ctx.clock.NowMs()));
  const milkpb::Response response = ctx.Take(peer.Evaluate(proposal.signed_proposal));
  if (response.status() != kStatusOk) {
    return FailedPrecondition(target.chaincode + "." + function +
                              " refused: " + response.message() + " (status " +
                              std::to_string(response.status()) + ")");
  }
  return response.payload();
}

std::string QueryOrFail(const CliContext& ctx, const CallTarget& target,
                        const std::string& function, const std::vector<std::string>& args) {
  return ctx.Take(Query(ctx, target, function, args));
}

Json ParseJsonOrFail(const CliContext& ctx, const std::string& payload, const std::string& what) {
  Json parsed = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    ctx.Fail(DataLoss(what + " answered something that is not JSON: " +
                      RenderPayload(payload.substr(0, 200)).text));
  }
  return parsed;
}

std::string OwnAddress(const CliContext& ctx) {
  return crypto::WalletAddress(ctx.Identity().key.public_key);
}

std::string AddressOrOwn(const CliContext& ctx, const std::string& address) {
  if (address.empty()) return OwnAddress(ctx);
  ctx.Check(CheckAddressArg(address, "address"));
  return address;
}

void PrintTransaction(const CliContext& ctx, const CallResult& result, const std::string& summary) {
  if (ctx.options.json) {
    Json answer = nullptr;
    if (result.sequenced) {
      answer = Json::parse(result.payload, nullptr, false);
      if (answer.is_discarded()) answer = result.payload;
    }
    PrintJson(ctx.out,
              {{"tx_id", result.tx_id}, {"block", result.block_number}, {"result", answer}});
    return;
  }
  ctx.out << "tx_id: " << result.tx_id << "\n"
          << "block: " << result.block_number << "\n";
  if (!summary.empty()) ctx.out << summary << "\n";
}

}  // namespace milk::cli
