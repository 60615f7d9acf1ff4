// ChainPort: what the relay core (relay.h) needs from one chain, and nothing more. One port per
// chain; the core drives every swap through these four calls, so tests run the whole protocol
// against in-memory fakes (tests/fake_chains.h) and production uses GrpcChainPort
// (grpc_chain_port.h: the chain's peers over mutual TLS).
//
// Thread-safety: implementations must be thread-safe; the core calls a port from up to
// RelayOptions::in_flight_max threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::relay {

// A chaincode's answer to a query (any status: 404 is an answer, not an error).
struct QueryAnswer {
  int32_t status = 0;
  std::string message;
  std::string payload;
};

// What became of a transaction.
struct InvokeAnswer {
  // False when an endorser's chaincode run refused the call (status/message below say why) and
  // nothing was submitted; tx_id and code are then unset.
  bool endorsed = false;
  std::string tx_id;
  milkpb::TxValidationCode code = milkpb::NOT_VALIDATED;
  // The endorsement's refusal when !endorsed; for a sequenced call the response of its
  // execution at commit; otherwise 200 and the endorsed payload.
  int32_t status = 0;
  std::string message;
  std::string payload;
};

// One chaincode event of a valid transaction.
struct ChainEvent {
  uint64_t block_number = 0;
  std::string chaincode;
  std::string name;
  std::string payload;
  std::string tx_id;
};

using EventCallback = std::function<void(const ChainEvent&)>;

class ChainPort {
 public:
  virtual ~ChainPort() = default;

  virtual const std::string& chain_id() const = 0;

  // Evaluates a query on one peer (trying the next on a transport failure). Errors are
  // transport failures only (kUnavailable, kDeadlineExceeded, ...): the chain cannot be read now.
  virtual Result<QueryAnswer> Query(const std::string& chaincode, const std::string& function,
                                    const std::vector<std::string>& args) = 0;

  // An endorsed view of the query (proto/milk/view.proto), serialized ViewProof bytes, signed by
  // enough peers for the destination's policy. Errors: transport failures, or the peers'
  // refusal (a chaincode answer other than 200/404 is kFailedPrecondition).
  virtual Result<std::string> View(const std::string& chaincode, const std::string& function,
                                   const std::vector<std::string>& args) = 0;

  // Endorses, submits and waits for the commit. A refusal by the chaincode or a validation
  // code other than VALID is an answer, not an error; errors are transport failures and
  // envelopes the client could not build (endorsers disagreeing).
  virtual Result<InvokeAnswer> Invoke(const std::string& chaincode, const std::string& function,
                                      const std::vector<std::string>& args) = 0;

  // Reads the events of `chaincode` from start_block up to the chain's current height, in block
  // order, calling on_event for each. Returns the next block to read (the height it reached).
  virtual Result<uint64_t> ReadEvents(const std::string& chaincode, uint64_t start_block,
                                      const EventCallback& on_event) = 0;
};

}  // namespace milk::relay
