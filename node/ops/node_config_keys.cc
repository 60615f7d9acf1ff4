#include "node/ops/node_config_keys.h"

#include <charconv>
#include <filesystem>

#include "node/ops/host_port.h"

namespace milk::ops::internal {
namespace {

// Node and org names become directory names and certificate fields: keep them plain.
constexpr size_t kNameBytesMax = 64;
// PATH_MAX on Linux.
constexpr size_t kPathBytesMax = 4096;

std::string Quoted(std::string_view value) { return "\"" + std::string(value) + "\""; }

template <typename T>
Status ParseInteger(std::string_view value, int64_t min, int64_t max, T& out) {
  int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || parsed < min ||
      parsed > max) {
    return InvalidArgument("must be an integer in [" + std::to_string(min) + ", " +
                           std::to_string(max) + "], got " + Quoted(value));
  }
  out = static_cast<T>(parsed);
  return Status::Ok();
}

Status ParseName(std::string_view value, std::string& out) {
  bool ok = !value.empty() && value.size() <= kNameBytesMax;
  for (char c : value) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return InvalidArgument("must be 1 to " + std::to_string(kNameBytesMax) +
                           " characters of [A-Za-z0-9._-], got " + Quoted(value));
  }
  out = std::string(value);
  return Status::Ok();
}

Status ParsePath(std::string_view value, const std::string& base_dir, bool allow_empty,
                 std::string& out) {
  if (value.empty() && allow_empty) {
    out.clear();
    return Status::Ok();
  }
  if (value.empty() || value.size() > kPathBytesMax || value.find('\0') != std::string_view::npos) {
    return InvalidArgument("must be a file path of 1 to " + std::to_string(kPathBytesMax) +
                           " bytes, got " + Quoted(value));
  }
  std::filesystem::path path(value);
  if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
  out = path.lexically_normal().string();
  return Status::Ok();
}

// Paths joined by kListSeparator ("" = none), each resolved as ParsePath does.
Status ParsePathList(std::string_view value, const std::string& base_dir, size_t count_max,
                     std::vector<std::string>& out) {
  std::vector<std::string> paths;
  size_t start = 0;
  while (!value.empty() && start <= value.size()) {
    size_t end = value.find(kListSeparator, start);
    if (end == std::string_view::npos) end = value.size();
    if (paths.size() == count_max) {
      return InvalidArgument("must list at most " + std::to_string(count_max) + " files");
    }
    std::string path;
    Status status = ParsePath(value.substr(start, end - start), base_dir, false, path);
    if (!status.ok()) return status.WithContext("item " + std::to_string(paths.size() + 1));
    paths.push_back(std::move(path));
    start = end + 1;
  }
  out = std::move(paths);
  return Status::Ok();
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += kListSeparator;
    joined += item;
  }
  return joined;
}

Status ParseBool(std::string_view value, bool& out) {
  if (value != "true" && value != "false") {
    return InvalidArgument("must be true or false, got " + Quoted(value));
  }
  out = value == "true";
  return Status::Ok();
}

Status ParseAddress(std::string_view value, std::string& out) {
  Result<HostPort> parsed = ParseHostPort(value);
  if (!parsed.ok()) return parsed.status();
  out = std::string(value);
  return Status::Ok();
}

#define MILK_NAME_KEY(key, member)                                  \
  ConfigKey {                                                       \
    key, true,                                                      \
        [](NodeConfig& c, std::string_view v, const std::string&) { \
          return ParseName(v, c.member);                            \
        },                                                          \
        [](const NodeConfig& c) { return c.member; }                \
  }
#define MILK_PATH_KEY(key, required, allow_empty, member)                \
  ConfigKey {                                                            \
    key, required,                                                       \
        [](NodeConfig& c, std::string_view v, const std::string& base) { \
          return ParsePath(v, base, allow_empty, c.member);              \
        },                                                               \
        [](const NodeConfig& c) { return c.member; }                     \
  }
#define MILK_ADDRESS_KEY(key, member)                               \
  ConfigKey {                                                       \
    key, false,                                                     \
        [](NodeConfig& c, std::string_view v, const std::string&) { \
          return ParseAddress(v, c.member);                         \
        },                                                          \
        [](const NodeConfig& c) { return c.member; }                \
  }
#define MILK_INTEGER_KEY(key, member, min, max)                      \
  ConfigKey {                                                        \
    key, false,                                                      \
        [](NodeConfig& c, std::string_view v, const std::string&) {  \
          return ParseInteger(v, min, max, c.member);                \
        },                                                           \
        [](const NodeConfig& c) { return std::to_string(c.member); } \
  }

// The ranges are documented with their reasons in docs/node_config.md.
constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;

const ConfigKey kKeys[] = {
    MILK_NAME_KEY("node.name", node.name),
    MILK_NAME_KEY("node.org", node.org),
    MILK_PATH_KEY("node.data_dir", false, false, node.data_dir),
    MILK_PATH_KEY("node.identity.key_file", true, false, node.identity.key_file),
    MILK_PATH_KEY("node.identity.cert_file", true, false, node.identity.cert_file),
    MILK_PATH_KEY("node.consenter_identity.key_file", false, true,
                  node.consenter_identity.key_file),
    MILK_PATH_KEY("node.consenter_identity.cert_file", false, true,
                  node.consenter_identity.cert_file),
    MILK_PATH_KEY("node.org_root_key_file", false, true, node.org_root_key_file),
    MILK_ADDRESS_KEY("listen.grpc", listen.grpc),
    MILK_ADDRESS_KEY("listen.operations", listen.operations),
    MILK_INTEGER_KEY("limits.grpc_message_bytes_max", limits.grpc_message_bytes_max, 64 * kKiB,
                     256 * kMiB),
    MILK_INTEGER_KEY("limits.max_timestamp_skew_ms", limits.max_timestamp_skew_ms, 1000, 86400000),
    MILK_INTEGER_KEY("limits.pending_submits_max", limits.pending_submits_max, 1, 10000000),
    MILK_INTEGER_KEY("limits.submit_stream_in_flight_max", limits.submit_stream_in_flight_max, 1,
                     1000000),
    MILK_INTEGER_KEY("validation.threads", validation.threads, 0, 1024),
    MILK_INTEGER_KEY("ordering.max_tx_count", ordering.max_tx_count, 1, 100000),
    MILK_INTEGER_KEY("ordering.max_bytes", ordering.max_bytes, kKiB, 256 * kMiB),
    MILK_INTEGER_KEY("ordering.batch_timeout_ms", ordering.batch_timeout_ms, 1, 60000),
    MILK_INTEGER_KEY("raft.tick_ms", raft.tick_ms, 1, 10000),
    MILK_INTEGER_KEY("raft.election_ticks", raft.election_ticks, 2, 1000),
    MILK_INTEGER_KEY("raft.snapshot_every_entries", raft.snapshot_every_entries, 2, 10000000),
    MILK_INTEGER_KEY("raft.snapshot_keep_entries", raft.snapshot_keep_entries, 0, 10000000),
    MILK_PATH_KEY("tls.cert_file", false, true, tls.cert_file),
    MILK_PATH_KEY("tls.key_file", false, true, tls.key_file),
    ConfigKey{"tls.ca_files", false,
              [](NodeConfig& c, std::string_view v, const std::string& base) {
                return ParsePathList(v, base, kTlsCaFilesMax, c.tls.ca_files);
              },
              [](const NodeConfig& c) { return JoinList(c.tls.ca_files); }, /*list=*/true},
    ConfigKey{"testing.fault_injection", false,
              [](NodeConfig& c, std::string_view v, const std::string&) {
                return ParseBool(v, c.testing.fault_injection);
              },
              [](const NodeConfig& c) {
                return std::string(c.testing.fault_injection ? "true" : "false");
              }},
    ConfigKey{"log.level", false,
              [](NodeConfig& c, std::string_view v, const std::string&) {
                Result<LogLevel> level = ParseLogLevel(v);
                if (!level.ok()) return level.status();
                c.log.level = *level;
                return Status::Ok();
              },
              [](const NodeConfig& c) { return std::string(LogLevelName(c.log.level)); }},
    ConfigKey{"log.format", false,
              [](NodeConfig& c, std::string_view v, const std::string&) {
                Result<LogFormat> format = ParseLogFormat(v);
                if (!format.ok()) return format.status();
                c.log.format = *format;
                return Status::Ok();
              },
              [](const NodeConfig& c) { return std::string(LogFormatName(c.log.format)); }},
};

}  // namespace

std::span<const ConfigKey> ConfigKeys() { return kKeys; }

const ConfigKey* FindConfigKey(std::string_view key) {
  for (const ConfigKey& entry : kKeys) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

}  // namespace milk::ops::internal
