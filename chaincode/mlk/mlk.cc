#include "chaincode/mlk/mlk.h"

#include <map>
#include <set>

#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode {

milkpb::Response MlkChaincode::Init(Stub& stub) { return ResponseFromResult(mlk::InitMlk(stub)); }

milkpb::Response MlkChaincode::Invoke(Stub& stub) {
  using Handler = Result<milkpb::Response> (*)(Stub&, const mlk::Args&);
  // std::map: ordered, so the list in the unknown-function message is deterministic.
  static const std::map<std::string, Handler> kHandlers = {
      {"grant", mlk::Grant},
      {"contribution", mlk::Contribution},
      {"reward", mlk::Reward},
      {"transfer", mlk::Transfer},
      {"burn", mlk::Burn},
      {"release", mlk::Release},
      {"deposit", mlk::Deposit},
      {"withdraw", mlk::Withdraw},
      {"exchange_collect", mlk::ExchangeCollect},
      {"exchange_pay", mlk::ExchangePay},
      {"pack_lock", mlk::PackLock},
      {"pack_release", mlk::PackRelease},
      {"alliance_lock", mlk::AllianceLock},
      {"alliance_release", mlk::AllianceRelease},
      {"balance", mlk::BalanceQuery},
      {"pool", mlk::PoolQuery},
      {"supply", mlk::SupplyQuery},
      {"params", mlk::ParamsQuery},
      {"burned", mlk::BurnedQuery},
  };
  auto handler = kHandlers.find(stub.GetFunction());
  if (handler == kHandlers.end()) {
    std::string names;
    for (const auto& [name, unused] : kHandlers) names += (names.empty() ? "" : ", ") + name;
    return BadRequest("unknown function " + Quote(stub.GetFunction()) + " (mlk has " + names + ")");
  }
  return ResponseFromResult(handler->second(stub, stub.GetArgs()));
}

bool MlkChaincode::IsSequenced(const std::string& function) const {
  // The exchange's moves touch the liquidity account; the others a pool, the burned total or
  // the gateway account (and burn lzm's events pool): keys every such call shares.
  static const std::set<std::string> kSequenced = {"exchange_collect", "exchange_pay", "burn",
                                                   "grant", "contribution", "reward",
                                                   "deposit", "withdraw"};
  return kSequenced.count(function) != 0;
}

}  // namespace milk::chaincode
