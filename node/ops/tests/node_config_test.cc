#include "node/ops/node_config.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace milk::ops {
namespace {

namespace fs = std::filesystem;

// A fresh temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "milk_ops_config_XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }

 private:
  fs::path path_;
};

const std::string kMinimal =
    "node:\n"
    "  name: peer0\n"
    "  org: TICA\n"
    "  identity:\n"
    "    key_file: crypto/peer0/key\n"
    "    cert_file: /etc/milk/peer0.cert\n";

// The minimal file with `extra` appended (a whole section or more keys).
Result<NodeConfig> Parse(const std::string& extra) {
  return ParseNodeConfigYaml(kMinimal + extra, "/srv/milk");
}

// The error message for a file that must be rejected with kInvalidArgument.
std::string ErrorOf(const std::string& yaml) {
  Result<NodeConfig> config = ParseNodeConfigYaml(yaml, "/srv/milk");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == Code::kInvalidArgument);
  return config.status().message();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("a minimal file gets every documented default", "[config]") {
  Result<NodeConfig> config = Parse("");
  REQUIRE(config.ok());
  CHECK(config->node.name == "peer0");
  CHECK(config->node.org == "TICA");
  CHECK(config->node.data_dir == "/srv/milk/data");  // "./data" beside the config file
  CHECK(config->node.identity.key_file == "/srv/milk/crypto/peer0/key");
  CHECK(config->node.identity.cert_file == "/etc/milk/peer0.cert");
  CHECK(config->node.org_root_key_file.empty());
  CHECK(config->node.consenter_identity.key_file.empty());
  CHECK(config->node.consenter_identity.cert_file.empty());
  CHECK(config->listen.grpc == "127.0.0.1:7051");
  CHECK(config->listen.operations == "127.0.0.1:9443");
  CHECK(config->limits.grpc_message_bytes_max == 4194304);
  CHECK(config->limits.max_timestamp_skew_ms == 300000);
  CHECK(config->limits.pending_submits_max == 100000);
  CHECK(config->limits.submit_stream_in_flight_max == 4096);
  CHECK(config->validation.threads == 0);
  CHECK(config->ordering.max_tx_count == 500);
  CHECK(config->ordering.max_bytes == 4194304);
  CHECK(config->ordering.batch_timeout_ms == 200);
  CHECK(config->log.level == LogLevel::kInfo);
  CHECK(config->log.format == LogFormat::kText);
  CHECK(EffectiveValidationThreads(*config) >= 1);
}

TEST_CASE("every key can be set", "[config]") {
  Result<NodeConfig> config = ParseNodeConfigYaml(
      "node:\n"
      "  name: orderer-1.a\n"
      "  org: Brand_A\n"
      "  data_dir: /var/lib/milk\n"
      "  identity: {key_file: k, cert_file: ../c}\n"
      "  consenter_identity: {key_file: ck, cert_file: /o/cc}\n"
      "  org_root_key_file: root.pub\n"
      "listen: {grpc: \"0.0.0.0:7051\", operations: \"[::1]:0\"}\n"
      "limits:\n"
      "  grpc_message_bytes_max: 8388608\n"
      "  max_timestamp_skew_ms: 1000\n"
      "  pending_submits_max: 1\n"
      "  submit_stream_in_flight_max: 7\n"
      "validation: {threads: 3}\n"
      "ordering: {max_tx_count: 100000, max_bytes: 1024, batch_timeout_ms: 60000}\n"
      "log: {level: warn, format: json}\n",
      "/srv/milk/conf");
  REQUIRE(config.ok());
  CHECK(config->node.name == "orderer-1.a");
  CHECK(config->node.org == "Brand_A");
  CHECK(config->node.data_dir == "/var/lib/milk");
  CHECK(config->node.identity.key_file == "/srv/milk/conf/k");
  CHECK(config->node.identity.cert_file == "/srv/milk/c");
  CHECK(config->node.consenter_identity.key_file == "/srv/milk/conf/ck");
  CHECK(config->node.consenter_identity.cert_file == "/o/cc");
  CHECK(config->node.org_root_key_file == "/srv/milk/conf/root.pub");
  CHECK(config->listen.grpc == "0.0.0.0:7051");
  CHECK(config->listen.operations == "[::1]:0");
  CHECK(config->limits.grpc_message_bytes_max == 8388608);
  CHECK(config->limits.max_timestamp_skew_ms == 1000);
  CHECK(config->limits.pending_submits_max == 1);
  CHECK(config->limits.submit_stream_in_flight_max == 7);
  CHECK(config->validation.threads == 3);
  CHECK(EffectiveValidationThreads(*config) == 3);
  CHECK(config->ordering.max_tx_count == 100000);
  CHECK(config->ordering.max_bytes == 1024);
  CHECK(config->ordering.batch_timeout_ms == 60000);
  CHECK(config->log.level == LogLevel::kWarn);
  CHECK(config->log.format == LogFormat::kJson);
}

TEST_CASE("LoadNodeConfig resolves relative paths against the file's directory", "[config]") {
  TempDir dir;
  std::string path = dir.Write("etc/node.yaml", kMinimal + "  data_dir: ../state\n");
  Result<NodeConfig> config = LoadNodeConfig(path);
  REQUIRE(config.ok());
  fs::path base = fs::absolute(dir.path()).lexically_normal();
  CHECK(config->node.identity.key_file == (base / "etc/crypto/peer0/key").string());
  CHECK(config->node.identity.cert_file == "/etc/milk/peer0.cert");
  CHECK(config->node.data_dir == (base / "state").string());
}

TEST_CASE("LoadNodeConfig file errors", "[config]") {
  TempDir dir;
  Result<NodeConfig> missing = LoadNodeConfig((dir.path() / "none.yaml").string());
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(Contains(missing.status().message(), "none.yaml"));

  std::string big = dir.Write("big.yaml", "# " + std::string(2 << 20, 'x') + "\n");
  CHECK(LoadNodeConfig(big).status().code() == Code::kInvalidArgument);

  std::string bad = dir.Write("bad.yaml", "node:\n  name: [unclosed\n");
  Result<NodeConfig> syntax = LoadNodeConfig(bad);
  CHECK(syntax.status().code() == Code::kInvalidArgument);
  CHECK(Contains(syntax.status().message(), "config " + bad + ": line "));
}

TEST_CASE("unknown keys are errors naming the key", "[config]") {
  std::string typo = ErrorOf(kMinimal + "listen:\n  grcp: 127.0.0.1:1\n");
  CHECK(Contains(typo, "line 8: listen.grcp: unknown key (did you mean listen.grpc?)"));
  CHECK(Contains(ErrorOf(kMinimal + "metrics: {port: 1}\n"), "metrics: unknown key"));
  CHECK(Contains(ErrorOf(kMinimal + "  identity_file: x\n"), "node.identity_file: unknown key"));
  CHECK(Contains(ErrorOf(kMinimal + "listen: {grpc: \"a:1\", grpc: \"b:2\"}\n"),
                 "listen.grpc: duplicate key"));
  // A repeated section is rejected rather than merged or silently replaced.
  CHECK(Contains(ErrorOf(kMinimal + "node: {data_dir: /x}\n"), "node: duplicate key"));
}

TEST_CASE("wrong shapes are errors", "[config]") {
  CHECK(Contains(ErrorOf("- a\n- b\n"), "top level must be a mapping"));
  CHECK(Contains(ErrorOf(kMinimal + "listen: 127.0.0.1:1\n"), "listen: must be a mapping"));
  CHECK(Contains(ErrorOf(kMinimal + "validation:\n  threads: [1, 2]\n"),
                 "validation.threads: must be a single value"));
  CHECK(Contains(ErrorOf(kMinimal + "validation:\n  threads:\n"),
                 "validation.threads: has no value"));
  CHECK(Contains(ErrorOf(kMinimal + "? [a, b]\n: 1\n"), "keys must be plain"));
  // An empty section is fine: all its defaults apply.
  CHECK(Parse("listen:\nlimits:\n").ok());
}

TEST_CASE("missing required keys are errors", "[config]") {
  CHECK(Contains(ErrorOf(""), "node.name: required key is missing"));
  CHECK(Contains(ErrorOf("node: {name: a}\n"), "node.org: required key is missing"));
  CHECK(Contains(ErrorOf("node: {name: a, org: b}\n"),
                 "node.identity.key_file: required key is missing"));
  CHECK(Contains(ErrorOf("node: {name: a, org: b, identity: {key_file: k}}\n"),
                 "node.identity.cert_file: required key is missing"));
}

TEST_CASE("out-of-range and mistyped values name the key and the range", "[config]") {
  struct Case {
    std::string section;
    std::string expected;
  };
  const Case cases[] = {
      {"limits: {grpc_message_bytes_max: 65535}",
       "limits.grpc_message_bytes_max: must be an integer in [65536, 268435456], got \"65535\""},
      {"limits: {grpc_message_bytes_max: 268435457}", "[65536, 268435456]"},
      {"limits: {max_timestamp_skew_ms: 999}",
       "limits.max_timestamp_skew_ms: must be an "
       "integer in [1000, 86400000], got \"999\""},
      {"limits: {max_timestamp_skew_ms: 86400001}", "[1000, 86400000]"},
      {"limits: {pending_submits_max: 0}",
       "limits.pending_submits_max: must be an integer in "
       "[1, 10000000], got \"0\""},
      {"limits: {pending_submits_max: 10000001}", "[1, 10000000]"},
      {"limits: {submit_stream_in_flight_max: 0}",
       "limits.submit_stream_in_flight_max: must be an integer in [1, 1000000], got \"0\""},
      {"limits: {submit_stream_in_flight_max: 1000001}", "[1, 1000000]"},
      {"validation: {threads: -1}", "validation.threads: must be an integer in [0, 1024]"},
      {"validation: {threads: 1025}", "validation.threads: must be an integer in [0, 1024]"},
      {"validation: {threads: four}",
       "validation.threads: must be an integer in [0, 1024], "
       "got \"four\""},
      {"validation: {threads: 2.5}", "got \"2.5\""},
      {"validation: {threads: 0x10}", "got \"0x10\""},
      {"validation: {threads: true}", "got \"true\""},
      {"ordering: {max_tx_count: 0}", "ordering.max_tx_count: must be an integer in [1, 100000]"},
      {"ordering: {max_tx_count: 100001}", "[1, 100000]"},
      {"ordering: {max_bytes: 1023}",
       "ordering.max_bytes: must be an integer in [1024, "
       "268435456]"},
      {"ordering: {max_bytes: 99999999999999999999}", "ordering.max_bytes: must be an integer"},
      {"ordering: {batch_timeout_ms: 0}",
       "ordering.batch_timeout_ms: must be an integer in [1, "
       "60000]"},
      {"ordering: {batch_timeout_ms: 60001}", "[1, 60000]"},
      {"log: {level: verbose}",
       "log.level: unknown log level \"verbose\" (expected trace, "
       "debug, info, warn or error)"},
      {"log: {level: INFO}", "log.level: unknown log level"},
      {"log: {format: xml}", "log.format: unknown log format \"xml\" (expected text or json)"},
      {"listen: {grpc: localhost}", "listen.grpc: address \"localhost\" has no port"},
      {"listen: {grpc: \":7051\"}", "listen.grpc: address \":7051\" has no host"},
      {"listen: {operations: \"127.0.0.1:65536\"}",
       "listen.operations: address "
       "\"127.0.0.1:65536\" has an invalid port"},
      {"listen: {operations: \"::1:80\"}", "IPv6 needs brackets"},
      {"listen: {operations: \"host name:80\"}", "has an invalid host"},
      {"listen: {operations: \"[]:80\"}", "unclosed"},
      {"listen: {operations: \"[zz::1]:80\"}", "invalid IPv6 literal"},
      {"listen: {operations: \"127.0.0.1:\"}", "invalid port"},
  };
  for (const Case& c : cases) {
    INFO(c.section);
    CHECK(Contains(ErrorOf(kMinimal + c.section + "\n"), c.expected));
  }
}

TEST_CASE("names and paths are checked", "[config]") {
  CHECK(Contains(ErrorOf("node: {name: \"\", org: b, identity: {key_file: k, cert_file: c}}\n"),
                 "node.name: must be 1 to 64 characters of [A-Za-z0-9._-], got \"\""));
  CHECK(Contains(ErrorOf("node: {name: \"a b\", org: b, identity: {key_file: k, cert_file: c}}\n"),
                 "node.name: must be 1 to 64"));
  CHECK(Contains(ErrorOf("node: {name: a, org: \"" + std::string(65, 'o') +
                         "\", identity: {key_file: k, cert_file: c}}\n"),
                 "node.org: must be 1 to 64"));
  CHECK(ParseNodeConfigYaml("node: {name: " + std::string(64, 'n') +
                                ", org: o, identity: {key_file: k, cert_file: c}}\n",
                            "/")
            .ok());
  CHECK(Contains(ErrorOf("node: {name: a, org: b, identity: {key_file: \"\", cert_file: c}}\n"),
                 "node.identity.key_file: must be a file path of 1 to 4096 bytes"));
  CHECK(Contains(ErrorOf(kMinimal + "  data_dir: \"\"\n"), "node.data_dir: must be a file path"));
  // The optional root key may be set to "" explicitly (no root key).
  CHECK(Parse("  org_root_key_file: \"\"\n").ok());
}

TEST_CASE("cross-key checks", "[config]") {
  CHECK(Contains(ErrorOf(kMinimal + "  consenter_identity: {key_file: k}\n"),
                 "node.consenter_identity.cert_file: required when the other"));
  CHECK(Contains(ErrorOf(kMinimal + "  consenter_identity: {cert_file: c}\n"),
                 "node.consenter_identity.key_file: required when the other"));
  CHECK(Parse("  consenter_identity: {key_file: k, cert_file: c}\n").ok());
  CHECK(Contains(ErrorOf(kMinimal + "listen: {grpc: \"127.0.0.1:7000\", operations: "
                                    "\"127.0.0.1:7000\"}\n"),
                 "listen.operations: \"127.0.0.1:7000\" clashes with listen.grpc"));
  CHECK(Contains(ErrorOf(kMinimal + "listen: {grpc: \"0.0.0.0:7000\", operations: "
                                    "\"127.0.0.1:7000\"}\n"),
                 "clashes"));
  CHECK(Parse("listen: {grpc: \"127.0.0.1:7000\", operations: \"127.0.0.2:7000\"}\n").ok());
  CHECK(Parse("listen: {grpc: \"127.0.0.1:0\", operations: \"127.0.0.1:0\"}\n").ok());
  CHECK(Contains(ErrorOf(kMinimal + "ordering: {max_bytes: 8388608}\n"),
                 "ordering.max_bytes: must be <= limits.grpc_message_bytes_max (4194304), got "
                 "8388608"));
  CHECK(Parse("ordering: {max_bytes: 8388608}\nlimits: {grpc_message_bytes_max: 8388608}\n").ok());
}

TEST_CASE("ApplyOverride sets one key with the file's checks", "[config]") {
  Result<NodeConfig> loaded = Parse("");
  REQUIRE(loaded.ok());
  NodeConfig config = *loaded;
  REQUIRE(ApplyOverride(config, "listen.grpc", "127.0.0.1:0").ok());
  CHECK(config.listen.grpc == "127.0.0.1:0");
  REQUIRE(ApplyOverride(config, "validation.threads", "8").ok());
  CHECK(config.validation.threads == 8);
  REQUIRE(ApplyOverride(config, "log.level", "debug").ok());
  CHECK(config.log.level == LogLevel::kDebug);
  // Relative paths on the command line are relative to the working directory.
  REQUIRE(ApplyOverride(config, "node.data_dir", "x/../run").ok());
  CHECK(config.node.data_dir == (fs::current_path() / "run").string());

  // Errors name the key and leave the config unchanged.
  NodeConfig before = config;
  Status unknown = ApplyOverride(config, "listen.grcp", "127.0.0.1:1");
  CHECK(unknown.code() == Code::kInvalidArgument);
  CHECK(Contains(unknown.message(), "listen.grcp: unknown key (did you mean listen.grpc?)"));
  Status range = ApplyOverride(config, "validation.threads", "5000");
  CHECK(Contains(range.message(), "validation.threads: must be an integer in [0, 1024]"));
  CHECK(ApplyOverride(config, "listen", "x").code() == Code::kInvalidArgument);
  CHECK(NodeConfigEntries(config) == NodeConfigEntries(before));
}

TEST_CASE("LoadNodeConfig applies --set overrides, then validates", "[config]") {
  TempDir dir;
  // The file alone lacks node.org; an override can supply it.
  std::string path =
      dir.Write("node.yaml", "node: {name: p, identity: {key_file: k, cert_file: c}}\n");
  CHECK(Contains(LoadNodeConfig(path).status().message(), "node.org: required key is missing"));
  Result<NodeConfig> config =
      LoadNodeConfig(path, {"node.org=TICA", "listen.operations=127.0.0.1:0", "log.format=json"});
  REQUIRE(config.ok());
  CHECK(config->node.org == "TICA");
  CHECK(config->listen.operations == "127.0.0.1:0");
  CHECK(config->log.format == LogFormat::kJson);

  Result<NodeConfig> no_equals = LoadNodeConfig(path, {"node.org"});
  CHECK(Contains(no_equals.status().message(), "--set node.org: expected key=value"));
  Result<NodeConfig> bad = LoadNodeConfig(path, {"node.org=TICA", "ordering.max_tx_count=0"});
  CHECK(Contains(bad.status().message(), ": --set: ordering.max_tx_count: must be an integer"));
  // Cross-key checks run after the overrides.
  Result<NodeConfig> clash = LoadNodeConfig(path, {"node.org=TICA", "listen.grpc=127.0.0.1:9443"});
  CHECK(Contains(clash.status().message(), "clashes with listen.grpc"));
}

TEST_CASE("ValidateNodeConfig checks configs built in code", "[config]") {
  NodeConfig config;
  CHECK(Contains(ValidateNodeConfig(config).message(), "node.name: required key is missing"));
  config.node.name = "p";
  config.node.org = "o";
  config.node.identity.key_file = "k";
  config.node.identity.cert_file = "c";
  CHECK(ValidateNodeConfig(config).ok());
  config.ordering.batch_timeout_ms = 0;
  CHECK(Contains(ValidateNodeConfig(config).message(), "ordering.batch_timeout_ms"));
  config.ordering.batch_timeout_ms = 200;
  config.listen.grpc = "nonsense";
  CHECK(Contains(ValidateNodeConfig(config).message(), "listen.grpc: address"));
}

TEST_CASE("NodeConfigEntries lists every key in order", "[config]") {
  Result<NodeConfig> config = Parse("");
  REQUIRE(config.ok());
  auto entries = NodeConfigEntries(*config);
  REQUIRE(entries.size() == 28);
  CHECK(entries.front() == std::make_pair(std::string("node.name"), std::string("peer0")));
  CHECK(entries[12] ==
        std::make_pair(std::string("limits.pending_submits_max"), std::string("100000")));
  CHECK(entries[13] == std::make_pair(std::string("limits.submit_stream_in_flight_max"),
                                      std::string("4096")));
  CHECK(entries.back() == std::make_pair(std::string("log.format"), std::string("text")));
  // Round trip: every value's string form is accepted back as an override.
  NodeConfig copy = *config;
  for (const auto& [key, value] : entries) CHECK(ApplyOverride(copy, key, value).ok());
  CHECK(NodeConfigEntries(copy) == entries);
}

TEST_CASE("testing.fault_injection is off unless set to true", "[config]") {
  Result<NodeConfig> config = Parse("");
  REQUIRE(config.ok());
  CHECK_FALSE(config->testing.fault_injection);
  config = Parse("testing:\n  fault_injection: true\n");
  REQUIRE(config.ok());
  CHECK(config->testing.fault_injection);
  CHECK(ApplyOverride(*config, "testing.fault_injection", "false").ok());
  CHECK_FALSE(config->testing.fault_injection);
  // Only the two words: "yes" or "1" must not switch a test-only hook on by accident.
  for (const char* bad : {"yes", "1", "True", "on"}) {
    INFO(bad);
    const std::string message = ErrorOf(kMinimal + "testing:\n  fault_injection: " + bad + "\n");
    CHECK(Contains(message, "testing.fault_injection: must be true or false"));
    CHECK_FALSE(ApplyOverride(*config, "testing.fault_injection", bad).ok());
    CHECK_FALSE(config->testing.fault_injection);
  }
}

TEST_CASE("tls: certificate, key and a list of CAs, all three or none", "[config][tls]") {
  Result<NodeConfig> none = Parse("");
  REQUIRE(none.ok());
  CHECK(none->tls.cert_file.empty());
  CHECK(none->tls.ca_files.empty());

  const std::string tls =
      "tls:\n  cert_file: crypto/o0/tls.crt\n  key_file: /k/tls.key\n"
      "  ca_files: [crypto/ca1.crt, /etc/ca2.crt]\n";
  Result<NodeConfig> config = Parse(tls);
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  CHECK(config->tls.cert_file == "/srv/milk/crypto/o0/tls.crt");  // relative to the file
  CHECK(config->tls.key_file == "/k/tls.key");
  CHECK(config->tls.ca_files ==
        std::vector<std::string>{"/srv/milk/crypto/ca1.crt", "/etc/ca2.crt"});
  // One CA may be written as a plain value; --set takes the comma-joined form.
  Result<NodeConfig> one =
      Parse("tls:\n  cert_file: c\n  key_file: k\n  ca_files: only.crt\n");
  REQUIRE(one.ok());
  CHECK(one->tls.ca_files == std::vector<std::string>{"/srv/milk/only.crt"});
  NodeConfig copy = *config;
  REQUIRE(ApplyOverride(copy, "tls.ca_files", "/a.crt,/b/c.crt").ok());
  CHECK(copy.tls.ca_files == std::vector<std::string>{"/a.crt", "/b/c.crt"});
  const NodeConfig before = copy;
  CHECK_FALSE(ApplyOverride(copy, "tls.ca_files", "/a.crt,").ok());
  CHECK(NodeConfigEntries(copy) == NodeConfigEntries(before));

  // Half a section is an error naming the missing key, whichever it is.
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  cert_file: c\n  key_file: k\n"),
                 "tls.ca_files: required when the tls section sets any key"));
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  ca_files: [a]\n"),
                 "tls.cert_file: required when the tls section sets any key"));
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  cert_file: c\n  ca_files: [a]\n"),
                 "tls.key_file: required"));
  // List items are plain non-empty paths without the separator.
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  cert_file: c\n  key_file: k\n  ca_files: [a, "
                                    "\"b,c\"]\n"),
                 "tls.ca_files[1]: a path in this list may not contain ','"));
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  cert_file: c\n  key_file: k\n  ca_files: [[a]]\n"),
                 "tls.ca_files[0]: must be a path"));
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  cert_file: c\n  key_file: k\n  ca_files: {a: b}\n"),
                 "tls.ca_files: must be a list of paths"));
  // A bound on the list.
  std::string many = "[";
  for (size_t i = 0; i <= kTlsCaFilesMax; ++i) many += (i == 0 ? "ca" : ", ca") + std::to_string(i);
  CHECK(Contains(ErrorOf(kMinimal + "tls:\n  cert_file: c\n  key_file: k\n  ca_files: " + many +
                         "]\n"),
                 "must list at most 256 files"));
  // Other keys still refuse lists.
  CHECK(Contains(ErrorOf(kMinimal + "listen:\n  grpc: [a, b]\n"),
                 "listen.grpc: must be a single value, not a list"));
}

// Keeps docs/node_config.md honest: its example file loads, and it mentions every key.
TEST_CASE("the documented example loads and every key is documented", "[config]") {
  std::ifstream in(std::string(MILK_SOURCE_DIR) + "/docs/node_config.md");
  REQUIRE(in.good());
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const std::string fence = "```yaml\n";
  size_t start = text.find(fence);
  REQUIRE(start != std::string::npos);
  start += fence.size();
  size_t end = text.find("```", start);
  REQUIRE(end != std::string::npos);
  Result<NodeConfig> example = ParseNodeConfigYaml(text.substr(start, end - start), "/etc/milk");
  INFO(example.status().ToString());
  REQUIRE(example.ok());
  for (const auto& [key, value] : NodeConfigEntries(*example)) {
    INFO(key);
    CHECK(Contains(text, "`" + key + "`"));
  }
}

}  // namespace
}  // namespace milk::ops
