// Simulation: runs a chaincode against a state snapshot and captures what it read and wrote.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"
#include "crypto/identity.h"
#include "milk/ledger.pb.h"

namespace milk::chaincode {

struct TxContext {
  std::string chain_id;
  std::string tx_id;
  crypto::IdentityInfo creator;
  int64_t timestamp_ms = 0;
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
};

struct SimulationResult {
  milkpb::Response response;
  // Namespaces sorted by name; within each, reads and writes sorted by key, one entry per key.
  // Empty when the response status is not 200 (a failed call writes nothing).
  milkpb::TxReadWriteSet rwset;
  std::vector<milkpb::ChaincodeEvent> events;
};

// Runs Invoke (or Init when init is true). Never throws: a chaincode exception or an unknown
// chaincode becomes a 500 or 404 response. A shim bound breached is a 413 response and a failing
// StateReader a 500 response, whatever the chaincode then returned. A nested InvokeChaincode that
// fails has its writes and events undone but its reads kept. Deterministic: the same state,
// context and chaincodes give byte-identical results. Thread-safe when state is and the chaincodes
// are stateless (chaincode.h); state must be a consistent snapshot for the whole call.
SimulationResult Simulate(const Registry& registry, StateReader& state, const TxContext& context,
                          bool init = false);

}  // namespace milk::chaincode
