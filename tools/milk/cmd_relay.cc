// `milk relay`: carries proofs between the center chain and the brand chains and drives every
// swap to its end (docs/relay.md). Everything it needs is in relay.yaml; it keeps no state.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "crypto/tls/credentials.h"
#include "node/ops/http_server.h"
#include "node/ops/logging.h"
#include "tools/milk/commands.h"
#include "tools/relay/grpc_chain_port.h"
#include "tools/relay/pass_loop.h"
#include "tools/relay/relay.h"
#include "tools/relay/relay_config.h"

namespace milk::cli {
namespace {

using relay::GrpcChainPort;

// A reconnecting channel retries a peer that went away at most this far apart, so a chain
// whose node comes back is served again within seconds (gRPC's default grows to 2 minutes).
constexpr int kReconnectBackoffMaxMs = 2000;

volatile std::sig_atomic_t g_stop_signal = 0;
void OnStopSignal(int signal) { g_stop_signal = signal; }

struct RelayFlags {
  std::string config_path;
  std::vector<std::string> faults;
  bool once = false;
  bool list_faults = false;
  std::string ready_file;
};

// Channel credentials: the identity's TLS certificate and key, trusting its org's TLS CA and
// every tls.ca_files entry (the partners' CAs: their peers serve the brand chains).
Result<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const relay::RelayConfig& config) {
  if (!config.tls_enabled) return std::shared_ptr<grpc::ChannelCredentials>(nullptr);
  MILK_ASSIGN_OR_RETURN(crypto::tls::TlsMaterial material,
                        crypto::tls::LoadTlsMaterial(config.identity_dir));
  if (!config.tls_ca_files.empty()) {
    MILK_ASSIGN_OR_RETURN(crypto::tls::TlsMaterial extra,
                          crypto::tls::LoadTlsClientFiles(config.tls_ca_files, "", ""));
    material.ca_pems.insert(material.ca_pems.end(), extra.ca_pems.begin(), extra.ca_pems.end());
  }
  return crypto::tls::ChannelCredentials(material.ca_pems, material.cert_pem, material.key_pem);
}

Status WriteReadyFile(const std::string& path, uint16_t operations_port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"pid\":" << getpid() << ",\"operations_port\":" << operations_port << "}\n";
    if (!out) return IoError("cannot write " + tmp);
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  if (error) return IoError("cannot rename " + tmp + ": " + error.message());
  return Status::Ok();
}

// The running relay: ports, core, operations endpoint.
struct RelayProcess {
  ops::Registry metrics;
  std::unique_ptr<relay::FaultPoints> faults;
  std::vector<std::unique_ptr<GrpcChainPort>> ports;  // [0] = center
  std::vector<std::string> chaincodes;                // watched on each port
  std::unique_ptr<relay::Relay> core;
  std::atomic<uint64_t> passes{0};
  std::atomic<bool> last_complete{false};
};

void Build(const relay::RelayConfig& config, std::vector<relay::FaultSpec> faults,
           const client::Signer& signer, std::shared_ptr<grpc::ChannelCredentials> credentials,
           const Clock& clock, RelayProcess& process) {
  client::GatewayOptions gateway;
  gateway.deadline_ms = config.request_timeout_ms;
  gateway.reconnect_backoff_max_ms = kReconnectBackoffMaxMs;
  gateway.credentials = std::move(credentials);
  auto add = [&](const relay::ChainEndpoints& chain) {
    process.ports.push_back(std::make_unique<GrpcChainPort>(
        relay::GrpcChainOptions{chain.chain_id, chain.peers, chain.proof_signatures, gateway},
        signer, clock));
    process.chaincodes.push_back(chain.chaincode);
    return process.ports.back().get();
  };
  relay::RelayTopology topology;
  topology.center = add(config.center);
  topology.exchange_chaincode = config.center.chaincode;
  for (const relay::ChainEndpoints& chain : config.brand_chains) {
    topology.brands.push_back({add(chain), chain.chaincode});
  }
  process.faults = std::make_unique<relay::FaultPoints>(std::move(faults), relay::KillProcess);
  relay::RelayOptions options;
  options.in_flight_max = config.in_flight_max;
  options.stop_requested = [] { return g_stop_signal != 0; };
  process.core = std::make_unique<relay::Relay>(std::move(topology), std::move(options),
                                                *process.faults, process.metrics, clock);
}

// One thread per chain following its events, each new block waking the pass loop. Watches start
// at the chain's height: the passes themselves read everything older.
std::vector<std::thread> StartWatchers(RelayProcess& process, relay::PassLoop& loop,
                                       int64_t retry_ms) {
  std::vector<std::thread> watchers;
  for (size_t i = 0; i < process.ports.size(); ++i) {
    watchers.emplace_back([&process, &loop, i, retry_ms] {
      GrpcChainPort& port = *process.ports[i];
      while (!loop.stopped()) {
        Result<uint64_t> height = port.Height();
        if (height.ok()) {
          (void)port.Watch(process.chaincodes[i], *height, [&loop](uint64_t) { loop.Wake(); });
        }
        if (loop.WaitStopped(retry_ms)) break;  // the stream ended or failed: try again later
      }
    });
  }
  return watchers;
}

int RunLoop(RelayProcess& process, const relay::RelayConfig& config) {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  relay::PassLoop loop(
      [&process] {
        const relay::PassSummary summary = process.core->RunPass();
        process.last_complete = summary.complete();
        ++process.passes;
      },
      config.poll_ms);
  std::vector<std::thread> watchers = StartWatchers(process, loop, config.poll_ms);
  loop.Run([] { return g_stop_signal != 0; });
  ops::LogInfo("relay stopping", {{"signal", std::to_string(g_stop_signal)}});
  for (auto& port : process.ports) port->StopWatch();
  for (std::thread& watcher : watchers) watcher.join();
  return 0;
}

int RunRelay(CliContext& ctx, const RelayFlags& flags) {
  if (flags.list_faults) {
    for (std::string_view name : relay::kFaultPointNames) ctx.out << name << "\n";
    return 0;
  }
  if (flags.config_path.empty()) ctx.Fail(InvalidArgument("--config FILE is required"));
  const relay::RelayConfig config = ctx.Take(relay::LoadRelayConfig(flags.config_path));
  std::vector<relay::FaultSpec> faults;
  for (const std::string& text : flags.faults) {
    faults.push_back(ctx.Take(relay::ParseFaultSpec(text)));
  }
  ops::InitLogging(ctx.Take(ops::ParseLogLevel(config.log_level)),
                   ctx.Take(ops::ParseLogFormat(config.log_format)), "relay");
  const client::Signer signer = ctx.Take(client::LoadSigner(config.identity_dir));
  std::shared_ptr<grpc::ChannelCredentials> credentials = ctx.Take(Credentials(config));
  RelayProcess process;
  Build(config, std::move(faults), signer, std::move(credentials), ctx.clock, process);

  ops::OpsServer ops_server(process.metrics, [&process] {
    ops::HealthReport report;
    report.json_body =
        "{\"status\":\"OK\",\"passes\":" + std::to_string(process.passes.load()) +
        ",\"nothing_in_flight\":" + (process.last_complete.load() ? "true" : "false") + "}";
    return report;
  });
  uint16_t operations_port = 0;
  if (!config.operations_listen.empty()) {
    operations_port = ctx.Take(ops_server.Start(config.operations_listen));
  }
  if (!flags.ready_file.empty()) ctx.Check(WriteReadyFile(flags.ready_file, operations_port));
  ops::LogInfo("relay started", {{"center", config.center.chain_id},
                                 {"brand_chains", std::to_string(config.brand_chains.size())},
                                 {"operations_port", std::to_string(operations_port)},
                                 {"once", flags.once ? "true" : "false"}});
  if (!flags.once) return RunLoop(process, config);
  const relay::PassSummary summary = process.core->RunPass();
  if (summary.complete()) return 0;
  FailCommand(ctx.err, "swaps or purchases are still in flight after one pass (" +
                           std::to_string(summary.swaps_seen - summary.swaps_finished) +
                           " swaps, " +
                           std::to_string(summary.purchases_seen - summary.purchases_delivered) +
                           " purchases, " + std::to_string(summary.chains_unreachable) +
                           " chains unreachable)");
}

}  // namespace

void RegisterRelayCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  auto flags = std::make_shared<RelayFlags>();
  CLI::App* cmd = app.add_subcommand(
      "relay", "carry proofs between chains and drive every swap to its end (docs/relay.md)");
  cmd->add_option("--config", flags->config_path, "relay.yaml (docs/relay.md, \"Config\")")
      ->type_name("FILE");
  cmd->add_option("--fault", flags->faults,
                  "testing: kill the relay the N-th time (default 1) it reaches NAME; repeatable")
      ->type_name("NAME[:N]");
  cmd->add_flag("--once", flags->once,
                "one full pass, then exit 0 when nothing is left in flight, 1 otherwise");
  cmd->add_flag("--list-faults", flags->list_faults, "print the fault point names and exit");
  cmd->add_option("--ready-file", flags->ready_file,
                  "write {\"pid\",\"operations_port\"} here once started (for scripts and tests)")
      ->type_name("FILE");
  cmd->callback([ctx, flags] {
    const int code = RunRelay(*ctx, *flags);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace milk::cli
