// milk: the MiL.k command line. See docs/cli.md.
#include <grpc/support/log.h>

#include <cstdlib>
#include <iostream>

#include "crypto/clock.h"
#include "tools/milk/commands.h"

namespace {

// gRPC prints failed TLS handshakes on stderr itself ("E1123 ... Handshake failed ..."). milk
// reports every failure in its one "milk: ..." line, gRPC's reason included, so gRPC's own lines
// are dropped unless GRPC_VERBOSITY asks for them (debugging).
void QuietGrpcLogs() {
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function([](gpr_log_func_args*) {});
}

}  // namespace

int main(int argc, char** argv) {
  QuietGrpcLogs();
  auto ctx =
      std::make_shared<milk::cli::CliContext>(std::cout, std::cerr, milk::SystemClock::Instance());
  std::unique_ptr<CLI::App> app = milk::cli::MakeMilkApp(ctx);
  milk::cli::RegisterViewCommand(app->get_subcommand("chain"), ctx);
  milk::cli::RegisterClusterCommands(*app, ctx);
  milk::cli::RegisterEconomyCommands(*app, ctx);
  milk::cli::RegisterNodeCommands(*app);
  milk::cli::RegisterLedgerCommands(*app, ctx);
  milk::cli::RegisterRelayCommands(*app, ctx);
  milk::cli::RegisterBenchCommands(*app, ctx);
  return milk::cli::RunMilkApp(*app, *ctx, argc, argv);
}
