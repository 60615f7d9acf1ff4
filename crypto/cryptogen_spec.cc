#include "crypto/cryptogen_spec.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "crypto/file_io.h"
#include "crypto/identity.h"

namespace milk::crypto::internal {
namespace {

// Names become directory names and parts of principal names ("TICA.peer"); 64 characters is
// plenty for either and keeps paths short.
constexpr size_t kNameCharsMax = 64;
// Far beyond any real network (a handful of orgs, tens of members); a bound catches a runaway file.
constexpr size_t kOrgsMax = 1000;
constexpr size_t kMembersPerOrgMax = 10000;
constexpr size_t kWalletsMax = 100000;
constexpr size_t kYamlBytesMax = 4 * 1024 * 1024;
// A node answers to a few names and addresses; 64 keeps certificates small and catches a runaway
// list.
constexpr size_t kHostsPerMemberMax = 64;
// DNS limits (RFC 1035): 253 characters in a name, 63 in a label.
constexpr size_t kHostCharsMax = 253;
constexpr size_t kLabelCharsMax = 63;

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

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kLabelCharsMax) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// REQUIRES: IsValidHost(host). IP addresses as inet_ntop prints them, DNS names in lower case
// (they compare case-insensitively), so that one host has one spelling.
std::string CanonicalHost(const std::string& host) {
  unsigned char address[16];
  char text[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (::inet_pton(family, host.c_str(), address) == 1) {
      MILK_CHECK(::inet_ntop(family, address, text, sizeof(text)) != nullptr);
      return text;
    }
  }
  std::string lower = host;
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lower;
}

Status ParseHosts(const std::string& context, const YAML::Node& node,
                  std::vector<std::string>* out) {
  if (!node) {
    *out = {"localhost", "127.0.0.1"};
    return Status::Ok();
  }
  if (!node.IsSequence() || node.size() == 0) {
    return InvalidArgument(context + ": hosts must be a list of at least one DNS name or IP " +
                           "address (leave it out for localhost and 127.0.0.1)");
  }
  if (node.size() > kHostsPerMemberMax) return InvalidArgument(context + ": too many hosts");
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string host = node[i].IsScalar() ? node[i].Scalar() : "";
    if (!IsValidHost(host)) {
      return InvalidArgument(context + ": hosts[" + std::to_string(i) + "] \"" + host +
                             "\" is neither an IP address nor a DNS name");
    }
    const std::string canonical = CanonicalHost(host);
    if (!seen.insert(canonical).second) {
      return InvalidArgument(context + ": host \"" + canonical + "\" appears twice");
    }
    out->push_back(canonical);
  }
  return Status::Ok();
}

Result<MemberSpec> ParseMember(const std::string& org, size_t index, const YAML::Node& node) {
  std::string context = "org " + org + ": members[" + std::to_string(index) + "]";
  if (!node.IsMap()) return InvalidArgument(context + ": must be a mapping of name and role");
  MemberSpec member;
  MILK_RETURN_IF_ERROR(CheckName(context, node["name"], &member.name));
  context = "org " + org + " member " + member.name;
  MILK_RETURN_IF_ERROR(CheckKeys(context, node, {"name", "role", "hosts"}));
  const YAML::Node role = node["role"];
  if (!role || !role.IsScalar()) return InvalidArgument(context + ": role is required");
  Result<milkpb::Role> parsed = ParseRoleName(role.Scalar());
  if (!parsed.ok() || *parsed == milkpb::WALLET) {
    return InvalidArgument(context + ": unknown role \"" + role.Scalar() +
                           "\" (member roles: admin, peer, consenter, client, auditor, relay, oracle)");
  }
  member.role = *parsed;
  MILK_RETURN_IF_ERROR(ParseHosts(context, node["hosts"], &member.hosts));
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

Status ParseWallets(const YAML::Node& wallets, std::vector<std::string>* out) {
  if (!wallets.IsSequence()) return InvalidArgument("wallets must be a list of names");
  if (wallets.size() > kWalletsMax) return InvalidArgument("too many wallets");
  std::set<std::string> seen;
  for (size_t i = 0; i < wallets.size(); ++i) {
    std::string name;
    MILK_RETURN_IF_ERROR(CheckName("wallets[" + std::to_string(i) + "]", wallets[i], &name));
    if (!seen.insert(name).second) {
      return InvalidArgument("wallet name \"" + name + "\" appears twice");
    }
    out->push_back(std::move(name));
  }
  return Status::Ok();
}

Result<Spec> ParseSpecNode(const YAML::Node& root) {
  if (!root.IsMap()) return InvalidArgument("top level must be a mapping with orgs and/or wallets");
  MILK_RETURN_IF_ERROR(CheckKeys("top level", root, {"orgs", "wallets"}));
  Spec spec;
  if (const YAML::Node orgs = root["orgs"]) {
    if (!orgs.IsSequence()) return InvalidArgument("orgs must be a list");
    if (orgs.size() > kOrgsMax) return InvalidArgument("too many orgs");
    std::set<std::string> seen;
    for (size_t i = 0; i < orgs.size(); ++i) {
      MILK_ASSIGN_OR_RETURN(OrgSpec org, ParseOrg(i, orgs[i]));
      if (!seen.insert(org.name).second) {
        return InvalidArgument("org name \"" + org.name + "\" appears twice");
      }
      spec.orgs.push_back(std::move(org));
    }
  }
  if (const YAML::Node wallets = root["wallets"]) {
    MILK_RETURN_IF_ERROR(ParseWallets(wallets, &spec.wallets));
  }
  if (spec.orgs.empty() && spec.wallets.empty()) {
    return InvalidArgument("nothing to generate: list orgs and/or wallets");
  }
  return spec;
}

}  // namespace

bool IsValidHost(const std::string& host) {
  unsigned char address[16];
  if (::inet_pton(AF_INET, host.c_str(), address) == 1) return true;
  if (::inet_pton(AF_INET6, host.c_str(), address) == 1) return true;
  if (host.empty() || host.size() > kHostCharsMax) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    const std::string_view label =
        std::string_view(host).substr(start, dot == std::string::npos ? dot : dot - start);
    if (!IsValidLabel(label)) return false;
    if (dot == std::string::npos) {
      // An all-digit last label is no DNS name (RFC 3696 section 2): "10.0.0.300" is a typo.
      return label.find_first_not_of("0123456789") != std::string_view::npos;
    }
    start = dot + 1;
  }
}

Result<Spec> ParseSpec(const std::string& yaml_path) {
  MILK_ASSIGN_OR_RETURN(FileContents file, ReadSmallFile(yaml_path, kYamlBytesMax));
  try {
    Result<Spec> spec = ParseSpecNode(YAML::Load(file.bytes));
    if (!spec.ok()) return spec.status().WithContext(yaml_path);
    return spec;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(yaml_path + ": " + e.what());
  }
}

}  // namespace milk::crypto::internal
