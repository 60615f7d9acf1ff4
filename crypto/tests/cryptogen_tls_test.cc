// cryptogen's handling of TLS files, with a fake issuer whose "PEMs" are readable text; the real
// X.509 issuer is tested in crypto/tls/tests.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <sstream>

#include "crypto/cryptogen.h"
#include "crypto/tests/test_util.h"

namespace milk::crypto {
namespace {

using testing::ModeOf;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

constexpr int64_t kNowMs = 1'700'000'000'000;

// Each fake PEM is lines of "field=value"; certificates name their key and their CA's key.
std::map<std::string, std::string> Fields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return fields;
}

std::string Join(const std::vector<std::string>& hosts) {
  std::string out;
  for (const std::string& h : hosts) out += (out.empty() ? "" : ",") + h;
  return out;
}

class FakeIssuer final : public TlsIssuer {
 public:
  Result<std::string> NewKey() const override {
    if (fail_new_key) return Internal("no entropy today");
    return "type=key\nid=" + std::to_string(++keys_) + "\n";
  }
  Status CheckKey(const std::string& key_pem) const override {
    if (Fields(key_pem)["type"] != "key") return DataLoss("not a key");
    return Status::Ok();
  }
  Result<std::string> IssueCa(const std::string& org, const std::string& ca_key_pem,
                              int64_t now_ms) const override {
    return "type=ca\norg=" + org + "\nkey=" + Fields(ca_key_pem)["id"] +
           "\nnow=" + std::to_string(now_ms) + "\n";
  }
  Status CheckCa(const std::string& org, const std::string& ca_cert_pem,
                 const std::string& ca_key_pem) const override {
    auto cert = Fields(ca_cert_pem);
    if (cert["type"] != "ca") return DataLoss("not a CA certificate");
    if (cert["org"] != org) return FailedPrecondition("CA of org " + cert["org"]);
    if (cert["key"] != Fields(ca_key_pem)["id"]) return FailedPrecondition("not for the key");
    return Status::Ok();
  }
  Result<std::string> IssueMember(const TlsMemberSpec& m, const std::string& key_pem,
                                  const std::string& ca_cert_pem, const std::string& ca_key_pem,
                                  int64_t now_ms) const override {
    if (Fields(ca_cert_pem)["key"] != Fields(ca_key_pem)["id"]) return Internal("CA mismatch");
    return "type=cert\norg=" + m.org + "\nname=" + m.name + "\nrole=" + m.role +
           "\nhosts=" + Join(m.hosts) + "\ndays=" + std::to_string(m.validity_days) +
           "\nkey=" + Fields(key_pem)["id"] + "\nca=" + Fields(ca_cert_pem)["key"] +
           "\nnow=" + std::to_string(now_ms) + "\n";
  }
  Status CheckMember(const TlsMemberSpec& m, const std::string& cert_pem,
                     const std::string& key_pem, const std::string& ca_cert_pem) const override {
    auto cert = Fields(cert_pem);
    if (cert["type"] != "cert") return DataLoss("not a certificate");
    if (cert["key"] != Fields(key_pem)["id"]) return FailedPrecondition("not for the key");
    if (cert["ca"] != Fields(ca_cert_pem)["key"]) return FailedPrecondition("another CA");
    if (cert["org"] != m.org || cert["name"] != m.name || cert["role"] != m.role) {
      return FailedPrecondition("names " + cert["name"] + " " + cert["role"]);
    }
    if (cert["hosts"] != Join(m.hosts)) return FailedPrecondition("hosts " + cert["hosts"]);
    return Status::Ok();
  }

  bool fail_new_key = false;

 private:
  mutable std::atomic<int> keys_{0};
};

const char* const kYaml = R"(
orgs:
  - name: TICA
    members:
      - {name: peer0, role: peer, hosts: [peer0.tica.example, 10.0.0.5, "::1"]}
      - {name: admin, role: admin}
  - name: brand-A
    validity_days: 30
    members:
      - {name: client_1, role: client}
wallets: [alice]
)";

struct Run {
  TempDir dir;
  std::string yaml = dir.Join("crypto.yaml");
  std::string out = dir.Join("out");
  FakeIssuer issuer;

  Result<std::vector<GeneratedFile>> Generate(const std::string& text) {
    WriteAll(yaml, text);
    return GenerateFromYaml(yaml, out, kNowMs, issuer);
  }
  std::string Org(const std::string& org) const { return out + "/orgs/" + org; }
  std::string Member(const std::string& org, const std::string& name) const {
    return Org(org) + "/members/" + name;
  }
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

TEST_CASE("cryptogen issues an org TLS CA and member TLS files", "[cryptogen][tls]") {
  Run run;
  Result<std::vector<GeneratedFile>> files = run.Generate(kYaml);
  REQUIRE(files.ok());
  // Ledger: 2 roots (key + pub), 3 members (key + cert), 1 wallet (key + address) = 12.
  // TLS: 2 CAs (key + cert), 3 members (key + cert) = 10.
  CHECK(files->size() == 22);
  CHECK(CountKept(*files, true) == 0);

  const std::string tica = run.Org("TICA");
  CHECK(ModeOf(tica + "/tls") == 0700);
  CHECK(ModeOf(tica + "/tls/ca.key") == 0600);
  CHECK(ModeOf(tica + "/tls/ca.crt") == 0644);
  CHECK(ModeOf(run.Member("TICA", "peer0") + "/tls.key") == 0600);
  CHECK(ModeOf(run.Member("TICA", "peer0") + "/tls.crt") == 0644);

  auto ca = Fields(ReadAll(tica + "/tls/ca.crt"));
  CHECK(ca["org"] == "TICA");
  CHECK(ca["key"] == Fields(ReadAll(tica + "/tls/ca.key"))["id"]);
  CHECK(ca["now"] == std::to_string(kNowMs));

  auto peer = Fields(ReadAll(run.Member("TICA", "peer0") + "/tls.crt"));
  CHECK(peer["name"] == "peer0");
  CHECK(peer["role"] == "peer");
  CHECK(peer["hosts"] == "peer0.tica.example,10.0.0.5,::1");
  CHECK(peer["days"] == "365");
  CHECK(peer["ca"] == ca["key"]);
  CHECK(peer["key"] == Fields(ReadAll(run.Member("TICA", "peer0") + "/tls.key"))["id"]);
  // Hosts default to the local machine.
  CHECK(Fields(ReadAll(run.Member("TICA", "admin") + "/tls.crt"))["hosts"] ==
        "localhost,127.0.0.1");
  auto client = Fields(ReadAll(run.Member("brand-A", "client_1") + "/tls.crt"));
  CHECK(client["days"] == "30");
  CHECK(client["ca"] == Fields(ReadAll(run.Org("brand-A") + "/tls/ca.key"))["id"]);
  // Wallets are not org members: no TLS.
  CHECK_FALSE(std::filesystem::exists(run.out + "/wallets/alice/tls.key"));
}

TEST_CASE("cryptogen without an issuer writes no TLS files", "[cryptogen][tls]") {
  Run run;
  WriteAll(run.yaml, kYaml);
  Result<std::vector<GeneratedFile>> files = GenerateFromYaml(run.yaml, run.out, kNowMs);
  REQUIRE(files.ok());
  CHECK(files->size() == 12);
  CHECK_FALSE(std::filesystem::exists(run.Org("TICA") + "/tls"));
  CHECK_FALSE(std::filesystem::exists(run.Member("TICA", "peer0") + "/tls.key"));

  // Run again with the issuer: the TLS files are added, every ledger file is kept.
  auto before = run.Snapshot();
  files = run.Generate(kYaml);
  REQUIRE(files.ok());
  CHECK(CountKept(*files, true) == 12);
  CHECK(CountKept(*files, false) == 10);
  for (const auto& [path, contents] : before) CHECK(ReadAll(path) == contents);
}

TEST_CASE("re-running cryptogen keeps every TLS file", "[cryptogen][tls]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  auto before = run.Snapshot();
  Result<std::vector<GeneratedFile>> again = run.Generate(kYaml);
  REQUIRE(again.ok());
  CHECK(again->size() == 22);
  CHECK(CountKept(*again, false) == 0);
  CHECK(run.Snapshot() == before);
}

TEST_CASE("a TLS key without its certificate gets one for that key", "[cryptogen][tls]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  const std::string member = run.Member("TICA", "admin");
  const std::string key = ReadAll(member + "/tls.key");
  const std::string ca_key = ReadAll(run.Org("TICA") + "/tls/ca.key");
  std::filesystem::remove(member + "/tls.crt");
  std::filesystem::remove(run.Org("TICA") + "/tls/ca.crt");
  Result<std::vector<GeneratedFile>> files = run.Generate(kYaml);
  REQUIRE(files.ok());
  CHECK(CountKept(*files, false) == 2);
  CHECK(ReadAll(member + "/tls.key") == key);
  CHECK(Fields(ReadAll(member + "/tls.crt"))["key"] == Fields(key)["id"]);
  // The CA certificate is re-issued for the same key, so kept member certificates still chain.
  CHECK(ReadAll(run.Org("TICA") + "/tls/ca.key") == ca_key);
  CHECK(Fields(ReadAll(run.Org("TICA") + "/tls/ca.crt"))["key"] == Fields(ca_key)["id"]);
}

// Contradictions among TLS files or with the YAML: an error naming the file, and nothing changes.
TEST_CASE("cryptogen refuses inconsistent TLS files and changes nothing", "[cryptogen][tls]") {
  struct Case {
    const char* name;
    void (*damage)(const Run& run);
    Code code;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {"tls.crt without tls.key",
       [](const Run& r) { std::filesystem::remove(r.Member("TICA", "peer0") + "/tls.key"); },
       Code::kFailedPrecondition,
       {"peer0/tls.crt exists without its key", "remove"}},
      {"ca.crt without ca.key",
       [](const Run& r) { std::filesystem::remove(r.Org("TICA") + "/tls/ca.key"); },
       Code::kFailedPrecondition,
       {"org TICA", "ca.crt exists without", "ca.key"}},
      {"ca.key lost and replaced",
       [](const Run& r) {
         std::filesystem::remove(r.Org("TICA") + "/tls/ca.key");
         std::filesystem::remove(r.Org("TICA") + "/tls/ca.crt");
       },
       Code::kFailedPrecondition,
       {"peer0/tls.crt", "another CA", "remove it"}},
      {"ca.crt of another org",
       [](const Run& r) {
         std::filesystem::copy_file(r.Org("brand-A") + "/tls/ca.crt", r.Org("TICA") + "/tls/ca.crt",
                                    std::filesystem::copy_options::overwrite_existing);
       },
       Code::kFailedPrecondition,
       {"TICA/tls/ca.crt", "CA of org brand-A", "restore"}},
      {"tls.crt of another member",
       [](const Run& r) {
         std::filesystem::copy_file(r.Member("TICA", "admin") + "/tls.crt",
                                    r.Member("TICA", "peer0") + "/tls.crt",
                                    std::filesystem::copy_options::overwrite_existing);
       },
       Code::kFailedPrecondition,
       {"peer0/tls.crt", "not for the key", "remove it"}},
      {"tls.crt corrupt",
       [](const Run& r) { WriteAll(r.Member("TICA", "peer0") + "/tls.crt", "garbage"); },
       Code::kDataLoss,
       {"peer0/tls.crt", "not a certificate"}},
      {"tls.key corrupt",
       [](const Run& r) {
         WriteAll(r.Member("TICA", "peer0") + "/tls.key", "junk");
         ::chmod((r.Member("TICA", "peer0") + "/tls.key").c_str(), 0600);
       },
       Code::kDataLoss,
       {"peer0/tls.key: not a key", "remove it"}},
      {"tls.key readable by others",
       [](const Run& r) { ::chmod((r.Member("TICA", "peer0") + "/tls.key").c_str(), 0640); },
       Code::kPermissionDenied,
       {"peer0/tls.key", "chmod 600"}},
      {"ca.key readable by others",
       [](const Run& r) { ::chmod((r.Org("TICA") + "/tls/ca.key").c_str(), 0604); },
       Code::kPermissionDenied,
       {"ca.key", "chmod 600"}},
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
    for (const std::string& text : c.mentions) {
      INFO("message: " << files.status().message() << "\nexpected to mention: " << text);
      CHECK(files.status().message().find(text) != std::string::npos);
    }
    CHECK(run.Snapshot() == before);
  }
}

TEST_CASE("cryptogen refuses changed hosts for a kept TLS certificate", "[cryptogen][tls]") {
  Run run;
  REQUIRE(run.Generate(kYaml).ok());
  auto before = run.Snapshot();
  std::string changed = kYaml;
  changed.replace(changed.find("10.0.0.5"), 8, "10.0.0.6");
  Result<std::vector<GeneratedFile>> files = run.Generate(changed);
  REQUIRE_FALSE(files.ok());
  CHECK(files.status().code() == Code::kFailedPrecondition);
  CHECK(files.status().message().find("hosts peer0.tica.example,10.0.0.5") != std::string::npos);
  CHECK(run.Snapshot() == before);

  // The way out the message gives: remove tls.crt; the key stays and gets a new certificate.
  std::filesystem::remove(run.Member("TICA", "peer0") + "/tls.crt");
  REQUIRE(run.Generate(changed).ok());
  CHECK(Fields(ReadAll(run.Member("TICA", "peer0") + "/tls.crt"))["hosts"] ==
        "peer0.tica.example,10.0.0.6,::1");
}

TEST_CASE("a failing TLS issuer fails the run before anything is written", "[cryptogen][tls]") {
  Run run;
  run.issuer.fail_new_key = true;
  Result<std::vector<GeneratedFile>> files = run.Generate(kYaml);
  REQUIRE_FALSE(files.ok());
  CHECK(files.status().code() == Code::kInternal);
  CHECK(files.status().message() == "no entropy today");
  CHECK_FALSE(std::filesystem::exists(run.out));
}

}  // namespace
}  // namespace milk::crypto
