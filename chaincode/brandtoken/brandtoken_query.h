// Private to chaincode/brandtoken: balance, sweep and totals (brandtoken.h has their spec).
#pragma once

#include <string>
#include <vector>

#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::brandtoken {

Result<milkpb::Response> Balance(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> Sweep(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> Totals(Stub& stub, const std::vector<std::string>& args);

}  // namespace milk::chaincode::brandtoken
