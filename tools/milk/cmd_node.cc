// milk node start: runs the node in the foreground (the same process as milkd).
#include "node/daemon.h"
#include "tools/milk/commands.h"

namespace milk::cli {

void RegisterNodeCommands(CLI::App& app) {
  CLI::App* node = app.add_subcommand("node", "Run a ledger node");
  node->require_subcommand(1);
  CLI::App* start = node->add_subcommand("start", "Start a node in the foreground (as milkd)");
  auto options = std::make_shared<milk::node::DaemonOptions>();
  start->add_option("--config,-c", options->config_path, "Node config YAML (docs/node_config.md)")
      ->required();
  start->add_option("--set", options->overrides, "Override a config key: key=value (repeatable)");
  start->add_option("--ready-file", options->ready_file,
                    "Write {pid, grpc, operations} as JSON here once serving");
  start->callback([options] {
    int code = milk::node::RunDaemon(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace milk::cli
