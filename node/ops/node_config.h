// The node's own configuration file (node.yaml): identity, listen addresses, limits, defaults for
// chain profiles, logging. Every key, default and range is documented in docs/node_config.md; the
// defaults below are the same numbers, and a test loads that document's example file.
//
// Chain-level settings (members, consenters, policies) live in each chain's genesis block, not
// here; the ordering.* values are only the defaults a new chain profile starts from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "node/ops/logging.h"

namespace milk::ops {

// A node trusts the TLS CAs of the orgs of its chains: a few, tens at most. The bound keeps a
// mistaken glob in a deployment script from loading thousands of files.
inline constexpr size_t kTlsCaFilesMax = 256;

struct NodeConfig {
  // A member secret key and certificate, as `milk crypto generate` writes them
  // (orgs/<org>/members/<name>/key and .../cert).
  struct Identity {
    std::string key_file;
    std::string cert_file;
  };
  struct Node {
    std::string name;  // required; 1-64 of [A-Za-z0-9._-], the member name in the certificate
    std::string org;   // required; same charset, the org that issued the certificate
    // Block stores and world state, one subdirectory per chain. Relative: to the config file.
    std::string data_dir = "./data";
    Identity identity;  // required: the peer identity (role peer) the node signs with
    // Optional: the consenter (ordering) identity, role consenter. A node without one serves
    // and endorses but cannot order blocks. Both files or neither.
    Identity consenter_identity;
    // Optional ("" = none): the org's root public key file, to check our own certificate at start.
    std::string org_root_key_file;
  };
  struct Listen {
    // Loopback by default: exposing a node is a decision the operator makes explicitly.
    std::string grpc = "127.0.0.1:7051";        // Fabric's peer port
    std::string operations = "127.0.0.1:9443";  // Fabric's operations port: /healthz, /metrics
  };
  struct Limits {
    // gRPC's own default receive limit; [64 KiB, 256 MiB].
    uint64_t grpc_message_bytes_max = 4194304;
    // Transaction timestamps further than this from the node's clock are rejected when the chain
    // config sets no skew of its own. 5 minutes tolerates unsynchronised clocks; [1 s, 1 day].
    int64_t max_timestamp_skew_ms = 300000;
    // Transactions accepted by Submit but not yet in a block; beyond it Submit answers
    // RESOURCE_EXHAUSTED. 200 blocks of 500: a few seconds of peak load. [1, 10000000].
    uint64_t pending_submits_max = 100000;
    // Gateway.SubmitStream: requests of one stream waiting for their answers; past it the node
    // reads no more of that stream until answers go out (gRPC's flow control then holds the
    // client). 4096: eight full blocks. [1, 1000000].
    uint64_t submit_stream_in_flight_max = 4096;
  };
  struct Validation {
    uint32_t threads = 0;  // signature-checking threads; 0 = one per core. [0, 1024].
  };
  struct Ordering {
    // Defaults for new chain profiles; a block is cut at whichever limit is reached first.
    uint32_t max_tx_count = 500;     // [1, 100000]
    uint64_t max_bytes = 4194304;    // [1 KiB, 256 MiB], <= limits.grpc_message_bytes_max
    int64_t batch_timeout_ms = 200;  // [1, 60000]
  };
  struct Raft {
    int64_t tick_ms = 100;               // [1, 10000] one Raft tick
    uint32_t election_ticks = 10;        // [2, 1000] election timeout in ticks (1 s by default)
    uint64_t snapshot_every_entries = 1000;  // [2, 10000000] applied entries between snapshots
    uint64_t snapshot_keep_entries = 200;    // [0, 10000000] entries kept behind a snapshot
  };
  // Transport security of the gRPC port (docs/tls.md). Without cert_file the node serves
  // plaintext and dials other consenters in plaintext: local development only.
  struct Tls {
    // The node's X.509 TLS certificate and key (orgs/<org>/members/<name>/tls.crt, tls.key):
    // presented to clients, and as client certificate to other consenters, so on a consenter
    // node it is the consenter member's certificate the chain config binds. Both or neither.
    std::string cert_file;
    std::string key_file;
    // Every org TLS CA (orgs/<org>/tls/ca.crt) this node trusts, for client certificates and for
    // the servers it dials. Required with cert_file; 1 to kTlsCaFilesMax files.
    std::vector<std::string> ca_files;
  };
  struct Testing {
    // Test-only: allows the Admin RPC SetClusterFaults to cut this node off from other
    // consenters. Never true in production (docs/node_config.md).
    bool fault_injection = false;
  };
  struct Log {
    LogLevel level = LogLevel::kInfo;
    LogFormat format = LogFormat::kText;
  };

  Node node;
  Listen listen;
  Limits limits;
  Validation validation;
  Ordering ordering;
  Raft raft;
  Tls tls;
  Testing testing;
  Log log;
};

// Reads and validates a node config file, then applies `overrides` ("key=value" strings from
// --set flags, in order) and validates the result. Relative paths in the file are resolved
// against the file's directory; relative paths in overrides against the working directory. All
// stored paths are absolute.
// Errors (the message starts with "config <path>: " and names the key and the allowed values):
//   kNotFound         the file does not exist
//   kInvalidArgument  YAML syntax (with line and column), unknown or duplicate key, a section
//                     that is not a mapping, a key with no value, a wrong type or out-of-range
//                     value, a missing required key, or a failed cross-key check
Result<NodeConfig> LoadNodeConfig(const std::string& path,
                                  const std::vector<std::string>& overrides = {});

// LoadNodeConfig on text already read; base_dir resolves relative paths. No overrides.
Result<NodeConfig> ParseNodeConfigYaml(std::string_view yaml_text, const std::string& base_dir);

// Sets one key ("listen.grpc") from its string form ("127.0.0.1:0"), with the same parsing and
// range check as the file. A relative path is resolved against the working directory. On error
// (kInvalidArgument: unknown key or bad value) config is unchanged. Cross-key checks are left to
// ValidateNodeConfig, to run once all overrides are in.
Status ApplyOverride(NodeConfig& config, std::string_view key, std::string_view value);

// Checks every value and the cross-key rules: required keys set; node.consenter_identity has
// both files or neither; tls.cert_file, tls.key_file and tls.ca_files all set or none;
// listen.grpc and listen.operations not on the same port (unless port 0); ordering.max_bytes
// fits in limits.grpc_message_bytes_max. For configs built in code; LoadNodeConfig runs it.
Status ValidateNodeConfig(const NodeConfig& config);

// Every key with its current value in string form ("limits.pending_submits_max", "100000"), in
// documentation order: for logging the effective config at start and for `milk node status`.
std::vector<std::pair<std::string, std::string>> NodeConfigEntries(const NodeConfig& config);

// validation.threads with 0 replaced by the number of cores (at least 1).
uint32_t EffectiveValidationThreads(const NodeConfig& config);

}  // namespace milk::ops
