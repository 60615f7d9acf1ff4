// Helpers shared by the chaincode tests: identities, contexts, chaincodes made of lambdas.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/shim/amount.h"
#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/simulator.h"
#include "crypto/identity.h"

namespace Catch {
template <>
struct StringMaker<milk::chaincode::Amount> {
  static std::string convert(milk::chaincode::Amount value) {
    return milk::chaincode::FormatAmount(value);
  }
};
}  // namespace Catch

namespace milk::chaincode::testing {

// A 32-byte public key made from one byte: distinct bytes give distinct identities.
inline std::string TestPublicKey(char seed) { return std::string(32, seed); }

inline crypto::IdentityInfo Member(const std::string& org, milkpb::Role role, char seed = 'm') {
  crypto::IdentityInfo id;
  id.org = org;
  id.name = org + "-member";
  id.role = role;
  id.public_key = TestPublicKey(seed);
  return id;
}

inline crypto::IdentityInfo Wallet(char seed) {
  crypto::IdentityInfo id;
  id.is_wallet = true;
  id.role = milkpb::WALLET;
  id.public_key = TestPublicKey(seed);
  id.name = crypto::WalletAddress(id.public_key);
  return id;
}

inline TxContext Context(const std::string& chaincode, const std::string& function,
                         std::vector<std::string> args = {},
                         crypto::IdentityInfo creator = Member("TICA", milkpb::CLIENT)) {
  TxContext context;
  context.chain_id = "brand.a";
  context.tx_id = "tx-" + chaincode + "-" + function;
  context.creator = std::move(creator);
  context.timestamp_ms = 1700000000000;
  context.chaincode = chaincode;
  context.function = function;
  context.args = std::move(args);
  return context;
}

// A chaincode whose Invoke (and Init) run the given functions.
class LambdaChaincode final : public Chaincode {
 public:
  using Body = std::function<milkpb::Response(Stub&)>;
  explicit LambdaChaincode(Body invoke, Body init = nullptr)
      : invoke_(std::move(invoke)), init_(std::move(init)) {}
  milkpb::Response Init(Stub& stub) override { return init_ ? init_(stub) : Success("init"); }
  milkpb::Response Invoke(Stub& stub) override { return invoke_(stub); }

 private:
  Body invoke_;
  Body init_;
};

inline void RegisterLambda(Registry& registry, const std::string& name, LambdaChaincode::Body body,
                           LambdaChaincode::Body init = nullptr) {
  registry.Register(name, std::make_shared<LambdaChaincode>(std::move(body), std::move(init)));
}

// The namespace named ns in rwset, or nullptr.
inline const milkpb::NsReadWriteSet* FindNs(const milkpb::TxReadWriteSet& rwset,
                                            const std::string& ns) {
  for (const auto& entry : rwset.ns_rwset()) {
    if (entry.namespace_() == ns) return &entry;
  }
  return nullptr;
}

}  // namespace milk::chaincode::testing
