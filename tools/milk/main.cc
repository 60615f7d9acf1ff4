// milk: the MiL.k command line. See docs/cli.md.
#include <iostream>

#include "crypto/clock.h"
#include "tools/milk/commands.h"

int main(int argc, char** argv) {
  auto ctx =
      std::make_shared<milk::cli::CliContext>(std::cout, std::cerr, milk::SystemClock::Instance());
  std::unique_ptr<CLI::App> app = milk::cli::MakeMilkApp(ctx);
  milk::cli::RegisterClusterCommands(*app, ctx);
  milk::cli::RegisterNodeCommands(*app);
  milk::cli::RegisterLedgerCommands(*app, ctx);
  return milk::cli::RunMilkApp(*app, *ctx, argc, argv);
}
