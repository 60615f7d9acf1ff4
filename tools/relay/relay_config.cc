#include "tools/relay/relay_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "node/ops/host_port.h"
#include "node/ops/logging.h"

namespace milk::relay {
namespace {

// Refuses keys of `node` (a map at `path`) outside `known`.
Status CheckKeys(const YAML::Node& node, const std::string& path,
                 const std::set<std::string>& known) {
  if (!node.IsMap()) return InvalidArgument(path + ": must be a mapping");
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    if (known.count(key) == 0) {
      return InvalidArgument((path.empty() ? key : path + "." + key) + ": unknown key");
    }
  }
  return Status::Ok();
}

std::string Join(const std::string& path, const char* key) {
  return path.empty() ? key : path + "." + key;
}

Status ReadString(const YAML::Node& parent, const std::string& path, const char* key, bool required,
                  std::string& out) {
  const YAML::Node node = parent[key];
  if (!node) return required ? InvalidArgument(Join(path, key) + ": required") : Status::Ok();
  if (!node.IsScalar()) return InvalidArgument(Join(path, key) + ": must be a string");
  out = node.as<std::string>();
  if (required && out.empty()) return InvalidArgument(Join(path, key) + ": must not be empty");
  return Status::Ok();
}

template <typename Int>
Status ReadInt(const YAML::Node& parent, const std::string& path, const char* key, Int min, Int max,
               Int& out) {
  const YAML::Node node = parent[key];
  if (!node) return Status::Ok();
  Int value{};
  if (!node.IsScalar() || !YAML::convert<Int>::decode(node, value) || value < min || value > max) {
    return InvalidArgument(Join(path, key) + ": must be a whole number from " +
                           std::to_string(min) + " to " + std::to_string(max));
  }
  out = value;
  return Status::Ok();
}

Status ReadStringList(const YAML::Node& parent, const std::string& path, const char* key,
                      std::vector<std::string>& out) {
  const YAML::Node node = parent[key];
  if (!node) return Status::Ok();
  if (!node.IsSequence()) return InvalidArgument(Join(path, key) + ": must be a list");
  for (const YAML::Node& entry : node) {
    if (!entry.IsScalar()) return InvalidArgument(Join(path, key) + ": entries must be strings");
    out.push_back(entry.as<std::string>());
  }
  return Status::Ok();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

Status ReadChain(const YAML::Node& node, const std::string& path, const char* chaincode_key,
                 const char* chaincode_default, ChainEndpoints& out) {
  MILK_RETURN_IF_ERROR(
      CheckKeys(node, path, {"chain_id", "peers", chaincode_key, "proof_signatures"}));
  MILK_RETURN_IF_ERROR(ReadString(node, path, "chain_id", true, out.chain_id));
  if (!node["peers"]) return InvalidArgument(path + ".peers: required");
  MILK_RETURN_IF_ERROR(ReadStringList(node, path, "peers", out.peers));
  if (out.peers.empty() || out.peers.size() > kPeersPerChainMax) {
    return InvalidArgument(path + ".peers: list 1 to " + std::to_string(kPeersPerChainMax) +
                           " peers");
  }
  for (const std::string& peer : out.peers) {
    Result<ops::HostPort> parsed = ops::ParseHostPort(peer);
    if (!parsed.ok() || parsed->port == 0) {
      return InvalidArgument(path + ".peers: \"" + peer + "\" is not host:port");
    }
  }
  out.chaincode = chaincode_default;
  MILK_RETURN_IF_ERROR(ReadString(node, path, chaincode_key, false, out.chaincode));
  if (out.chaincode.empty()) return InvalidArgument(Join(path, chaincode_key) + ": empty");
  return ReadInt(node, path, "proof_signatures", 1, kProofSignaturesMax, out.proof_signatures);
}

Status ReadTopLevel(const YAML::Node& root, const std::string& base_dir, RelayConfig& config) {
  MILK_RETURN_IF_ERROR(CheckKeys(root, "",
                                 {"version", "identity", "tls", "center", "brand_chains", "listen",
                                  "poll_ms", "request_timeout_ms", "in_flight_max", "log"}));
  MILK_RETURN_IF_ERROR(ReadInt<uint32_t>(root, "", "version", 1, 1, config.version));
  MILK_RETURN_IF_ERROR(ReadString(root, "", "identity", true, config.identity_dir));
  config.identity_dir = Resolve(base_dir, config.identity_dir);
  if (const YAML::Node tls = root["tls"]) {
    MILK_RETURN_IF_ERROR(CheckKeys(tls, "tls", {"enabled", "ca_files"}));
    if (tls["enabled"]) {
      if (!YAML::convert<bool>::decode(tls["enabled"], config.tls_enabled)) {
        return InvalidArgument("tls.enabled: must be true or false");
      }
    }
    MILK_RETURN_IF_ERROR(ReadStringList(tls, "tls", "ca_files", config.tls_ca_files));
    for (std::string& file : config.tls_ca_files) file = Resolve(base_dir, file);
  }
  if (!root["center"]) return InvalidArgument("center: required");
  MILK_RETURN_IF_ERROR(ReadChain(root["center"], "center", "exchange", "exchange", config.center));
  const YAML::Node brands = root["brand_chains"];
  if (!brands || !brands.IsSequence() || brands.size() == 0 || brands.size() > kBrandChainsMax) {
    return InvalidArgument("brand_chains: a list of 1 to " + std::to_string(kBrandChainsMax) +
                           " chains is required");
  }
  std::set<std::string> ids = {config.center.chain_id};
  for (size_t i = 0; i < brands.size(); ++i) {
    ChainEndpoints chain;
    const std::string path = "brand_chains[" + std::to_string(i) + "]";
    MILK_RETURN_IF_ERROR(ReadChain(brands[i], path, "swap", "swap", chain));
    if (!ids.insert(chain.chain_id).second) {
      return InvalidArgument(path + ".chain_id: \"" + chain.chain_id + "\" is listed twice");
    }
    config.brand_chains.push_back(std::move(chain));
  }
  return Status::Ok();
}

Status ReadPacing(const YAML::Node& root, RelayConfig& config) {
  if (const YAML::Node listen = root["listen"]) {
    MILK_RETURN_IF_ERROR(CheckKeys(listen, "listen", {"operations"}));
    MILK_RETURN_IF_ERROR(
        ReadString(listen, "listen", "operations", false, config.operations_listen));
    if (!config.operations_listen.empty() && !ops::ParseHostPort(config.operations_listen).ok()) {
      return InvalidArgument("listen.operations: \"" + config.operations_listen +
                             "\" is not host:port");
    }
  }
  MILK_RETURN_IF_ERROR(ReadInt(root, "", "poll_ms", kPollMsMin, kPollMsMax, config.poll_ms));
  MILK_RETURN_IF_ERROR(ReadInt(root, "", "request_timeout_ms", kRequestTimeoutMsMin,
                               kRequestTimeoutMsMax, config.request_timeout_ms));
  MILK_RETURN_IF_ERROR(ReadInt(root, "", "in_flight_max", 1, 256, config.in_flight_max));
  if (const YAML::Node log = root["log"]) {
    MILK_RETURN_IF_ERROR(CheckKeys(log, "log", {"level", "format"}));
    MILK_RETURN_IF_ERROR(ReadString(log, "log", "level", false, config.log_level));
    MILK_RETURN_IF_ERROR(ReadString(log, "log", "format", false, config.log_format));
    if (!ops::ParseLogLevel(config.log_level).ok()) {
      return InvalidArgument("log.level: one of trace, debug, info, warn, error");
    }
    if (!ops::ParseLogFormat(config.log_format).ok()) {
      return InvalidArgument("log.format: text or json");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RelayConfig> ParseRelayConfig(const std::string& yaml_text, const std::string& base_dir) {
  RelayConfig config;
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap()) return InvalidArgument("the relay config must be a YAML mapping");
    MILK_RETURN_IF_ERROR(ReadTopLevel(root, base_dir, config));
    MILK_RETURN_IF_ERROR(ReadPacing(root, config));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("not valid YAML: ") + e.what());
  }
  return config;
}

Result<RelayConfig> LoadRelayConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound(path + ": cannot open the relay config");
  std::stringstream text;
  text << in.rdbuf();
  Result<RelayConfig> config =
      ParseRelayConfig(text.str(), std::filesystem::path(path).parent_path().string());
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

}  // namespace milk::relay
