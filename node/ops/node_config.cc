#include "node/ops/node_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "node/ops/host_port.h"
#include "node/ops/node_config_keys.h"

namespace milk::ops {
namespace {

using internal::ConfigKey;
using internal::ConfigKeys;
using internal::FindConfigKey;

// A node config is about 1 KiB; a file far larger than this is the wrong file.
constexpr uintmax_t kConfigFileBytesMax = 1 << 20;
// Unknown keys within this many edits of a known key get a "did you mean" hint.
constexpr size_t kTypoDistanceMax = 2;

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Status UnknownKey(std::string_view key) {
  std::string message = std::string(key) + ": unknown key";
  for (const ConfigKey& entry : ConfigKeys()) {
    if (EditDistance(key, entry.key) <= kTypoDistanceMax) {
      message += " (did you mean " + std::string(entry.key) + "?)";
      break;
    }
  }
  return InvalidArgument(message);
}

// "node", "node.identity", "listen", ...: a prefix of some key.
bool IsSection(std::string_view name) {
  for (const ConfigKey& entry : ConfigKeys()) {
    if (entry.key.size() > name.size() && entry.key.substr(0, name.size()) == name &&
        entry.key[name.size()] == '.') {
      return true;
    }
  }
  return false;
}

std::string LineOf(const YAML::Node& node) {
  return "line " + std::to_string(node.Mark().line + 1);
}

// A YAML list of paths in the joined form a list key's `set` takes. An item holding the
// separator would be split in two, so it is refused.
Result<std::string> JoinSequence(const YAML::Node& sequence, const std::string& where) {
  std::string joined;
  for (size_t i = 0; i < sequence.size(); ++i) {
    const std::string item = where + "[" + std::to_string(i) + "]";
    if (!sequence[i].IsScalar()) return InvalidArgument(item + ": must be a path");
    const std::string& path = sequence[i].Scalar();
    if (path.empty()) return InvalidArgument(item + ": must be a non-empty path");
    if (path.find(internal::kListSeparator) != std::string::npos) {
      return InvalidArgument(item + ": a path in this list may not contain '" +
                             std::string(1, internal::kListSeparator) + "', got \"" + path +
                             "\"");
    }
    if (i > 0) joined += internal::kListSeparator;
    joined += path;
  }
  return joined;
}

// Applies every key of one mapping (recursing into sections), recording keys seen.
Status ApplyMapping(const YAML::Node& mapping, const std::string& prefix,
                    const std::string& base_dir, std::set<std::string>& seen, NodeConfig& config) {
  for (const auto& item : mapping) {
    if (!item.first.IsScalar()) return InvalidArgument(LineOf(item.first) + ": keys must be plain");
    std::string key = prefix.empty() ? item.first.Scalar() : prefix + "." + item.first.Scalar();
    const YAML::Node& value = item.second;
    std::string where = LineOf(item.first) + ": " + key;
    if (!seen.insert(key).second) return InvalidArgument(where + ": duplicate key");
    if (IsSection(key)) {
      if (value.IsNull()) continue;  // an empty section: all defaults
      if (!value.IsMap()) return InvalidArgument(where + ": must be a mapping (a section of keys)");
      MILK_RETURN_IF_ERROR(ApplyMapping(value, key, base_dir, seen, config));
      continue;
    }
    const ConfigKey* entry = FindConfigKey(key);
    if (entry == nullptr) return UnknownKey(key).WithContext(LineOf(item.first));
    if (value.IsNull()) {
      return InvalidArgument(where + ": has no value (remove the key to use the default)");
    }
    std::string text;
    if (entry->list && value.IsSequence()) {
      MILK_ASSIGN_OR_RETURN(text, JoinSequence(value, where));
    } else if (!value.IsScalar()) {
      return InvalidArgument(where + (entry->list ? ": must be a list of paths"
                                                  : ": must be a single value, not a list"));
    } else {
      text = value.Scalar();
    }
    Status status = entry->set(config, text, base_dir);
    if (!status.ok()) return status.WithContext(where);
  }
  return Status::Ok();
}

// Parses the document into config without the final validation.
Status ParseInto(std::string_view yaml_text, const std::string& base_dir, NodeConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return Status::Ok();  // empty file: required keys are reported later
  if (!root.IsMap()) return InvalidArgument("the top level must be a mapping of sections");
  std::set<std::string> seen;
  return ApplyMapping(root, "", base_dir, seen, config);
}

// Parses the document, then resolves the default data_dir ("./data") against base_dir too, so
// every stored path is absolute whether or not the file set it.
Status ParseAndResolve(std::string_view yaml_text, const std::string& base_dir,
                       NodeConfig& config) {
  MILK_RETURN_IF_ERROR(ParseInto(yaml_text, base_dir, config));
  const ConfigKey* data_dir = FindConfigKey("node.data_dir");
  MILK_CHECK(data_dir != nullptr);
  return data_dir->set(config, data_dir->get(config), base_dir);
}

std::string AbsoluteDir(const std::string& dir) {
  return std::filesystem::absolute(dir).lexically_normal().string();
}

// The three tls keys go together: a certificate without trusted CAs could not verify peers, and
// CAs without a certificate would leave the node plaintext while its operator thinks otherwise.
Status CheckTls(const NodeConfig::Tls& tls) {
  const bool any = !tls.cert_file.empty() || !tls.key_file.empty() || !tls.ca_files.empty();
  const char* missing = tls.cert_file.empty()  ? "tls.cert_file"
                        : tls.key_file.empty() ? "tls.key_file"
                        : tls.ca_files.empty() ? "tls.ca_files"
                                               : nullptr;
  if (any && missing != nullptr) {
    return InvalidArgument(std::string(missing) +
                           ": required when the tls section sets any key (TLS needs the "
                           "certificate, its key and at least one trusted CA; remove the "
                           "whole section for plaintext)");
  }
  return Status::Ok();
}

Status CheckListenPorts(const NodeConfig& config) {
  Result<HostPort> grpc = ParseHostPort(config.listen.grpc);
  Result<HostPort> operations = ParseHostPort(config.listen.operations);
  if (!grpc.ok() || !operations.ok()) return Status::Ok();  // reported per key already
  bool same_host = grpc->host == operations->host || IsWildcardHost(grpc->host) ||
                   IsWildcardHost(operations->host);
  if (grpc->port != 0 && grpc->port == operations->port && same_host) {
    return InvalidArgument("listen.operations: \"" + config.listen.operations +
                           "\" clashes with listen.grpc \"" + config.listen.grpc +
                           "\" (use another port)");
  }
  return Status::Ok();
}

}  // namespace

Result<NodeConfig> ParseNodeConfigYaml(std::string_view yaml_text, const std::string& base_dir) {
  NodeConfig config;
  MILK_RETURN_IF_ERROR(ParseAndResolve(yaml_text, AbsoluteDir(base_dir), config));
  MILK_RETURN_IF_ERROR(ValidateNodeConfig(config));
  return config;
}

Result<NodeConfig> LoadNodeConfig(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  const std::string context = "config " + path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound(context + ": no such file");
  }
  uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size > kConfigFileBytesMax) {
    return InvalidArgument(context + ": larger than " + std::to_string(kConfigFileBytesMax) +
                           " bytes; is this the node config?");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return IoError(context + ": cannot read");

  NodeConfig config;
  std::string base_dir = AbsoluteDir(std::filesystem::absolute(path).parent_path().string());
  Status status = ParseAndResolve(text.str(), base_dir, config);
  if (!status.ok()) return status.WithContext(context);
  for (const std::string& assignment : overrides) {
    size_t equals = assignment.find('=');
    if (equals == std::string::npos) {
      return InvalidArgument(context + ": --set " + assignment + ": expected key=value");
    }
    status = ApplyOverride(config, std::string_view(assignment).substr(0, equals),
                           std::string_view(assignment).substr(equals + 1));
    if (!status.ok()) return status.WithContext(context + ": --set");
  }
  status = ValidateNodeConfig(config);
  if (!status.ok()) return status.WithContext(context);
  return config;
}

Status ApplyOverride(NodeConfig& config, std::string_view key, std::string_view value) {
  const ConfigKey* entry = FindConfigKey(key);
  if (entry == nullptr) return UnknownKey(key);
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  if (ec) return IoError("cannot read the working directory: " + ec.message());
  Status status = entry->set(config, value, cwd);
  if (!status.ok()) return status.WithContext(std::string(key));
  return Status::Ok();
}

Status ValidateNodeConfig(const NodeConfig& config) {
  for (const ConfigKey& entry : ConfigKeys()) {
    std::string value = entry.get(config);
    if (entry.required && value.empty()) {
      return InvalidArgument(std::string(entry.key) + ": required key is missing");
    }
    NodeConfig scratch;  // set() is the one place each range lives; run it on a copy
    Status status = entry.set(scratch, value, "/");
    if (!status.ok()) return status.WithContext(std::string(entry.key));
  }
  const NodeConfig::Identity& consenter = config.node.consenter_identity;
  if (consenter.key_file.empty() != consenter.cert_file.empty()) {
    return InvalidArgument(std::string("node.consenter_identity.") +
                           (consenter.key_file.empty() ? "key_file" : "cert_file") +
                           ": required when the other consenter identity file is set (a "
                           "consenter identity needs both key and certificate, or neither)");
  }
  MILK_RETURN_IF_ERROR(CheckTls(config.tls));
  MILK_RETURN_IF_ERROR(CheckListenPorts(config));
  if (config.ordering.max_bytes > config.limits.grpc_message_bytes_max) {
    return InvalidArgument("ordering.max_bytes: must be <= limits.grpc_message_bytes_max (" +
                           std::to_string(config.limits.grpc_message_bytes_max) + "), got " +
                           std::to_string(config.ordering.max_bytes) +
                           " (a block must fit in one gRPC message)");
  }
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> NodeConfigEntries(const NodeConfig& config) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const ConfigKey& entry : ConfigKeys()) {
    out.emplace_back(std::string(entry.key), entry.get(config));
  }
  return out;
}

uint32_t EffectiveValidationThreads(const NodeConfig& config) {
  if (config.validation.threads > 0) return config.validation.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace milk::ops
