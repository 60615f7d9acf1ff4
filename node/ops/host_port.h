// "host:port" listen and dial addresses, as written in node.yaml and on the command line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::ops {

struct HostPort {
  std::string host;  // a name, an IPv4 literal, or an IPv6 literal without brackets
  uint16_t port = 0;
};

// Accepts "host:port" and "[ipv6]:port"; port is decimal 0..65535 (0: any free port, for tests).
// Host is a DNS name or IPv4 literal ([A-Za-z0-9.-]) or, in brackets, an IPv6 literal
// ([0-9A-Fa-f:.]). kInvalidArgument with the reason otherwise. Pure; thread-safe.
Result<HostPort> ParseHostPort(std::string_view address);

// True for the any-address hosts "0.0.0.0" and "::", which also claim every specific address.
bool IsWildcardHost(std::string_view host);

}  // namespace milk::ops
