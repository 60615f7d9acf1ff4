// CliContext, the root app with its global flags, and RunMilkApp's exit-code mapping.
#include <charconv>
#include <exception>
#include <ostream>

#include "tools/milk/commands.h"

namespace milk::cli {
namespace {

// An hour: longer than any CommitStatus wait should take; a larger value is a typo.
constexpr int64_t kTimeoutMsMax = 60 * 60 * 1000;

// "" when endpoint is host:port with a port from 1 to 65535, else the complaint.
std::string CheckEndpoint(const std::string& endpoint) {
  const size_t colon = endpoint.rfind(':');
  unsigned port = 0;
  if (colon != std::string::npos && colon > 0) {
    const char* begin = endpoint.data() + colon + 1;
    const char* end = endpoint.data() + endpoint.size();
    auto [ptr, ec] = std::from_chars(begin, end, port);
    if (ec == std::errc() && ptr == end && port >= 1 && port <= 65535) return "";
  }
  return "--peer \"" + endpoint + "\" is not host:port";
}

}  // namespace

std::vector<std::string> CliContext::Peers() const {
  if (options.peers.empty()) return {kDefaultPeer};
  return options.peers;
}

client::GatewayOptions CliContext::Gateway() const {
  client::GatewayOptions gateway;
  gateway.deadline_ms = options.timeout_ms;
  return gateway;
}

std::vector<client::GatewayClient> CliContext::Clients() const {
  std::vector<client::GatewayClient> clients;
  for (const std::string& peer : Peers()) clients.emplace_back(peer, Gateway());
  return clients;
}

client::Signer CliContext::Identity() const {
  if (options.identity_dir.empty()) {
    Fail(
        InvalidArgument("no identity: pass --identity DIR (a directory holding `key`, and "
                        "`cert` for org members)"));
  }
  return Take(client::LoadSigner(options.identity_dir));
}

void CliContext::Fail(const Status& status) const { FailCommand(err, status.message()); }

void FailCommand(std::ostream& err, const std::string& message, int exit_code) {
  err << "milk: " << message << "\n";
  throw CLI::RuntimeError(exit_code);
}

std::unique_ptr<CLI::App> MakeMilkApp(const std::shared_ptr<CliContext>& ctx) {
  auto app = std::make_unique<CLI::App>(
      "milk: the MiL.k ledger command line (nodes, chains, chaincode, keys)", "milk");
  app->set_version_flag("--version", "milk 0.1.0");
  app->require_subcommand(1);
  app->fallthrough();  // global flags may also follow the subcommand: milk chain list --json
  GlobalOptions& o = ctx->options;
  app->add_flag("--json", o.json, "print results as JSON");
  app->add_option("--peer", o.peers,
                  "node endpoint host:port; repeat for several (the first receives Submit); "
                  "default " +
                      std::string(kDefaultPeer))
      ->check([](const std::string& value) { return CheckEndpoint(value); })
      ->type_name("HOST:PORT");
  app->add_option("--identity", o.identity_dir,
                  "identity directory: `key`, plus `cert` for org members")
      ->type_name("DIR");
  app->add_option("--timeout-ms", o.timeout_ms, "deadline of each call to a node")
      ->check(CLI::Range(int64_t{1}, kTimeoutMsMax))
      ->capture_default_str();
  RegisterCryptoCommands(*app, ctx);
  RegisterChainCommands(*app, ctx);
  RegisterChaincodeCommands(*app, ctx);
  return app;
}

int RunMilkApp(CLI::App& app, CliContext& ctx, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::CallForHelp&) {
    ctx.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    ctx.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    ctx.out << e.what() << "\n";
    return 0;
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // the command already printed its "milk: ..." line
  } catch (const CLI::ParseError& e) {
    ctx.err << "milk: " << e.what() << " (run with --help for usage)\n";
    return 2;
  } catch (const std::exception& e) {
    ctx.err << "milk: internal error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace milk::cli
