// milkd: the node process. Loads the YAML config, opens (and recovers) every joined chain,
// serves gRPC and the operations endpoint, and stops cleanly on SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace milk::node {

struct DaemonOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // "key=value", as --set on the command line
  // Written once the node serves: {"pid":..,"grpc":"127.0.0.1:port","operations":"..."}
  // so scripts and tests that bind port 0 learn the ports. Empty = none.
  std::string ready_file;
};

// Runs until a termination signal. Returns the process exit code; prints one line
// "milkd: <reason>" on stderr when it cannot start.
int RunDaemon(const DaemonOptions& options);

}  // namespace milk::node
