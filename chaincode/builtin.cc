#include "chaincode/builtin.h"

#include <memory>

#include "chaincode/alliance/alliance.h"
#include "chaincode/brandtoken/brandtoken.h"
#include "chaincode/exchange/exchange.h"
#include "chaincode/lzm/lzm.h"
#include "chaincode/mlk/mlk.h"
#include "chaincode/pack/pack.h"
#include "chaincode/swap/swap.h"
#include "chaincode/token/token.h"

namespace milk::chaincode {

void RegisterBuiltinChaincodes(Registry& registry) {
  registry.Register(kTokenChaincodeName, std::make_shared<TokenChaincode>());
  registry.Register(kAllianceChaincodeName, std::make_shared<AllianceChaincode>());
  registry.Register(kBrandTokenChaincodeName, std::make_shared<BrandTokenChaincode>());
  registry.Register(kMlkChaincodeName, std::make_shared<MlkChaincode>());
  registry.Register(kLzmChaincodeName, std::make_shared<LzmChaincode>());
  registry.Register(kPackChaincodeName, std::make_shared<PackChaincode>());
  registry.Register(kExchangeChaincodeName, std::make_shared<ExchangeChaincode>());
  registry.Register(kSwapChaincodeName, std::make_shared<SwapChaincode>());
}

}  // namespace milk::chaincode
