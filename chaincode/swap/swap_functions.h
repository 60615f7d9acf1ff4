// Private to chaincode/swap: the functions, one per file concern (swap.h has their spec).
#pragma once

#include <string>
#include <vector>

#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::swap {

// swap_lock.cc: sell and stock.
Result<milkpb::Response> Sell(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> Stock(Stub& stub, const std::vector<std::string>& args);
// swap_finish.cc: finish and deliver, on proof.
Result<milkpb::Response> Finish(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> Deliver(Stub& stub, const std::vector<std::string>& args);
// swap.cc: queries.
Result<milkpb::Response> SwapQuery(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> OpenQuery(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> DeliveryQuery(Stub& stub, const std::vector<std::string>& args);

}  // namespace milk::chaincode::swap
