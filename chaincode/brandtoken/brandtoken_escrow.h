// Private to chaincode/brandtoken: the functions only the swap chaincode calls (escrow_lock,
// escrow_release, escrow_refund, credit_purchase) and the escrow query. brandtoken.h has their
// spec, docs/swaps.md the protocol they serve.
#pragma once

#include <string>
#include <vector>

#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::brandtoken {

Result<milkpb::Response> EscrowLock(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> EscrowRelease(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> EscrowRefund(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> CreditPurchase(Stub& stub, const std::vector<std::string>& args);
Result<milkpb::Response> EscrowQuery(Stub& stub, const std::vector<std::string>& args);

}  // namespace milk::chaincode::brandtoken
