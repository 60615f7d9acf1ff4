// The `milk` command line (docs/cli.md), shaped after Fabric's `peer`: global flags on the root,
// one command group per file.
//
// Failure convention for every command: print one line "milk: <reason a person can act on>" on
// stderr and exit 1 (FailCommand does both by throwing CLI::RuntimeError(1), which RunMilkApp
// turns into the exit code). Usage errors (unknown flag, missing argument) exit 2. Exceptions
// never leave RunMilkApp.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "crypto/clock.h"
#include "crypto/status.h"
#include "tools/client/gateway_client.h"
#include "tools/client/signer.h"

namespace milk::cli {

inline constexpr char kDefaultPeer[] = "127.0.0.1:7051";

// The global flags, filled in by the parser before any command callback runs.
struct GlobalOptions {
  bool json = false;
  std::vector<std::string> peers;  // --peer, in order; empty means {kDefaultPeer}
  std::string identity_dir;        // --identity
  int64_t timeout_ms = 30000;      // --timeout-ms, per RPC
  // TLS (docs/tls.md): the CA that issued the nodes' certificates (--tls-ca or MILK_TLS_CA; empty
  // = plaintext), and an optional client certificate and key (--tls-cert/--tls-key, or
  // MILK_TLS_CERT/MILK_TLS_KEY).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

// What commands share: options, where output goes, and the clock. Tests pass string streams and
// a manual clock. Not thread-safe (one command runs at a time).
class CliContext {
 public:
  CliContext(std::ostream& out_stream, std::ostream& err_stream, const Clock& time_source)
      : out(out_stream), err(err_stream), clock(time_source) {}

  GlobalOptions options;
  std::ostream& out;
  std::ostream& err;
  const Clock& clock;

  // --peer values, or the default.
  std::vector<std::string> Peers() const;
  // Per-call options with the channel credentials of the TLS flags (plaintext without
  // --tls-ca); fails the command when a TLS file does not load.
  client::GatewayOptions Gateway() const;
  // One client per peer, in --peer order (the first receives Submit).
  std::vector<client::GatewayClient> Clients() const;
  // The --identity signer; fails the command when --identity is missing or does not load.
  client::Signer Identity() const;

  // Prints "milk: <status message>" on err and ends the command with exit code 1. A connection
  // that failed in a way that suggests a TLS mismatch (a TLS node dialed in plaintext, a
  // plaintext node dialed with --tls-ca, a server certificate --tls-ca does not trust) gets the
  // likely cause and the flag that fixes it appended.
  [[noreturn]] void Fail(const Status& status) const;
  void Check(const Status& status) const {
    if (!status.ok()) Fail(status);
  }
  template <typename T>
  T Take(Result<T> result) const {
    if (!result.ok()) Fail(result.status());
    return std::move(result).value();
  }

 private:
  mutable std::shared_ptr<grpc::ChannelCredentials> credentials_;  // loaded once, by Gateway()
};

// The hint Fail appends for a failed connection ("" when status does not look like a TLS
// mismatch); tls says whether the CLI dialed with --tls-ca.
std::string TransportHint(const Status& status, bool tls);

// Prints "milk: <message>" on err and throws CLI::RuntimeError(exit_code). For commands that
// have no CliContext (node, ledger).
[[noreturn]] void FailCommand(std::ostream& err, const std::string& message, int exit_code = 1);

// The root app with the global flags and the groups below (crypto, chain, chaincode). The
// callbacks hold ctx; it must outlive the app's use.
std::unique_ptr<CLI::App> MakeMilkApp(const std::shared_ptr<CliContext>& ctx);
// Parses and runs; returns the process exit code (0, 1 command failed, 2 usage error).
int RunMilkApp(CLI::App& app, CliContext& ctx, int argc, const char* const* argv);

// Command groups. Each adds one subcommand group to app.
void RegisterCryptoCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
void RegisterChainCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
// Under `milk chain`: consenter add|remove and update approve|submit (cmd_config.cc).
void RegisterConfigCommands(CLI::App* chain, const std::shared_ptr<CliContext>& ctx);
void RegisterChaincodeCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
// Under `milk chain`: view (cmd_view.cc), an endorsed view from every --peer, merged (docs/
// views.md). Added by main.cc.
void RegisterViewCommand(CLI::App* chain, const std::shared_ptr<CliContext>& ctx);
// cmd_cluster.cc: `milk cluster status` (Admin.ClusterStatus on every --peer).
void RegisterClusterCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);

// The MiL.k economy (docs/cli.md, "The MiL.k economy"): thin wrappers over one chaincode call
// each. cmd_brand.cc: `milk brand`; cmd_wallet.cc: `milk wallet`; cmd_market.cc: `milk market`
// and `milk oracle`; cmd_swap.cc: `milk swap` (cross-chain swaps, docs/swaps.md);
// cmd_economy.cc: `milk lzm`, `milk pack`, `milk alliance`, and RegisterEconomyCommands, which
// adds all of them (main.cc calls it).
void RegisterBrandCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
void RegisterWalletCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
void RegisterMarketCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
void RegisterSwapCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);
// `market watch` (cmd_market_watch.cc), added by RegisterMarketCommands.
void AddMarketWatchCommand(CLI::App* market, const std::shared_ptr<CliContext>& ctx);
void RegisterEconomyCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);

// cmd_relay.cc: `milk relay` (docs/relay.md), linked from milk_cli_relay.
void RegisterRelayCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);

// cmd_bench.cc: `milk bench` (docs/PERFORMANCE.md), linked from milk_cli_bench.
void RegisterBenchCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);

// Implemented by the node owner in cmd_node.cc and cmd_ledger.cc (they link milk_node), and
// added by main.cc, so milk_cli and its tests do not depend on the node.
void RegisterNodeCommands(CLI::App& app);
void RegisterLedgerCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx);

}  // namespace milk::cli
