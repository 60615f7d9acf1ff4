// Private to chaincode/alliance: state access, roles and the activation rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::alliance {

using Json = nlohmann::ordered_json;

// The JSON stored under composite key (type, attrs); null when absent. Stored JSON that does not
// parse is kDataLoss (corrupt state, never the caller's fault).
Result<Json> Load(Stub& stub, const std::string& type, const std::vector<std::string>& attrs);
Status Save(Stub& stub, const std::string& type, const std::vector<std::string>& attrs,
            const Json& value);

// kPermissionDenied unless the creator is an admin of the operator org.
Status RequireOperatorAdmin(Stub& stub);
// The creator's org when it is an admin of an active partner; kPermissionDenied otherwise.
Result<std::string> RequireActivePartnerAdmin(Stub& stub);

// 1..64 of [A-Za-z0-9._-] (org, sector and brand names, references).
Status CheckName(const std::string& what, const std::string& value);
Result<int64_t> ParseInt(const std::string& text, int64_t min, int64_t max, const std::string& what);

Result<std::vector<std::string>> PendingSectors(Stub& stub);
Result<size_t> CountPartners(Stub& stub);
Result<Json> AllPartners(Stub& stub);  // array, by org name
Result<Json> Params(Stub& stub);

// Makes the proposal of org an active partner when every active partner approved it, the
// agreement is accepted and, in phase 2, the stake reaches stake_min. Answers the proposal's
// state: {"org", "active", "missing": [what is still needed]}.
Result<milkpb::Response> ActivateIfReady(Stub& stub, const std::string& org);
// Applies the proposed fee once every active partner approved it.
Result<milkpb::Response> ApplyFeeIfApproved(Stub& stub);
Result<milkpb::Response> RegisterBrandChain(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> InitParams(Stub& stub);

// alliance_stake.cc. stake <org> <amount> <ref>: an admin of the proposed org bonds MLK from its
// own address through mlk alliance_lock; idempotent on ref; activates the proposal when ready.
Result<milkpb::Response> Stake(Stub& stub, const std::vector<std::string>& args);
// Gives every stake recorded on the proposal back to its address (mlk alliance_release);
// answers {address: amount} released. Fails, changing nothing, when mlk refuses one.
Result<Json> ReleaseStakes(Stub& stub, const Json& proposal);

// Status codes to responses: 400 bad input, 403 role, 404 unknown, 409 conflict, 412
// precondition, 500 otherwise.
milkpb::Response FromStatus(const Status& status);

}  // namespace milk::chaincode::alliance
