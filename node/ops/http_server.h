// OpsServer: the node's operations HTTP endpoint (ARCHITECTURE.md section 10), for load
// balancers, orchestrators and Prometheus. Plain HTTP/1.1, GET only:
//   GET /healthz  -> 200 (healthy) or 503 (not), application/json body from the health callback
//   GET /metrics  -> 200, the registry in Prometheus text format 0.0.4
//   other paths   -> 404;  other methods -> 405 with "Allow: GET"
// A query string is ignored. Requests with headers over header_bytes_max get 431 and the
// connection is closed; a client that does not deliver a complete request (or read the response)
// within request_timeout_ms is disconnected, so a slow client holds one connection slot for a
// bounded time and never the server. Connections beyond connections_max are closed on accept.
//
// It listens on loopback by default (node.yaml listen.operations) and has no TLS or
// authentication: metrics and health carry no secrets, and exposing the port is the operator's
// decision (as with Fabric's operations service without TLS).
//
// Thread-safety: Start, Stop and the destructor may be called from any thread but not
// concurrently with each other. Requests are served on one internal thread, which is where the
// health callback runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "crypto/status.h"
#include "node/ops/metrics.h"

namespace milk::ops {

struct HealthReport {
  bool ok = true;
  std::string json_body = "{\"status\":\"OK\"}";  // sent as is; must be valid JSON
};

// Called for every GET /healthz on the server thread. Must be thread-safe with respect to the
// rest of the node and quick (no blocking I/O): it stalls every other request while it runs.
using HealthCallback = std::function<HealthReport()>;

struct OpsServerOptions {
  // Request line plus headers. The endpoint's requests are a few hundred bytes; 8 KiB is the
  // common server default and bounds memory per connection.
  size_t header_bytes_max = 8 * 1024;
  // GET requests carry no body; a small allowance lets a POST with a body still get its 405.
  size_t body_bytes_max = 4 * 1024;
  // Time for a client to send a whole request, and separately to take the whole response.
  // Prometheus scrapes finish in milliseconds; 5 s covers a loaded network.
  int64_t request_timeout_ms = 5000;
  // A scraper, a health checker and a person with curl need a handful; 64 leaves room and bounds
  // sockets and memory.
  size_t connections_max = 64;
};

class OpsServer {
 public:
  // `registry` must outlive the server. REQUIRES: `health` is not empty; options are positive and
  // header_bytes_max fits in 32 bits.
  OpsServer(const Registry& registry, HealthCallback health, OpsServerOptions options = {});
  ~OpsServer();  // Stop()
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  // Binds `listen_address` ("host:port"; port 0 picks a free port) and starts serving.
  // Returns the bound port. Errors: kInvalidArgument for a malformed address or a host that does
  // not resolve, kUnavailable when the address cannot be bound (in use, not local),
  // kFailedPrecondition when called a second time (a server starts once).
  Result<uint16_t> Start(const std::string& listen_address);

  // Stops accepting, closes every connection and joins the server thread. Idempotent; a no-op
  // before Start.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace milk::ops
