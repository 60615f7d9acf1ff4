// Chaincode interface and the registry of chaincodes compiled into the node.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chaincode/shim/stub.h"

namespace milk::chaincode {

// Implementations must be deterministic and stateless between calls (all state goes through
// the stub), so one instance may serve concurrent simulations.
class Chaincode {
 public:
  virtual ~Chaincode() = default;
  // Called once, in the genesis block's config, with ChaincodeDefinition.init_args.
  virtual milkpb::Response Init(Stub& stub) = 0;
  virtual milkpb::Response Invoke(Stub& stub) = 0;
  // A sequenced function (docs/chaincode.md, "Sequenced functions") is executed by every peer
  // during validation, in block order, against the latest state, so it never fails with an MVCC
  // conflict; the endorser only checks authority and preconditions. For hot keys (a market's
  // price and inventory). Must not depend on anything but (state, creator, args, timestamp).
  virtual bool IsSequenced(const std::string& function) const {
    (void)function;
    return false;
  }
};

// Name -> chaincode. Filled at start-up, read-only afterwards (then thread-safe).
class Registry {
 public:
  // REQUIRES: name non-empty valid UTF-8 and not yet registered; chaincode non-null (checked: a
  // duplicate is a start-up bug, not an input error).
  void Register(const std::string& name, std::shared_ptr<Chaincode> chaincode);
  // nullptr when unknown.
  Chaincode* Find(const std::string& name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::shared_ptr<Chaincode>> chaincodes_;
};

}  // namespace milk::chaincode
