// milkd: the node process. Loads the YAML config, opens (and recovers) every joined chain,
// serves gRPC and the operations endpoint, and stops cleanly on SIGINT/SIGTERM.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/status.h"

namespace milk::node {

class Node;
struct NodeOptions;

struct DaemonOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // "key=value", as --set on the command line
  // Written once the node serves: {"pid":..,"grpc":"127.0.0.1:port","operations":"..."}
  // so scripts and tests that bind port 0 learn the ports. Empty = none.
  std::string ready_file;
};

// A node serving as milkd does: the Node, its gRPC server and its operations endpoint, started
// from a node.yaml. RunDaemon runs one until a signal; the ordering benchmark
// (bench/ordering) runs three in one process.
class RunningNode {
 public:
  // Loads the config, opens (and recovers) every chain and starts serving. `adjust` may change
  // the NodeOptions built from the config before the node opens (the ordering benchmark turns on
  // NodeOptions.unchecked_ordering). Errors name what could not start.
  static Result<std::unique_ptr<RunningNode>> Start(
      const DaemonOptions& options, const std::function<void(NodeOptions&)>& adjust = {});
  virtual ~RunningNode() = default;  // Stop()
  virtual Node& node() = 0;
  virtual int grpc_port() const = 0;
  virtual int operations_port() const = 0;
  // Stops the node, then the servers. Idempotent.
  virtual void Stop() = 0;
};

// Runs until a termination signal. Returns the process exit code; prints one line
// "milkd: <reason>" on stderr when it cannot start.
int RunDaemon(const DaemonOptions& options);

}  // namespace milk::node
