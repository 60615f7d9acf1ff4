// What the economy verbs share (docs/cli.md, "The MiL.k economy"): exact decimal amounts, the
// -C/-n options, and one chaincode call per command over client::Invoke / Evaluate.
//
// Amounts. MLK and LZM have 18 decimals (chaincode/mlk/mlk.h, chaincode/lzm/lzm.h); a person
// types and reads whole tokens ("12.5"), the chaincodes take and answer smallest units ("12500
// 000000000000000"). KRW prices are micro-KRW on the chain (chaincode/exchange/pricing.h) and KRW
// with up to 6 decimals for a person. Conversion is exact in both directions: a number with more
// decimals than the token has, a sign, an exponent, spaces or a value above 2^128 - 1 units is
// refused before any RPC, never rounded.
//
// Thread-safety: the parse and format functions are pure; the call helpers use the CliContext
// and run one command at a time like it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chaincode/shim/amount.h"
#include "crypto/status.h"
#include "tools/milk/commands.h"
#include "tools/milk/output.h"

namespace milk::cli {

using chaincode::Amount;

inline constexpr int kTokenDecimals = 18;  // MLK and LZM: 1 token = 10^18 units
inline constexpr int kKrwDecimals = 6;     // 1 KRW = 10^6 micro-KRW

// "12.5" with decimals 18 -> 12500000000000000000. Accepts digits with at most one '.', at least
// one digit before it, and 1..decimals digits after it; leading zeros only as a lone "0" before
// the point. kInvalidArgument naming `what` and the rule broken otherwise (and on overflow).
// REQUIRES: 0 <= decimals <= 38.
Result<Amount> ParseDecimal(std::string_view text, int decimals, std::string_view what);
// The shortest exact text: no trailing zeros after the point, no point for whole numbers.
// FormatDecimal(ParseDecimal(t, d)) == t for every text t without trailing fraction zeros.
std::string FormatDecimal(Amount units, int decimals);

// An MLK/LZM amount argument: whole tokens, or with raw_units the smallest-unit text form
// (chaincode amount.h rules). Zero is refused: no economy verb moves nothing.
Result<Amount> ParseTokenArg(std::string_view text, bool raw_units, std::string_view what);
// A whole-unit amount argument (BT points, BT amounts in the market): amount.h text, not zero.
Result<Amount> ParseUnitsArg(std::string_view text, std::string_view what);
// A chaincode's amount text shown as tokens ("12.5"), or as given with raw_units. Text that is
// not an amount is shown unchanged (the chaincode's JSON is printed, not judged, here).
std::string ShowToken(std::string_view units_text, bool raw_units);
// Micro-KRW text as KRW ("1234.5"); unchanged when not an amount.
std::string ShowKrw(std::string_view micro_krw_text);

// kInvalidArgument unless address is a wallet address ("mlk1" + 48 lower-case hex, checksum ok).
Status CheckAddressArg(std::string_view address, std::string_view what);

// Which chain and chaincode a command calls: -C/--chain (required) and -n/--name.
struct CallTarget {
  std::string chain_id;
  std::string chaincode;
};
void AddTargetOptions(CLI::App* command, CallTarget* target, const std::string& default_name);

// A committed transaction and what it answered.
struct CallResult {
  std::string tx_id;
  uint64_t block_number = 0;
  bool sequenced = false;  // payload is the sequenced execution's answer at commit
  std::string payload;  // "" for calls that are not sequenced (the endorser's preview is not kept)
};

// Endorses on every --peer, submits to the first and waits for the commit. A call the chaincode
// refuses, or a transaction that commits other than VALID, fails the command with the
// chaincode's message (exit 1).
CallResult InvokeOrFail(const CliContext& ctx, const CallTarget& target,
                        const std::string& function, const std::vector<std::string>& args);
// Evaluates on the first --peer. A non-200 answer is kFailedPrecondition with the chaincode's
// message; transport errors fail the command.
Result<std::string> Query(const CliContext& ctx, const CallTarget& target,
                          const std::string& function, const std::vector<std::string>& args);
// Query, and a non-200 answer fails the command with the chaincode's message.
std::string QueryOrFail(const CliContext& ctx, const CallTarget& target,
                        const std::string& function, const std::vector<std::string>& args);
// The payload as JSON; a payload that is not JSON fails the command naming `what`.
Json ParseJsonOrFail(const CliContext& ctx, const std::string& payload, const std::string& what);

// The --identity's own address (WalletAddress of its public key: wallets and org members alike).
std::string OwnAddress(const CliContext& ctx);
// address if given, else OwnAddress; fails the command when a given address is malformed.
std::string AddressOrOwn(const CliContext& ctx, const std::string& address);

// A transaction's output: with --json {"tx_id","block","result"} (result: the parsed answer, or
// the text, or null when none was kept); else "tx_id: ..." and "block: ..." lines, then summary.
void PrintTransaction(const CliContext& ctx, const CallResult& result, const std::string& summary);

}  // namespace milk::cli
