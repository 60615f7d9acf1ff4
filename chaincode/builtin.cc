#include "chaincode/builtin.h"

#include <memory>

#include "chaincode/token/token.h"

namespace milk::chaincode {

void RegisterBuiltinChaincodes(Registry& registry) {
  registry.Register(kTokenChaincodeName, std::make_shared<TokenChaincode>());
}

}  // namespace milk::chaincode
