#include "tests/integration/cluster_harness.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <grpcpp/grpcpp.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "crypto/clock.h"
#include "crypto/cryptogen.h"
#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/issuer.h"
#include "node/ledger/formats.h"
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

// milkd opens its stores, binds and writes the ready file in well under a second; 15 s covers a
// loaded 2-core machine replaying a WAL and a few hundred blocks after a kill.
constexpr int64_t kReadyTimeoutMs = 15000;
// A clean shutdown stops the consenter, the orderer and RocksDB: a second or two at most.
constexpr int64_t kStopTimeoutMs = 15000;
// `milk` commands here replay at most a few hundred blocks (ledger verify).
constexpr int64_t kMilkTimeoutMs = 60000;
// One status poll: a running node answers in milliseconds; a paused one never does.
constexpr int64_t kStatusDeadlineMs = 2000;
// The harness's own clients retry a restarted node at least this often.
constexpr int kReconnectBackoffMaxMs = 200;
constexpr auto kPollInterval = std::chrono::milliseconds(10);
// Set in the environment to keep the directories (data, logs) of passing tests too.
constexpr char kKeepDirEnv[] = "MILK_KEEP_TEST_DIRS";
// Per node, printed when a test fails: the last start and its errors.
constexpr size_t kLogTailBytes = 12000;

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

std::string CryptoYaml(const ClusterOptions& options) {
  std::string yaml = std::string("orgs:\n  - name: ") + kOrg + "\n    members:\n";
  for (size_t i = 0; i < options.nodes + options.spare_nodes; ++i) {
    yaml += "      - {name: peer" + std::to_string(i) + ", role: peer}\n";
    yaml += "      - {name: orderer" + std::to_string(i) + ", role: consenter}\n";
  }
  yaml += "      - {name: admin, role: admin}\n      - {name: issuer, role: client}\n";
  yaml += ExtraTicaMembersYaml(options.content) + ExtraOrgsCryptoYaml(options.content);
  if (!options.wallets.empty()) {
    yaml += "wallets: [";
    for (size_t i = 0; i < options.wallets.size(); ++i) {
      yaml += (i == 0 ? "" : ", ") + options.wallets[i];
    }
    yaml += "]\n";
  }
  return yaml;
}

// The demo profile with one consenter per node, in node order (raft id = index + 1).
std::string ProfileYaml(const std::string& crypto_dir, const std::vector<std::string>& endpoints,
                        const ChainContent& content, int64_t batch_timeout_ms) {
  const std::string org_dir = crypto_dir + "/orgs/" + kOrg;
  std::string yaml = std::string("chain_id: ") + kChainId + "\norgs:\n  - name: " + kOrg +
                     "\n    root_public_key_file: " + org_dir + "/root.pub\n" +
                     ExtraOrgsProfileYaml(content, crypto_dir) + "consenters:\n";
  for (size_t i = 0; i < endpoints.size(); ++i) {
    yaml += std::string("  - {org: ") + kOrg + ", cert_file: " + org_dir + "/members/orderer" +
            std::to_string(i) + "/cert, endpoint: \"" + endpoints[i] + "\"}\n";
  }
  return yaml + ChaincodesYaml(content, crypto_dir) +
         "batch: {max_tx_count: 500, max_bytes: 4194304, batch_timeout_ms: " +
         std::to_string(batch_timeout_ms) + "}\nmax_timestamp_skew_ms: 300000\n";
}

// The TLS section of node i: its consenter's TLS certificate (the one the genesis binds to raft
// id i + 1), trusting the org's TLS CA.
std::string TlsYaml(const std::string& crypto_dir, size_t i) {
  const std::string orderer =
      crypto_dir + "/orgs/" + kOrg + "/members/orderer" + std::to_string(i);
  return "tls:\n  cert_file: " + orderer + "/tls.crt\n  key_file: " + orderer +
         "/tls.key\n  ca_files: [" + crypto_dir + "/orgs/" + kOrg + "/tls/ca.crt]\n";
}

std::string NodeYaml(const std::string& crypto_dir, size_t i) {
  const std::string members = crypto_dir + "/orgs/" + kOrg + "/members/";
  const std::string peer = members + "peer" + std::to_string(i);
  const std::string orderer = members + "orderer" + std::to_string(i);
  return "node:\n  name: peer" + std::to_string(i) + "\n  org: " + kOrg +
         "\n  data_dir: data\n"
         "  identity:\n    key_file: " + peer + "/key\n    cert_file: " + peer + "/cert\n"
         "  consenter_identity:\n    key_file: " + orderer + "/key\n    cert_file: " + orderer +
         "/cert\n  org_root_key_file: " + crypto_dir + "/orgs/" + kOrg + "/root.pub\n"
         "testing:\n  fault_injection: true\n"  // SetClusterFaults
         "log:\n  level: info\n";
}

std::string DescribeStatus(const Result<milkpb::ClusterStatusResponse>& status) {
  if (!status.ok()) return status.status().ToString();
  std::ostringstream out;
  out << "raft id " << status->raft_id() << " " << status->role() << " term " << status->term()
      << " leader " << status->leader() << " commit " << status->commit() << " height "
      << status->height();
  return out.str();
}

}  // namespace

std::vector<int> PickFreePorts(size_t count) {
  std::vector<int> sockets;
  std::vector<int> ports;
  for (size_t i = 0; i < count; ++i) {
    // Every socket stays open until all are picked, so the ports are distinct.
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockets.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ports.push_back(ntohs(address.sin_port));
  }
  for (int fd : sockets) close(fd);
  return ports;
}

TestCluster::TestCluster(ClusterOptions options) : options_(std::move(options)) {
  REQUIRE(options_.nodes >= 1);
  std::string pattern = (fs::temp_directory_path() / "milk-cluster-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  const size_t all = options_.nodes + options_.spare_nodes;
  for (int port : PickFreePorts(all)) endpoints_.push_back("127.0.0.1:" + std::to_string(port));
  for (size_t i = 0; i < all; ++i) nodes_.push_back(std::make_unique<Node>());
  for (size_t i = options_.nodes; i < all; ++i) nodes_[i]->consenter = false;
  WriteInputs();
  for (size_t i = 0; i < options_.nodes; ++i) Spawn(i);
  for (size_t i = 0; i < options_.nodes; ++i) WaitUntilServing(i);
  for (size_t i = 0; i < options_.nodes; ++i) JoinChain(i);
  LeaderIndex();
}

TestCluster::~TestCluster() {
  const bool failed = CurrentTestFailed() || std::uncaught_exceptions() > 0;
  for (auto& node : nodes_) node->process.Kill9();  // SIGKILL also ends a stopped process
  if (getenv(kKeepDirEnv) != nullptr && !failed) {
    std::cerr << "test directory kept (" << kKeepDirEnv << " is set): " << dir_ << "\n";
    return;
  }
  if (failed) {
    for (size_t i = 0; i < size(); ++i) {
      std::cerr << "---- node" << i << " (" << endpoints_[i] << ") log " << log_path(i)
                << " ----\n"
                << Tail(Log(i));
    }
    std::cerr << "---- end of logs; test directory kept: " << dir_ << " ----\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void TestCluster::WriteInputs() {
  const int64_t now_ms = SystemClock::Instance().NowMs();
  WriteFile(dir_ + "/crypto.yaml", CryptoYaml(options_));
  // With TLS, also each org's TLS CA and every member's tls.crt; the profile then puts the CA
  // and the consenters' certificates into the genesis config (its default file locations).
  auto generated =
      options_.tls ? crypto::tls::GenerateWithTls(dir_ + "/crypto.yaml", crypto_dir(), now_ms)
                   : crypto::GenerateFromYaml(dir_ + "/crypto.yaml", crypto_dir(), now_ms);
  INFO(generated.status().ToString());
  REQUIRE(generated.ok());
  if (options_.tls) {
    // A TLS node requires a client certificate of a chain org (docs/tls.md, "Who may read a
    // chain"): the harness's clients present the org admin's.
    auto material = crypto::tls::LoadTlsMaterial(client_member_dir());
    INFO(material.status().ToString());
    REQUIRE(material.ok());
    client_credentials_ = crypto::tls::ChannelCredentials(*material);
  }
  auto profile = client::ParseChainProfile(
      ProfileYaml(crypto_dir(),
                  std::vector<std::string>(endpoints_.begin(),
                                           endpoints_.begin() + static_cast<long>(options_.nodes)),
                  options_.content, options_.batch_timeout_ms),
      dir_);
  INFO(profile.status().ToString());
  REQUIRE(profile.ok());
  auto genesis = client::BuildGenesisBlock(*profile, Member("admin"), now_ms);
  INFO(genesis.status().ToString());
  REQUIRE(genesis.ok());
  genesis_ = std::move(genesis).value();
  WriteFile(dir_ + "/demo.block", genesis_.SerializeAsString());
  for (size_t i = 0; i < size(); ++i) {
    fs::create_directories(node_dir(i));
    WriteFile(node_dir(i) + "/node.yaml",
              NodeYaml(crypto_dir(), i) + (options_.tls ? TlsYaml(crypto_dir(), i) : ""));
  }
}

client::Signer TestCluster::Member(const std::string& name) const {
  return OrgMember(kOrg, name);
}

client::Signer TestCluster::OrgMember(const std::string& org, const std::string& name) const {
  auto signer = client::LoadSigner(crypto_dir() + "/orgs/" + org + "/members/" + name);
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

client::Signer TestCluster::Wallet(const std::string& name) const {
  auto signer = client::LoadSigner(crypto_dir() + "/wallets/" + name);
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  REQUIRE(signer->info.is_wallet);
  return std::move(signer).value();
}

std::string TestCluster::Address(const std::string& wallet_name) const {
  return crypto::WalletAddress(Wallet(wallet_name).key.public_key);
}

std::string TestCluster::OperationsEndpoint(size_t i) const {
  nlohmann::json ready = nlohmann::json::parse(ReadFileOrEmpty(ready_path(i)), nullptr, false);
  INFO("node" << i << " ready file " << ready_path(i));
  REQUIRE((ready.is_object() && ready.contains("operations")));
  return ready["operations"].get<std::string>();
}

client::GatewayClient TestCluster::Client(size_t i, client::GatewayOptions options) const {
  if (options.credentials == nullptr) options.credentials = ClientCredentials();
  options.reconnect_backoff_max_ms = kReconnectBackoffMaxMs;
  return client::GatewayClient(endpoints_.at(i), options);
}

Result<milkpb::ClusterStatusResponse> TestCluster::Status(size_t i) const {
  client::GatewayOptions options;
  options.deadline_ms = kStatusDeadlineMs;
  return Client(i, options).ClusterStatus(kChainId);
}

Result<uint64_t> TestCluster::Height(size_t i) const {
  client::GatewayOptions options;
  options.deadline_ms = kStatusDeadlineMs;
  MILK_ASSIGN_OR_RETURN(milkpb::ChainInfoResponse info, Client(i, options).ChainInfo(kChainId));
  return info.summary().height();
}

uint64_t TestCluster::Applied(size_t i) const {
  auto status = Status(i);
  return status.ok() ? status->applied() : 0;
}

milk::Status TestCluster::SetClusterFaults(size_t i,
                                           const milkpb::SetClusterFaultsRequest& request) const {
  return SetClusterFaultsAt(endpoints_.at(i), request, ClientCredentials());
}

Status SetClusterFaultsAt(const std::string& endpoint,
                          const milkpb::SetClusterFaultsRequest& request,
                          std::shared_ptr<grpc::ChannelCredentials> credentials) {
  // GatewayClient has no call for this test-only RPC; a plain stub does.
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  auto stub = milkpb::Admin::NewStub(grpc::CreateChannel(endpoint, credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(kStatusDeadlineMs));
  milkpb::SetClusterFaultsResponse response;
  return client::FromGrpcStatus(stub->SetClusterFaults(&context, request, &response), endpoint,
                                kStatusDeadlineMs);
}

void TestCluster::Spawn(size_t i) {
  Node& node = *nodes_.at(i);
  std::error_code ignored;
  fs::remove(ready_path(i), ignored);
  ++node.starts;
  {
    std::ofstream log(log_path(i), std::ios::app);
    log << "==== harness: start " << node.starts << " ====\n";
  }
  std::vector<std::string> argv = {
      MILKD_BINARY_PATH, "--config", node_dir(i) + "/node.yaml",
      "--set", "listen.grpc=" + endpoints_[i],
      "--set", "listen.operations=127.0.0.1:0",
      "--set", "raft.tick_ms=" + std::to_string(options_.raft_tick_ms),
      "--set", "raft.election_ticks=" + std::to_string(options_.raft_election_ticks),
      "--ready-file", ready_path(i)};
  if (options_.snapshot_every_entries.has_value()) {
    argv.push_back("--set");
    argv.push_back("raft.snapshot_every_entries=" +
                   std::to_string(*options_.snapshot_every_entries));
  }
  if (options_.snapshot_keep_entries.has_value()) {
    argv.push_back("--set");
    argv.push_back("raft.snapshot_keep_entries=" + std::to_string(*options_.snapshot_keep_entries));
  }
  const std::string error = node.process.Start(argv, log_path(i));
  INFO(error);
  REQUIRE(error.empty());
  node.paused = false;
}

void TestCluster::WaitUntilServing(size_t i) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (true) {
    nlohmann::json ready = nlohmann::json::parse(ReadFileOrEmpty(ready_path(i)), nullptr, false);
    if (ready.is_object() && ready.contains("grpc")) {
      INFO("node" << i << " log:\n" << Tail(Log(i)));
      REQUIRE(ready["grpc"].get<std::string>() == endpoints_[i]);
      return;
    }
    if (!nodes_[i]->process.Running()) {
      FAIL("node" << i << " exited with status "
                  << nodes_[i]->process.exit_status().value_or(-1)
                  << " before it was ready; its log:\n" << Tail(Log(i)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("node" << i << " did not write " << ready_path(i) << " within " << kReadyTimeoutMs
                  << " ms; its log:\n" << Tail(Log(i)));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void TestCluster::JoinChain(size_t i) {
  const client::Signer admin = Member("admin");
  milkpb::JoinChainRequest request;
  *request.mutable_genesis_block() = genesis_;
  request.set_creator(admin.identity_bytes);
  request.set_signature(crypto::Sign(admin.key.secret_key, ledger::HeaderHash(genesis_.header())));
  auto joined = Client(i).JoinChain(request);
  INFO("node" << i << ": " << joined.status().ToString() << "\nits log:\n" << Tail(Log(i)));
  REQUIRE(joined.ok());
  REQUIRE(*joined == kChainId);
}

void TestCluster::StartSpare(size_t i) {
  REQUIRE(i >= options_.nodes);
  REQUIRE(!nodes_.at(i)->process.Running());
  Spawn(i);
  WaitUntilServing(i);
  JoinChain(i);
}

void TestCluster::Kill9(size_t i) {
  Node& node = *nodes_.at(i);
  REQUIRE(node.process.Running());
  node.process.Kill9();
  node.paused = false;
}

void TestCluster::Stop(size_t i) {
  Node& node = *nodes_.at(i);
  REQUIRE(node.process.Running());
  REQUIRE(!node.paused);
  const std::optional<int> status = node.process.SignalAndWait(SIGTERM, kStopTimeoutMs);
  INFO("node" << i << " log:\n" << Tail(Log(i)));
  REQUIRE(status.has_value());
  REQUIRE(*status == 0);
}

void TestCluster::Restart(size_t i) {
  REQUIRE(!nodes_.at(i)->process.Running());
  Spawn(i);
  WaitUntilServing(i);
}

void TestCluster::Pause(size_t i) {
  Node& node = *nodes_.at(i);
  REQUIRE(node.process.Running());
  REQUIRE(!node.paused);
  REQUIRE(kill(node.process.pid(), SIGSTOP) == 0);
  node.paused = true;
}

void TestCluster::Resume(size_t i) {
  Node& node = *nodes_.at(i);
  REQUIRE(node.process.Running());
  REQUIRE(node.paused);
  REQUIRE(kill(node.process.pid(), SIGCONT) == 0);
  node.paused = false;
}

size_t TestCluster::LeaderIndex(int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::string> last;  // what each node said in the last round, for the failure
  while (true) {
    last.assign(size(), "not running");
    std::optional<uint64_t> leader, term;
    bool agreed = true, leader_says_so = false;
    for (size_t i = 0; i < size(); ++i) {
      if (nodes_[i]->paused) {
        last[i] = "paused";
        continue;
      }
      if (!nodes_[i]->process.Running()) continue;
      if (!nodes_[i]->consenter) {
        last[i] = "not a consenter";
        continue;
      }
      const auto status = Status(i);
      last[i] = DescribeStatus(status);
      if (!status.ok() || status->leader() == 0) {
        agreed = false;
        continue;
      }
      agreed = agreed && leader.value_or(status->leader()) == status->leader() &&
               term.value_or(status->term()) == status->term();
      leader = status->leader();
      term = status->term();
      leader_says_so = leader_says_so || (status->raft_id() == status->leader() &&
                                          status->role() == "leader");
    }
    if (agreed && leader_says_so && leader.has_value()) return *leader - 1;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string report;
      for (size_t i = 0; i < size(); ++i) report += "\n  node" + std::to_string(i) + ": " + last[i];
      FAIL("the nodes did not agree on one leader within " << timeout_ms << " ms:" << report);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

CommandResult TestCluster::RunMilk(const std::vector<std::string>& args, bool with_tls_ca) const {
  std::vector<std::string> argv = {MILK_BINARY_PATH};
  if (options_.tls && with_tls_ca) {
    for (const std::string& flag :
         {std::string("--tls-ca"), tls_ca_file(), std::string("--tls-cert"),
          client_member_dir() + "/tls.crt", std::string("--tls-key"),
          client_member_dir() + "/tls.key"}) {
      argv.push_back(flag);
    }
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, dir_, kMilkTimeoutMs);
}

std::string TestCluster::Log(size_t i) const { return ReadFileOrEmpty(log_path(i)); }

}  // namespace milk::integration
