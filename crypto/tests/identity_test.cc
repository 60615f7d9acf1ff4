#include "crypto/identity.h"

#include <catch2/catch.hpp>

#include "crypto/bytes.h"

namespace milk::crypto {
namespace {

constexpr int64_t kNotBeforeMs = 1'700'000'000'000;
constexpr int64_t kNotAfterMs = 1'800'000'000'000;

struct Fixture {
  KeyPair root = GenerateKeyPair();
  KeyPair member = GenerateKeyPair();

  milkpb::CertificateBody Body() const {
    milkpb::CertificateBody body;
    body.set_version(1);
    body.set_org("TICA");
    body.set_name("peer0");
    body.set_role(milkpb::PEER);
    body.set_public_key(member.public_key);
    body.set_not_before_ms(kNotBeforeMs);
    body.set_not_after_ms(kNotAfterMs);
    body.set_serial(7);
    return body;
  }
  milkpb::Certificate Cert() const { return IssueCertificate(Body(), root.secret_key); }
  Status Check(const milkpb::Certificate& cert, int64_t at_ms = kNotBeforeMs,
               const std::vector<uint64_t>& revoked = {}) const {
    return CheckCertificate(cert, root.public_key, at_ms, revoked).status();
  }
};

bool Contains(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST_CASE("an issued certificate checks and returns its body", "[identity]") {
  Fixture f;
  milkpb::Certificate cert = f.Cert();
  CHECK(cert.body() == f.Body().SerializeAsString());
  CHECK(Verify(f.root.public_key, cert.body(), cert.signature()));
  Result<milkpb::CertificateBody> body =
      CheckCertificate(cert, f.root.public_key, kNotBeforeMs, {});
  REQUIRE(body.ok());
  CHECK(body->org() == "TICA");
  CHECK(body->name() == "peer0");
  CHECK(body->role() == milkpb::PEER);
  CHECK(body->public_key() == f.member.public_key);
  CHECK(body->serial() == 7);
}

TEST_CASE("CheckCertificate: bad signature or wrong root is kUnauthenticated", "[identity]") {
  Fixture f;
  milkpb::Certificate cert = f.Cert();
  std::string signature = cert.signature();
  signature[0] ^= 0x01;
  cert.set_signature(signature);
  Status bad_signature = f.Check(cert);
  CHECK(bad_signature.code() == Code::kUnauthenticated);
  CHECK(Contains(bad_signature, "TICA"));
  CHECK(Contains(bad_signature, "peer0"));
  CHECK(Contains(bad_signature, "serial 7"));

  KeyPair other_root = GenerateKeyPair();
  CHECK(CheckCertificate(f.Cert(), other_root.public_key, kNotBeforeMs, {}).status().code() ==
        Code::kUnauthenticated);
  CHECK(CheckCertificate(f.Cert(), "short", kNotBeforeMs, {}).status().code() ==
        Code::kUnauthenticated);

  // A body changed after signing (here: a higher role) no longer matches the signature.
  milkpb::Certificate tampered = f.Cert();
  milkpb::CertificateBody body = f.Body();
  body.set_role(milkpb::ADMIN);
  tampered.set_body(body.SerializeAsString());
  CHECK(f.Check(tampered).code() == Code::kUnauthenticated);
}

TEST_CASE("CheckCertificate: validity is [not_before, not_after)", "[identity]") {
  Fixture f;
  milkpb::Certificate cert = f.Cert();
  CHECK(f.Check(cert, kNotBeforeMs).ok());
  CHECK(f.Check(cert, kNotAfterMs - 1).ok());

  Status early = f.Check(cert, kNotBeforeMs - 1);
  CHECK(early.code() == Code::kPermissionDenied);
  CHECK(Contains(early, "not yet valid"));
  CHECK(Contains(early, "peer0"));

  Status expired = f.Check(cert, kNotAfterMs);
  CHECK(expired.code() == Code::kPermissionDenied);
  CHECK(Contains(expired, "expired"));
  CHECK(Contains(expired, "serial 7"));
}

TEST_CASE("CheckCertificate: a revoked serial is kPermissionDenied", "[identity]") {
  Fixture f;
  CHECK(f.Check(f.Cert(), kNotBeforeMs, {1, 2, 8}).ok());
  Status revoked = f.Check(f.Cert(), kNotBeforeMs, {1, 7});
  CHECK(revoked.code() == Code::kPermissionDenied);
  CHECK(Contains(revoked, "revoked"));
  CHECK(Contains(revoked, "TICA"));
}

TEST_CASE("CheckCertificate: malformed bodies are kInvalidArgument", "[identity]") {
  Fixture f;
  milkpb::Certificate garbage;
  garbage.set_body("\xff\xff\xff");
  garbage.set_signature(Sign(f.root.secret_key, garbage.body()));
  CHECK(f.Check(garbage).code() == Code::kInvalidArgument);

  auto signed_with = [&](auto change) {
    milkpb::CertificateBody body = f.Body();
    change(&body);
    return IssueCertificate(body, f.root.secret_key);
  };
  Status version2 = f.Check(signed_with([](auto* b) { b->set_version(2); }));
  CHECK(version2.code() == Code::kInvalidArgument);
  CHECK(Contains(version2, "version 2"));
  CHECK(f.Check(signed_with([](auto* b) { b->set_version(0); })).code() == Code::kInvalidArgument);

  Status short_key = f.Check(signed_with([](auto* b) { b->set_public_key(std::string(31, 'k')); }));
  CHECK(short_key.code() == Code::kInvalidArgument);
  CHECK(Contains(short_key, "31 bytes"));
  CHECK(f.Check(signed_with([](auto* b) { b->set_public_key(std::string(33, 'k')); })).code() ==
        Code::kInvalidArgument);

  CHECK(f.Check(signed_with([](auto* b) { b->set_role(milkpb::WALLET); })).code() ==
        Code::kInvalidArgument);
  CHECK(f.Check(signed_with([](auto* b) { b->set_role(milkpb::ROLE_UNSPECIFIED); })).code() ==
        Code::kInvalidArgument);
  CHECK(f.Check(signed_with([](auto* b) { b->set_org(""); })).code() == Code::kInvalidArgument);
  CHECK(f.Check(signed_with([](auto* b) { b->set_name(""); })).code() == Code::kInvalidArgument);
}

TEST_CASE("ParseIdentity reads a member identity from its certificate", "[identity]") {
  Fixture f;
  milkpb::Certificate cert = f.Cert();
  Result<IdentityInfo> id = ParseIdentity(SerializeMemberIdentity(cert));
  REQUIRE(id.ok());
  CHECK_FALSE(id->is_wallet);
  CHECK(id->org == "TICA");
  CHECK(id->name == "peer0");
  CHECK(id->role == milkpb::PEER);
  CHECK(id->public_key == f.member.public_key);
  CHECK(id->certificate.SerializeAsString() == cert.SerializeAsString());
  CHECK(PrincipalName(*id) == "TICA.peer");
}

TEST_CASE("ParseIdentity reads a wallet identity", "[identity]") {
  KeyPair wallet = GenerateKeyPair();
  Result<IdentityInfo> id = ParseIdentity(SerializeWalletIdentity(wallet.public_key));
  REQUIRE(id.ok());
  CHECK(id->is_wallet);
  CHECK(id->org.empty());
  CHECK(id->name == WalletAddress(wallet.public_key));
  CHECK(id->role == milkpb::WALLET);
  CHECK(id->public_key == wallet.public_key);
  CHECK(PrincipalName(*id) == "wallet");
}

TEST_CASE("ParseIdentity rejects malformed identities", "[identity]") {
  Fixture f;
  CHECK(ParseIdentity("").status().code() == Code::kInvalidArgument);  // neither kind set
  CHECK(ParseIdentity("\xff\xff\xff").status().code() == Code::kInvalidArgument);
  CHECK(ParseIdentity(SerializeWalletIdentity(std::string(31, 'w'))).status().code() ==
        Code::kInvalidArgument);

  milkpb::Certificate bad_body;
  bad_body.set_body("\xff\xff");
  CHECK(ParseIdentity(SerializeMemberIdentity(bad_body)).status().code() == Code::kInvalidArgument);

  milkpb::CertificateBody body = f.Body();
  body.set_public_key("short");
  CHECK(ParseIdentity(SerializeMemberIdentity(IssueCertificate(body, f.root.secret_key)))
            .status()
            .code() == Code::kInvalidArgument);
}

TEST_CASE("role names round-trip", "[identity]") {
  const std::pair<milkpb::Role, const char*> roles[] = {
      {milkpb::ADMIN, "admin"},   {milkpb::PEER, "peer"},       {milkpb::CONSENTER, "consenter"},
      {milkpb::CLIENT, "client"}, {milkpb::AUDITOR, "auditor"}, {milkpb::RELAY, "relay"},
      {milkpb::ORACLE, "oracle"}, {milkpb::WALLET, "wallet"}};
  for (const auto& [role, name] : roles) {
    CHECK(RoleName(role) == name);
    Result<milkpb::Role> parsed = ParseRoleName(name);
    REQUIRE(parsed.ok());
    CHECK(*parsed == role);
  }
  CHECK(RoleName(milkpb::ROLE_UNSPECIFIED) == "unspecified");
  CHECK(ParseRoleName("unspecified").status().code() == Code::kInvalidArgument);
  CHECK(ParseRoleName("Peer").status().code() == Code::kInvalidArgument);
  CHECK(ParseRoleName("").status().code() == Code::kInvalidArgument);
  CHECK(ParseRoleName("boss").status().message().find("boss") != std::string::npos);
}

TEST_CASE("member principal names use the role name", "[identity]") {
  IdentityInfo id;
  id.org = "brandA";
  id.role = milkpb::CONSENTER;
  CHECK(PrincipalName(id) == "brandA.consenter");
}

TEST_CASE("WalletAddress has the documented layout", "[identity]") {
  // RFC 8032 test 1 public key; address computed independently (Python hashlib).
  std::string key = *FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  CHECK(WalletAddress(key) == "mlk121fe31dfa154a261626bf854046fd2271b7bed4b40b99256");
  CHECK(IsValidWalletAddress(WalletAddress(key)));
  KeyPair other = GenerateKeyPair();
  CHECK(WalletAddress(other.public_key).size() == 52);
  CHECK(WalletAddress(other.public_key) != WalletAddress(key));
}

TEST_CASE("IsValidWalletAddress checks prefix, length, case, hex and checksum", "[identity]") {
  const std::string good = "mlk121fe31dfa154a261626bf854046fd2271b7bed4b40b99256";
  REQUIRE(IsValidWalletAddress(good));
  CHECK_FALSE(IsValidWalletAddress(""));
  CHECK_FALSE(IsValidWalletAddress("mlk2" + good.substr(4)));
  CHECK_FALSE(IsValidWalletAddress("MLK1" + good.substr(4)));
  CHECK_FALSE(IsValidWalletAddress(good.substr(0, 51)));
  CHECK_FALSE(IsValidWalletAddress(good + "0"));
  std::string upper = good;
  upper[5] = 'F';  // 'f' in upper case: same bytes, but not the canonical string
  CHECK_FALSE(IsValidWalletAddress(upper));
  std::string non_hex = good;
  non_hex[10] = 'g';
  CHECK_FALSE(IsValidWalletAddress(non_hex));
  // Changing any single hex digit (hash or checksum part) breaks the checksum.
  for (size_t i = 4; i < good.size(); ++i) {
    std::string typo = good;
    typo[i] = typo[i] == '0' ? '1' : '0';
    INFO("position " << i);
    CHECK_FALSE(IsValidWalletAddress(typo));
  }
}

}  // namespace
}  // namespace milk::crypto
