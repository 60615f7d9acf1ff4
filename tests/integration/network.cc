#include "tests/integration/network.h"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "crypto/clock.h"
#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/issuer.h"
#include "node/ledger/formats.h"
#include "tests/integration/cluster_harness.h"
#include "tools/client/genesis.h"

#ifndef MILK_BINARY_PATH
#error "MILK_BINARY_PATH must name the milk binary (tests/CMakeLists.txt)"
#endif
#ifndef MILKD_BINARY_PATH
#error "MILKD_BINARY_PATH must name the milkd binary (tests/CMakeLists.txt)"
#endif

namespace milk::integration {
namespace fs = std::filesystem;
namespace {

// As cluster_harness.cc: milkd is ready in well under a second; 15 s covers a loaded machine.
constexpr int64_t kReadyTimeoutMs = 15000;
constexpr int64_t kStopTimeoutMs = 15000;
constexpr int64_t kMilkTimeoutMs = 60000;
// A fresh chain elects its leader within a few election timeouts (under a second here).
constexpr int64_t kLeaderTimeoutMs = 15000;
// Status polls answer in milliseconds from a running node.
constexpr int64_t kStatusDeadlineMs = 2000;
// The network's own clients retry a restarted node at least this often.
constexpr int kReconnectBackoffMaxMs = 200;
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr char kKeepDirEnv[] = "MILK_KEEP_TEST_DIRS";
constexpr size_t kLogTailBytes = 8000;  // per node: several nodes are printed

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  REQUIRE(out.good());
}

std::string Tail(const std::string& text) {
  if (text.size() <= kLogTailBytes) return text;
  return "...\n" + text.substr(text.size() - kLogTailBytes);
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

Network::Network(NetworkOptions options) : options_(std::move(options)) {
  REQUIRE(!options_.nodes.empty());
  std::string pattern = (fs::temp_directory_path() / "milk-network-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  const std::vector<int> ports = PickFreePorts(options_.nodes.size());
  for (size_t i = 0; i < options_.nodes.size(); ++i) {
    endpoints_[options_.nodes[i].name] = "127.0.0.1:" + std::to_string(ports[i]);
    processes_[options_.nodes[i].name] = std::make_unique<Process>();
  }
  WriteInputs();
  for (const NetworkNode& node : options_.nodes) Spawn(node.name);
  for (const NetworkNode& node : options_.nodes) WaitUntilServing(node.name);
  for (const NetworkChain& chain : options_.chains) {
    std::vector<std::string> members = chain.consenters;
    members.insert(members.end(), chain.peers.begin(), chain.peers.end());
    for (const std::string& node : members) {
      Status joined = JoinChain(node, chain.id);
      INFO(node << " joining " << chain.id << ": " << joined.ToString() << "\nlog:\n"
                << Tail(Log(node)));
      REQUIRE(joined.ok());
    }
  }
  for (const NetworkChain& chain : options_.chains) {
    const std::string& first = chain.orgs.front();
    const auto led = [&] {
      client::GatewayOptions quick;
      quick.deadline_ms = kStatusDeadlineMs;
      auto status = Client(chain.consenters.front(), first, "admin", quick).ClusterStatus(chain.id);
      return status.ok() && status->leader() != 0;
    };
    INFO("chain " << chain.id << " has no leader; log of " << chain.consenters.front() << ":\n"
                  << Tail(Log(chain.consenters.front())));
    REQUIRE(PollUntil(kLeaderTimeoutMs, led));
  }
}

Network::~Network() {
  const bool failed = CurrentTestFailed() || std::uncaught_exceptions() > 0;
  for (auto& [name, process] : processes_) process->process.Kill9();
  if (failed) {
    for (const NetworkNode& node : options_.nodes) {
      std::cerr << "---- node " << node.name << " (" << endpoints_[node.name] << ") log "
                << log_path(node.name) << " ----\n"
                << Tail(Log(node.name));
    }
    std::cerr << "---- end of logs; test directory kept: " << dir_ << " ----\n";
    return;
  }
  if (getenv(kKeepDirEnv) != nullptr) {
    std::cerr << "test directory kept (" << kKeepDirEnv << " is set): " << dir_ << "\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void Network::WriteInputs() {
  const int64_t now_ms = SystemClock::Instance().NowMs();
  std::string yaml = "orgs:\n";
  for (const ExtraOrg& org : options_.orgs) {
    yaml += "  - name: " + org.name + "\n    members:\n";
    bool has_admin = false;
    for (const ExtraMember& m : org.members) {
      yaml += "      - {name: " + m.name + ", role: " + m.role + "}\n";
      has_admin = has_admin || m.name == "admin";
    }
    if (!has_admin) yaml += "      - {name: admin, role: admin}\n";
    for (const NetworkNode& node : options_.nodes) {
      if (node.org != org.name) continue;
      yaml += "      - {name: peer-" + node.name + ", role: peer}\n";
      yaml += "      - {name: consenter-" + node.name + ", role: consenter}\n";
    }
  }
  if (!options_.wallets.empty()) {
    yaml += "wallets: [";
    for (size_t i = 0; i < options_.wallets.size(); ++i) {
      yaml += (i == 0 ? "" : ", ") + options_.wallets[i];
    }
    yaml += "]\n";
  }
  WriteFile(dir_ + "/crypto.yaml", yaml);
  auto generated = crypto::tls::GenerateWithTls(dir_ + "/crypto.yaml", crypto_dir(), now_ms);
  INFO(generated.status().ToString());
  REQUIRE(generated.ok());
  std::string bundle;
  for (const ExtraOrg& org : options_.orgs) {
    bundle += ReadFileOrEmpty(crypto_dir() + "/orgs/" + org.name + "/tls/ca.crt");
  }
  WriteFile(tls_ca_bundle(), bundle);
  for (const NetworkChain& chain : options_.chains) WriteGenesis(chain, now_ms);
  for (const NetworkNode& node : options_.nodes) {
    fs::create_directories(node_dir(node.name));
    WriteFile(node_dir(node.name) + "/node.yaml", NodeYaml(node));
  }
}

void Network::WriteGenesis(const NetworkChain& chain, int64_t now_ms) {
  REQUIRE(!chain.orgs.empty());
  REQUIRE(!chain.consenters.empty());
  std::string yaml = "chain_id: " + chain.id + "\norgs:\n";
  for (const std::string& org : chain.orgs) {
    yaml += "  - name: " + org + "\n    root_public_key_file: " + crypto_dir() + "/orgs/" + org +
            "/root.pub\n";
  }
  yaml += "consenters:\n";
  for (const std::string& name : chain.consenters) {
    const NetworkNode& node = FindNode(name);
    yaml += "  - {org: " + node.org + ", cert_file: " + member_dir(node.org, "consenter-" + name) +
            "/cert, endpoint: \"" + endpoint(name) + "\"}\n";
  }
  if (chain.chaincodes_yaml_for) {
    yaml += chain.chaincodes_yaml_for(crypto_dir());
  } else {
    yaml += chain.chaincodes_yaml.empty()
                ? ChaincodesYaml({}, crypto_dir())
                : ReplaceAll(chain.chaincodes_yaml, "@CRYPTO@", crypto_dir());
  }
  yaml += "batch: {max_tx_count: 500, max_bytes: 4194304, batch_timeout_ms: " +
          std::to_string(options_.batch_timeout_ms) + "}\nmax_timestamp_skew_ms: 300000\n";
  auto profile = client::ParseChainProfile(yaml, dir_);
  INFO(chain.id << " profile:\n" << yaml << "\n" << profile.status().ToString());
  REQUIRE(profile.ok());
  auto genesis = client::BuildGenesisBlock(*profile, Member(chain.orgs.front(), "admin"), now_ms);
  INFO(genesis.status().ToString());
  REQUIRE(genesis.ok());
  WriteFile(genesis_path(chain.id), genesis->SerializeAsString());
  genesis_[chain.id] = std::move(genesis).value();
}

std::string Network::NodeYaml(const NetworkNode& node) const {
  const std::string peer = member_dir(node.org, "peer-" + node.name);
  const std::string consenter = member_dir(node.org, "consenter-" + node.name);
  std::set<std::string> trusted = {node.org};
  for (const NetworkChain& chain : options_.chains) {
    if (Contains(chain.consenters, node.name) || Contains(chain.peers, node.name)) {
      trusted.insert(chain.orgs.begin(), chain.orgs.end());
    }
  }
  std::string cas;
  for (const std::string& org : trusted) {
    cas += (cas.empty() ? "" : ", ") + crypto_dir() + "/orgs/" + org + "/tls/ca.crt";
  }
  return "node:\n  name: " + node.name + "\n  org: " + node.org +
         "\n  data_dir: data\n"
         "  identity:\n    key_file: " + peer + "/key\n    cert_file: " + peer + "/cert\n"
         "  consenter_identity:\n    key_file: " + consenter + "/key\n    cert_file: " +
         consenter + "/cert\n  org_root_key_file: " + crypto_dir() + "/orgs/" + node.org +
         "/root.pub\n"
         "tls:\n  cert_file: " + consenter + "/tls.crt\n  key_file: " + consenter +
         "/tls.key\n  ca_files: [" + cas + "]\n"
         "log:\n  level: info\n";
}

std::string Network::member_dir(const std::string& org, const std::string& member) const {
  return crypto_dir() + "/orgs/" + org + "/members/" + member;
}

const std::string& Network::endpoint(const std::string& node) const {
  auto it = endpoints_.find(node);
  INFO("no node named " << node);
  REQUIRE(it != endpoints_.end());
  return it->second;
}

std::string Network::OperationsEndpoint(const std::string& node) const {
  nlohmann::json ready = nlohmann::json::parse(ReadFileOrEmpty(ready_path(node)), nullptr, false);
  INFO("node " << node << " ready file " << ready_path(node));
  REQUIRE((ready.is_object() && ready.contains("operations")));
  return ready["operations"].get<std::string>();
}

client::Signer Network::Member(const std::string& org, const std::string& name) const {
  auto signer = client::LoadSigner(member_dir(org, name));
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

client::Signer Network::Wallet(const std::string& name) const {
  auto signer = client::LoadSigner(crypto_dir() + "/wallets/" + name);
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  REQUIRE(signer->info.is_wallet);
  return std::move(signer).value();
}

std::string Network::Address(const std::string& wallet_name) const {
  return crypto::WalletAddress(Wallet(wallet_name).key.public_key);
}

client::GatewayClient Network::Client(const std::string& node, const std::string& org,
                                      const std::string& member,
                                      client::GatewayOptions options) const {
  std::string cert, key;
  if (!member.empty()) {
    cert = member_dir(org, member) + "/tls.crt";
    key = member_dir(org, member) + "/tls.key";
  }
  auto material = crypto::tls::LoadTlsClientFiles({tls_ca_bundle()}, cert, key);
  INFO(material.status().ToString());
  REQUIRE(material.ok());
  options.credentials = crypto::tls::ChannelCredentials(*material);
  options.reconnect_backoff_max_ms = kReconnectBackoffMaxMs;
  return client::GatewayClient(endpoint(node), options);
}

CommandResult Network::RunMilk(const std::string& org, const std::string& member,
                               const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {MILK_BINARY_PATH, "--tls-ca", tls_ca_bundle(),
                                   "--tls-cert", member_dir(org, member) + "/tls.crt",
                                   "--tls-key", member_dir(org, member) + "/tls.key"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, dir_, kMilkTimeoutMs);
}

Status Network::JoinChain(const std::string& node, const std::string& chain) const {
  const std::string& org = FindChain(chain).orgs.front();
  const client::Signer admin = Member(org, "admin");
  milkpb::JoinChainRequest request;
  *request.mutable_genesis_block() = genesis(chain);
  request.set_creator(admin.identity_bytes);
  request.set_signature(
      crypto::Sign(admin.key.secret_key, ledger::HeaderHash(genesis(chain).header())));
  return Client(node, org, "admin").JoinChain(request).status();
}

uint64_t Network::WaitForHeight(const std::string& node, const std::string& chain,
                                uint64_t height, int64_t timeout_ms) const {
  client::GatewayOptions quick;
  quick.deadline_ms = kStatusDeadlineMs;
  const client::GatewayClient peer = Client(node, FindChain(chain).orgs.front(), "admin", quick);
  uint64_t seen = 0;
  PollUntil(timeout_ms, [&] {
    auto info = peer.ChainInfo(chain);
    if (info.ok()) seen = info->summary().height();
    return seen >= height;
  });
  return seen;
}

void Network::Spawn(const std::string& node) {
  Process& p = *processes_.at(node);
  std::error_code ignored;
  fs::remove(ready_path(node), ignored);
  ++p.starts;
  {
    std::ofstream log(log_path(node), std::ios::app);
    log << "==== harness: start " << p.starts << " ====\n";
  }
  const std::vector<std::string> argv = {
      MILKD_BINARY_PATH, "--config", node_dir(node) + "/node.yaml",
      "--set", "listen.grpc=" + endpoint(node),
      "--set", "listen.operations=127.0.0.1:0",
      "--set", "raft.tick_ms=" + std::to_string(options_.raft_tick_ms),
      "--set", "raft.election_ticks=" + std::to_string(options_.raft_election_ticks),
      "--ready-file", ready_path(node)};
  // node.yaml's relative data_dir resolves against the config file's directory.
  const std::string error = p.process.Start(argv, log_path(node));
  INFO(error);
  REQUIRE(error.empty());
}

void Network::WaitUntilServing(const std::string& node) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (true) {
    nlohmann::json ready = nlohmann::json::parse(ReadFileOrEmpty(ready_path(node)), nullptr, false);
    if (ready.is_object() && ready.contains("grpc")) return;
    if (!processes_.at(node)->process.Running()) {
      FAIL("node " << node << " exited before it was ready; its log:\n" << Tail(Log(node)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("node " << node << " was not ready within " << kReadyTimeoutMs << " ms; its log:\n"
                   << Tail(Log(node)));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void Network::Kill9(const std::string& node) {
  REQUIRE(running(node));
  processes_.at(node)->process.Kill9();
}

void Network::Terminate(const std::string& node) {
  REQUIRE(running(node));
  const std::optional<int> status =
      processes_.at(node)->process.SignalAndWait(SIGTERM, kStopTimeoutMs);
  INFO("node " << node << " log:\n" << Tail(Log(node)));
  REQUIRE(status.has_value());
  REQUIRE(*status == 0);
}

void Network::Start(const std::string& node) {
  REQUIRE(!running(node));
  Spawn(node);
  WaitUntilServing(node);
}

bool Network::running(const std::string& node) { return processes_.at(node)->process.Running(); }

std::string Network::Log(const std::string& node) const {
  return ReadFileOrEmpty(log_path(node));
}

const NetworkNode& Network::FindNode(const std::string& node) const {
  for (const NetworkNode& n : options_.nodes) {
    if (n.name == node) return n;
  }
  FAIL("no node named " << node);
  throw std::logic_error("unreachable");
}

const NetworkChain& Network::FindChain(const std::string& chain) const {
  for (const NetworkChain& c : options_.chains) {
    if (c.id == chain) return c;
  }
  FAIL("no chain named " << chain);
  throw std::logic_error("unreachable");
}

}  // namespace milk::integration
