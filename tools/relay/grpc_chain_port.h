// GrpcChainPort: a ChainPort over the chain's peers (Gateway, Deliver and View services, mutual
// TLS with the relay's own TLS certificate). Queries and views try the peers in the configured
// order; transactions are endorsed by every peer that answers, submitted to the first that
// accepts, and awaited there.
//
// Thread-safety: thread-safe (the clients and stubs are; the signer is immutable).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crypto/clock.h"
#include "milk/services.grpc.pb.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"
#include "tools/client/view_client.h"
#include "tools/relay/chain_port.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace milk::relay {

struct GrpcChainOptions {
  std::string chain_id;
  std::vector<std::string> peers;  // host:port; REQUIRES non-empty
  // Signatures a proof gathers from distinct peers that answered identically (same height and
  // result): the source chain's verification policy decides how many the destination needs.
  int proof_signatures = 1;
  client::GatewayOptions gateway;  // deadline per call and channel credentials
};

// The chaincode's answer inside an endorser's error: the node's endorser turns a chaincode status
// other than 200 into a gRPC error "chaincode '<name>': <message>" (400 FAILED_PRECONDITION,
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 413 RESOURCE_EXHAUSTED, others INTERNAL with
// " (status N)" appended; node/chain/endorser.cc). nullopt when status is not such an error.
std::optional<QueryAnswer> ChaincodeRefusal(const Status& status, const std::string& chaincode);

class GrpcChainPort final : public ChainPort {
 public:
  // clock stamps proposals; it must outlive the port.
  GrpcChainPort(GrpcChainOptions options, client::Signer signer, const Clock& clock);
  ~GrpcChainPort() override;

  const std::string& chain_id() const override { return options_.chain_id; }
  Result<QueryAnswer> Query(const std::string& chaincode, const std::string& function,
                            const std::vector<std::string>& args) override;
  Result<std::string> View(const std::string& chaincode, const std::string& function,
                           const std::vector<std::string>& args) override;
  Result<InvokeAnswer> Invoke(const std::string& chaincode, const std::string& function,
                              const std::vector<std::string>& args) override;
  // Deliver from start_block to the current height (follow=false), events extracted as the
  // peer's ChaincodeEvents service would (valid transactions only; a sequenced call's events
  // from its execution at commit). A stream cut short still returns the blocks it delivered.
  Result<uint64_t> ReadEvents(const std::string& chaincode, uint64_t start_block,
                              const EventCallback& on_event) override;

  // The chain's height (committed blocks) from the first peer that answers (Admin.ChainInfo).
  Result<uint64_t> Height() const;

  // Follows the chain's ChaincodeEvents for `chaincode` from start_block on the first peer that
  // answers, calling on_block for each block with events, until StopWatch() or the stream ends.
  // Only wakes the relay early. Call from one thread at a time.
  Status Watch(const std::string& chaincode, uint64_t start_block,
               const std::function<void(uint64_t block_number)>& on_block);
  // Cancels a running Watch and makes later ones return at once. Any thread.
  void StopWatch();

 private:
  struct Peer {
    std::string endpoint;
    client::GatewayClient gateway;
    client::ViewClient viewer;
    std::shared_ptr<grpc::Channel> channel;  // the event stream's, which Watch cancels
    std::unique_ptr<milkpb::Gateway::Stub> events;
  };

  // Endorsements from every peer that answers; the first error when none does. A peer whose
  // chaincode refused the proposal sets `refusal` (the first such) instead.
  Result<std::vector<milkpb::ProposalResponse>> EndorseAll(
      const milkpb::SignedProposal& proposal, const std::string& chaincode,
      std::optional<QueryAnswer>& refusal) const;
  // Submits to the peers in turn and waits for the commit on the one that accepted.
  Result<InvokeAnswer> SubmitAndWait(const milkpb::Envelope& envelope, const std::string& tx_id,
                                     bool sequenced) const;

  GrpcChainOptions options_;
  client::Signer signer_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::mutex watch_mu_;
  grpc::ClientContext* watch_context_ = nullptr;  // guarded by watch_mu_
  bool watch_stopped_ = false;                    // guarded by watch_mu_
};

}  // namespace milk::relay
