#include "crypto/cryptogen.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "crypto/cryptogen_spec.h"
#include "crypto/identity.h"
#include "crypto/key_files.h"
#include "crypto/tests/test_util.h"

namespace milk::crypto {
namespace {

using testing::ModeOf;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr int64_t kDayMs = 86'400'000;

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: peer0, role: peer}
      - {name: orderer0, role: consenter}
      - {name: admin, role: admin}
  - name: brand-A
    validity_days: 30
    members:
      - {name: client_1, role: client}
wallets: [alice, bob]
)";

struct Run {
  TempDir dir;
  std::string yaml = dir.Join("crypto.yaml");
  std::string out = dir.Join("out");

  Result<std::vector<GeneratedFile>> Generate(const std::string& text, int64_t now_ms = kNowMs) {
    WriteAll(yaml, text);
    return GenerateFromYaml(yaml, out, now_ms);
  }
  std::string Org(const std::string& org) const { return out + "/orgs/" + org; }
  milkpb::CertificateBody Cert(const std::string& org, const std::string& member) const {
    Result<milkpb::Certificate> cert =
        ReadCertificateFile(Org(org) + "/members/" + member + "/cert");
    REQUIRE(cert.ok());
    Result<std::string> root = ReadPublicKeyFile(Org(org) + "/root.pub");
    REQUIRE(root.ok());
    Result<milkpb::CertificateBody> body = CheckCertificate(*cert, *root, kNowMs, {});
    REQUIRE(body.ok());
    return *body;
  }
  // Every regular file under out, with its contents.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> files;
    if (!std::filesystem::exists(out)) return files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(out)) {
      if (e.is_regular_file()) files[e.path().string()] = ReadAll(e.path().string());
    }
    return files;
  }
};

size_t CountKept(const std::vector<GeneratedFile>& files, bool kept) {
  size_t n = 0;
  for (const auto& f : files) n += f.kept == kept ? 1 : 0;
  return n;
}

TEST_CASE("cryptogen writes roots, members and wallets with safe modes", "[cryptogen]") {
  Run run;
  Result<std::vector<GeneratedFile>> files = run.Generate(kYaml);
  REQUIRE(files.ok());
  // 2 roots (key + pub), 4 members (key + cert), 2 wallets (key + address).
  CHECK(files->size() == 16);
  CHECK(CountKept(*files, true) == 0);

  const std::string tica = run.Org("TICA");
  CHECK(ModeOf(tica + "/root.key") == 0600);
  CHECK(ModeOf(tica + "/root.pub") == 0644);
  CHECK(ModeOf(tica) == 0700);
  CHECK(ModeOf(tica + "/members/peer0") == 0700);
  CHECK(ModeOf(tica + "/members/peer0/key") == 0600);
  CHECK(ModeOf(tica + "/members/peer0/cert") == 0644);
  CHECK(ModeOf(run.out + "/wallets/alice/key") == 0600);
  CHECK(ModeOf(run.out + "/wallets/alice/address") == 0644);
  CHECK(ReadAll(tica + "/serial") == "milk-cert-serial v1\n3\n");
  CHECK(ReadAll(run.Org("brand-A") + "/serial") == "milk-cert-serial v1\n1\n");

  Result<KeyPair> root = ReadSecretKeyFile(tica + "/root.key");
  REQUIRE(root.ok());
  CHECK(*ReadPublicKeyFile(tica + "/root.pub") == root->public_key);
}

TEST_CASE("cryptogen certificates carry the YAML's fields and unique serials", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  milkpb::CertificateBody peer = run.Cert("TICA", "peer0");
  CHECK(peer.version() == 1);
  CHECK(peer.org() == "TICA");
  CHECK(peer.name() == "peer0");
  CHECK(peer.role() == milkpb::PEER);
  CHECK(peer.not_before_ms() == kNowMs);
  CHECK(peer.not_after_ms() == kNowMs + 365 * kDayMs);
  Result<KeyPair> key = ReadSecretKeyFile(run.Org("TICA") + "/members/peer0/key");
  REQUIRE(key.ok());
  CHECK(peer.public_key() == key->public_key);

  CHECK(run.Cert("TICA", "orderer0").role() == milkpb::CONSENTER);
  CHECK(run.Cert("TICA", "admin").role() == milkpb::ADMIN);
  CHECK(run.Cert("brand-A", "client_1").not_after_ms() == kNowMs + 30 * kDayMs);
  CHECK(run.Cert("brand-A", "client_1").role() == milkpb::CLIENT);
  std::set<uint64_t> serials = {peer.serial(), run.Cert("TICA", "orderer0").serial(),
                                run.Cert("TICA", "admin").serial()};
  CHECK(serials == std::set<uint64_t>{1, 2, 3});
}

TEST_CASE("cryptogen wallets get a key and their address", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  Result<KeyPair> alice = ReadSecretKeyFile(run.out + "/wallets/alice/key");
  REQUIRE(alice.ok());
  const std::string address = ReadAll(run.out + "/wallets/alice/address");
  CHECK(address == WalletAddress(alice->public_key) + "\n");
  CHECK(IsValidWalletAddress(address.substr(0, address.size() - 1)));
  CHECK(ReadAll(run.out + "/wallets/bob/address") != address);
}

TEST_CASE("re-running cryptogen keeps every existing file", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  auto before = run.Snapshot();
  Result<std::vector<GeneratedFile>> again = run.Generate(kYaml, kNowMs + kDayMs);
  REQUIRE(again.ok());
  CHECK(again->size() == 16);
  CHECK(CountKept(*again, false) == 0);
  for (const auto& f : *again) CHECK(f.description.find("(kept)") != std::string::npos);
  CHECK(run.Snapshot() == before);
}

TEST_CASE("adding a member issues just it, under the same root", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  const std::string root_pub = ReadAll(run.Org("TICA") + "/root.pub");
  const std::string peer_cert = ReadAll(run.Org("TICA") + "/members/peer0/cert");
  std::string grown = kYaml;
  grown.replace(grown.find("      - {name: admin"), 0, "      - {name: peer1, role: peer}\n");
  Result<std::vector<GeneratedFile>> files = run.Generate(grown);
  REQUIRE(files.ok());
  REQUIRE(CountKept(*files, false) == 2);
  for (const auto& f : *files) {
    if (!f.kept) CHECK(f.path.find("/members/peer1/") != std::string::npos);
  }
  CHECK(ReadAll(run.Org("TICA") + "/root.pub") == root_pub);
  CHECK(ReadAll(run.Org("TICA") + "/members/peer0/cert") == peer_cert);
  CHECK(run.Cert("TICA", "peer1").serial() == 4);  // Cert() checks it under root.pub
}

TEST_CASE("serials never repeat, even for a re-issued member", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  const uint64_t old_serial = run.Cert("TICA", "peer0").serial();
  std::filesystem::remove_all(run.Org("TICA") + "/members/peer0");
  REQUIRE(run.Generate(kYaml).ok());
  const uint64_t new_serial = run.Cert("TICA", "peer0").serial();
  CHECK(new_serial != old_serial);
  CHECK(new_serial == 4);
  CHECK(ReadAll(run.Org("TICA") + "/serial") == "milk-cert-serial v1\n4\n");
}

TEST_CASE("serials never repeat, even when the counter was set back", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  WriteAll(run.Org("TICA") + "/serial", "milk-cert-serial v1\n1\n");
  // A member removed from the YAML still holds its serial.
  std::string shrunk = kYaml;
  shrunk.erase(shrunk.find("      - {name: admin"),
               std::string("      - {name: admin, role: admin}\n").size());
  shrunk.replace(shrunk.find("      - {name: orderer0"), 0, "      - {name: peer1, role: peer}\n");
  REQUIRE(run.Generate(shrunk).ok());
  CHECK(run.Cert("TICA", "admin").serial() == 3);
  CHECK(run.Cert("TICA", "peer1").serial() == 4);
}

TEST_CASE("a member key without its certificate gets one for that key", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  const std::string key = ReadAll(run.Org("TICA") + "/members/admin/key");
  std::filesystem::remove(run.Org("TICA") + "/members/admin/cert");
  REQUIRE(run.Generate(kYaml).ok());
  CHECK(ReadAll(run.Org("TICA") + "/members/admin/key") == key);
  CHECK(run.Cert("TICA", "admin").public_key() ==
        ReadSecretKeyFile(run.Org("TICA") + "/members/admin/key")->public_key);
}

// Bad YAML: kInvalidArgument naming the field and org, and nothing written.
TEST_CASE("cryptogen rejects invalid YAML with a clear error", "[cryptogen]") {
  struct Case {
    const char* yaml;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {"orgs:\n  - name: ''\n", {"orgs[0]", "name"}},
      {"orgs:\n  - members: []\n", {"orgs[0]", "name is required"}},
      {"orgs:\n  - name: TI CA\n", {"TI CA", "A-Z a-z 0-9 _ -"}},
      {"orgs:\n  - name: ../evil\n", {"../evil"}},
      {"orgs:\n  - name: TICA.x\n", {"TICA.x"}},
      {"orgs:\n  - name: TICA\n  - name: TICA\n", {"TICA", "twice"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer}\n"
       "      - {name: p, role: admin}\n",
       {"org TICA", "member name \"p\"", "twice"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: boss}\n",
       {"org TICA member p", "unknown role \"boss\""}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: wallet}\n",
       {"org TICA member p", "role"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p}\n", {"org TICA member p", "role"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {role: peer}\n",
       {"org TICA", "members[0]", "name"}},
      {"orgs:\n  - name: TICA\n    validity_days: 0\n", {"org TICA", "validity_days"}},
      {"orgs:\n  - name: TICA\n    validity_days: 3651\n", {"org TICA", "validity_days"}},
      {"orgs:\n  - name: TICA\n    validity_days: soon\n", {"org TICA", "validity_days"}},
      {"orgs:\n  - name: TICA\n    validty_days: 10\n", {"org TICA", "validty_days"}},
      {"orgs:\n  - name: TICA\n    members: peer0\n", {"org TICA", "members"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, tls: yes}\n",
       {"org TICA", "tls"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: []}\n",
       {"org TICA member p", "hosts", "at least one"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: a.b}\n",
       {"org TICA member p", "hosts must be a list"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: [a.b, A.B]}\n",
       {"org TICA member p", "host \"a.b\" appears twice"}},
      {"orgs:\n  - name: TICA\n    members:\n"
       "      - {name: p, role: peer, hosts: [\"::1\", \"0:0::1\"]}\n",
       {"org TICA member p", "host \"::1\" appears twice"}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: [a_b]}\n",
       {"org TICA member p", "hosts[0] \"a_b\"", "neither an IP address nor a DNS name"}},
      {"orgs:\n  - name: TICA\n    members:\n"
       "      - {name: p, role: peer, hosts: [x, 10.0.0.300]}\n",
       {"org TICA member p", "hosts[1] \"10.0.0.300\""}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: [-a.b]}\n",
       {"org TICA member p", "\"-a.b\""}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: [a..b]}\n",
       {"org TICA member p", "\"a..b\""}},
      {"orgs:\n  - name: TICA\n    members:\n      - {name: p, role: peer, hosts: [[a]]}\n",
       {"org TICA member p", "hosts[0]"}},
      {"orgs:\n  - just-a-name\n", {"orgs[0]", "mapping"}},
      {"orgs:\n  - name: TICA\n    members: [peer0]\n", {"org TICA", "members[0]", "mapping"}},
      {"wallets: [alice, alice]\n", {"wallet", "alice", "twice"}},
      {"wallets: [al/ice]\n", {"wallets[0]", "al/ice"}},
      {"wallets: alice\n", {"wallets"}},
      {"peers: []\n", {"unknown field \"peers\""}},
      {"orgs: []\n", {"nothing to generate"}},
      {"- just a list\n", {"top level"}},
      {"orgs: [name: {\n", {"crypto.yaml"}},
  };
  for (const Case& c : cases) {
    Run run;
    Result<std::vector<GeneratedFile>> files = run.Generate(c.yaml);
    INFO("yaml:\n" << c.yaml);
    REQUIRE_FALSE(files.ok());
    CHECK(files.status().code() == Code::kInvalidArgument);
    for (const std::string& text : c.mentions) {
      INFO("message: " << files.status().message() << "\nexpected to mention: " << text);
      CHECK(files.status().message().find(text) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(run.out));
  }
}

TEST_CASE("TLS hosts are IP addresses or DNS names", "[cryptogen]") {
  for (const char* host : {"localhost", "127.0.0.1", "::1", "fe80::1:2", "peer0.tica.example",
                           "a-b.c1", "x", "1a.example", "123.example.com"}) {
    INFO(host);
    CHECK(internal::IsValidHost(host));
  }
  const std::string long_label(64, 'a');
  for (const std::string& host : std::vector<std::string>{
           "", "a_b", "-a", "a-", "a..b", ".a", "a.", "10.0.0.300", "1.2.3", "*.example", "a b",
           "[::1]", "host:443", long_label, std::string(254, 'a')}) {
    INFO(host);
    CHECK_FALSE(internal::IsValidHost(host));
  }
  CHECK(internal::IsValidHost(std::string(63, 'a') + ".b"));
}

TEST_CASE("cryptogen: missing YAML and bad now_ms", "[cryptogen]") {
  Run run;
  CHECK(GenerateFromYaml(run.dir.Join("missing.yaml"), run.out, kNowMs).status().code() ==
        Code::kNotFound);
  CHECK(run.Generate(kYaml, -1).status().code() == Code::kInvalidArgument);
  CHECK(run.Generate(kYaml, INT64_MAX).status().code() == Code::kInvalidArgument);
  CHECK_FALSE(std::filesystem::exists(run.out));
}

// Existing files that contradict each other or the YAML: an error, and nothing changes.
TEST_CASE("cryptogen refuses inconsistent existing files and changes nothing", "[cryptogen]") {
  struct Case {
    const char* name;
    void (*damage)(const Run& run);
    Code code;
    const char* mention;
  };
  const Case cases[] = {
      {"cert without key",
       [](const Run& r) { std::filesystem::remove(r.Org("TICA") + "/members/peer0/key"); },
       Code::kFailedPrecondition, "without its key"},
      {"root.pub from another key",
       [](const Run& r) {
         std::filesystem::remove(r.Org("TICA") + "/root.pub");
         REQUIRE(
             WritePublicKeyFile(r.Org("TICA") + "/root.pub", GenerateKeyPair().public_key).ok());
       },
       Code::kFailedPrecondition, "does not match"},
      {"root key readable by others",
       [](const Run& r) { ::chmod((r.Org("TICA") + "/root.key").c_str(), 0644); },
       Code::kPermissionDenied, "chmod 600"},
      {"root key lost", [](const Run& r) { std::filesystem::remove(r.Org("TICA") + "/root.key"); },
       Code::kFailedPrecondition, "root.key is missing"},
      {"serial counter lost",
       [](const Run& r) { std::filesystem::remove(r.Org("TICA") + "/serial"); },
       Code::kFailedPrecondition, "serial is missing"},
      {"serial counter corrupt",
       [](const Run& r) { WriteAll(r.Org("TICA") + "/serial", "milk-cert-serial v1\nx\n"); },
       Code::kDataLoss, "serial"},
      {"certificate for another key",
       [](const Run& r) {
         std::filesystem::copy_file(r.Org("TICA") + "/members/admin/cert",
                                    r.Org("TICA") + "/members/peer0/cert",
                                    std::filesystem::copy_options::overwrite_existing);
       },
       Code::kFailedPrecondition, "not for this member"},
      {"wallet address for another key",
       [](const Run& r) {
         WriteAll(r.out + "/wallets/bob/address", ReadAll(r.out + "/wallets/alice/address"));
       },
       Code::kFailedPrecondition, "does not match"},
  };
  for (const Case& c : cases) {
    Run run;
    REQUIRE(run.Generate(kYaml).ok());
    c.damage(run);
    auto before = run.Snapshot();
    // A new member too: it must not be created when the run fails.
    std::string grown = kYaml;
    grown.replace(grown.find("      - {name: admin"), 0, "      - {name: peer9, role: peer}\n");
    Result<std::vector<GeneratedFile>> files = run.Generate(grown);
    INFO(c.name);
    REQUIRE_FALSE(files.ok());
    CHECK(files.status().code() == c.code);
    INFO("message: " << files.status().message());
    CHECK(files.status().message().find(c.mention) != std::string::npos);
    CHECK(run.Snapshot() == before);
  }
}

TEST_CASE("cryptogen refuses a role change for a kept member", "[cryptogen]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  auto before = run.Snapshot();
  std::string changed = kYaml;
  changed.replace(changed.find("{name: peer0, role: peer}"), 25, "{name: peer0, role: admin}");
  Result<std::vector<GeneratedFile>> files = run.Generate(changed);
  REQUIRE_FALSE(files.ok());
  CHECK(files.status().code() == Code::kFailedPrecondition);
  CHECK(files.status().message().find("role peer but the YAML says admin") != std::string::npos);
  CHECK(run.Snapshot() == before);
}

}  // namespace
}  // namespace milk::crypto
