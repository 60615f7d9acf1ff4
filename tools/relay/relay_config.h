// relay.yaml: what `milk relay` connects to and how it paces itself (docs/relay.md, "Config",
// format version 1). Every key has the default documented there; unknown keys are refused with
// the key named, so a typo never silently falls back to a default.
//
// Pure functions of their input (LoadRelayConfig also reads the file); thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"

namespace milk::relay {

// Bounds on config values. Below 10 ms a pass loop only burns CPU; above an hour the relay looks
// dead. A request under 100 ms cannot wait for a commit; over an hour is a typo.
inline constexpr int64_t kPollMsMin = 10;
inline constexpr int64_t kPollMsMax = 60 * 60 * 1000;
inline constexpr int64_t kRequestTimeoutMsMin = 100;
inline constexpr int64_t kRequestTimeoutMsMax = 60 * 60 * 1000;
// Signatures a merged proof may need: proofs carry at most 16 (chaincode/proof/view_proof.h).
inline constexpr int kProofSignaturesMax = 16;
// Peers listed per chain: a chain has a handful; the relay tries them in turn.
inline constexpr size_t kPeersPerChainMax = 32;
// Brand chains one relay serves: the network has tens; run more relays beyond that.
inline constexpr size_t kBrandChainsMax = 256;

struct ChainEndpoints {
  std::string chain_id;
  std::vector<std::string> peers;  // host:port, tried in order; the first also receives Submit
  std::string chaincode;           // center: the exchange's name; brand chain: the swap's name
  // Peers whose signatures one proof gathers (the source chain's verification policy's count).
  int proof_signatures = 1;
};

struct RelayConfig {
  uint32_t version = 1;
  // A member directory of the operator org with role relay: key, cert, tls.crt, tls.key.
  std::string identity_dir;
  bool tls_enabled = true;                   // false only for a local network without TLS
  std::vector<std::string> tls_ca_files;     // trusted besides the identity's own org TLS CA
  ChainEndpoints center;                     // chaincode defaults to "exchange"
  std::vector<ChainEndpoints> brand_chains;  // chaincode defaults to "swap"
  std::string operations_listen;             // "host:port" for /metrics and /healthz; "" = off
  int64_t poll_ms = 1000;
  int64_t request_timeout_ms = 30000;
  int in_flight_max = 16;
  std::string log_level = "info";
  std::string log_format = "text";
};

// Parses relay.yaml text. Relative paths (identity, tls.ca_files) are resolved against
// base_dir (the file's directory). kInvalidArgument naming the key for a missing required key,
// an unknown key, a value out of its bounds, a malformed endpoint or a duplicate chain id.
Result<RelayConfig> ParseRelayConfig(const std::string& yaml_text, const std::string& base_dir);

// Reads and parses the file. kNotFound when it does not exist; errors are prefixed with its path.
Result<RelayConfig> LoadRelayConfig(const std::string& path);

}  // namespace milk::relay
