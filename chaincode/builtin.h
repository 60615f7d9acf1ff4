// The chaincodes compiled into milkd.
#pragma once

#include "chaincode/shim/chaincode.h"

namespace milk::chaincode {

// Registers every built-in chaincode ("token", ...).
void RegisterBuiltinChaincodes(Registry& registry);

}  // namespace milk::chaincode
