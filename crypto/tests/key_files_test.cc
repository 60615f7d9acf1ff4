#include "crypto/key_files.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/tests/test_util.h"

namespace milk::crypto {
namespace {

using testing::ModeOf;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteAll;

// Writes text as a 0600 file so the reader gets past the permission check to the parser.
void WritePrivate(const std::string& path, const std::string& text) {
  WriteAll(path, text);
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

TEST_CASE("a secret key file round-trips in the v1 text format", "[key_files]") {
  TempDir dir;
  KeyPair key = GenerateKeyPair();
  const std::string path = dir.Join("key");
  REQUIRE(WriteSecretKeyFile(path, key).ok());
  CHECK(ReadAll(path) ==
        "milk-ed25519-secret-key v1\n" + ToHex(key.secret_key.substr(0, 32)) + "\n");
  CHECK(ModeOf(path) == 0600);
  Result<KeyPair> read = ReadSecretKeyFile(path);
  REQUIRE(read.ok());
  CHECK(read->public_key == key.public_key);
  CHECK(read->secret_key == key.secret_key);
}

TEST_CASE("secret key parents are created 0700; existing ones are left alone", "[key_files]") {
  TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  const std::string path = dir.Join("a/b/key");
  REQUIRE(WriteSecretKeyFile(path, GenerateKeyPair()).ok());
  CHECK(ModeOf(dir.Join("a")) == 0700);
  CHECK(ModeOf(dir.Join("a/b")) == 0700);
  CHECK(ModeOf(dir.path()) == 0755);
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("WriteSecretKeyFile refuses to overwrite", "[key_files]") {
  TempDir dir;
  const std::string path = dir.Join("key");
  REQUIRE(WriteSecretKeyFile(path, GenerateKeyPair()).ok());
  const std::string before = ReadAll(path);
  Status again = WriteSecretKeyFile(path, GenerateKeyPair());
  CHECK(again.code() == Code::kAlreadyExists);
  CHECK(again.message().find(path) != std::string::npos);
  CHECK(ReadAll(path) == before);
}

TEST_CASE("WriteSecretKeyFile rejects an inconsistent key pair and writes nothing", "[key_files]") {
  TempDir dir;
  KeyPair mixed = GenerateKeyPair();
  mixed.public_key = GenerateKeyPair().public_key;
  CHECK(WriteSecretKeyFile(dir.Join("k1"), mixed).code() == Code::kInvalidArgument);
  KeyPair short_key = GenerateKeyPair();
  short_key.secret_key.pop_back();
  CHECK(WriteSecretKeyFile(dir.Join("k2"), short_key).code() == Code::kInvalidArgument);
  CHECK(EntriesIn(dir.path()) == 0);
}

TEST_CASE("ReadSecretKeyFile refuses a key group or others can access", "[key_files]") {
  TempDir dir;
  const std::string path = dir.Join("key");
  REQUIRE(WriteSecretKeyFile(path, GenerateKeyPair()).ok());
  for (mode_t mode : {0640, 0604, 0620, 0601, 0644}) {
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    Status s = ReadSecretKeyFile(path).status();
    INFO("mode " << mode);
    CHECK(s.code() == Code::kPermissionDenied);
    CHECK(s.message().find("chmod 600 " + path) != std::string::npos);
  }
  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  CHECK(ReadSecretKeyFile(path).ok());
}

TEST_CASE("ReadSecretKeyFile: missing is kNotFound, malformed is kDataLoss", "[key_files]") {
  TempDir dir;
  CHECK(ReadSecretKeyFile(dir.Join("nope")).status().code() == Code::kNotFound);
  const std::string seed_hex(64, 'a');
  const std::string path = dir.Join("key");
  const char* bad[] = {
      "",
      "milk-ed25519-secret-key v1\n",
      "milk-ed25519-public-key v1\naaaa\n",
      "milk-ed25519-secret-key v1\nzz\n",
      "milk-ed25519-secret-key v1\naabb\n",  // 2-byte seed
  };
  for (const char* text : bad) {
    WritePrivate(path, text);
    INFO("text: " << text);
    CHECK(ReadSecretKeyFile(path).status().code() == Code::kDataLoss);
  }
  WritePrivate(path, "milk-ed25519-secret-key v2\n" + seed_hex + "\n");
  Status v2 = ReadSecretKeyFile(path).status();
  CHECK(v2.code() == Code::kDataLoss);
  CHECK(v2.message().find("unsupported format version \"v2\"") != std::string::npos);
  // Without the final newline it still reads (an editor may drop it).
  WritePrivate(path, "milk-ed25519-secret-key v1\n" + seed_hex);
  CHECK(ReadSecretKeyFile(path).ok());
  CHECK(ReadSecretKeyFile(dir.path()).status().code() == Code::kFailedPrecondition);
}

TEST_CASE("a public key file round-trips with mode 0644 and may be replaced", "[key_files]") {
  TempDir dir;
  const std::string path = dir.Join("pub/root.pub");
  KeyPair key = GenerateKeyPair();
  ::mode_t old_umask = ::umask(077);  // the file mode is set exactly, whatever the umask
  Status written = WritePublicKeyFile(path, key.public_key);
  ::umask(old_umask);
  REQUIRE(written.ok());
  CHECK(ReadAll(path) == "milk-ed25519-public-key v1\n" + ToHex(key.public_key) + "\n");
  CHECK(ModeOf(path) == 0644);
  CHECK(*ReadPublicKeyFile(path) == key.public_key);

  KeyPair other = GenerateKeyPair();
  REQUIRE(WritePublicKeyFile(path, other.public_key).ok());
  CHECK(*ReadPublicKeyFile(path) == other.public_key);
  CHECK(EntriesIn(dir.Join("pub")) == 1);  // no temporary file left behind
}

TEST_CASE("public key files: bad input and malformed files", "[key_files]") {
  TempDir dir;
  CHECK(WritePublicKeyFile(dir.Join("p"), "short").code() == Code::kInvalidArgument);
  CHECK(EntriesIn(dir.path()) == 0);
  CHECK(ReadPublicKeyFile(dir.Join("p")).status().code() == Code::kNotFound);
  WriteAll(dir.Join("p"), "milk-ed25519-public-key v1\nabcd\n");
  CHECK(ReadPublicKeyFile(dir.Join("p")).status().code() == Code::kDataLoss);
  KeyPair key = GenerateKeyPair();
  REQUIRE(WriteSecretKeyFile(dir.Join("k"), key).ok());
  CHECK(ReadPublicKeyFile(dir.Join("k")).status().code() == Code::kDataLoss);
  WriteAll(dir.Join("big"), std::string(100000, 'a'));
  CHECK(ReadPublicKeyFile(dir.Join("big")).status().code() == Code::kDataLoss);
}

TEST_CASE("a certificate file round-trips with mode 0644", "[key_files]") {
  TempDir dir;
  KeyPair root = GenerateKeyPair();
  milkpb::CertificateBody body;
  body.set_version(1);
  body.set_org("TICA");
  body.set_name("peer0");
  body.set_role(milkpb::PEER);
  body.set_public_key(GenerateKeyPair().public_key);
  body.set_serial(3);
  milkpb::Certificate cert = IssueCertificate(body, root.secret_key);
  const std::string path = dir.Join("cert");
  REQUIRE(WriteCertificateFile(path, cert).ok());
  CHECK(ReadAll(path) == "milk-certificate v1\n" + ToHex(cert.SerializeAsString()) + "\n");
  CHECK(ModeOf(path) == 0644);
  Result<milkpb::Certificate> read = ReadCertificateFile(path);
  REQUIRE(read.ok());
  CHECK(read->SerializeAsString() == cert.SerializeAsString());
}

TEST_CASE("certificate files: bad input and malformed files", "[key_files]") {
  TempDir dir;
  CHECK(WriteCertificateFile(dir.Join("c"), milkpb::Certificate()).code() ==
        Code::kInvalidArgument);
  CHECK(EntriesIn(dir.path()) == 0);
  CHECK(ReadCertificateFile(dir.Join("c")).status().code() == Code::kNotFound);
  WriteAll(dir.Join("c"), "milk-certificate v1\nffff\n");
  CHECK(ReadCertificateFile(dir.Join("c")).status().code() == Code::kDataLoss);
  WriteAll(dir.Join("c"), "milk-certificate v9\n0a00\n");
  CHECK(ReadCertificateFile(dir.Join("c")).status().code() == Code::kDataLoss);
}

}  // namespace
}  // namespace milk::crypto
