// Private to chaincode/mlk: one handler per function of mlk.h. Each answers a Response or an
// error Status (mapped by FromStatus); a refused call writes nothing (the simulator drops it).
#pragma once

#include <string>
#include <vector>

#include "chaincode/mlk/mlk_state.h"

namespace milk::chaincode::mlk {

using Args = std::vector<std::string>;

Result<milkpb::Response> InitMlk(Stub& stub);

// TICA admin, idempotent on ref (mlk_pools.cc).
Result<milkpb::Response> Grant(Stub& stub, const Args& args);
Result<milkpb::Response> Contribution(Stub& stub, const Args& args);
Result<milkpb::Response> Reward(Stub& stub, const Args& args);

// Holders and the gateway (mlk_moves.cc).
Result<milkpb::Response> Transfer(Stub& stub, const Args& args);
Result<milkpb::Response> Burn(Stub& stub, const Args& args);
Result<milkpb::Response> Release(Stub& stub, const Args& args);
Result<milkpb::Response> Deposit(Stub& stub, const Args& args);
Result<milkpb::Response> Withdraw(Stub& stub, const Args& args);

// Called by another chaincode only (mlk_calls.cc): GetCallingChaincode must be exactly these
// names, fixed because the exchange, pack and the alliance are registered under them on the
// center chain.
inline constexpr char kExchangeCallerName[] = "exchange";
inline constexpr char kPackCallerName[] = "pack";
inline constexpr char kAllianceCallerName[] = "alliance";
Result<milkpb::Response> ExchangeCollect(Stub& stub, const Args& args);
Result<milkpb::Response> ExchangePay(Stub& stub, const Args& args);
Result<milkpb::Response> PackLock(Stub& stub, const Args& args);
Result<milkpb::Response> PackRelease(Stub& stub, const Args& args);
Result<milkpb::Response> AllianceLock(Stub& stub, const Args& args);
Result<milkpb::Response> AllianceRelease(Stub& stub, const Args& args);

// Queries (mlk_queries.cc).
Result<milkpb::Response> BalanceQuery(Stub& stub, const Args& args);
Result<milkpb::Response> PoolQuery(Stub& stub, const Args& args);
Result<milkpb::Response> SupplyQuery(Stub& stub, const Args& args);
Result<milkpb::Response> ParamsQuery(Stub& stub, const Args& args);
Result<milkpb::Response> BurnedQuery(Stub& stub, const Args& args);

// The user pool's released share at the tx time: initial * elapsed / kUserReleaseMs since
// listing, floor, capped at initial (0 before listing).
Amount UserReleased(Amount initial, int64_t listing_ms, int64_t now_ms);

}  // namespace milk::chaincode::mlk
