// Chain membership on every RPC (docs/tls.md, "Who may read a chain"), on a network of three real
// milkd processes over mutual TLS: node "tica" orders the center chain and follows the brand
// chains "brand.a" (BrandA, TICA, Auditor) and "brand.b" (BrandB, TICA); node "a" orders
// brand.a, node "b" orders brand.b. Partner B's certificates (client, admin, peer) cannot read,
// fetch, query, endorse on or submit to brand.a: on "tica", which serves both brand chains, each
// call is refused with PERMISSION_DENIED naming the rule; on "a", which does not trust BrandB's
// TLS CA at all, the handshake fails. Nothing changes on brand.a. Its members read it. Chains are
// joined, listed and left at run time.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/clock.h"
#include "crypto/cryptogen.h"
#include "crypto/tls/credentials.h"
#include "crypto/tls/issuer.h"
#include "tests/integration/cluster_harness.h"
#include "tests/integration/network.h"
#include "tools/client/invoke.h"
#include "tools/client/transaction.h"

namespace milk::integration {
namespace {

constexpr char kBrandA[] = "brand.a";
constexpr char kBrandB[] = "brand.b";
constexpr char kCenter[] = "center";
// A refused call answers at once; the bound only stops a broken test from hanging.
constexpr int64_t kCallDeadlineMs = 5000;
// milkd starts (or refuses to) in well under a second; 15 s covers a loaded machine.
constexpr int64_t kReadyTimeoutMs = 15000;
// Catching up a handful of blocks over loopback takes well under a second.
constexpr int64_t kCatchUpTimeoutMs = 20000;

// brand.b's token is endorsed by TICA's or BrandB's peers, so it moves on while "tica" is away.
constexpr char kBrandBChaincodes[] =
    "chaincodes:\n"
    "  - name: token\n"
    "    version: 1\n"
    "    endorsement_policy: \"OR('TICA.peer', 'BrandB.peer')\"\n"
    "    acl:\n"
    "      issue: [client, admin]\n"
    "      transfer: [wallet, client]\n"
    "      balance: [\"*\"]\n"
    "      supply: [\"*\"]\n"
    "    init_args: [BTB]\n";

NetworkOptions PrivacyNetwork() {
  NetworkOptions options;
  options.orgs = {{"TICA", {{"issuer", "client"}}},
                  {"BrandA", {{"clerk", "client"}}},
                  {"BrandB", {{"clerk", "client"}}},
                  {"Auditor", {{"auditor", "auditor"}}}};
  options.nodes = {{"tica", "TICA"}, {"a", "BrandA"}, {"b", "BrandB"}};
  options.chains = {{kCenter, {"TICA"}, {"tica"}, {}, "", {}},
                    {kBrandA, {"BrandA", "TICA", "Auditor"}, {"a"}, {"tica"}, "", {}},
                    {kBrandB, {"BrandB", "TICA"}, {"b"}, {"tica"}, kBrandBChaincodes, {}}};
  options.wallets = {"alice"};
  return options;
}

// BrandB's members whose certificates the tests present.
const std::vector<std::string> kStrangers = {"clerk", "admin", "peer-b"};

client::GatewayOptions Quick() {
  client::GatewayOptions options;
  options.deadline_ms = kCallDeadlineMs;
  return options;
}

int64_t Now() { return SystemClock::Instance().NowMs(); }

// The network with one committed token issue on brand.a (endorsed and submitted through "tica"
// by TICA's issuer); the brand.a height after it.
struct Fixture {
  Network net{PrivacyNetwork()};
  uint64_t height = 0;

  Fixture() {
    const client::GatewayClient tica = net.Client("tica", "TICA", "issuer");
    auto issued = client::Invoke(net.Member("TICA", "issuer"), {&tica}, tica, kBrandA, "token",
                                 "issue", {net.Address("alice"), "7"}, Now());
    INFO(issued.status().ToString());
    REQUIRE(issued.ok());
    REQUIRE(issued->code == milkpb::VALID);
    height = issued->block_number + 1;
    REQUIRE(net.WaitForHeight("tica", kBrandA, height) >= height);
  }

  client::GatewayClient Stranger(const std::string& node, const std::string& member) const {
    return net.Client(node, "BrandB", member, Quick());
  }

  // A proposal on brand.a signed by BrandB's member (its ledger identity is valid on brand.b).
  milkpb::SignedProposal StrangerProposal(const std::string& member, const std::string& function,
                                          const std::vector<std::string>& args) const {
    auto built = client::BuildProposal(net.Member("BrandB", member), kBrandA, "token", function,
                                       args, Now());
    REQUIRE(built.ok());
    return built->signed_proposal;
  }

  // brand.a's height as TICA's admin reads it on "tica": unchanged by every refused call.
  void CheckUnchanged() const {
    auto info = net.Client("tica", "TICA", "admin", Quick()).ChainInfo(kBrandA);
    REQUIRE(info.ok());
    CHECK(info->summary().height() == height);
  }

  // milk_rpc_access_refused_total{method,reason} on "tica".
  double Refused(const std::string& method, const std::string& reason) const {
    auto metrics = HttpGet(net.OperationsEndpoint("tica"), "/metrics");
    REQUIRE(metrics.ok());
    const std::string prefix = "milk_rpc_access_refused_total{method=\"" + method +
                               "\",reason=\"" + reason + "\"} ";
    std::istringstream lines(*metrics);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
    }
    return 0;
  }
};

// The refusal every BrandB certificate gets on "tica" for brand.a.
void CheckNotMember(const Status& status) {
  INFO(status.ToString());
  CHECK(status.code() == Code::kPermissionDenied);
  CHECK_THAT(status.message(),
             Catch::Contains("org 'BrandB' is not a member of chain 'brand.a'"));
}

TEST_CASE("privacy: another partner's certificates cannot Deliver a brand chain's blocks",
          "[integration][privacy]") {
  Fixture f;
  for (const std::string& member : kStrangers) {
    INFO("BrandB/" << member);
    CheckNotMember(f.Stranger("tica", member).FetchBlock(kBrandA, 0).status());
    milkpb::DeliverRequest follow;
    follow.set_chain_id(kBrandA);
    follow.set_follow(true);
    int blocks = 0;
    CheckNotMember(f.Stranger("tica", member).Blocks(follow, [&](const milkpb::Block&) {
      ++blocks;
      return false;
    }));
    CHECK(blocks == 0);
  }
  CHECK(f.Refused("Deliver", "not_member") >= 2.0 * static_cast<double>(kStrangers.size()));
  // Its own chain is served to it.
  CHECK(f.Stranger("tica", "clerk").FetchBlock(kBrandB, 0).ok());
  f.CheckUnchanged();
}

TEST_CASE("privacy: another partner's certificates cannot Evaluate or Endorse on a brand chain",
          "[integration][privacy]") {
  Fixture f;
  for (const std::string& member : kStrangers) {
    INFO("BrandB/" << member);
    const auto query = f.StrangerProposal(member, "balance", {f.net.Address("alice")});
    CheckNotMember(f.Stranger("tica", member).Evaluate(query).status());
    const auto issue = f.StrangerProposal(member, "issue", {f.net.Address("alice"), "1000"});
    CheckNotMember(f.Stranger("tica", member).Endorse(issue).status());
  }
  CHECK(f.Refused("Evaluate", "not_member") >= static_cast<double>(kStrangers.size()));
  CHECK(f.Refused("Endorse", "not_member") >= static_cast<double>(kStrangers.size()));
  f.CheckUnchanged();
}

TEST_CASE("privacy: another partner's certificates cannot Submit to a brand chain, even a "
          "validly endorsed envelope",
          "[integration][privacy]") {
  Fixture f;
  // A real, endorsed envelope of a member (TICA's issuer): only the transport differs.
  const client::GatewayClient tica = f.net.Client("tica", "TICA", "issuer");
  const client::Signer issuer = f.net.Member("TICA", "issuer");
  auto built = client::BuildProposal(issuer, kBrandA, "token", "issue",
                                     {f.net.Address("alice"), "1000"}, Now());
  REQUIRE(built.ok());
  auto endorsed = tica.Endorse(built->signed_proposal);
  REQUIRE(endorsed.ok());
  auto envelope = client::BuildEnvelope(issuer, built->signed_proposal.proposal(), {*endorsed});
  REQUIRE(envelope.ok());
  for (const std::string& member : kStrangers) {
    INFO("BrandB/" << member);
    CheckNotMember(f.Stranger("tica", member).Submit(kBrandA, *envelope).status());
    CheckNotMember(
        f.Stranger("tica", member).CommitStatus(kBrandA, built->tx_id, false).status());
  }
  CHECK(f.Refused("Submit", "not_member") >= static_cast<double>(kStrangers.size()));
  f.CheckUnchanged();
}

TEST_CASE("privacy: another partner's certificates cannot read a brand chain's ChainInfo or "
          "ClusterStatus, nor see it in ListChains",
          "[integration][privacy]") {
  Fixture f;
  for (const std::string& member : kStrangers) {
    INFO("BrandB/" << member);
    const client::GatewayClient stranger = f.Stranger("tica", member);
    CheckNotMember(stranger.ChainInfo(kBrandA).status());
    CheckNotMember(stranger.ClusterStatus(kBrandA).status());
    auto chains = stranger.ListChains();
    REQUIRE(chains.ok());
    REQUIRE(chains->size() == 1);  // brand.b only: neither brand.a nor the center chain
    CHECK(chains->front().chain_id() == kBrandB);
  }
  auto all = f.net.Client("tica", "TICA", "admin").ListChains();
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  f.CheckUnchanged();
}

TEST_CASE("privacy: another partner's certificates cannot stream a brand chain's chaincode "
          "events",
          "[integration][privacy]") {
  Fixture f;
  for (const std::string& member : kStrangers) {
    INFO("BrandB/" << member);
    int events = 0;
    const auto count = [&](const milkpb::ChaincodeEventsResponse&) {
      ++events;
      return false;
    };
    CheckNotMember(f.Stranger("tica", member).ChaincodeEvents(kBrandA, "", 0, count));
    CHECK(events == 0);
  }
  CHECK(f.Refused("ChaincodeEvents", "not_member") >= static_cast<double>(kStrangers.size()));
  f.CheckUnchanged();
}

TEST_CASE("privacy: a certificate naming a member org but issued by another org's CA is refused",
          "[integration][privacy]") {
  Fixture f;
  // O=BrandA, but signed by BrandB's TLS CA (which "tica" trusts for brand.b): the handshake
  // passes, the chain config's CA for BrandA does not.
  const crypto::TlsIssuer& issuer = crypto::tls::OpenSslTlsIssuer();
  const std::string ca_dir = f.net.crypto_dir() + "/orgs/BrandB/tls";
  auto key = issuer.NewKey();
  REQUIRE(key.ok());
  crypto::TlsMemberSpec spec{"BrandA", "impostor", "client", {"127.0.0.1"}, 30};
  auto cert = issuer.IssueMember(spec, *key, ReadFileOrEmpty(ca_dir + "/ca.crt"),
                                 ReadFileOrEmpty(ca_dir + "/ca.key"), Now());
  INFO(cert.status().ToString());
  REQUIRE(cert.ok());
  client::GatewayOptions options = Quick();
  options.credentials = crypto::tls::ChannelCredentials(
      {ReadFileOrEmpty(f.net.tls_ca_bundle())}, *cert, *key);
  const client::GatewayClient impostor(f.net.endpoint("tica"), options);
  const Status refused = impostor.ChainInfo(kBrandA).status();
  INFO(refused.ToString());
  CHECK(refused.code() == Code::kPermissionDenied);
  CHECK_THAT(refused.message(),
             Catch::Contains("was not issued by org BrandA's TLS CA in chain 'brand.a''s config"));
  CHECK(f.Refused("ChainInfo", "untrusted_certificate") >= 1);
  auto chains = impostor.ListChains();
  REQUIRE(chains.ok());
  CHECK(chains->empty());
  f.CheckUnchanged();
}

TEST_CASE("privacy: a node that serves no chain of another partner refuses its certificates at "
          "the handshake",
          "[integration][privacy]") {
  Fixture f;
  for (const std::string& member : kStrangers) {
    INFO("BrandB/" << member);
    const client::GatewayClient stranger = f.Stranger("a", member);
    for (const Status& status :
         {stranger.ListChains().status(), stranger.ChainInfo(kBrandA).status(),
          stranger.FetchBlock(kBrandA, 0).status(),
          stranger.Evaluate(f.StrangerProposal(member, "supply", {})).status()}) {
      INFO(status.ToString());
      CHECK(status.code() == Code::kUnavailable);
    }
  }
  f.CheckUnchanged();
}

TEST_CASE("privacy: a client without a TLS certificate is refused by every node",
          "[integration][privacy]") {
  Fixture f;
  for (const std::string node : {"tica", "a", "b"}) {
    INFO(node);
    const client::GatewayClient anonymous = f.net.Client(node, "", "", Quick());
    CHECK(anonymous.ListChains().status().code() == Code::kUnavailable);
    CHECK(anonymous.FetchBlock(kBrandA, 0).status().code() == Code::kUnavailable);
  }
  f.CheckUnchanged();
}

TEST_CASE("privacy: a brand chain's partner, TICA and the auditor it admits read it",
          "[integration][privacy]") {
  Fixture f;
  const std::vector<std::pair<std::string, std::string>> readers = {
      {"BrandA", "clerk"}, {"BrandA", "admin"}, {"TICA", "admin"}, {"Auditor", "auditor"}};
  for (const auto& [org, member] : readers) {
    for (const std::string node : {"tica", "a"}) {
      INFO(org << "/" << member << " on " << node);
      const client::GatewayClient reader = f.net.Client(node, org, member, Quick());
      auto info = reader.ChainInfo(kBrandA);
      INFO(info.status().ToString());
      REQUIRE(info.ok());
      CHECK(info->summary().height() == f.height);
      CHECK(reader.FetchBlock(kBrandA, f.height - 1).ok());
      auto built = client::BuildProposal(f.net.Member(org, member), kBrandA, "token", "balance",
                                         {f.net.Address("alice")}, Now());
      REQUIRE(built.ok());
      auto balance = reader.Evaluate(built->signed_proposal);
      INFO(balance.status().ToString());
      REQUIRE(balance.ok());
      CHECK(balance->status() == 200);
      CHECK(balance->payload() == "7");
    }
  }
  // The auditor is no member of the center chain: it does not see it.
  auto center = f.net.Client("tica", "Auditor", "auditor", Quick()).ChainInfo(kCenter);
  CHECK(center.status().code() == Code::kPermissionDenied);
}

std::vector<std::string> ChainIdsOn(const Network& net, const std::string& node) {
  auto chains = net.Client(node, "TICA", "admin", Quick()).ListChains();
  INFO(chains.status().ToString());
  REQUIRE(chains.ok());
  std::vector<std::string> ids;
  for (const auto& chain : *chains) ids.push_back(chain.chain_id());
  return ids;
}

TEST_CASE("a node joins, lists and leaves chains at run time, and a left chain stays left across "
          "a restart until joined again",
          "[integration][privacy][chains]") {
  Network net(PrivacyNetwork());
  const std::string tica = net.endpoint("tica");
  // milk chain ... on "tica", over org/member's TLS certificate and signed by its ledger key.
  const auto milk = [&](const std::string& org, const std::string& member,
                        std::vector<std::string> args) {
    args.insert(args.begin(), {"--peer", tica, "--identity", net.member_dir(org, member)});
    return net.RunMilk(org, member, args);
  };
  const std::vector<std::string> all = {kBrandA, kBrandB, kCenter};
  REQUIRE(ChainIdsOn(net, "tica") == all);

  // Refused, and nothing left: a member that is no admin, an admin of an org that is not a
  // member, an unknown chain.
  CommandResult not_admin = milk("TICA", "issuer", {"chain", "leave", "-C", kBrandB});
  CHECK(not_admin.exit_code == 1);
  CHECK_THAT(not_admin.err, Catch::Contains("needs the signature of an admin"));
  CommandResult stranger = milk("BrandA", "admin", {"chain", "leave", "-C", kBrandB});
  CHECK(stranger.exit_code == 1);
  CHECK_THAT(stranger.err, Catch::Contains("org 'BrandA' is not a member of chain 'brand.b'"));
  const client::GatewayClient as_admin = net.Client("tica", "TICA", "admin", Quick());
  const int64_t an_hour_ago_ms = Now() - 3600 * 1000;
  Status stale = as_admin.LeaveChain(kBrandB, net.Member("TICA", "admin"), an_hour_ago_ms);
  CHECK(stale.code() == Code::kInvalidArgument);
  CHECK_THAT(stale.message(), Catch::Contains("ms from this node's clock"));
  CommandResult unknown = milk("TICA", "admin", {"chain", "leave", "-C", "brand.z"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("chain 'brand.z' is not joined on this node"));
  CHECK(ChainIdsOn(net, "tica") == all);

  CommandResult left = milk("TICA", "admin", {"chain", "leave", "-C", kBrandB});
  INFO(left.out << left.err);
  REQUIRE(left.exit_code == 0);
  CHECK(left.out == "left chain brand.b on " + tica + "\n");
  CHECK(ChainIdsOn(net, "tica") == std::vector<std::string>{kBrandA, kCenter});
  const std::string chains_dir = net.data_dir("tica") + "/chains";
  CHECK_FALSE(std::filesystem::exists(chains_dir + "/" + kBrandB));
  int moved = 0;
  for (const auto& entry : std::filesystem::directory_iterator(chains_dir + "/.left")) {
    moved += entry.path().filename().string().rfind("brand.b.", 0) == 0 ? 1 : 0;
  }
  CHECK(moved == 1);

  // brand.b moves on without "tica" (its partner's peer endorses).
  const client::GatewayClient b = net.Client("b", "BrandB", "clerk");
  uint64_t height = 0;
  for (int i = 0; i < 2; ++i) {
    auto issued = client::Invoke(net.Member("BrandB", "clerk"), {&b}, b, kBrandB, "token", "issue",
                                 {net.Address("alice"), "5"}, Now());
    INFO(issued.status().ToString());
    REQUIRE(issued.ok());
    REQUIRE(issued->code == milkpb::VALID);
    height = issued->block_number + 1;
  }

  net.Terminate("tica");
  net.Start("tica");
  CHECK(ChainIdsOn(net, "tica") == std::vector<std::string>{kBrandA, kCenter});

  CommandResult joined =
      milk("TICA", "admin", {"chain", "join", "--genesis", net.genesis_path(kBrandB)});
  INFO(joined.out << joined.err);
  REQUIRE(joined.exit_code == 0);
  CHECK(net.WaitForHeight("tica", kBrandB, height, kCatchUpTimeoutMs) >= height);
  CHECK(ChainIdsOn(net, "tica") == all);
}

TEST_CASE("milkd refuses to serve plaintext gRPC on an address other than loopback",
          "[integration][privacy]") {
  NetworkOptions options;
  options.orgs = {{"TICA", {}}};
  options.nodes = {{"solo", "TICA"}};
  Network net(options);
  // The node's own node.yaml without its tls section, in a directory of its own.
  std::string yaml = ReadFileOrEmpty(net.node_dir("solo") + "/node.yaml");
  const size_t tls = yaml.find("tls:\n");
  const size_t log = yaml.find("log:\n");
  REQUIRE((tls != std::string::npos && log != std::string::npos && tls < log));
  yaml.erase(tls, log - tls);
  const std::string plain_dir = net.dir() + "/plain";
  std::filesystem::create_directories(plain_dir);
  {
    std::ofstream out(plain_dir + "/node.yaml");
    out << yaml;
  }
  const auto argv = [&](const std::string& listen) {
    return std::vector<std::string>{MILKD_BINARY_PATH, "--config", plain_dir + "/node.yaml",
                                    "--set", "listen.grpc=" + listen,
                                    "--set", "listen.operations=127.0.0.1:0",
                                    "--ready-file", plain_dir + "/ready.json"};
  };
  for (const std::string listen : {"0.0.0.0:0", "[::]:0", "10.1.2.3:7051"}) {
    INFO(listen);
    CommandResult refused = RunCommand(argv(listen), plain_dir, kReadyTimeoutMs);
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Catch::Contains("listen.grpc is " + listen +
                                            " but node.yaml has no tls section"));
    CHECK_FALSE(std::filesystem::exists(plain_dir + "/ready.json"));
  }
  // On loopback it serves, and warns that TLS is off.
  ChildProcess loopback;
  REQUIRE(loopback.Start(argv("127.0.0.1:0"), plain_dir + "/milkd.log").empty());
  CHECK(PollUntil(kReadyTimeoutMs, [&] {
    return std::filesystem::exists(plain_dir + "/ready.json") || !loopback.Running();
  }));
  CHECK(std::filesystem::exists(plain_dir + "/ready.json"));
  loopback.Kill9();
  CHECK_THAT(ReadFileOrEmpty(plain_dir + "/milkd.log"), Catch::Contains("TLS is off"));
}

TEST_CASE("milkd that cannot open its data or bind its port says why and exits 1",
          "[integration][privacy]") {
  NetworkOptions options;
  options.orgs = {{"TICA", {}}};
  options.nodes = {{"solo", "TICA"}};
  NetworkChain chain;
  chain.id = "solo.chain";
  chain.orgs = {"TICA"};
  chain.consenters = {"solo"};
  options.chains = {chain};
  Network net(options);  // solo runs, holding its chain's databases and its gRPC port
  const std::string dir = net.dir() + "/second";
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {MILKD_BINARY_PATH, "--config", net.node_dir("solo") + "/node.yaml",
                                   "--set", "listen.operations=127.0.0.1:0",
                                   "--ready-file", dir + "/ready.json"};
  // The running node's data directory (on a free port): refused before any chain opens.
  std::vector<std::string> same_data = argv;
  same_data.insert(same_data.end(), {"--set", "listen.grpc=127.0.0.1:0"});
  CommandResult locked = RunCommand(same_data, dir, kReadyTimeoutMs);
  INFO(locked.err);
  CHECK(locked.exit_code == 1);
  CHECK_THAT(locked.err, Catch::Contains("milkd: FAILED_PRECONDITION: data directory " +
                                         net.data_dir("solo") + " is in use by another milkd"));
  // A data directory of its own, on the running node's gRPC port.
  std::vector<std::string> same_port = argv;
  same_port.insert(same_port.end(), {"--set", "node.data_dir=" + dir + "/data", "--set",
                                     "listen.grpc=" + net.endpoint("solo")});
  CommandResult taken = RunCommand(same_port, dir, kReadyTimeoutMs);
  INFO(taken.err);
  CHECK(taken.exit_code == 1);
  CHECK_THAT(taken.err, Catch::Contains("milkd: ") &&
                            Catch::Contains("cannot listen for gRPC on " + net.endpoint("solo")));
  CHECK_FALSE(std::filesystem::exists(dir + "/ready.json"));
  CHECK(net.running("solo"));  // the first node never noticed
}

}  // namespace
}  // namespace milk::integration
