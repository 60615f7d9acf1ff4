#include "chaincode/builtin.h"

#include <memory>

#include "chaincode/alliance/alliance.h"
#include "chaincode/token/token.h"

namespace milk::chaincode {

void RegisterBuiltinChaincodes(Registry& registry) {
  registry.Register(kTokenChaincodeName, std::make_shared<TokenChaincode>());
  registry.Register(kAllianceChaincodeName, std::make_shared<AllianceChaincode>());
}

}  // namespace milk::chaincode
