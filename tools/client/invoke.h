// A whole transaction, Fabric gateway style: endorse on every endorsing peer, assemble and sign
// the envelope, submit it, and wait for its validation code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"

namespace milk::client {

struct InvokeResult {
  std::string tx_id;
  uint64_t block_number = 0;
  uint32_t tx_index = 0;
  milkpb::TxValidationCode code = milkpb::NOT_VALIDATED;  // VALID = committed with its writes
  // A sequenced call (docs/chaincode.md): what its execution at commit answered (the endorser's
  // answer was only a preview). Unset for other calls.
  std::optional<milkpb::Response> sequenced_response;
};

// Endorses on all endorsers in parallel (one thread each), builds the envelope (BuildEnvelope's
// checks), submits to submitter and waits (CommitStatus with wait) for the commit. now_ms is
// the proposal timestamp. A transaction that commits with a code other than VALID is a
// successful call: the caller reads result.code. Errors carry the endpoint that failed, e.g.
// "127.0.0.1:7052: connection refused". REQUIRES: endorsers non-empty, pointers valid for the
// call. At most 32 endorsers (kInvalidArgument). Thread-safe.
Result<InvokeResult> Invoke(const Signer& signer,
                            const std::vector<const GatewayClient*>& endorsers,
                            const GatewayClient& submitter, const std::string& chain_id,
                            const std::string& chaincode, const std::string& function,
                            const std::vector<std::string>& args, int64_t now_ms);

}  // namespace milk::client
