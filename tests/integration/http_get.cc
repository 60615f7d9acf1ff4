// A tiny HTTP/1.0 GET over a socket, to read the node's /metrics and /healthz.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "tests/integration/harness.h"

namespace milk::integration {
namespace {

// The operations endpoint answers from memory; 5 s covers a loaded machine.
constexpr int kSocketTimeoutSeconds = 5;
// /metrics of one chain is a few KiB; 4 MiB means something is wrong.
constexpr size_t kResponseBytesMax = 4 * 1024 * 1024;

// Closes the descriptor on every path out.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

Result<std::string> HttpGet(const std::string& endpoint, const std::string& path) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return InvalidArgument(endpoint + " is not host:port");
  const std::string host = endpoint.substr(0, colon);
  unsigned port = 0;
  const char* port_end = endpoint.data() + endpoint.size();
  auto [ptr, ec] = std::from_chars(endpoint.data() + colon + 1, port_end, port);
  if (ec != std::errc() || ptr != port_end || port == 0 || port > 65535) {
    return InvalidArgument(endpoint + " has no valid port");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return InvalidArgument(host + " is not an IPv4 address");
  }
  Socket socket_fd{socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (socket_fd.fd < 0) return Unavailable("socket() failed");
  timeval timeout{kSocketTimeoutSeconds, 0};
  setsockopt(socket_fd.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(socket_fd.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(socket_fd.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Unavailable("cannot connect to " + endpoint);
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + endpoint + "\r\n\r\n";
  if (send(socket_fd.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return Unavailable("cannot send the request to " + endpoint);
  }
  std::string response;
  char buffer[4096];
  while (response.size() < kResponseBytesMax) {
    const ssize_t n = recv(socket_fd.fd, buffer, sizeof(buffer), 0);
    if (n == 0) break;
    if (n < 0) return Unavailable("reading the response from " + endpoint + " failed");
    response.append(buffer, static_cast<size_t>(n));
  }
  const std::string status_line = response.substr(0, response.find("\r\n"));
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.find(" 200") == std::string::npos) {
    return Unavailable("GET " + path + " from " + endpoint + " answered: " + status_line);
  }
  const size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return Unavailable("response from " + endpoint + " has no body");
  return response.substr(body + 4);
}

}  // namespace milk::integration
