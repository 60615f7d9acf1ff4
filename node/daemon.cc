#include "node/daemon.h"

#include <absl/synchronization/mutex.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <unistd.h>

#include "chaincode/builtin.h"
#include "crypto/bytes.h"
#include "crypto/key_files.h"
#include "crypto/tls/credentials.h"
#include "node/node.h"
#include "node/ops/http_server.h"
#include "node/ops/logging.h"
#include "node/ops/node_config.h"
#include "node/server/services.h"

namespace milk::node {
namespace {

Result<Signer> LoadSigner(const ops::NodeConfig::Identity& identity, milkpb::Role role,
                          const std::string& what) {
  MILK_ASSIGN_OR_RETURN(crypto::KeyPair key, crypto::ReadSecretKeyFile(identity.key_file));
  MILK_ASSIGN_OR_RETURN(milkpb::Certificate cert, crypto::ReadCertificateFile(identity.cert_file));
  Signer signer{key, crypto::SerializeMemberIdentity(cert)};
  MILK_ASSIGN_OR_RETURN(crypto::IdentityInfo info, crypto::ParseIdentity(signer.identity));
  if (info.public_key != key.public_key) {
    return InvalidArgument(what + " certificate " + identity.cert_file +
                           " does not belong to key " + identity.key_file);
  }
  if (info.role != role) {
    return InvalidArgument(what + " certificate " + identity.cert_file + " has role " +
                           crypto::RoleName(info.role) + ", expected " + crypto::RoleName(role));
  }
  return signer;
}

// The node.yaml tls section's files, loaded and checked; nullopt when the section is absent.
Result<std::optional<crypto::tls::TlsMaterial>> LoadTls(const ops::NodeConfig::Tls& tls) {
  if (tls.cert_file.empty()) return std::optional<crypto::tls::TlsMaterial>();
  Result<crypto::tls::TlsMaterial> material =
      crypto::tls::LoadTlsFiles(tls.cert_file, tls.key_file, tls.ca_files);
  if (!material.ok()) return material.status().WithContext("tls");
  return std::optional<crypto::tls::TlsMaterial>(std::move(material).value());
}

// Whether a listen address ("host:port", "[ipv6]:port") names this host only: localhost,
// 127.0.0.0/8 or ::1. A wildcard (0.0.0.0, ::, empty host) or any other address is not.
bool IsLoopbackListen(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Says at start whether the gRPC port is protected, and by which certificate. Plaintext gRPC is
// refused unless it listens on loopback only: without TLS nobody is authenticated, so any host
// that could reach the port could read and write every chain.
Status LogTransport(const std::optional<crypto::tls::TlsMaterial>& tls,
                    const std::string& grpc_listen) {
  if (!tls.has_value()) {
    if (!IsLoopbackListen(grpc_listen)) {
      return FailedPrecondition(
          "listen.grpc is " + grpc_listen + " but node.yaml has no tls section: plaintext gRPC "
          "is allowed on a loopback address only (127.0.0.1, ::1, localhost); add the tls "
          "section (tls.cert_file, tls.key_file, tls.ca_files; docs/node_config.md) or listen on "
          "loopback");
    }
    ops::LogWarn("TLS is off (node.yaml has no tls section): gRPC is plaintext and other "
                 "consenters are not authenticated; for local development only");
    return Status::Ok();
  }
  MILK_ASSIGN_OR_RETURN(crypto::tls::CertificateIdentity me,
                        crypto::tls::ParseCertificateIdentity(tls->cert_pem));
  ops::LogInfo("TLS on", {{"certificate", "CN=" + me.common_name + ", O=" + me.organization +
                                              ", OU=" + me.organizational_unit},
                          {"fingerprint_sha256", ToHex(me.fingerprint_sha256)},
                          {"trusted_cas", std::to_string(tls->ca_pems.size())}});
  return Status::Ok();
}

Result<NodeOptions> BuildNodeOptions(const ops::NodeConfig& config,
                                     const std::optional<crypto::tls::TlsMaterial>& tls) {
  NodeOptions options;
  if (tls.has_value()) {
    // Other consenters see this certificate on our Cluster streams and check it against the
    // one the chain config binds to our raft id; servers we dial must chain to ca_files.
    options.peer_credentials = crypto::tls::ChannelCredentials(*tls);
    MILK_ASSIGN_OR_RETURN(crypto::tls::CertificateIdentity me,
                          crypto::tls::ParseCertificateIdentity(tls->cert_pem));
    options.tls_fingerprint_sha256 = std::move(me.fingerprint_sha256);
  }
  options.data_dir = config.node.data_dir;
  MILK_ASSIGN_OR_RETURN(options.peer, LoadSigner(config.node.identity, milkpb::PEER, "node.identity"));
  if (!config.node.consenter_identity.key_file.empty()) {
    MILK_ASSIGN_OR_RETURN(Signer consenter, LoadSigner(config.node.consenter_identity,
                                                       milkpb::CONSENTER, "node.consenter_identity"));
    options.consenter = std::move(consenter);
  }
  options.validation_threads = ops::EffectiveValidationThreads(config);
  options.pending_submits_max = config.limits.pending_submits_max;
  options.envelope_bytes_max = config.limits.grpc_message_bytes_max;
  options.raft_tick_ms = config.raft.tick_ms;
  options.raft_election_ticks = config.raft.election_ticks;
  options.raft_snapshot_every_entries = config.raft.snapshot_every_entries;
  options.raft_snapshot_keep_entries = config.raft.snapshot_keep_entries;
  options.fault_injection = config.testing.fault_injection;
  return options;
}

volatile std::sig_atomic_t g_stop_signal = 0;
void OnSignal(int signal) { g_stop_signal = signal; }

Status WriteReadyFile(const std::string& path, int grpc_port, int ops_port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"pid\":" << getpid() << ",\"grpc\":\"127.0.0.1:" << grpc_port
        << "\",\"operations\":\"127.0.0.1:" << ops_port << "\"}\n";
    if (!out) return IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return IoError("cannot rename to " + path);
  return Status::Ok();
}

int Fail(const Status& status) {
  std::fprintf(stderr, "milkd: %s\n", status.ToString().c_str());
  return 1;
}

class RunningNodeImpl final : public RunningNode {
 public:
  ~RunningNodeImpl() override { Stop(); }
  Node& node() override { return *node_; }
  int grpc_port() const override { return rpc_->port(); }
  int operations_port() const override { return operations_port_; }
  // Also what a start that failed half-way runs: whatever was started stops.
  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (node_ != nullptr) node_->Stop();
    if (rpc_ != nullptr) rpc_->Shutdown();
    if (ops_server_ != nullptr) ops_server_->Stop();
  }

 private:
  friend class RunningNode;
  ops::Registry metrics_;  // before the node and servers, which keep references to it
  std::unique_ptr<Node> node_;
  std::unique_ptr<RpcServer> rpc_;
  std::unique_ptr<ops::OpsServer> ops_server_;
  int operations_port_ = 0;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<RunningNode>> RunningNode::Start(
    const DaemonOptions& daemon, const std::function<void(NodeOptions&)>& adjust) {
  MILK_ASSIGN_OR_RETURN(ops::NodeConfig config,
                        ops::LoadNodeConfig(daemon.config_path, daemon.overrides));
  ops::InitLogging(config.log.level, config.log.format, config.node.name);
  if (config.testing.fault_injection) {
    ops::LogWarn("TEST FAULT INJECTION IS ON (testing.fault_injection: true): any admin client can "
                 "cut this node off from its consenters; never use this setting in production");
  }
  MILK_ASSIGN_OR_RETURN(std::optional<crypto::tls::TlsMaterial> tls, LoadTls(config.tls));
  MILK_RETURN_IF_ERROR(LogTransport(tls, config.listen.grpc));
  MILK_ASSIGN_OR_RETURN(NodeOptions options, BuildNodeOptions(config, tls));
  if (adjust) adjust(options);

  // One registry for every node of the process: the built-in chaincodes are stateless.
  static const chaincode::Registry* const registry = [] {
    auto* r = new chaincode::Registry;
    chaincode::RegisterBuiltinChaincodes(*r);
    return r;
  }();
  auto running = std::unique_ptr<RunningNodeImpl>(new RunningNodeImpl);
  MILK_ASSIGN_OR_RETURN(running->node_, Node::Open(std::move(options), *registry,
                                                   SystemClock::Instance(), running->metrics_));
  RpcServerOptions rpc_options;
  rpc_options.listen = config.listen.grpc;
  rpc_options.message_bytes_max = static_cast<int>(config.limits.grpc_message_bytes_max);
  rpc_options.submit_stream_in_flight_max =
      static_cast<size_t>(config.limits.submit_stream_in_flight_max);
  rpc_options.tls = tls;
  MILK_ASSIGN_OR_RETURN(running->rpc_,
                        RpcServer::Start(rpc_options, *running->node_, running->metrics_));
  Node* node = running->node_.get();
  running->ops_server_ = std::make_unique<ops::OpsServer>(running->metrics_, [node] {
    ops::HealthReport report;
    report.ok = node->Healthy();
    report.json_body = report.ok ? "{\"status\":\"OK\"}" : "{\"status\":\"STOPPING\"}";
    return report;
  });
  MILK_ASSIGN_OR_RETURN(uint16_t ops_port, running->ops_server_->Start(config.listen.operations));
  running->operations_port_ = ops_port;
  ops::LogInfo("milkd serving", {{"grpc_port", std::to_string(running->grpc_port())},
                                 {"operations_port", std::to_string(ops_port)},
                                 {"chains", std::to_string(node->ChainIds().size())}});
  return std::unique_ptr<RunningNode>(std::move(running));
}

int RunDaemon(const DaemonOptions& daemon) {
  // Debian's Abseil keeps absl::Mutex's lock-order graph (deadlock detection meant for debug
  // builds): gRPC's mutexes spent ~3% of a loaded node's CPU in GraphCycles. Our own locks are
  // std::mutex, which it never watched.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto running = RunningNode::Start(daemon);
  if (!running.ok()) return Fail(running.status());
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  if (!daemon.ready_file.empty()) {
    Status s = WriteReadyFile(daemon.ready_file, (*running)->grpc_port(),
                              (*running)->operations_port());
    if (!s.ok()) return Fail(s);
  }
  while (g_stop_signal == 0) usleep(100 * 1000);  // signal-safe: the handler only sets a flag
  ops::LogInfo("milkd stopping", {{"signal", std::to_string(g_stop_signal)}});
  (*running)->Stop();
  return 0;
}

}  // namespace milk::node
