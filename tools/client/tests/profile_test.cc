#include "crypto/key_files.h"
#include "tools/client/genesis.h"
#include "tools/client/tests/test_network.h"

namespace milk::client {
namespace {

using testing::GenerateTestNetwork;
using testing::TempDir;
using testing::WriteDemoProfile;

TEST_CASE("LoadChainProfile reads a full profile and fills the defaults", "[profile]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Result<ChainProfile> profile = LoadChainProfile(WriteDemoProfile(dir));
  INFO(profile.status().ToString());
  REQUIRE(profile.ok());
  const milkpb::ChainConfig& c = profile->config;
  CHECK(c.version() == 1);
  CHECK(c.sequence() == 0);
  CHECK(c.chain_id() == "demo");
  REQUIRE(c.orgs_size() == 2);
  CHECK(c.orgs(0).name() == "TICA");
  CHECK(c.orgs(0).root_public_key() ==
        crypto::ReadPublicKeyFile(dir.Join("crypto/orgs/TICA/root.pub")).value());
  REQUIRE(c.orgs(0).revoked_serials_size() == 1);
  CHECK(c.orgs(0).revoked_serials(0) == 99);
  CHECK(c.orgs(1).revoked_serials_size() == 0);
  REQUIRE(c.consenters_size() == 1);
  CHECK(c.consenters(0).endpoint() == "127.0.0.1:7051");
  CHECK(c.consenters(0).certificate() ==
        crypto::ReadCertificateFile(dir.Join("crypto/orgs/TICA/members/orderer0/cert"))
            ->SerializeAsString());
  REQUIRE(c.chaincodes_size() == 1);
  const milkpb::ChaincodeDefinition& cc = c.chaincodes(0);
  CHECK(cc.version() == 1);
  CHECK(cc.endorsement_policy() == "AND('TICA.peer', 'PARTNER.peer')");
  REQUIRE(cc.init_args_size() == 2);
  CHECK(cc.init_args(1) == "6");
  // ACL entries and roles in the written order, duplicates dropped; "*" is every role.
  REQUIRE(cc.acl_size() == 3);
  CHECK(cc.acl(0).function() == "transfer");
  CHECK(cc.acl(1).function() == "issue");
  REQUIRE(cc.acl(1).roles_size() == 2);
  CHECK(cc.acl(1).roles(0) == milkpb::CLIENT);
  CHECK(cc.acl(1).roles(1) == milkpb::ADMIN);
  CHECK(cc.acl(2).function() == "balance");
  CHECK(cc.acl(2).roles_size() == 8);
  CHECK(c.batch().max_tx_count() == 500);
  CHECK(c.batch().max_bytes() == 4194304);
  CHECK(c.batch().batch_timeout_ms() == 200);
  CHECK(c.max_timestamp_skew_ms() == 300000);
}

TEST_CASE("LoadChainProfile takes explicit batch and skew values", "[profile]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  auto profile = LoadChainProfile(WriteDemoProfile(
      dir, "batch: {max_tx_count: 10, batch_timeout_ms: 50}\nmax_timestamp_skew_ms: 1000\n"));
  REQUIRE(profile.ok());
  CHECK(profile->config.batch().max_tx_count() == 10);
  CHECK(profile->config.batch().max_bytes() == 4194304);
  CHECK(profile->config.batch().batch_timeout_ms() == 50);
  CHECK(profile->config.max_timestamp_skew_ms() == 1000);
}

// The error for the demo profile with `extra` appended.
Status ProfileError(const TempDir& dir, const std::string& extra) {
  Result<ChainProfile> profile = LoadChainProfile(WriteDemoProfile(dir, extra));
  REQUIRE_FALSE(profile.ok());
  return profile.status();
}

TEST_CASE("LoadChainProfile errors name the file, line and key", "[profile]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  const std::string path = dir.Join("profiles/demo.yaml");

  SECTION("unknown top-level key") {
    Status s = ProfileError(dir, "consenter: []\n");
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(path + ": line 16: profile: unknown key "
                                                     "\"consenter\""));
  }
  SECTION("unknown key in a nested entry") {
    Status s = ProfileError(dir, "batch: {max_tx: 1}\n");
    CHECK_THAT(s.message(), Catch::Contains("batch: unknown key \"max_tx\""));
  }
  SECTION("not a number") {
    Status s = ProfileError(dir, "max_timestamp_skew_ms: -5\n");
    CHECK_THAT(s.message(), Catch::Contains("profile.max_timestamp_skew_ms: \"-5\" is not a "
                                            "whole number"));
  }
  SECTION("a batch value too large for 32 bits") {
    Status s = ProfileError(dir, "batch: {max_bytes: 4294967296}\n");
    CHECK_THAT(s.message(), Catch::Contains("batch.max_bytes"));
  }
  SECTION("YAML syntax error") {
    Status s = ProfileError(dir, "batch: [\n");
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith(path + ": line "));
  }
}

TEST_CASE("ParseChainProfile rejects wrong shapes and missing files", "[profile]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  const std::string base = dir.Join("profiles");
  auto error = [&](const std::string& yaml) {
    Result<ChainProfile> p = ParseChainProfile(yaml, base);
    REQUIRE_FALSE(p.ok());
    return p.status();
  };
  const std::string org =
      "orgs: [{name: TICA, root_public_key_file: ../crypto/orgs/TICA/root.pub}]\n";
  const std::string consenter =
      "consenters: [{org: TICA, cert_file: ../crypto/orgs/TICA/members/orderer0/cert, "
      "endpoint: 'h:1'}]\n";

  CHECK_THAT(error("- a\n- b\n").message(), Catch::Contains("must be a YAML mapping"));
  CHECK_THAT(error(org + consenter).message(), Catch::Contains("chain_id is required"));
  CHECK_THAT(error("chain_id: demo\n" + consenter).message(), Catch::Contains("orgs is required"));
  CHECK_THAT(error("chain_id: demo\norgs: {}\n").message(),
             Catch::Contains("orgs: must be a list"));
  CHECK_THAT(error("chain_id: demo\norgs: [{name: TICA}]\n").message(),
             Catch::Contains("orgs[0]: root_public_key_file is required"));

  Status missing_key =
      error("chain_id: demo\norgs: [{name: TICA, root_public_key_file: ../nope.pub}]\n");
  CHECK(missing_key.code() == Code::kNotFound);
  CHECK_THAT(missing_key.message(), Catch::Contains("orgs[0].root_public_key_file"));
  CHECK_THAT(missing_key.message(), Catch::Contains(dir.Join("nope.pub")));

  Status missing_cert = error("chain_id: demo\n" + org +
                              "consenters: [{org: TICA, cert_file: x/cert, endpoint: 'h:1'}]\n");
  CHECK_THAT(missing_cert.message(), Catch::Contains(base + "/x/cert"));

  const std::string head = "chain_id: demo\n" + org + consenter;
  CHECK_THAT(error(head + "chaincodes: [{name: t, version: 1}]\n").message(),
             Catch::Contains("chaincodes[0]: endorsement_policy is required"));
  CHECK_THAT(error(head + "chaincodes: [{name: t, endorsement_policy: x}]\n").message(),
             Catch::Contains("chaincodes[0]: version is required"));
  CHECK_THAT(error(head + "chaincodes: [{name: t, version: 1, endorsement_policy: x, "
                          "acl: {f: [boss]}}]\n")
                 .message(),
             Catch::Contains("chaincodes[0].acl.f: unknown role \"boss\""));
  CHECK_THAT(error(head + "chaincodes: [{name: t, version: 1, endorsement_policy: x, "
                          "acl: {f: client}}]\n")
                 .message(),
             Catch::Contains("must be a list of roles"));
  CHECK_THAT(error(head + "chaincodes: [{name: t, version: 1, endorsement_policy: x, "
                          "acl: {f: [client], f: [admin]}}]\n")
                 .message(),
             Catch::Contains("chaincodes[0].acl.f: listed twice"));
  CHECK_THAT(error(head + "chaincodes: [{name: t, version: 1, endorsement_policy: x, "
                          "polcy: y}]\n")
                 .message(),
             Catch::Contains("unknown key \"polcy\""));
}

TEST_CASE("LoadChainProfile reports a missing profile", "[profile]") {
  TempDir dir;
  Result<ChainProfile> p = LoadChainProfile(dir.Join("none.yaml"));
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Code::kNotFound);
  CHECK_THAT(p.status().message(), Catch::Contains(dir.Join("none.yaml")));
}

}  // namespace
}  // namespace milk::client
