// Test helpers: a temporary directory and a small generated network (keys and certificates from
// crypto::GenerateFromYaml), shared by the client and CLI tests.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/cryptogen.h"

namespace milk::client::testing {

// 2024-01-01T00:00:00Z: certificates are issued at this time and valid for 365 days.
inline constexpr int64_t kTestNowMs = 1704067200000;

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "milk-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = Join(name);
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::string path_;
};

// Two orgs (TICA, PARTNER) with admin, peer, consenter and client members, and wallet alice,
// at dir/crypto. Member dirs: crypto/orgs/<org>/members/<name>. Generated once per process (key
// files are fsynced, which is slow) and copied, modes included, into each test's directory.
inline void GenerateTestNetwork(const TempDir& dir) {
  static const TempDir once;  // removed at exit
  static const bool generated = [] {
    const std::string yaml = once.Write("crypto.yaml", R"(
orgs:
  - name: TICA
    members:
      - {name: admin, role: admin}
      - {name: peer0, role: peer}
      - {name: orderer0, role: consenter}
      - {name: client0, role: client}
  - name: PARTNER
    members:
      - {name: admin, role: admin}
      - {name: peer0, role: peer}
wallets: [alice]
)");
    auto files = crypto::GenerateFromYaml(yaml, once.Join("crypto"), kTestNowMs);
    INFO(files.status().ToString());
    REQUIRE(files.ok());
    return true;
  }();
  REQUIRE(generated);
  std::filesystem::copy(once.Join("crypto"), dir.Join("crypto"),
                        std::filesystem::copy_options::recursive);
}

inline std::string MemberDir(const TempDir& dir, const std::string& org, const std::string& name) {
  return dir.Join("crypto/orgs/" + org + "/members/" + name);
}

}  // namespace milk::client::testing

namespace milk::client::testing {

// A valid profile for chain "demo" over the test network, at dir/profiles/demo.yaml (relative
// paths, resolved against that directory). extra is appended verbatim.
inline std::string WriteDemoProfile(const TempDir& dir, const std::string& extra = "") {
  return dir.Write("profiles/demo.yaml", R"yaml(chain_id: demo
orgs:
  - name: TICA
    root_public_key_file: ../crypto/orgs/TICA/root.pub
    revoked_serials: [99]
  - name: PARTNER
    root_public_key_file: ../crypto/orgs/PARTNER/root.pub
consenters:
  - {org: TICA, cert_file: ../crypto/orgs/TICA/members/orderer0/cert, endpoint: "127.0.0.1:7051"}
chaincodes:
  - name: token
    version: 1
    endorsement_policy: "AND('TICA.peer', 'PARTNER.peer')"
    acl: {transfer: [wallet, client], issue: [client, admin, client], balance: ["*"]}
    init_args: [MLKT, "6"]
)yaml" + extra);
}

}  // namespace milk::client::testing
