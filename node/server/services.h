// The gRPC layer: validates wire input, translates to domain calls on Node, and maps Status to
// grpc::Status. No business logic here (STYLE.md, Envoy).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "crypto/clock.h"
#include "crypto/status.h"
#include "crypto/tls/credentials.h"
#include "milk/services.grpc.pb.h"
#include "node/node.h"
#include "node/ops/metrics.h"

namespace milk::node {

struct RpcServerOptions {
  std::string listen = "127.0.0.1:7051";  // port 0 picks a free port
  int message_bytes_max = 4 << 20;
  // How long CommitStatus(wait) and Deliver(follow) wait between checks for cancellation.
  int64_t poll_ms = 200;
  // Gateway.SubmitStream: requests of one stream waiting for their answers before the node
  // reads no more of it (node.yaml limits.submit_stream_in_flight_max).
  size_t submit_stream_in_flight_max = 4096;
  // TLS (node.yaml tls section): the server presents tls->cert_pem and requires a client
  // certificate chaining to one of tls->ca_pems at the handshake; every chain-scoped call then
  // checks that the certificate belongs to an org of that chain (node/server/access.h), and the
  // Cluster service that it is the one bound to the Raft sender. nullopt = plaintext (loopback
  // only: node/daemon.cc refuses other listen addresses).
  std::optional<crypto::tls::TlsMaterial> tls;
};

class RpcServer {
 public:
  // Binds and starts serving. The bound port is port().
  static Result<std::unique_ptr<RpcServer>> Start(const RpcServerOptions& options, Node& node,
                                                  ops::Registry& metrics);
  ~RpcServer();
  int port() const { return port_; }
  // Stops accepting, cancels streams, waits for handlers (bounded by deadline_ms).
  void Shutdown(int64_t deadline_ms = 2000);

 private:
  RpcServer() = default;
  std::unique_ptr<grpc::Service> gateway_, deliver_, admin_, cluster_, view_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

grpc::Status ToGrpc(const Status& status);

}  // namespace milk::node
