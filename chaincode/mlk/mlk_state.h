// Private to chaincode/mlk: state access, roles, idempotency and the balance moves the functions
// share. Every function here either fails before writing anything or completes its writes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::mlk {

using Json = nlohmann::ordered_json;

// The six pools of MISSION.md in a fixed order, with their shares of the total in basis points
// (partner allocation 37% split 52/48: 1924 locked, 1776 contribution).
struct PoolShare {
  const char* name;
  int64_t share_bps;
};
inline constexpr PoolShare kPools[] = {
    {"liquidity", 2800},      {"user_distribution", 1100},
    {"partner_locked", 1924}, {"partner_contribution", 1776},
    {"operation", 1400},      {"construction", 1000},
};

// Amount under composite key (type, attrs); 0 when absent; kDataLoss when it does not parse.
Result<Amount> LoadAmount(Stub& stub, const std::string& type,
                          const std::vector<std::string>& attrs);
// Writes the amount (a zero balance or custody is deleted, so state holds only holders).
Status SaveAmount(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
                  Amount amount);
Result<Json> LoadJson(Stub& stub, const std::string& type, const std::vector<std::string>& attrs);
Status SaveJson(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
                const Json& value);
Result<Json> Params(Stub& stub);
// The pool's initial size from the params; kNotFound for an unknown pool name.
Result<Amount> PoolInitial(const Json& params, const std::string& pool);

// kPermissionDenied unless the creator is an admin of operator_org.
Status RequireOperatorAdmin(Stub& stub, const Json& params);
// The creator's address: WalletAddress of its public key (wallets and members alike).
std::string CallerAddress(Stub& stub);

Status CheckAddress(const std::string& address);
// 1..64 of [A-Za-z0-9._:-]: references, reasons and org names.
Status CheckName(const std::string& what, const std::string& value);
Result<Amount> ParsePositiveAmount(const std::string& text);
Result<int64_t> ParseMs(const std::string& text, const std::string& what);

// Idempotency on ref. Returns the stored first result (payload) when ref was used for the same
// request, kAlreadyExists (409) when it was used for a different one, nullopt when unused.
Result<std::optional<std::string>> FindRequest(Stub& stub, const std::string& ref,
                                               const Json& request);
Status RecordRequest(Stub& stub, const std::string& ref, const Json& request,
                     const std::string& result);

// Moves matured lots of address (unlock_ms <= now) into its unlocked balance. Returns the amount
// released.
Result<Amount> ReleaseMatured(Stub& stub, const std::string& address);
// Debits from's unlocked balance (kFailedPrecondition when short, naming what is locked) and
// credits to. REQUIRES from != to.
Status Move(Stub& stub, const std::string& from, const std::string& to, Amount amount);
// Debits a pool (kFailedPrecondition beyond its remainder).
Status DebitPool(Stub& stub, const std::string& pool, Amount amount);
Status Credit(Stub& stub, const std::string& address, Amount amount);

// Statuses to responses: 400 bad input, 403 role, 404 unknown, 409 conflict, 412 precondition,
// 500 otherwise (corrupt state, store failure).
milkpb::Response FromStatus(const Status& status);

}  // namespace milk::chaincode::mlk
