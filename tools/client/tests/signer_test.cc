#include "tools/client/signer.h"

#include <sys/stat.h>

#include <filesystem>

#include "tools/client/tests/test_network.h"

namespace milk::client {
namespace {

using testing::GenerateTestNetwork;
using testing::MemberDir;
using testing::TempDir;

TEST_CASE("LoadSigner reads a member identity directory", "[signer]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Result<Signer> signer = LoadSigner(MemberDir(dir, "TICA", "admin"));
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  CHECK_FALSE(signer->info.is_wallet);
  CHECK(signer->info.org == "TICA");
  CHECK(signer->info.name == "admin");
  CHECK(signer->info.role == milkpb::ADMIN);
  CHECK(signer->info.public_key == signer->key.public_key);
  Result<crypto::IdentityInfo> parsed = crypto::ParseIdentity(signer->identity_bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed->name == "admin");
  // The key signs what the identity's key verifies.
  CHECK(crypto::Verify(parsed->public_key, "m", crypto::Sign(signer->key.secret_key, "m")));
}

TEST_CASE("LoadSigner reads a wallet directory (no cert) as a wallet identity", "[signer]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Result<Signer> signer = LoadSigner(dir.Join("crypto/wallets/alice"));
  REQUIRE(signer.ok());
  CHECK(signer->info.is_wallet);
  CHECK(signer->info.role == milkpb::WALLET);
  CHECK(signer->info.name == crypto::WalletAddress(signer->key.public_key));
  CHECK(signer->identity_bytes == crypto::SerializeWalletIdentity(signer->key.public_key));
}

TEST_CASE("LoadSigner names what is missing or wrong", "[signer]") {
  TempDir dir;
  GenerateTestNetwork(dir);

  SECTION("missing directory") {
    Result<Signer> s = LoadSigner(dir.Join("nope"));
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kNotFound);
    CHECK_THAT(s.status().message(), Catch::Contains(dir.Join("nope")));
  }
  SECTION("directory without key") {
    std::filesystem::create_directories(dir.Join("empty"));
    Result<Signer> s = LoadSigner(dir.Join("empty"));
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kNotFound);
    CHECK_THAT(s.status().message(), Catch::Contains(dir.Join("empty") + "/key"));
  }
  SECTION("cert of another member") {
    const std::string mixed = dir.Join("mixed");
    std::filesystem::create_directories(mixed);
    std::filesystem::copy_file(MemberDir(dir, "TICA", "admin") + "/key", mixed + "/key");
    std::filesystem::copy_file(MemberDir(dir, "TICA", "peer0") + "/cert", mixed + "/cert");
    Result<Signer> s = LoadSigner(mixed);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInvalidArgument);
    CHECK_THAT(s.status().message(), Catch::Contains(mixed + "/cert"));
    CHECK_THAT(s.status().message(), Catch::Contains("different public key"));
  }
  SECTION("garbage cert") {
    const std::string bad = dir.Join("bad");
    std::filesystem::create_directories(bad);
    std::filesystem::copy_file(MemberDir(dir, "TICA", "admin") + "/key", bad + "/key");
    dir.Write("bad/cert", "not a certificate\n");
    Result<Signer> s = LoadSigner(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kDataLoss);
    CHECK_THAT(s.status().message(), Catch::Contains(bad + "/cert"));
  }
  SECTION("key readable by others") {
    const std::string key = MemberDir(dir, "TICA", "admin") + "/key";
    REQUIRE(::chmod(key.c_str(), 0644) == 0);
    Result<Signer> s = LoadSigner(MemberDir(dir, "TICA", "admin"));
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kPermissionDenied);
  }
}

TEST_CASE("MemberSigner refuses a certificate for another key", "[signer]") {
  TempDir dir;
  GenerateTestNetwork(dir);
  Result<Signer> peer = LoadSigner(MemberDir(dir, "TICA", "peer0"));
  REQUIRE(peer.ok());
  Result<Signer> s = MemberSigner(crypto::GenerateKeyPair(), peer->info.certificate);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kInvalidArgument);
  CHECK(MemberSigner(peer->key, peer->info.certificate).ok());
}

}  // namespace
}  // namespace milk::client
