// Who may use a chain through this node's gRPC services (docs/tls.md, "Who may read a chain").
// Every service that names a chain (Gateway, Deliver, Admin's chain queries, View) asks
// CheckChainAccess before doing anything; Cluster has its own, stricter rule (consenter
// certificates bound in the chain config).
//
// A TLS node requires a client certificate at the handshake; the certificate must have been
// issued by the TLS CA of an org of the chain's current config and name that org (O=). Customers
// are not org members: their wallet-signed transactions reach the chain through a member's
// gateway, whose certificate is checked here. A plaintext node (loopback tests only) checks
// nothing.
// Thread-safe.
#pragma once

#include <grpcpp/server_context.h>

#include <string>

#include "crypto/status.h"
#include "node/node.h"
#include "node/ops/metrics.h"

namespace milk::node {

// OK when the caller of `context` may read and write chain_id on `node`. Errors:
//   kNotFound           the chain is not joined here (same answer for members and strangers is
//                       NOT given: a stranger gets kPermissionDenied only after the chain is
//                       known, so the existence of a chain is visible, its content is not)
//   kUnauthenticated    a TLS node and no verified client certificate
//   kPermissionDenied   the certificate's org is not a member of the chain, or its certificate
//                       was not issued by that org's TLS CA in the chain config
Status CheckChainAccess(const Node& node, const std::string& chain_id,
                        const grpc::ServerContextBase& context);

// Why CheckChainAccess refused: the reason label of milk_rpc_access_refused_total.
enum class AccessRefusal {
  kNone,
  kUnknownChain,          // "unknown_chain": not joined here (kNotFound)
  kNoCertificate,         // "no_certificate": TLS node, no verified client certificate
  kNotMember,             // "not_member": the certificate's O= is not an org of the chain
  kUntrustedCertificate,  // "untrusted_certificate": not issued by that org's TLS CA (or expired)
  kUnknownTransport,      // "unknown_transport": neither TLS nor plaintext (never expected)
};
const char* AccessRefusalName(AccessRefusal refusal);

struct AccessDecision {
  Status status;  // what CheckChainAccess returns
  AccessRefusal refusal = AccessRefusal::kNone;
};
// CheckChainAccess with the reason of a refusal. A certificate's verification against the chain
// config is cached per (chain, config sequence, certificate fingerprint) for a short while
// (access.cc), so the hot path does not run X.509 verification on every call.
AccessDecision DecideChainAccess(const Node& node, const std::string& chain_id,
                                 const grpc::ServerContextBase& context);

// CheckChainAccess that also counts a refusal in milk_rpc_access_refused_total{method,reason}.
Status CheckChainAccess(const Node& node, const std::string& chain_id,
                        const grpc::ServerContextBase& context, ops::Registry& metrics,
                        const char* method);

// OK on a plaintext node, or when the call carries a client certificate the TLS handshake
// verified (against the node's trusted CAs); kUnauthenticated otherwise. For the calls that
// name no chain yet (Admin.JoinChain: the admin signature in the request decides).
Status CheckClientCertificate(const grpc::ServerContextBase& context);

}  // namespace milk::node
