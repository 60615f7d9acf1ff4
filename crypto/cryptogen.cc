#include "crypto/cryptogen.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "crypto/cryptogen_spec.h"
#include "crypto/file_io.h"
#include "crypto/identity.h"
#include "crypto/key_files.h"

namespace milk::crypto {
namespace {

// 9999-12-31T23:59:59.999Z: keeps now_ms + validity far from int64 overflow.
constexpr int64_t kNowMsMax = 253402300799999LL;
constexpr int64_t kMsPerDay = 24LL * 60 * 60 * 1000;
// A PEM certificate or EC key is about 1 KiB; anything much larger is not ours.
constexpr size_t kPemBytesMax = 64 * 1024;

constexpr mode_t kSerialFileMode = 0644;
constexpr mode_t kPublicFileMode = 0644;
constexpr mode_t kSecretFileMode = 0600;
constexpr mode_t kPrivateDirMode = 0700;
constexpr std::string_view kSerialFormat = "milk-cert-serial v1";

using internal::MemberSpec;
using internal::OrgSpec;
using internal::Spec;

// Writes or checks the files of one run. Run once with write_ false to read and check every
// existing file (so a bad state fails before anything changes), then again with write_ true.
class Generator {
 public:
  // tls may be null: then no TLS material is issued or checked.
  Generator(std::string out_dir, int64_t now_ms, bool write, const TlsIssuer* tls)
      : out_dir_(std::move(out_dir)), now_ms_(now_ms), write_(write), tls_(tls) {}

  Status Org(const OrgSpec& org);
  Status Wallet(const std::string& name);
  std::vector<GeneratedFile> TakeFiles() { return std::move(files_); }

 private:
  struct Root {
    KeyPair key;
    uint64_t last_serial = 0;
  };
  struct TlsCa {
    std::string cert_pem;
    std::string key_pem;
  };
  Status LoadOrCreateRoot(const OrgSpec& org, const std::string& dir, Root* root);
  Status LoadOrCreateTlsCa(const OrgSpec& org, const std::string& dir, TlsCa* ca);
  Status Member(const OrgSpec& org, const MemberSpec& member, const std::string& org_dir,
                Root* root);
  Status MemberTls(const OrgSpec& org, const MemberSpec& member, const std::string& dir,
                   const TlsCa& ca);
  Result<std::string> LoadOrCreateTlsKey(const std::string& path, const std::string& what);
  // Reads the secret key at key_path when it exists, otherwise creates (and, when writing,
  // stores) a fresh one; reports it either way.
  Result<KeyPair> KeepOrCreateKey(const std::string& key_path, bool exists,
                                  const std::string& description) {
    KeyPair key;
    if (exists) {
      MILK_ASSIGN_OR_RETURN(key, ReadSecretKeyFile(key_path));
    } else {
      key = GenerateKeyPair();
      if (write_) MILK_RETURN_IF_ERROR(WriteSecretKeyFile(key_path, key));
    }
    Report(key_path, description, exists);
    return key;
  }

  void Report(std::string path, std::string description, bool kept) {
    if (kept) description += " (kept)";
    files_.push_back({std::move(path), std::move(description), kept});
  }

  const std::string out_dir_;
  const int64_t now_ms_;
  const bool write_;
  const TlsIssuer* const tls_;
  std::vector<GeneratedFile> files_;
};

Result<uint64_t> ReadSerial(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(internal::FileContents file, internal::ReadSmallFile(path, 64));
  std::string_view text = file.bytes;
  std::string prefix = std::string(kSerialFormat) + "\n";
  if (text.substr(0, prefix.size()) != prefix || text.back() != '\n' ||
      text.size() < prefix.size() + 2) {
    return DataLoss(path + ": not a " + std::string(kSerialFormat) + " file");
  }
  std::string_view digits = text.substr(prefix.size(), text.size() - prefix.size() - 1);
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || value > (UINT64_MAX - 9) / 10) {
      return DataLoss(path + ": serial is not a number");
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

Status WriteSerial(const std::string& path, uint64_t last_serial) {
  return internal::ReplaceFile(
      path, std::string(kSerialFormat) + "\n" + std::to_string(last_serial) + "\n", kSerialFileMode,
      kPrivateDirMode);
}

// The highest serial among the certificates in members_dir/*/cert (0 if none).
Result<uint64_t> HighestIssuedSerial(const std::string& members_dir) {
  uint64_t highest = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(members_dir, error)) {
    const std::string cert_path = entry.path().string() + "/cert";
    if (!internal::PathExists(cert_path)) continue;
    MILK_ASSIGN_OR_RETURN(milkpb::Certificate cert, ReadCertificateFile(cert_path));
    milkpb::CertificateBody body;
    if (!body.ParseFromString(cert.body())) {
      return DataLoss(cert_path + ": certificate body does not parse");
    }
    highest = std::max(highest, body.serial());
  }
  if (error && error != std::errc::no_such_file_or_directory) {
    return IoError("list " + members_dir + ": " + error.message());
  }
  return highest;
}

Status Generator::LoadOrCreateRoot(const OrgSpec& org, const std::string& dir, Root* root) {
  const std::string key_path = dir + "/root.key";
  const std::string pub_path = dir + "/root.pub";
  const std::string serial_path = dir + "/serial";
  if (!internal::PathExists(key_path)) {
    if (internal::PathExists(pub_path) || internal::PathExists(dir + "/members")) {
      return FailedPrecondition("org " + org.name + ": " + key_path + " is missing but " + dir +
                                " holds a root.pub or members issued by it; restore root.key, " +
                                "or remove " + dir + " to start the org afresh");
    }
    if (internal::PathExists(serial_path)) {
      MILK_ASSIGN_OR_RETURN(root->last_serial, ReadSerial(serial_path));
    }
    root->key = GenerateKeyPair();
    if (write_) {
      // The counter first: a root never exists without it (see the check below).
      MILK_RETURN_IF_ERROR(WriteSerial(serial_path, root->last_serial));
      MILK_RETURN_IF_ERROR(WriteSecretKeyFile(key_path, root->key));
      MILK_RETURN_IF_ERROR(WritePublicKeyFile(pub_path, root->key.public_key));
    }
    Report(key_path, org.name + " root key", false);
    Report(pub_path, org.name + " root public key", false);
    return Status::Ok();
  }
  MILK_ASSIGN_OR_RETURN(root->key, ReadSecretKeyFile(key_path));
  Report(key_path, org.name + " root key", true);
  if (!internal::PathExists(serial_path)) {
    return FailedPrecondition("org " + org.name + ": " + serial_path + " is missing; serials " +
                              "must never repeat, so restore it or write \"" +
                              std::string(kSerialFormat) + "\" and the highest serial issued");
  }
  MILK_ASSIGN_OR_RETURN(root->last_serial, ReadSerial(serial_path));
  // Should the counter lag behind (restored from an old backup), still never reuse a serial.
  MILK_ASSIGN_OR_RETURN(uint64_t highest, HighestIssuedSerial(dir + "/members"));
  root->last_serial = std::max(root->last_serial, highest);
  if (!internal::PathExists(pub_path)) {
    if (write_) MILK_RETURN_IF_ERROR(WritePublicKeyFile(pub_path, root->key.public_key));
    Report(pub_path, org.name + " root public key", false);
    return Status::Ok();
  }
  MILK_ASSIGN_OR_RETURN(std::string pub, ReadPublicKeyFile(pub_path));
  if (pub != root->key.public_key) {
    return FailedPrecondition("org " + org.name + ": " + pub_path + " does not match " + key_path);
  }
  Report(pub_path, org.name + " root public key", true);
  return Status::Ok();
}

Status Generator::Org(const OrgSpec& org) {
  const std::string dir = out_dir_ + "/orgs/" + org.name;
  Root root;
  MILK_RETURN_IF_ERROR(LoadOrCreateRoot(org, dir, &root));
  TlsCa tls_ca;
  if (tls_ != nullptr) MILK_RETURN_IF_ERROR(LoadOrCreateTlsCa(org, dir + "/tls", &tls_ca));
  for (const MemberSpec& member : org.members) {
    MILK_RETURN_IF_ERROR(Member(org, member, dir, &root));
    if (tls_ != nullptr) {
      MILK_RETURN_IF_ERROR(MemberTls(org, member, dir + "/members/" + member.name, tls_ca));
    }
  }
  return Status::Ok();
}

// A kept certificate must still say what the YAML says, under this org's root.
Result<milkpb::CertificateBody> CheckKeptCertificate(const milkpb::Certificate& cert,
                                                     const OrgSpec& org, const MemberSpec& member,
                                                     const std::string& public_key,
                                                     const std::string& root_public_key,
                                                     const std::string& member_dir) {
  milkpb::CertificateBody body;
  const std::string fix = "; remove " + member_dir + " to issue a new key and certificate";
  if (!body.ParseFromString(cert.body()) ||
      !Verify(root_public_key, cert.body(), cert.signature())) {
    return FailedPrecondition(member_dir + "/cert was not issued by the root of org " + org.name +
                              fix);
  }
  if (body.org() != org.name || body.name() != member.name || body.public_key() != public_key) {
    return FailedPrecondition(member_dir + "/cert is not for this member and key" + fix);
  }
  if (body.role() != member.role) {
    return FailedPrecondition(member_dir + "/cert has role " + RoleName(body.role()) +
                              " but the YAML says " + RoleName(member.role) + fix);
  }
  return body;
}

Status Generator::Member(const OrgSpec& org, const MemberSpec& member, const std::string& org_dir,
                         Root* root) {
  const std::string dir = org_dir + "/members/" + member.name;
  const std::string key_path = dir + "/key";
  const std::string cert_path = dir + "/cert";
  const std::string what = org.name + " " + member.name + " (" + RoleName(member.role) + ")";
  const bool has_key = internal::PathExists(key_path);
  const bool has_cert = internal::PathExists(cert_path);
  if (has_cert && !has_key) {
    return FailedPrecondition(cert_path + " exists without its key; remove " + dir +
                              " to issue a new key and certificate");
  }
  MILK_ASSIGN_OR_RETURN(KeyPair key, KeepOrCreateKey(key_path, has_key, what + " key"));
  if (has_cert) {
    MILK_ASSIGN_OR_RETURN(milkpb::Certificate cert, ReadCertificateFile(cert_path));
    MILK_ASSIGN_OR_RETURN(
        milkpb::CertificateBody body,
        CheckKeptCertificate(cert, org, member, key.public_key, root->key.public_key, dir));
    Report(cert_path, what + " certificate, serial " + std::to_string(body.serial()), true);
    return Status::Ok();
  }
  milkpb::CertificateBody body;
  body.set_version(1);
  body.set_org(org.name);
  body.set_name(member.name);
  body.set_role(member.role);
  body.set_public_key(key.public_key);
  body.set_not_before_ms(now_ms_);
  body.set_not_after_ms(now_ms_ + org.validity_days * kMsPerDay);
  body.set_serial(++root->last_serial);
  if (write_) {
    // Count the serial as used before the certificate exists, so a crash can skip one but
    // never hand it out twice.
    MILK_RETURN_IF_ERROR(WriteSerial(org_dir + "/serial", root->last_serial));
    MILK_RETURN_IF_ERROR(
        WriteCertificateFile(cert_path, IssueCertificate(body, root->key.secret_key)));
  }
  Report(cert_path, what + " certificate, serial " + std::to_string(body.serial()), false);
  return Status::Ok();
}

// TLS private keys follow the rule of Ed25519 secret keys: refused when group or others may
// read them.
Result<std::string> ReadTlsKey(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(internal::FileContents file, internal::ReadSmallFile(path, kPemBytesMax));
  if ((file.mode & 077) != 0) {
    char mode[16];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(file.mode & 07777));
    return PermissionDenied("TLS key file " + path + " has mode " + mode +
                            ": group or others may access it; fix with: chmod 600 " + path);
  }
  return std::move(file.bytes);
}

Result<std::string> ReadPem(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(internal::FileContents file, internal::ReadSmallFile(path, kPemBytesMax));
  return std::move(file.bytes);
}

// "path: what the issuer found; fix" with the issuer's code (kDataLoss or kFailedPrecondition).
Status KeptFileError(const Status& status, const std::string& path, const std::string& fix) {
  return Status(status.code(), path + ": " + status.message() + "; " + fix);
}

Result<std::string> Generator::LoadOrCreateTlsKey(const std::string& path,
                                                  const std::string& what) {
  const bool has_key = internal::PathExists(path);
  Report(path, what, has_key);
  if (has_key) {
    MILK_ASSIGN_OR_RETURN(std::string key_pem, ReadTlsKey(path));
    Status status = tls_->CheckKey(key_pem);
    if (!status.ok()) {
      return KeptFileError(status, path, "remove it and the certificate issued for it");
    }
    return key_pem;
  }
  MILK_ASSIGN_OR_RETURN(std::string key_pem, tls_->NewKey());
  if (write_) {
    MILK_RETURN_IF_ERROR(internal::WriteNewFile(path, key_pem, kSecretFileMode, kPrivateDirMode));
  }
  return key_pem;
}

// The key is written before its certificate: after a crash the key is found alone and gets a
// certificate, where a certificate alone would be useless.
Status Generator::LoadOrCreateTlsCa(const OrgSpec& org, const std::string& dir, TlsCa* ca) {
  const std::string key_path = dir + "/ca.key";
  const std::string cert_path = dir + "/ca.crt";
  const bool has_cert = internal::PathExists(cert_path);
  if (has_cert && !internal::PathExists(key_path)) {
    return FailedPrecondition("org " + org.name + ": " + cert_path + " exists without " + key_path +
                              "; restore ca.key, or remove " + dir +
                              " and every members/*/tls.crt of the org to start a new TLS CA");
  }
  MILK_ASSIGN_OR_RETURN(ca->key_pem, LoadOrCreateTlsKey(key_path, org.name + " TLS CA key"));
  Report(cert_path, org.name + " TLS CA certificate", has_cert);
  if (has_cert) {
    MILK_ASSIGN_OR_RETURN(ca->cert_pem, ReadPem(cert_path));
    Status status = tls_->CheckCa(org.name, ca->cert_pem, ca->key_pem);
    if (!status.ok()) {
      return KeptFileError(status, cert_path,
                           "restore the ca.crt issued for " + key_path + ", or remove " + dir +
                               " and every members/*/tls.crt of the org to start a new TLS CA");
    }
    return Status::Ok();
  }
  MILK_ASSIGN_OR_RETURN(ca->cert_pem, tls_->IssueCa(org.name, ca->key_pem, now_ms_));
  if (write_) {
    MILK_RETURN_IF_ERROR(
        internal::ReplaceFile(cert_path, ca->cert_pem, kPublicFileMode, kPrivateDirMode));
  }
  return Status::Ok();
}

Status Generator::MemberTls(const OrgSpec& org, const MemberSpec& member, const std::string& dir,
                            const TlsCa& ca) {
  const std::string key_path = dir + "/tls.key";
  const std::string cert_path = dir + "/tls.crt";
  const std::string what = org.name + " " + member.name + " (" + RoleName(member.role) + ") TLS";
  const bool has_cert = internal::PathExists(cert_path);
  if (has_cert && !internal::PathExists(key_path)) {
    return FailedPrecondition(cert_path + " exists without its key; remove " + cert_path +
                              " to issue a new TLS key and certificate");
  }
  const TlsMemberSpec spec{org.name, member.name, RoleName(member.role), member.hosts,
                           org.validity_days};
  MILK_ASSIGN_OR_RETURN(std::string key_pem, LoadOrCreateTlsKey(key_path, what + " key"));
  std::string hosts;
  for (const std::string& host : member.hosts) hosts += (hosts.empty() ? "" : ", ") + host;
  Report(cert_path, what + " certificate for " + hosts, has_cert);
  if (has_cert) {
    MILK_ASSIGN_OR_RETURN(std::string cert_pem, ReadPem(cert_path));
    Status status = tls_->CheckMember(spec, cert_pem, key_pem, ca.cert_pem);
    if (!status.ok()) {
      return KeptFileError(status, cert_path,
                           "remove it to issue a new TLS certificate for " + key_path);
    }
    return Status::Ok();
  }
  MILK_ASSIGN_OR_RETURN(std::string cert_pem,
                        tls_->IssueMember(spec, key_pem, ca.cert_pem, ca.key_pem, now_ms_));
  if (write_) {
    MILK_RETURN_IF_ERROR(
        internal::ReplaceFile(cert_path, cert_pem, kPublicFileMode, kPrivateDirMode));
  }
  return Status::Ok();
}

Status Generator::Wallet(const std::string& name) {
  const std::string dir = out_dir_ + "/wallets/" + name;
  const std::string key_path = dir + "/key";
  const std::string address_path = dir + "/address";
  const bool has_key = internal::PathExists(key_path);
  const bool has_address = internal::PathExists(address_path);
  if (has_address && !has_key) {
    return FailedPrecondition(address_path + " exists without its key; remove " + dir +
                              " to create a new wallet");
  }
  MILK_ASSIGN_OR_RETURN(KeyPair key, KeepOrCreateKey(key_path, has_key, "wallet " + name + " key"));
  const std::string address = WalletAddress(key.public_key);
  if (has_address) {
    MILK_ASSIGN_OR_RETURN(internal::FileContents file, internal::ReadSmallFile(address_path, 256));
    if (file.bytes != address + "\n") {
      return FailedPrecondition(address_path + " does not match " + key_path + " (expected " +
                                address + ")");
    }
  } else if (write_) {
    MILK_RETURN_IF_ERROR(
        internal::ReplaceFile(address_path, address + "\n", kPublicFileMode, kPrivateDirMode));
  }
  Report(address_path, "wallet " + name + " address " + address, has_address);
  return Status::Ok();
}

Result<std::vector<GeneratedFile>> Run(const Spec& spec, const std::string& out_dir, int64_t now_ms,
                                       bool write, const TlsIssuer* tls) {
  Generator generator(out_dir, now_ms, write, tls);
  for (const OrgSpec& org : spec.orgs) MILK_RETURN_IF_ERROR(generator.Org(org));
  for (const std::string& wallet : spec.wallets) MILK_RETURN_IF_ERROR(generator.Wallet(wallet));
  return generator.TakeFiles();
}

Result<std::vector<GeneratedFile>> Generate(const std::string& yaml_path,
                                            const std::string& out_dir, int64_t now_ms,
                                            const TlsIssuer* tls) {
  if (now_ms < 0 || now_ms > kNowMsMax) {
    return InvalidArgument("now_ms " + std::to_string(now_ms) + " is outside years 1970 to 9999");
  }
  if (out_dir.empty()) return InvalidArgument("output directory is empty");
  MILK_ASSIGN_OR_RETURN(Spec spec, internal::ParseSpec(yaml_path));
  // Dry run first: every existing file is read and checked before anything is written.
  MILK_RETURN_IF_ERROR(Run(spec, out_dir, now_ms, false, tls).status());
  return Run(spec, out_dir, now_ms, true, tls);
}

}  // namespace

Result<std::vector<GeneratedFile>> GenerateFromYaml(const std::string& yaml_path,
                                                    const std::string& out_dir, int64_t now_ms) {
  return Generate(yaml_path, out_dir, now_ms, nullptr);
}

Result<std::vector<GeneratedFile>> GenerateFromYaml(const std::string& yaml_path,
                                                    const std::string& out_dir, int64_t now_ms,
                                                    const TlsIssuer& tls) {
  return Generate(yaml_path, out_dir, now_ms, &tls);
}

}  // namespace milk::crypto
