#include "node/server/cluster_service.h"

#include <array>
#include <mutex>

#include "crypto/tls/credentials.h"
#include "milk/services.grpc.pb.h"
#include "node/ops/logging.h"

namespace milk::node {
namespace {

constexpr std::array<RaftRouting, 5> kRefusals = {
    RaftRouting::kUnknownChain, RaftRouting::kUnknownSender, RaftRouting::kNoCertificate,
    RaftRouting::kUnboundSender, RaftRouting::kWrongCertificate};

// "CN=orderer1, O=TICA, OU=consenter", for logs: who the presented certificate says it is.
std::string Subject(const crypto::tls::CertificateIdentity& identity) {
  return "CN=" + identity.common_name + ", O=" + identity.organization +
         ", OU=" + identity.organizational_unit;
}

// Who is on the other end of a Cluster stream, as the TLS handshake verified it. The client
// certificate is fixed for the connection, so this is read once per stream.
struct StreamPeer {
  RaftSender sender;
  std::string subject = "none";  // for the refusal log
};

StreamPeer ReadStreamPeer(const grpc::ServerContext& context, bool tls) {
  StreamPeer peer;
  peer.sender.tls = tls;
  if (!tls) return peer;
  Result<crypto::tls::CertificateIdentity> identity = crypto::tls::PeerCertificateIdentity(context);
  if (identity.ok()) {
    peer.sender.fingerprint_sha256 = std::move(identity->fingerprint_sha256);
    peer.subject = Subject(*identity);
  }
  return peer;
}

class ClusterService final : public milkpb::Cluster::Service {
 public:
  ClusterService(Node& node, ops::Registry& metrics, const ClusterServiceOptions& options)
      : node_(node),
        options_(options),
        clock_(options.clock != nullptr ? *options.clock : SystemClock::Instance()),
        received_(metrics.GetCounter("milk_raft_messages_received_total",
                                     "Raft messages received from other consenters.")),
        dropped_by_fault_(metrics.GetCounter(
            "milk_raft_messages_dropped_by_fault_total",
            "Raft messages dropped by a test fault (SetClusterFaults); 0 outside tests.")) {
    // Every reason's series exists from the start (at 0), so a scrape shows what may be refused.
    for (RaftRouting reason : kRefusals) {
      refused_[static_cast<size_t>(reason)] = &metrics.GetCounter(
          "milk_raft_messages_refused_total",
          "Raft messages refused, by reason: unknown chain or sender, or (TLS) a client "
          "certificate that is missing or not the one the chain config binds to the sender.",
          {{"reason", RaftRoutingName(reason)}});
    }
  }

  grpc::Status Step(grpc::ServerContext* context,
                    grpc::ServerReader<milkpb::ClusterStepRequest>* reader,
                    milkpb::ClusterStepResponse*) override {
    const StreamPeer peer = ReadStreamPeer(*context, options_.tls);
    milkpb::ClusterStepRequest request;
    while (!context->IsCancelled() && reader->Read(&request)) {
      if (node_.cluster_faults().BlocksInbound(request.chain_id(), request.message().from())) {
        dropped_by_fault_.Inc();
        continue;
      }
      const uint64_t from = request.message().from();
      const RaftRouting routing = node_.RouteRaftMessage(
          request.chain_id(), std::move(*request.mutable_message()), peer.sender);
      if (routing == RaftRouting::kRouted) {
        received_.Inc();
        continue;
      }
      if (routing == RaftRouting::kStopping) {
        // The sender's transport reconnects and finds the node back, or gone.
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "this node is stopping");
      }
      ops::Counter* refused = refused_[static_cast<size_t>(routing)];
      MILK_CHECK(refused != nullptr);  // every other RaftRouting is in kRefusals
      refused->Inc();
      LogRefusal(routing, request.chain_id(), from, peer, context->peer());
    }
    return grpc::Status::OK;
  }

 private:
  // A peer streaming refused messages sends many per second: warn at most once per interval
  // (with the number left out since the last warning); the counter has them all.
  void LogRefusal(RaftRouting routing, const std::string& chain_id, uint64_t from,
                  const StreamPeer& peer, const std::string& address) {
    uint64_t suppressed = 0;
    {
      std::lock_guard lock(log_mutex_);
      const int64_t now_ms = clock_.NowMs();
      if (logged_once_ && now_ms - last_log_ms_ < options_.refusal_log_interval_ms) {
        ++suppressed_;
        return;
      }
      logged_once_ = true;
      last_log_ms_ = now_ms;
      suppressed = suppressed_;
      suppressed_ = 0;
    }
    ops::LogWarn("raft message refused", {{"reason", RaftRoutingName(routing)},
                                          {"chain", chain_id},
                                          {"claimed_raft_id", std::to_string(from)},
                                          {"certificate", peer.subject},
                                          {"peer", address},
                                          {"suppressed_since_last", std::to_string(suppressed)}});
  }

  Node& node_;
  const ClusterServiceOptions options_;
  const Clock& clock_;
  ops::Counter& received_;
  ops::Counter& dropped_by_fault_;
  // By RaftRouting value: [kRouted] and [kStopping] stay null (neither is a refusal).
  std::array<ops::Counter*, static_cast<size_t>(RaftRouting::kStopping) + 1> refused_{};

  std::mutex log_mutex_;
  bool logged_once_ = false;  // GUARDED_BY(log_mutex_)
  int64_t last_log_ms_ = 0;   // GUARDED_BY(log_mutex_)
  uint64_t suppressed_ = 0;   // GUARDED_BY(log_mutex_)
};

}  // namespace

std::unique_ptr<grpc::Service> MakeClusterService(Node& node, ops::Registry& metrics,
                                                  const ClusterServiceOptions& options) {
  return std::make_unique<ClusterService>(node, metrics, options);
}

}  // namespace milk::node
