// The Gateway load generator behind `milk bench transfers` (docs/PERFORMANCE.md): Brand Token
// transfers between bench wallets, driven over gRPC with many calls in flight, measured from the
// client.
//
// How a run goes:
//   1. Wallets: 2 x streams key pairs derived from the seed (the same seed gives the same wallets,
//      so repeated runs against one chain reuse them).
//   2. Funding (not measured): the issuer issues units to wallet 0 and the wallets pass them on
//      in log2(wallets) rounds of parallel transfers, each wallet keeping what its transfers need.
//   3. Pre-signing (not measured): every transfer proposal is built and signed ahead. Stream k
//      owns wallets 2k and 2k+1 and sends one unit back and forth between them.
//   4. The run: each stream endorses its next proposal, signs the envelope (it covers the
//      endorsement, so it cannot be signed ahead), submits it (a unary Submit, or a message on
//      the connection's Gateway.SubmitStream with --submit stream) and waits for its commit (the
//      Submit answer carries the validation code when the node committed the block first;
//      otherwise CommitStatus is asked), then starts the next. Streams never conflict with each other, so every non-VALID outcome is a
//      finding, not a property of the load. With a rate, transactions start no faster than it
//      (open-loop pacing over the same closed-loop streams).
// Latency is submit-to-commit (Submit sent to the commit known); endorse-to-commit is a figure
// of its own.
//
// Thread-safety: RunTransferLoad is a blocking call; run one at a time per process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "tools/bench/bench_report.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"

namespace milk::bench {

struct TransferLoadOptions {
  std::string scenario = "transfers";
  std::string chain_id;
  std::string chaincode = "brandtoken";
  // Endorse, submit and wait on the first; the others (if any) also endorse every proposal (the
  // chain's endorsement policy decides how many it needs).
  std::vector<std::string> endpoints;
  client::GatewayOptions gateway;
  int connections = 4;            // channels per endpoint, each its own TCP connection
  // Submit on one Gateway.SubmitStream per connection instead of a unary Submit per transfer
  // (Endorse stays a unary call: its answer is needed to sign the envelope).
  bool submit_stream = false;
  uint32_t streams = 1000;        // transfers in flight at once (2 wallets each)
  uint64_t transactions = 100000; // measured transfers in all
  double rate = 0;                // starts per second; 0 = as fast as the streams go
  uint64_t seed = 1;
  // Units each wallet holds after funding: one transfer moves one unit.
  uint64_t units_per_wallet = 1000;
  int presign_threads = 2;
};

// Runs the four phases above with issuer (a member allowed to `issue` on the chain's Brand Token).
// Errors end the run only in the phases before the measurement (funding failed, a node is
// unreachable); during it every failure is an outcome in the report.
Result<Report> RunTransferLoad(const client::Signer& issuer, const TransferLoadOptions& options);

}  // namespace milk::bench
