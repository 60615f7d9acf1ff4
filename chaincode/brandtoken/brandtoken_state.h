// Private to chaincode/brandtoken: configuration, lots, totals and the request checks shared by
// the functions. Pure functions of their arguments and the stub; no hidden state.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::brandtoken {

using Json = nlohmann::ordered_json;

struct Config {
  std::string symbol;
  Amount redemption_krw = 0;
  int64_t default_expiry_ms = 0;
  int64_t renewal_ms = 0;
  bool transferable = false;
  std::string partner_org;
  std::string platform_address;
  std::string swap_chaincode = kSwapChaincodeDefault;  // the only caller of the escrow functions
};

struct Lot {
  int64_t expiry_ms = 0;
  Amount amount = 0;
};
// Sorted by strictly increasing expiry_ms, every amount > 0.
using Lots = std::vector<Lot>;

// Init's JSON, strictly: every key but swap_chaincode required, no unknown key, types and bounds
// checked (kInvalidArgument naming the key).
Result<Config> ParseConfig(const std::string& text);
Json ConfigToJson(const Config& config);
Result<Config> LoadConfig(Stub& stub);  // kDataLoss when absent or corrupt

// The stored lots of address (empty when none); kDataLoss when corrupt or unsorted.
Result<Lots> ParseLots(const std::string& text);
Json LotsToJson(const Lots& lots);
Result<Lots> LoadLots(Stub& stub, const std::string& address);
// Deletes the key when lots is empty. REQUIRES: lots sorted, positive, within the bound.
Status SaveLots(Stub& stub, const std::string& address, const Lots& lots);

// Units with expiry_ms > now_ms / <= now_ms. Sums are bounded by the issued total, which fits.
Amount Spendable(const Lots& lots, int64_t now_ms);
Amount ExpiredAmount(const Lots& lots, int64_t now_ms);
// kFailedPrecondition (412) unless lots hold at least amount unexpired units; who names the
// holder in the message, which gives the spendable and expired amounts.
Status RequireSpendable(const Lots& lots, Amount amount, int64_t now_ms, const std::string& who);
// Removes amount from the unexpired lots, earliest expiry first, and returns the pieces taken
// (with their expiry, sorted). REQUIRES: Spendable(lots, now_ms) >= amount.
Lots TakeEarliest(Lots& lots, Amount amount, int64_t now_ms);
// Removes the expired lots and returns their sum.
Amount DropExpired(Lots& lots, int64_t now_ms);
// Adds each piece, merging equal expiries. kFailedPrecondition (nothing changed) when the result
// would hold more than kBrandLotsPerAddressMax lots; kDataLoss on an overflow (corrupt state).
Status AddLots(Lots& lots, const Lots& pieces, const std::string& address);
// Adds each piece like AddLots but never fails for the bound: a credit the center chain already
// decided (a refund, a delivery) must land. Past the bound, the expired lots are dropped (their
// sum is returned, for the "expired" total), then the earliest lots merge at the earlier expiry
// (shortening, never lengthening, a unit's life). kDataLoss on an overflow (corrupt state).
Result<Amount> AddLotsFolding(Lots& lots, const Lots& pieces, int64_t now_ms,
                              const std::string& address);
Amount SumLots(const Lots& lots);  // bounded by the issued total

// Escrow of a swap: ("escrow", swap_id) -> {"owner","lots":[...]}, the owner's units with their
// expiries, absent when none.
struct Escrow {
  std::string owner;
  Lots lots;  // sorted, positive, non-empty, at most kBrandLotsPerAddressMax
};
Result<Escrow> ParseEscrow(const std::string& text);  // kDataLoss when malformed
Result<std::optional<Escrow>> LoadEscrow(Stub& stub, const std::string& swap_id);
Status SaveEscrow(Stub& stub, const std::string& swap_id, const Escrow& escrow);
// The swap id argument: 64 lower-case hex characters (kInvalidArgument otherwise).
Status CheckSwapId(const std::string& swap_id);

// Totals: "issued", "redeemed", "expired"; 0 when absent.
Result<Amount> LoadTotal(Stub& stub, const std::string& name);
Status AddToTotal(Stub& stub, const std::string& name, Amount amount);

// Request checks (kInvalidArgument with a message a person can act on).
Status CheckAddress(const std::string& address);
Result<Amount> ParsePositiveAmount(const std::string& text);
Status CheckReference(const std::string& what, const std::string& reference);
Result<int64_t> ParseMs(const std::string& what, const std::string& text);
// now + period rounded down to a whole UTC day: rounding shortens, never extends, a lot's life.
// Always > now_ms since period >= kPeriodMsMin.
int64_t ExpiryAfter(int64_t now_ms, int64_t period_ms);

// Idempotency records under (type, reference): {"request": ..., "result": payload}.
// nullopt when the reference is new; the stored result when the request is the same;
// kAlreadyExists (409) when the reference was used for a different request.
Result<std::optional<std::string>> FindIdempotent(Stub& stub, const std::string& type,
                                                  const std::string& reference,
                                                  const Json& request);
Status SaveIdempotent(Stub& stub, const std::string& type, const std::string& reference,
                      const Json& request, const std::string& result);

// 400 bad input, 403 role, 404 unknown, 409 conflict, 412 precondition, 500 otherwise.
milkpb::Response FromStatus(const Status& status);

}  // namespace milk::chaincode::brandtoken
