// The demo fungible token, registered as "token" (docs/chaincode.md has the full spec).
//
//   Init [symbol]                 symbol defaults to "MLKT"; the supply starts at 0
//   issue <to_address> <amount>   org member with role client or admin only; mints to an address
//   transfer <to_address> <amount>  from the creator's own address, WalletAddress(public key)
//   balance <address>             payload: the balance in decimal ("0" if none)
//   supply                        payload: the total supply in decimal
//
// State (namespace "token"): composite keys ("balance", address) -> decimal amount,
// ("supply") -> decimal amount, ("symbol") -> symbol. Amounts follow chaincode/shim/amount.h.
// Events: "issue" {"to","amount"} and "transfer" {"from","to","amount"}, JSON in that key order.
#pragma once

#include <cstddef>

#include "chaincode/shim/chaincode.h"

namespace milk::chaincode {

inline constexpr char kTokenChaincodeName[] = "token";
inline constexpr char kTokenDefaultSymbol[] = "MLKT";
inline constexpr size_t kTokenSymbolBytesMax = 16;  // a ticker, not a name

// Stateless: safe for concurrent simulations.
class TokenChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
};

}  // namespace milk::chaincode
