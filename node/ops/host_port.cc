#include "node/ops/host_port.h"

#include <charconv>

namespace milk::ops {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

bool IsIpv6Char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.';
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view address) {
  auto invalid = [&](const std::string& why) {
    return InvalidArgument("address \"" + std::string(address) + "\" " + why +
                           " (expected host:port or [ipv6]:port)");
  };
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalid("has no port");
  std::string_view host = address.substr(0, colon);
  std::string_view port_text = address.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid("has an unclosed '['");
    host = host.substr(1, host.size() - 2);
    for (char c : host) {
      if (!IsIpv6Char(c)) return invalid("has an invalid IPv6 literal");
    }
  } else {
    if (host.empty()) return invalid("has no host");
    for (char c : host) {
      if (!IsNameChar(c)) return invalid("has an invalid host (IPv6 needs brackets)");
    }
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || port_text.size() > 5 || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return invalid("has an invalid port (0 to 65535)");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

bool IsWildcardHost(std::string_view host) { return host == "0.0.0.0" || host == "::"; }

}  // namespace milk::ops
