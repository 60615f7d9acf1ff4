#include "chaincode/mlk/mlk.h"

#include <map>

#include "chaincode/mlk/mlk_functions.h"
#include "chaincode/shim/text.h"

namespace milk::chaincode {

milkpb::Response MlkChaincode::Init(Stub& stub) { return mlk::Flatten(mlk::InitMlk(stub)); }

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
  return mlk::Flatten(handler->second(stub, stub.GetArgs()));
}

}  // namespace milk::chaincode
