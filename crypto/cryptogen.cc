#include "crypto/cryptogen.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "crypto/file_io.h"
#include "crypto/identity.h"
#include "crypto/key_files.h"

namespace milk::crypto {
namespace {

// Names become directory names and parts of principal names ("TICA.peer"); 64 characters is
// plenty for either and keeps paths short.
constexpr size_t kNameCharsMax = 64;
// Far beyond any real network (a handful of orgs, tens of members); a bound catches a runaway file.
constexpr size_t kOrgsMax = 1000;
constexpr size_t kMembersPerOrgMax = 10000;
constexpr size_t kWalletsMax = 100000;
constexpr size_t kYamlBytesMax = 4 * 1024 * 1024;
constexpr int64_t kValidityDaysDefault = 365;
// Ten years: longer-lived member certificates should be re-issued, not trusted forever.
constexpr int64_t kValidityDaysMax = 3650;
constexpr int64_t kMsPerDay = 24LL * 60 * 60 * 1000;
// 9999-12-31T23:59:59.999Z: keeps now_ms + validity far from int64 overflow.
constexpr int64_t kNowMsMax = 253402300799999LL;

constexpr mode_t kSerialFileMode = 0644;
constexpr mode_t kPrivateDirMode = 0700;
constexpr std::string_view kSerialFormat = "milk-cert-serial v1";

struct MemberSpec {
  std::string name;
  milkpb::Role role = milkpb::ROLE_UNSPECIFIED;
};
struct OrgSpec {
  std::string name;
  std::vector<MemberSpec> members;
  int64_t validity_days = kValidityDaysDefault;
};
struct Spec {
  std::vector<OrgSpec> orgs;
  std::vector<std::string> wallets;
};

Status CheckName(const std::string& context, const YAML::Node& node, std::string* out) {
  if (!node || !node.IsScalar()) return InvalidArgument(context + ": name is required");
  *out = node.Scalar();
  bool ok = !out->empty() && out->size() <= kNameCharsMax;
  for (char c : *out) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return InvalidArgument(context + ": name \"" + *out + "\" must be 1 to 64 characters of " +
                           "A-Z a-z 0-9 _ -");
  }
  return Status::Ok();
}

// Rejects keys outside `allowed`, so a typo ("validty_days") is an error, not a silent default.
Status CheckKeys(const std::string& context, const YAML::Node& node,
                 const std::set<std::string>& allowed) {
  if (!node.IsMap()) return InvalidArgument(context + ": must be a mapping");
  for (const auto& entry : node) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    if (allowed.count(key) == 0)
      return InvalidArgument(context + ": unknown field \"" + key + "\"");
  }
  return Status::Ok();
}

Result<MemberSpec> ParseMember(const std::string& org, size_t index, const YAML::Node& node) {
  std::string context = "org " + org + ": members[" + std::to_string(index) + "]";
  if (!node.IsMap()) return InvalidArgument(context + ": must be a mapping of name and role");
  MemberSpec member;
  MILK_RETURN_IF_ERROR(CheckName(context, node["name"], &member.name));
  context = "org " + org + " member " + member.name;
  MILK_RETURN_IF_ERROR(CheckKeys(context, node, {"name", "role"}));
  const YAML::Node role = node["role"];
  if (!role || !role.IsScalar()) return InvalidArgument(context + ": role is required");
  Result<milkpb::Role> parsed = ParseRoleName(role.Scalar());
  if (!parsed.ok() || *parsed == milkpb::WALLET) {
    return InvalidArgument(context + ": unknown role \"" + role.Scalar() +
                           "\" (member roles: admin, peer, consenter, client, auditor, relay)");
  }
  member.role = *parsed;
  return member;
}

Result<OrgSpec> ParseOrg(size_t index, const YAML::Node& node) {
  std::string context = "orgs[" + std::to_string(index) + "]";
  if (!node.IsMap()) return InvalidArgument(context + ": must be a mapping");
  OrgSpec org;
  MILK_RETURN_IF_ERROR(CheckName(context, node["name"], &org.name));
  context = "org " + org.name;
  MILK_RETURN_IF_ERROR(CheckKeys(context, node, {"name", "members", "validity_days"}));
  if (const YAML::Node days = node["validity_days"]) {
    int64_t value = 0;
    if (!days.IsScalar() || !YAML::convert<int64_t>::decode(days, value) || value < 1 ||
        value > kValidityDaysMax) {
      return InvalidArgument(context + ": validity_days must be a whole number from 1 to 3650");
    }
    org.validity_days = value;
  }
  const YAML::Node members = node["members"];
  if (!members) return org;
  if (!members.IsSequence()) return InvalidArgument(context + ": members must be a list");
  if (members.size() > kMembersPerOrgMax) return InvalidArgument(context + ": too many members");
  std::set<std::string> seen;
  for (size_t i = 0; i < members.size(); ++i) {
    MILK_ASSIGN_OR_RETURN(MemberSpec member, ParseMember(org.name, i, members[i]));
    if (!seen.insert(member.name).second) {
      return InvalidArgument(context + ": member name \"" + member.name + "\" appears twice");
    }
    org.members.push_back(std::move(member));
  }
  return org;
}

Result<Spec> ParseSpecNode(const YAML::Node& root) {
  if (!root.IsMap()) return InvalidArgument("top level must be a mapping with orgs and/or wallets");
  MILK_RETURN_IF_ERROR(CheckKeys("top level", root, {"orgs", "wallets"}));
  Spec spec;
  std::set<std::string> seen;
  if (const YAML::Node orgs = root["orgs"]) {
    if (!orgs.IsSequence()) return InvalidArgument("orgs must be a list");
    if (orgs.size() > kOrgsMax) return InvalidArgument("too many orgs");
    for (size_t i = 0; i < orgs.size(); ++i) {
      MILK_ASSIGN_OR_RETURN(OrgSpec org, ParseOrg(i, orgs[i]));
      if (!seen.insert(org.name).second) {
        return InvalidArgument("org name \"" + org.name + "\" appears twice");
      }
      spec.orgs.push_back(std::move(org));
    }
  }
  seen.clear();
  if (const YAML::Node wallets = root["wallets"]) {
    if (!wallets.IsSequence()) return InvalidArgument("wallets must be a list of names");
    if (wallets.size() > kWalletsMax) return InvalidArgument("too many wallets");
    for (size_t i = 0; i < wallets.size(); ++i) {
      std::string name;
      MILK_RETURN_IF_ERROR(CheckName("wallets[" + std::to_string(i) + "]", wallets[i], &name));
      if (!seen.insert(name).second) {
        return InvalidArgument("wallet name \"" + name + "\" appears twice");
      }
      spec.wallets.push_back(std::move(name));
    }
  }
  if (spec.orgs.empty() && spec.wallets.empty()) {
    return InvalidArgument("nothing to generate: list orgs and/or wallets");
  }
  return spec;
}

Result<Spec> ParseSpec(const std::string& yaml_path) {
  MILK_ASSIGN_OR_RETURN(internal::FileContents file,
                        internal::ReadSmallFile(yaml_path, kYamlBytesMax));
  try {
    Result<Spec> spec = ParseSpecNode(YAML::Load(file.bytes));
    if (!spec.ok()) return spec.status().WithContext(yaml_path);
    return spec;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(yaml_path + ": " + e.what());
  }
}

// Writes or checks the files of one run. Run once with write_ false to read and check every
// existing file (so a bad state fails before anything changes), then again with write_ true.
class Generator {
 public:
  Generator(std::string out_dir, int64_t now_ms, bool write)
      : out_dir_(std::move(out_dir)), now_ms_(now_ms), write_(write) {}

  Status Org(const OrgSpec& org);
  Status Wallet(const std::string& name);
  std::vector<GeneratedFile> TakeFiles() { return std::move(files_); }

 private:
  struct Root {
    KeyPair key;
    uint64_t last_serial = 0;
  };
  Status LoadOrCreateRoot(const OrgSpec& org, const std::string& dir, Root* root);
  Status Member(const OrgSpec& org, const MemberSpec& member, const std::string& org_dir,
                Root* root);
  void Report(std::string path, std::string description, bool kept) {
    if (kept) description += " (kept)";
    files_.push_back({std::move(path), std::move(description), kept});
  }

  const std::string out_dir_;
  const int64_t now_ms_;
  const bool write_;
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
  for (const MemberSpec& member : org.members) {
    MILK_RETURN_IF_ERROR(Member(org, member, dir, &root));
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
  KeyPair key;
  if (has_key) {
    MILK_ASSIGN_OR_RETURN(key, ReadSecretKeyFile(key_path));
  } else {
    key = GenerateKeyPair();
    if (write_) MILK_RETURN_IF_ERROR(WriteSecretKeyFile(key_path, key));
  }
  Report(key_path, what + " key", has_key);
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
  KeyPair key;
  if (has_key) {
    MILK_ASSIGN_OR_RETURN(key, ReadSecretKeyFile(key_path));
  } else {
    key = GenerateKeyPair();
    if (write_) MILK_RETURN_IF_ERROR(WriteSecretKeyFile(key_path, key));
  }
  Report(key_path, "wallet " + name + " key", has_key);
  const std::string address = WalletAddress(key.public_key);
  if (has_address) {
    MILK_ASSIGN_OR_RETURN(internal::FileContents file, internal::ReadSmallFile(address_path, 256));
    if (file.bytes != address + "\n") {
      return FailedPrecondition(address_path + " does not match " + key_path + " (expected " +
                                address + ")");
    }
  } else if (write_) {
    MILK_RETURN_IF_ERROR(
        internal::ReplaceFile(address_path, address + "\n", 0644, kPrivateDirMode));
  }
  Report(address_path, "wallet " + name + " address " + address, has_address);
  return Status::Ok();
}

Result<std::vector<GeneratedFile>> Run(const Spec& spec, const std::string& out_dir, int64_t now_ms,
                                       bool write) {
  Generator generator(out_dir, now_ms, write);
  for (const OrgSpec& org : spec.orgs) MILK_RETURN_IF_ERROR(generator.Org(org));
  for (const std::string& wallet : spec.wallets) MILK_RETURN_IF_ERROR(generator.Wallet(wallet));
  return generator.TakeFiles();
}

}  // namespace

Result<std::vector<GeneratedFile>> GenerateFromYaml(const std::string& yaml_path,
                                                    const std::string& out_dir, int64_t now_ms) {
  if (now_ms < 0 || now_ms > kNowMsMax) {
    return InvalidArgument("now_ms " + std::to_string(now_ms) + " is outside years 1970 to 9999");
  }
  if (out_dir.empty()) return InvalidArgument("output directory is empty");
  MILK_ASSIGN_OR_RETURN(Spec spec, ParseSpec(yaml_path));
  // Dry run first: every existing file is read and checked before anything is written.
  MILK_RETURN_IF_ERROR(Run(spec, out_dir, now_ms, false).status());
  return Run(spec, out_dir, now_ms, true);
}

}  // namespace milk::crypto
