#include "tools/relay/relay_config.h"

#include <catch2/catch.hpp>

namespace milk::relay {
namespace {

constexpr char kMinimal[] = R"(
identity: crypto/orgs/TICA/members/relay
center: {chain_id: mlk, peers: ["127.0.0.1:7051"]}
brand_chains:
  - {chain_id: brand.a, peers: ["127.0.0.1:7061", "peer1.brand-a:7061"]}
)";

std::string ErrorOf(const std::string& yaml) {
  Result<RelayConfig> config = ParseRelayConfig(yaml, "/etc/milk");
  return config.ok() ? "" : config.status().message();
}

TEST_CASE("a minimal relay.yaml takes every default") {
  Result<RelayConfig> config = ParseRelayConfig(kMinimal, "/etc/milk");
  REQUIRE(config.ok());
  CHECK(config->identity_dir == "/etc/milk/crypto/orgs/TICA/members/relay");
  CHECK(config->tls_enabled);
  CHECK(config->tls_ca_files.empty());
  CHECK(config->center.chain_id == "mlk");
  CHECK(config->center.chaincode == "exchange");
  CHECK(config->center.proof_signatures == 1);
  REQUIRE(config->brand_chains.size() == 1);
  CHECK(config->brand_chains[0].chaincode == "swap");
  CHECK(config->brand_chains[0].peers.size() == 2);
  CHECK(config->operations_listen.empty());
  CHECK(config->poll_ms == 1000);
  CHECK(config->request_timeout_ms == 30000);
  CHECK(config->in_flight_max == 16);
  CHECK(config->log_level == "info");
  CHECK(config->log_format == "text");
}

TEST_CASE("a full relay.yaml is read key by key") {
  Result<RelayConfig> config = ParseRelayConfig(R"(
version: 1
identity: /abs/relay
tls: {enabled: true, ca_files: [a/ca.crt, /b/ca.crt]}
center: {chain_id: mlk, peers: ["h:1"], exchange: ex2, proof_signatures: 2}
brand_chains:
  - {chain_id: brand.a, peers: ["h:2"], swap: swap2}
  - {chain_id: brand.b, peers: ["h:3"]}
listen: {operations: "127.0.0.1:0"}
poll_ms: 250
request_timeout_ms: 5000
in_flight_max: 4
log: {level: debug, format: json}
)",
                                                "/etc/milk");
  REQUIRE(config.ok());
  CHECK(config->identity_dir == "/abs/relay");
  CHECK(config->tls_ca_files == std::vector<std::string>{"/etc/milk/a/ca.crt", "/b/ca.crt"});
  CHECK(config->center.chaincode == "ex2");
  CHECK(config->center.proof_signatures == 2);
  CHECK(config->brand_chains[0].chaincode == "swap2");
  CHECK(config->brand_chains[1].chain_id == "brand.b");
  CHECK(config->operations_listen == "127.0.0.1:0");
  CHECK(config->poll_ms == 250);
  CHECK(config->request_timeout_ms == 5000);
  CHECK(config->in_flight_max == 4);
  CHECK(config->log_level == "debug");
  CHECK(config->log_format == "json");
}

TEST_CASE("relay.yaml mistakes are refused with the key named") {
  const std::string base = kMinimal;
  CHECK(ErrorOf(base + "pol_ms: 5\n") == "pol_ms: unknown key");
  CHECK(ErrorOf(base + "poll_ms: 5\n").find("poll_ms: must be a whole number") == 0);
  CHECK(ErrorOf(base + "poll_ms: soon\n").find("poll_ms:") == 0);
  CHECK(ErrorOf(base + "in_flight_max: 0\n").find("in_flight_max:") == 0);
  CHECK(ErrorOf(base + "version: 2\n").find("version:") == 0);
  CHECK(ErrorOf(base + "log: {level: loud}\n").find("log.level:") == 0);
  CHECK(ErrorOf(base + "tls: {enable: false}\n") == "tls.enable: unknown key");
  CHECK(ErrorOf(base + "listen: {operations: nowhere}\n").find("listen.operations:") == 0);
  CHECK(ErrorOf("center: {chain_id: mlk, peers: [\"h:1\"]}\nbrand_chains: [{chain_id: b, "
                "peers: [\"h:2\"]}]\n") == "identity: required");
  CHECK(ErrorOf("identity: x\nbrand_chains: [{chain_id: b, peers: [\"h:2\"]}]\n") ==
        "center: required");
  CHECK(ErrorOf("identity: x\ncenter: {chain_id: mlk, peers: [\"h:1\"]}\n").find("brand_chains:") ==
        0);
  CHECK(ErrorOf("identity: x\ncenter: {chain_id: mlk, peers: [\"h:1\"], swap: s}\n"
                "brand_chains: [{chain_id: b, peers: [\"h:2\"]}]\n") == "center.swap: unknown key");
  CHECK(ErrorOf("identity: x\ncenter: {chain_id: mlk, peers: [\"h:1\"]}\n"
                "brand_chains: [{chain_id: b, peers: [\"nohost\"]}]\n") ==
        "brand_chains[0].peers: \"nohost\" is not host:port");
  CHECK(ErrorOf("identity: x\ncenter: {chain_id: mlk, peers: []}\n"
                "brand_chains: [{chain_id: b, peers: [\"h:2\"]}]\n")
            .find("center.peers:") == 0);
  CHECK(ErrorOf(
            "identity: x\ncenter: {chain_id: mlk, peers: [\"h:1\"]}\n"
            "brand_chains: [{chain_id: b, peers: [\"h:2\"]}, {chain_id: b, peers: [\"h:3\"]}]\n") ==
        "brand_chains[1].chain_id: \"b\" is listed twice");
  CHECK(ErrorOf("identity: x\ncenter: {chain_id: mlk, peers: [\"h:1\"]}\n"
                "brand_chains: [{chain_id: mlk, peers: [\"h:2\"]}]\n")
            .find("is listed twice") != std::string::npos);
  CHECK(ErrorOf("identity: [x\n").find("not valid YAML") == 0);
  CHECK(ErrorOf("- a\n") == "the relay config must be a YAML mapping");
}

TEST_CASE("a missing relay.yaml is kNotFound naming the file") {
  Result<RelayConfig> config = LoadRelayConfig("/nonexistent/relay.yaml");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == Code::kNotFound);
  CHECK(config.status().message().find("/nonexistent/relay.yaml") != std::string::npos);
}

}  // namespace
}  // namespace milk::relay
