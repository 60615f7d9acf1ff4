// CliContext, the root app with its global flags, and RunMilkApp's exit-code mapping.
#include <charconv>
#include <exception>
#include <filesystem>
#include <ostream>

#include "crypto/tls/credentials.h"
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
  if (options.tls_ca_file.empty()) {
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      Fail(InvalidArgument("--tls-cert and --tls-key need --tls-ca (or MILK_TLS_CA): the CA "
                           "that issued the node's TLS certificate"));
    }
    return gateway;
  }
  if (credentials_ == nullptr) {
    // TLS nodes admit members only (docs/tls.md, "Who may read a chain"): without --tls-cert,
    // an org member's --identity directory presents its own TLS certificate (tls.crt, tls.key).
    std::string cert_file = options.tls_cert_file, key_file = options.tls_key_file;
    if (cert_file.empty() && key_file.empty() && !options.identity_dir.empty() &&
        std::filesystem::exists(options.identity_dir + "/tls.crt") &&
        std::filesystem::exists(options.identity_dir + "/tls.key")) {
      cert_file = options.identity_dir + "/tls.crt";
      key_file = options.identity_dir + "/tls.key";
    }
    Result<crypto::tls::TlsMaterial> material =
        crypto::tls::LoadTlsClientFiles({options.tls_ca_file}, cert_file, key_file);
    if (!material.ok()) Fail(material.status().WithContext("TLS"));
    credentials_ = material->cert_pem.empty()
                       ? crypto::tls::ChannelCredentials(material->ca_pems, "", "")
                       : crypto::tls::ChannelCredentials(*material);
  }
  gateway.credentials = credentials_;
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

void CliContext::Fail(const Status& status) const {
  FailCommand(err, status.message() + TransportHint(status, !options.tls_ca_file.empty()));
}

std::string TransportHint(const Status& status, bool tls) {
  if (status.code() != Code::kUnavailable) return "";
  const std::string& message = status.message();
  auto has = [&message](const char* text) { return message.find(text) != std::string::npos; };
  if (has("connection refused")) return "";  // nobody listens: not a TLS matter
  if (!tls) {
    // A TLS server drops a plaintext HTTP/2 preface at once.
    if (has("Socket closed") || has("Connection reset") || has("connection closed") ||
        has("failed to connect")) {
      return " (if the node serves TLS, pass --tls-ca FILE or set MILK_TLS_CA to the TLS CA "
             "that issued its certificate, orgs/<org>/tls/ca.crt)";
    }
    return "";
  }
  if (has("WRONG_VERSION_NUMBER") || has("wrong version number") || has("packet length too long")) {
    return " (the node does not serve TLS: it answered in plaintext; drop --tls-ca and "
           "MILK_TLS_CA, or give the node a tls section in node.yaml)";
  }
  if (has("CERTIFICATE_VERIFY_FAILED") || has("certificate verify failed")) {
    return " (the node's TLS certificate was not issued by the CA in --tls-ca, or does not name "
           "the host dialed)";
  }
  if (has("Handshake") || has("handshake") || has("Socket closed") || has("failed to connect")) {
    return " (TLS handshake failed: check --tls-ca, and --tls-cert/--tls-key if the node "
           "requires a client certificate)";
  }
  return "";
}

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
  app->add_option("--tls-ca", o.tls_ca_file,
                  "connect with TLS, trusting this CA (PEM, e.g. orgs/<org>/tls/ca.crt) to have "
                  "issued the node's certificate; without it, plaintext")
      ->envname("MILK_TLS_CA")
      ->type_name("FILE");
  app->add_option("--tls-cert", o.tls_cert_file,
                  "TLS client certificate to present (PEM, members/<name>/tls.crt); default: "
                  "the --identity directory's tls.crt when it has one. TLS nodes admit only "
                  "members of the chain's orgs")
      ->envname("MILK_TLS_CERT")
      ->type_name("FILE");
  app->add_option("--tls-key", o.tls_key_file,
                  "the key of --tls-cert (PEM, members/<name>/tls.key)")
      ->envname("MILK_TLS_KEY")
      ->type_name("FILE");
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
