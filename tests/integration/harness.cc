#include "tests/integration/harness.h"

#include <stdlib.h>

#include <csignal>

#include <catch2/catch.hpp>
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
#include "node/ledger/formats.h"
#include "tools/client/genesis.h"
#include "tools/client/transaction.h"

#ifndef MILK_BINARY_PATH
#error "MILK_BINARY_PATH must name the milk binary (tests/CMakeLists.txt)"
#endif
#ifndef MILKD_BINARY_PATH
#error "MILKD_BINARY_PATH must name the milkd binary (tests/CMakeLists.txt)"
#endif

namespace milk::integration {
namespace fs = std::filesystem;
namespace {

// milkd opens its stores, binds two ports and writes the ready file in well under a second;
// 15 s covers a loaded 2-core CI machine replaying a few hundred blocks after a kill.
constexpr int64_t kReadyTimeoutMs = 15000;
// A clean shutdown stops the orderer and closes RocksDB: a second or two at most.
constexpr int64_t kTerminateTimeoutMs = 15000;
// `milk` commands here replay at most a few hundred blocks (ledger verify).
constexpr int64_t kMilkTimeoutMs = 60000;
constexpr auto kReadyPollInterval = std::chrono::milliseconds(10);
// The lines of the node's log printed with a failure: enough for the last start and its errors.
constexpr size_t kLogTailBytes = 16000;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  REQUIRE(out.good());
}

std::string CryptoYaml(const HarnessOptions& options) {
  std::string yaml = std::string("orgs:\n  - name: ") + kOrg +
                     "\n    members:\n"
                     "      - {name: peer0, role: peer}\n"
                     "      - {name: orderer0, role: consenter}\n"
                     "      - {name: admin, role: admin}\n"
                     "      - {name: issuer, role: client}\n" +
                     ExtraTicaMembersYaml(options.content) + ExtraOrgsCryptoYaml(options.content);
  if (!options.wallets.empty()) {
    yaml += "wallets: [";
    for (size_t i = 0; i < options.wallets.size(); ++i) {
      yaml += (i == 0 ? "" : ", ") + options.wallets[i];
    }
    yaml += "]\n";
  }
  return yaml;
}

// The demo profile of deploy/local/demo-profile.yaml with absolute paths and our batch timeout.
std::string ProfileYaml(const std::string& crypto_dir, const ChainContent& content,
                        int64_t batch_timeout_ms) {
  const std::string org_dir = crypto_dir + "/orgs/" + kOrg;
  return std::string("chain_id: ") + kChainId +
         "\n"
         "orgs:\n"
         "  - name: " + kOrg + "\n"
         "    root_public_key_file: " + org_dir + "/root.pub\n" +
         ExtraOrgsProfileYaml(content, crypto_dir) +
         "consenters:\n"
         "  - {org: " + kOrg + ", cert_file: " + org_dir +
         "/members/orderer0/cert, endpoint: \"127.0.0.1:7051\"}\n" +
         ChaincodesYaml(content, crypto_dir) +
         "batch: {max_tx_count: 500, max_bytes: 4194304, batch_timeout_ms: " +
         std::to_string(batch_timeout_ms) +
         "}\n"
         "max_timestamp_skew_ms: 300000\n";
}

std::string NodeYaml() {
  const std::string member = std::string("crypto/orgs/") + kOrg + "/members/";
  return std::string("node:\n  name: peer0\n  org: ") + kOrg +
         "\n"
         "  data_dir: data\n"
         "  identity:\n"
         "    key_file: " + member + "peer0/key\n"
         "    cert_file: " + member + "peer0/cert\n"
         "  consenter_identity:\n"
         "    key_file: " + member + "orderer0/key\n"
         "    cert_file: " + member + "orderer0/cert\n"
         "  org_root_key_file: crypto/orgs/" + kOrg + "/root.pub\n"
         "log:\n"
         "  level: info\n";
}

std::string Tail(const std::string& text) {
  if (text.size() <= kLogTailBytes) return text;
  return "...\n" + text.substr(text.size() - kLogTailBytes);
}

}  // namespace

TestNode::TestNode(HarnessOptions options) : options_(std::move(options)) {
  std::string pattern = (fs::temp_directory_path() / "milk-integration-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  WriteInputs();
  Start();
  JoinChain();
}

TestNode::~TestNode() {
  const bool failed = CurrentTestFailed() || std::uncaught_exceptions() > 0;
  process_.Kill9();
  if (failed) {
    std::cerr << "---- milkd log (" << dir_ << "/milkd.log) ----\n"
              << Tail(Log()) << "---- end of milkd log; test directory kept: " << dir_
              << " ----\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void TestNode::WriteInputs() {
  const int64_t now_ms = SystemClock::Instance().NowMs();
  WriteFile(dir_ + "/crypto.yaml", CryptoYaml(options_));
  auto generated = crypto::GenerateFromYaml(dir_ + "/crypto.yaml", crypto_dir(), now_ms);
  INFO(generated.status().ToString());
  REQUIRE(generated.ok());

  auto profile =
      client::ParseChainProfile(
          ProfileYaml(crypto_dir(), options_.content, options_.batch_timeout_ms), dir_);
  INFO(profile.status().ToString());
  REQUIRE(profile.ok());
  auto genesis = client::BuildGenesisBlock(*profile, Member("admin"), now_ms);
  INFO(genesis.status().ToString());
  REQUIRE(genesis.ok());
  genesis_ = std::move(genesis).value();
  WriteFile(genesis_path(), genesis_.SerializeAsString());
  WriteFile(dir_ + "/node.yaml", NodeYaml());
}

std::string TestNode::member_dir(const std::string& name) const {
  return crypto_dir() + "/orgs/" + kOrg + "/members/" + name;
}

std::string TestNode::wallet_dir(const std::string& name) const {
  return crypto_dir() + "/wallets/" + name;
}

std::string TestNode::grpc_endpoint() const {
  std::lock_guard lock(mutex_);
  return grpc_endpoint_;
}

std::string TestNode::operations_endpoint() const {
  std::lock_guard lock(mutex_);
  return operations_endpoint_;
}

client::Signer TestNode::Member(const std::string& name) const {
  auto signer = client::LoadSigner(member_dir(name));
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

client::Signer TestNode::OrgMember(const std::string& org, const std::string& name) const {
  auto signer = client::LoadSigner(crypto_dir() + "/orgs/" + org + "/members/" + name);
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

client::Signer TestNode::Wallet(const std::string& name) const {
  auto signer = client::LoadSigner(wallet_dir(name));
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  REQUIRE(signer->info.is_wallet);
  return std::move(signer).value();
}

std::string TestNode::Address(const std::string& wallet_name) const {
  return crypto::WalletAddress(Wallet(wallet_name).key.public_key);
}

void TestNode::Spawn() {
  std::error_code ignored;
  fs::remove(ready_path(), ignored);
  ++starts_;
  const std::string log_path = dir_ + "/milkd.log";
  {
    std::ofstream log(log_path, std::ios::app);
    log << "==== harness: start " << starts_ << " ====\n";
  }
  const std::vector<std::string> argv = {
      MILKD_BINARY_PATH, "--config", dir_ + "/node.yaml",
      "--set", "listen.grpc=127.0.0.1:0",
      "--set", "listen.operations=127.0.0.1:0",
      "--ready-file", ready_path()};
  const std::string error = process_.Start(argv, log_path);
  INFO(error);
  REQUIRE(error.empty());
}

int TestNode::StartExpectingExit() {
  Spawn();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (process_.Running()) {
    if (fs::exists(ready_path())) FAIL("milkd started serving; its log:\n" << Tail(Log()));
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("milkd neither served nor exited within " << kReadyTimeoutMs << " ms; its log:\n"
                                                     << Tail(Log()));
    }
    std::this_thread::sleep_for(kReadyPollInterval);
  }
  return process_.exit_status().value_or(-1);
}

void TestNode::Start() {
  Spawn();
  const std::string ready_file = ready_path();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (true) {
    nlohmann::json ready = nlohmann::json::parse(ReadFileOrEmpty(ready_file), nullptr, false);
    if (ready.is_object() && ready.contains("grpc") && ready.contains("operations")) {
      std::lock_guard lock(mutex_);
      grpc_endpoint_ = ready["grpc"].get<std::string>();
      operations_endpoint_ = ready["operations"].get<std::string>();
      return;
    }
    if (!process_.Running()) {
      FAIL("milkd exited with status " << process_.exit_status().value_or(-1)
                                       << " before it was ready; its log:\n" << Tail(Log()));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      FAIL("milkd did not write " << ready_file << " within " << kReadyTimeoutMs
                                  << " ms; its log:\n" << Tail(Log()));
    }
    std::this_thread::sleep_for(kReadyPollInterval);
  }
}

void TestNode::Kill9() {
  REQUIRE(process_.Running());
  process_.Kill9();
}

void TestNode::Terminate() {
  REQUIRE(process_.Running());
  std::optional<int> status = process_.SignalAndWait(SIGTERM, kTerminateTimeoutMs);
  INFO("milkd log:\n" << Tail(Log()));
  REQUIRE(status.has_value());
  REQUIRE(*status == 0);
}

void TestNode::JoinChain() {
  const client::Signer admin = Member("admin");
  milkpb::JoinChainRequest request;
  *request.mutable_genesis_block() = genesis_;
  request.set_creator(admin.identity_bytes);
  request.set_signature(crypto::Sign(admin.key.secret_key, ledger::HeaderHash(genesis_.header())));
  auto joined = Client().JoinChain(request);
  INFO(joined.status().ToString() << "\nmilkd log:\n" << Tail(Log()));
  REQUIRE(joined.ok());
  REQUIRE(*joined == kChainId);
}

CommandResult TestNode::RunMilk(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {MILK_BINARY_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, dir_, kMilkTimeoutMs);
}

std::string TestNode::Log() const { return ReadFileOrEmpty(dir_ + "/milkd.log"); }

client::GatewayClient TestNode::Client(client::GatewayOptions options) const {
  return client::GatewayClient(grpc_endpoint(), options);
}

std::string ExtraTicaMembersYaml(const ChainContent& content) {
  std::string yaml;
  for (const ExtraMember& m : content.tica_members) {
    yaml += "      - {name: " + m.name + ", role: " + m.role + "}\n";
  }
  return yaml;
}

std::string ExtraOrgsCryptoYaml(const ChainContent& content) {
  std::string yaml;
  for (const ExtraOrg& org : content.orgs) {
    yaml += "  - name: " + org.name + "\n    members:\n";
    for (const ExtraMember& m : org.members) {
      yaml += "      - {name: " + m.name + ", role: " + m.role + "}\n";
    }
  }
  return yaml;
}

std::string ExtraOrgsProfileYaml(const ChainContent& content, const std::string& crypto_dir) {
  std::string yaml;
  for (const ExtraOrg& org : content.orgs) {
    yaml += "  - name: " + org.name + "\n    root_public_key_file: " + crypto_dir + "/orgs/" +
            org.name + "/root.pub\n";
  }
  return yaml;
}

std::string ChaincodesYaml(const ChainContent& content, const std::string& crypto_dir) {
  if (content.chaincodes_yaml) return "chaincodes:\n" + content.chaincodes_yaml(crypto_dir);
  return "chaincodes:\n"
         "  - name: token\n"
         "    version: 1\n"
         "    endorsement_policy: \"OR('TICA.peer')\"\n"
         "    acl:\n"
         "      issue: [client, admin]\n"
         "      transfer: [wallet, client]\n"
         "      balance: [\"*\"]\n"
         "      supply: [\"*\"]\n"
         "    init_args: [MLKT]\n";
}

Result<client::InvokeResult> InvokeToken(const client::GatewayClient& peer,
                                         const client::Signer& signer,
                                         const std::string& function,
                                         const std::vector<std::string>& args) {
  return client::Invoke(signer, {&peer}, peer, kChainId, kTokenChaincode, function, args,
                        SystemClock::Instance().NowMs());
}

Result<std::string> QueryToken(const client::GatewayClient& peer, const client::Signer& signer,
                               const std::string& function,
                               const std::vector<std::string>& args) {
  MILK_ASSIGN_OR_RETURN(client::BuiltProposal built,
                        client::BuildProposal(signer, kChainId, kTokenChaincode, function, args,
                                              SystemClock::Instance().NowMs()));
  MILK_ASSIGN_OR_RETURN(milkpb::Response response, peer.Evaluate(built.signed_proposal));
  if (response.status() != 200) {
    return FailedPrecondition("token." + function + " answered " +
                              std::to_string(response.status()) + ": " + response.message());
  }
  return response.payload();
}

RpcCounts ReadRpcCounts(const TestNode& node) {
  auto text = HttpGet(node.operations_endpoint(), "/metrics");
  INFO(text.status().ToString());
  REQUIRE(text.ok());
  RpcCounts counts;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("milk_rpc_requests_total{", 0) != 0) continue;
    auto label = [&line](const std::string& name) {
      const size_t start = line.find(name + "=\"");
      if (start == std::string::npos) return std::string();
      const size_t value = start + name.size() + 2;
      return line.substr(value, line.find('"', value) - value);
    };
    counts[{label("method"), label("code")}] = std::stod(line.substr(line.rfind(' ') + 1));
  }
  return counts;
}

EndorsedTx EndorseToken(const client::GatewayClient& peer, const client::Signer& signer,
                        const std::string& function, const std::vector<std::string>& args) {
  auto built = client::BuildProposal(signer, kChainId, kTokenChaincode, function, args,
                                     SystemClock::Instance().NowMs());
  REQUIRE(built.ok());
  auto endorsed = peer.Endorse(built->signed_proposal);
  INFO(endorsed.status().ToString());
  REQUIRE(endorsed.ok());
  auto envelope = client::BuildEnvelope(signer, built->signed_proposal.proposal(), {*endorsed});
  INFO(envelope.status().ToString());
  REQUIRE(envelope.ok());
  return {built->tx_id, *envelope};
}

}  // namespace milk::integration
