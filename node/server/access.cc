// Chain membership on every RPC (docs/tls.md, "Who may read a chain").
#include "node/server/access.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>

#include <map>
#include <mutex>
#include <tuple>

#include "crypto/tls/certificate.h"
#include "crypto/tls/credentials.h"

namespace milk::node {
namespace {

// A node sees few distinct client certificates (its orgs' members and gateways, times its
// chains): 4096 entries cover hundreds of members on tens of chains. When the cache is full it
// is emptied, which costs one burst of verifications, never a wrong answer.
constexpr size_t kCacheEntriesMax = 4096;
// A cached verdict is re-verified after this long, so a certificate that expires (or a node
// clock that moves) is noticed within a minute; the TLS handshake checks dates on every
// connection anyway.
constexpr int64_t kCacheTtlMs = 60000;

// What the handshake established about the caller.
struct Caller {
  bool tls = false;
  bool known_transport = true;
  std::string cert_pem;  // empty: no verified client certificate
};

Caller ReadCaller(const grpc::ServerContextBase& context) {
  Caller caller;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) {
    caller.known_transport = false;
    return caller;
  }
  const auto types = auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  const std::string type =
      types.empty() ? "" : std::string(types.front().data(), types.front().size());
  if (type == "insecure") return caller;  // plaintext node (loopback only, node/daemon.cc)
  if (type != GRPC_SSL_TRANSPORT_SECURITY_TYPE && type != GRPC_TLS_TRANSPORT_SECURITY_TYPE) {
    caller.known_transport = false;  // fail closed: never treat the unknown as plaintext
    return caller;
  }
  caller.tls = true;
  const auto pems = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (!pems.empty() && auth->IsPeerAuthenticated()) {
    caller.cert_pem.assign(pems.front().data(), pems.front().size());
  }
  return caller;
}

struct Verdict {
  AccessRefusal refusal = AccessRefusal::kNone;
  std::string message;  // for the refusal status
};

// The uncached check of one certificate against one config.
Verdict Verify(const ledger::ChainConfigView& config, const std::string& cert_pem,
               const crypto::tls::CertificateIdentity& identity, int64_t now_ms) {
  const std::string& chain_id = config.chain_id();
  const std::string who = "the client certificate (CN=" + identity.common_name +
                          ", O=" + identity.organization + ")";
  for (const milkpb::OrgConfig& org : config.config().orgs()) {
    if (org.name() != identity.organization || identity.organization.empty()) continue;
    if (org.tls_ca_certificate().empty()) {
      return {AccessRefusal::kUntrustedCertificate,
              who + " cannot be checked: chain '" + chain_id + "' has no TLS CA for org " +
                  org.name() + " (a config update must add its tls_ca_certificate)"};
    }
    crypto::tls::VerifyOptions options;
    options.at_ms = now_ms;
    options.purpose = crypto::tls::Purpose::kTlsClient;
    Status chained =
        crypto::tls::VerifyCertificateChain(cert_pem, {org.tls_ca_certificate()}, options);
    if (!chained.ok()) {
      return {AccessRefusal::kUntrustedCertificate,
              who + " was not issued by org " + org.name() + "'s TLS CA in chain '" + chain_id +
                  "''s config: " + chained.message()};
    }
    return {};
  }
  return {AccessRefusal::kNotMember, who + ": org '" + identity.organization +
                                         "' is not a member of chain '" + chain_id + "'"};
}

// Verdicts per (chain, config sequence, certificate as presented). Keyed by the PEM itself, so a
// hit costs a lookup and no X.509 parsing (parsing every call's certificate cost more CPU than
// the call under load). The entry also remembers the config object it was computed for: two
// nodes in one process (tests) may hold different configs with the same chain id and sequence.
class VerdictCache {
 public:
  Verdict Get(const std::shared_ptr<const ledger::ChainConfigView>& config,
              const std::string& cert_pem, int64_t now_ms) {
    Key key{config->chain_id(), config->config().sequence(), cert_pem};
    {
      std::lock_guard lock(mutex_);
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.config.lock() == config &&
          now_ms - it->second.verified_at_ms < kCacheTtlMs && now_ms >= it->second.verified_at_ms) {
        return it->second.verdict;
      }
    }
    Verdict verdict;  // outside the lock: slow
    Result<crypto::tls::CertificateIdentity> identity =
        crypto::tls::ParseCertificateIdentity(cert_pem);
    if (!identity.ok()) {
      verdict = {AccessRefusal::kUntrustedCertificate,
                 "the client certificate does not parse: " + identity.status().message()};
    } else {
      verdict = Verify(*config, cert_pem, *identity, now_ms);
    }
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kCacheEntriesMax) entries_.clear();
    entries_[std::move(key)] = Entry{config, now_ms, verdict};
    return verdict;
  }

 private:
  using Key = std::tuple<std::string, uint64_t, std::string>;
  struct Entry {
    std::weak_ptr<const ledger::ChainConfigView> config;
    int64_t verified_at_ms = 0;
    Verdict verdict;
  };
  std::mutex mutex_;
  std::map<Key, Entry> entries_;  // GUARDED_BY(mutex_)
};

VerdictCache& Cache() {
  static VerdictCache* cache = new VerdictCache();  // never destroyed: used until exit
  return *cache;
}

Status ToStatus(const Verdict& verdict) {
  switch (verdict.refusal) {
    case AccessRefusal::kNone: return Status::Ok();
    case AccessRefusal::kNoCertificate:
    case AccessRefusal::kUnknownTransport: return Unauthenticated(verdict.message);
    default: return PermissionDenied(verdict.message);
  }
}

}  // namespace

const char* AccessRefusalName(AccessRefusal refusal) {
  switch (refusal) {
    case AccessRefusal::kNone: return "none";
    case AccessRefusal::kUnknownChain: return "unknown_chain";
    case AccessRefusal::kNoCertificate: return "no_certificate";
    case AccessRefusal::kNotMember: return "not_member";
    case AccessRefusal::kUntrustedCertificate: return "untrusted_certificate";
    case AccessRefusal::kUnknownTransport: return "unknown_transport";
  }
  MILK_CHECK(false);
  return "";
}

AccessDecision DecideChainAccess(const Node& node, const std::string& chain_id,
                                 const grpc::ServerContextBase& context) {
  std::shared_ptr<Chain> chain = node.FindChain(chain_id);
  if (chain == nullptr) {
    return {NotFound("chain '" + chain_id + "' is not joined on this node"),
            AccessRefusal::kUnknownChain};
  }
  const Caller caller = ReadCaller(context);
  if (!caller.known_transport) {
    return {Unauthenticated("the call's transport security is unknown; refused"),
            AccessRefusal::kUnknownTransport};
  }
  if (!caller.tls) return {Status::Ok(), AccessRefusal::kNone};
  if (caller.cert_pem.empty()) {
    return {Unauthenticated("chain '" + chain_id + "' is readable only with a TLS client "
                            "certificate of one of its member orgs (milk: --tls-cert and "
                            "--tls-key; docs/tls.md)"),
            AccessRefusal::kNoCertificate};
  }
  const Verdict verdict = Cache().Get(chain->config(), caller.cert_pem, node.clock().NowMs());
  return {ToStatus(verdict), verdict.refusal};
}

Status CheckChainAccess(const Node& node, const std::string& chain_id,
                        const grpc::ServerContextBase& context) {
  return DecideChainAccess(node, chain_id, context).status;
}

Status CheckChainAccess(const Node& node, const std::string& chain_id,
                        const grpc::ServerContextBase& context, ops::Registry& metrics,
                        const char* method) {
  AccessDecision decision = DecideChainAccess(node, chain_id, context);
  if (decision.refusal != AccessRefusal::kNone) {
    metrics
        .GetCounter("milk_rpc_access_refused_total",
                    "Calls refused because the caller may not use the chain, by method and "
                    "reason (docs/tls.md, \"Who may read a chain\").",
                    {{"method", method}, {"reason", AccessRefusalName(decision.refusal)}})
        .Inc();
  }
  return decision.status;
}

Status CheckClientCertificate(const grpc::ServerContextBase& context) {
  const Caller caller = ReadCaller(context);
  if (!caller.known_transport) {
    return Unauthenticated("the call's transport security is unknown; refused");
  }
  if (caller.tls && caller.cert_pem.empty()) {
    return Unauthenticated("this call needs a TLS client certificate (milk: --tls-cert and "
                           "--tls-key; docs/tls.md)");
  }
  return Status::Ok();
}

}  // namespace milk::node
