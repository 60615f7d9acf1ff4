// milkd: the MiL.k ledger node (same as `milk node start`).
#include <CLI/CLI.hpp>

#include "node/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"milkd: MiL.k ledger node (docs/node_config.md)"};
  milk::node::DaemonOptions options;
  app.add_option("--config,-c", options.config_path, "Node config YAML")->required();
  app.add_option("--set", options.overrides, "Override a config key: key=value (repeatable)");
  app.add_option("--ready-file", options.ready_file,
                 "Write {pid, grpc, operations} as JSON here once serving");
  CLI11_PARSE(app, argc, argv);
  return milk::node::RunDaemon(options);
}
