#include "node/ops/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace milk::ops {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A client that never hears back fails the test after this long instead of hanging it.
constexpr int kClientTimeoutSeconds = 10;

void SetReceiveTimeout(int fd) {
  timeval timeout{kClientTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
}

// A raw TCP connection for clients that misbehave on purpose.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    SetReceiveTimeout(fd_);
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    REQUIRE(send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
  }
  // Everything until the server closes; nullopt if it did not close within the client timeout.
  std::optional<std::string> ReadToClose() {
    std::string out;
    char buffer[4096];
    while (true) {
      ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n == 0) return out;
      if (n < 0) return errno == ECONNRESET ? std::optional<std::string>(out) : std::nullopt;
      out.append(buffer, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

struct Reply {
  unsigned status = 0;
  std::string content_type;
  std::string allow;
  std::string body;
  bool keep_alive = false;
};

// One well-formed request with Beast on an existing connection.
Reply Exchange(tcp::socket& socket, http::verb method, const std::string& target,
               bool keep_alive = false) {
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(keep_alive);
  if (method == http::verb::post) request.body() = "x=1";
  request.prepare_payload();
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  Reply reply;
  reply.status = response.result_int();
  reply.content_type = std::string(response[http::field::content_type]);
  reply.allow = std::string(response[http::field::allow]);
  reply.body = response.body();
  reply.keep_alive = response.keep_alive();
  return reply;
}

Reply Fetch(uint16_t port, http::verb method, const std::string& target) {
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  SetReceiveTimeout(socket.native_handle());
  return Exchange(socket, method, target);
}

struct Fixture {
  Registry registry;
  std::atomic<bool> healthy{true};
  std::atomic<int> health_calls{0};
  HealthCallback Health() {
    return [this] {
      ++health_calls;
      if (healthy) return HealthReport{true, "{\"status\":\"OK\"}"};
      return HealthReport{false, "{\"status\":\"DOWN\",\"chains\":{\"mlk\":\"no leader\"}}"};
    };
  }
};

TEST_CASE("serves healthz, metrics, 404 and 405", "[http]") {
  Fixture f;
  f.registry.GetCounter("milk_blocks_committed_total", "Blocks.", {{"chain", "mlk"}}).Inc(7);
  OpsServer server(f.registry, f.Health());
  Result<uint16_t> port = server.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  REQUIRE(*port != 0);

  Reply health = Fetch(*port, http::verb::get, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.content_type == "application/json");
  CHECK(health.body == "{\"status\":\"OK\"}");

  f.healthy = false;
  Reply down = Fetch(*port, http::verb::get, "/healthz?verbose=1");  // query ignored
  CHECK(down.status == 503);
  CHECK(down.content_type == "application/json");
  CHECK(down.body == "{\"status\":\"DOWN\",\"chains\":{\"mlk\":\"no leader\"}}");
  CHECK(f.health_calls == 2);

  Reply metrics = Fetch(*port, http::verb::get, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.content_type == "text/plain; version=0.0.4");
  CHECK(metrics.body == f.registry.RenderText());
  CHECK(metrics.body.find("milk_blocks_committed_total{chain=\"mlk\"} 7\n") != std::string::npos);

  CHECK(Fetch(*port, http::verb::get, "/nope").status == 404);
  CHECK(Fetch(*port, http::verb::get, "/metrics/extra").status == 404);
  Reply post = Fetch(*port, http::verb::post, "/metrics");
  CHECK(post.status == 405);
  CHECK(post.allow == "GET");
  CHECK(Fetch(*port, http::verb::delete_, "/healthz").status == 405);
  CHECK(Fetch(*port, http::verb::head, "/healthz").status == 405);
  CHECK(f.health_calls == 2);  // non-GET never reaches the callback
  server.Stop();
}

TEST_CASE("a keep-alive connection serves several requests", "[http]") {
  Fixture f;
  OpsServer server(f.registry, f.Health());
  Result<uint16_t> port = server.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  net::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), *port));
  SetReceiveTimeout(socket.native_handle());
  for (int i = 0; i < 3; ++i) {
    Reply reply = Exchange(socket, http::verb::get, "/healthz", /*keep_alive=*/true);
    CHECK(reply.status == 200);
    CHECK(reply.keep_alive);
  }
  CHECK(f.health_calls == 3);
}

TEST_CASE("oversized headers get 431 and the connection is closed", "[http]") {
  Fixture f;
  OpsServer server(f.registry, f.Health());
  Result<uint16_t> port = server.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  RawClient client(*port);
  REQUIRE(client.connected());
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(9000, 'a') +
              "\r\n\r\n");
  std::optional<std::string> reply = client.ReadToClose();
  REQUIRE(reply.has_value());
  CHECK(reply->rfind("HTTP/1.1 431 ", 0) == 0);
  CHECK(f.health_calls == 0);
}

TEST_CASE("a malformed request gets 400", "[http]") {
  Fixture f;
  OpsServer server(f.registry, f.Health());
  Result<uint16_t> port = server.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  RawClient client(*port);
  REQUIRE(client.connected());
  client.Send("GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n");
  std::optional<std::string> reply = client.ReadToClose();
  REQUIRE(reply.has_value());
  CHECK(reply->rfind("HTTP/1.1 400 ", 0) == 0);
}

TEST_CASE("a client that stalls mid-request is disconnected", "[http]") {
  Fixture f;
  OpsServerOptions options;
  options.request_timeout_ms = 100;
  OpsServer server(f.registry, f.Health(), options);
  Result<uint16_t> port = server.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  RawClient slow(*port);
  REQUIRE(slow.connected());
  slow.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finishes the headers
  std::optional<std::string> reply = slow.ReadToClose();
  REQUIRE(reply.has_value());  // closed by the server, well before the client's own timeout
  CHECK(reply->empty());
  // The server is still serving others.
  CHECK(Fetch(*port, http::verb::get, "/healthz").status == 200);
}

TEST_CASE("connections beyond the limit are closed at once", "[http]") {
  Fixture f;
  OpsServerOptions options;
  options.connections_max = 1;
  OpsServer server(f.registry, f.Health(), options);
  Result<uint16_t> port = server.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  net::io_context io;
  tcp::socket holder(io);
  holder.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), *port));
  SetReceiveTimeout(holder.native_handle());
  // A completed exchange proves the server has accepted (and counts) this connection.
  REQUIRE(Exchange(holder, http::verb::get, "/healthz", /*keep_alive=*/true).status == 200);
  RawClient refused(*port);
  REQUIRE(refused.connected());  // the kernel completes the handshake; the server then closes
  refused.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<std::string> reply = refused.ReadToClose();
  REQUIRE(reply.has_value());
  CHECK(reply->empty());
  CHECK(f.health_calls == 1);
}

TEST_CASE("Start errors", "[http]") {
  Fixture f;
  OpsServer bad(f.registry, f.Health());
  CHECK(bad.Start("no-port").status().code() == Code::kInvalidArgument);
  CHECK(bad.Start("127.0.0.1:99999").status().code() == Code::kInvalidArgument);
  CHECK(bad.Start("[::1:80").status().code() == Code::kInvalidArgument);
  // A DNS label over 63 bytes fails in the local resolver, without a network query.
  Result<uint16_t> unresolved = bad.Start(std::string(64, 'a') + ".example:0");
  CHECK(unresolved.status().code() == Code::kInvalidArgument);
  CHECK(unresolved.status().message().find("cannot resolve") != std::string::npos);
  // Names resolve (from /etc/hosts here).
  OpsServer named(f.registry, f.Health());
  CHECK(named.Start("localhost:0").ok());

  OpsServer first(f.registry, f.Health());
  Result<uint16_t> port = first.Start("127.0.0.1:0");
  REQUIRE(port.ok());
  OpsServer second(f.registry, f.Health());
  Result<uint16_t> clash = second.Start("127.0.0.1:" + std::to_string(*port));
  CHECK(clash.status().code() == Code::kUnavailable);
  CHECK(clash.status().message().find("127.0.0.1:" + std::to_string(*port)) != std::string::npos);
  // A failed Start leaves the server startable.
  CHECK(second.Start("127.0.0.1:0").ok());
  CHECK(first.Start("127.0.0.1:0").status().code() == Code::kFailedPrecondition);
}

TEST_CASE("Stop closes open connections, is idempotent, and frees the port", "[http]") {
  Fixture f;
  OpsServer never_started(f.registry, f.Health());
  never_started.Stop();  // a no-op

  auto server = std::make_unique<OpsServer>(f.registry, f.Health());
  Result<uint16_t> port = server->Start("127.0.0.1:0");
  REQUIRE(port.ok());
  RawClient idle(*port);
  REQUIRE(idle.connected());
  REQUIRE(Fetch(*port, http::verb::get, "/healthz").status == 200);
  server->Stop();  // must not wait for the idle client
  server->Stop();
  std::optional<std::string> reply = idle.ReadToClose();
  REQUIRE(reply.has_value());
  CHECK(reply->empty());
  RawClient after(*port);
  CHECK_FALSE(after.connected());
  CHECK(server->Start("127.0.0.1:0").status().code() == Code::kFailedPrecondition);
  server.reset();  // destructor after Stop is fine

  // The destructor alone stops a running server.
  auto running = std::make_unique<OpsServer>(f.registry, f.Health());
  Result<uint16_t> running_port = running->Start("127.0.0.1:0");
  REQUIRE(running_port.ok());
  running.reset();
  RawClient refused(*running_port);
  CHECK_FALSE(refused.connected());
}

}  // namespace
}  // namespace milk::ops
