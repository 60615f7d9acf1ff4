// Private to milk_ops: the table of node.yaml keys shared by the YAML loader, --set overrides,
// validation and NodeConfigEntries, so each key is parsed and range-checked in exactly one place.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "node/ops/node_config.h"

namespace milk::ops::internal {

struct ConfigKey {
  std::string_view key;  // dotted path, e.g. "limits.pending_submits_max"
  bool required;
  // Parses `value` into config; relative paths are resolved against base_dir (absolute).
  // kInvalidArgument saying what is allowed, without the key (callers add it); config is
  // unchanged on error.
  Status (*set)(NodeConfig& config, std::string_view value, const std::string& base_dir);
  // The current value in the string form `set` accepts.
  std::string (*get)(const NodeConfig& config);
  // A list of paths: in YAML a sequence (or one scalar), whose items the loader joins with
  // kListSeparator before calling `set`; on the command line the joined form itself.
  bool list = false;
};

inline constexpr char kListSeparator = ',';

// Every key, in documentation order.
std::span<const ConfigKey> ConfigKeys();
// The key's entry, or null for an unknown key.
const ConfigKey* FindConfigKey(std::string_view key);

}  // namespace milk::ops::internal
