// Private to milk_crypto: the cryptogen YAML (docs/crypto.md), parsed and checked, so that
// cryptogen.cc deals only with files. Pure functions of the file's bytes; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "milk/ledger.pb.h"

namespace milk::crypto::internal {

constexpr int64_t kValidityDaysDefault = 365;
// Ten years: longer-lived member certificates should be re-issued, not trusted forever.
constexpr int64_t kValidityDaysMax = 3650;

struct MemberSpec {
  std::string name;
  milkpb::Role role = milkpb::ROLE_UNSPECIFIED;
  // subjectAltNames of the member's TLS certificate: DNS names (lower case) and IP addresses (as
  // inet_ntop prints them), in YAML order, unique, at least one. Default: localhost, 127.0.0.1.
  std::vector<std::string> hosts;
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

// Reads and checks the YAML at yaml_path. kNotFound if missing; kInvalidArgument naming the
// field and the org or member ("org TICA member p: unknown role \"boss\"").
Result<Spec> ParseSpec(const std::string& yaml_path);

// True if host is an IPv4/IPv6 address or a DNS name (labels of A-Z a-z 0-9 -, no label starting
// or ending with '-', at most 253 characters).
bool IsValidHost(const std::string& host);

}  // namespace milk::crypto::internal
