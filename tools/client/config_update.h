// Config updates from the client side (docs/chain_config.md): build the next config from the
// current one (add or remove one consenter), collect admin approvals, and wrap it in the CONFIG
// envelope that an admin submits. The node checks everything again (node/ledger/config_update.h);
// these helpers only refuse what is plainly wrong, with the reason.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/status.h"
#include "milk/ledger.pb.h"
#include "tools/client/signer.h"

namespace milk::client {

// current with sequence + 1, every consenter's raft id explicit (position + 1 where unset, as
// the node reads it), and `consenter` appended. Its raft_id 0 = one above every id used so far.
// kInvalidArgument when its raft id or certificate is already a consenter's.
Result<milkpb::ChainConfig> ConfigAddingConsenter(const milkpb::ChainConfig& current,
                                                  milkpb::ConsenterConfig consenter);
// current with sequence + 1 and the consenter of raft_id dropped. kNotFound when no consenter
// has it; kFailedPrecondition when it is the last one.
Result<milkpb::ChainConfig> ConfigRemovingConsenter(const milkpb::ChainConfig& current,
                                                    uint64_t raft_id);

// An admin's approval of `next` (appended to ConfigTransaction.approvals).
milkpb::ConfigApproval ApproveConfig(const milkpb::ChainConfig& next, const Signer& admin);

// The CONFIG envelope: update (config and approvals) with creator and timestamp set by the
// submitting admin, signed by it.
milkpb::Envelope BuildConfigEnvelope(milkpb::ConfigTransaction update, const Signer& admin,
                                     int64_t now_ms);

}  // namespace milk::client
