#include "node/ops/http_server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "node/ops/host_port.h"

namespace milk::ops {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";
// After a failed accept (e.g. out of file descriptors), wait before retrying instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// Bytes read and dropped while closing a connection we refused a request on: a client that has
// not stopped sending after this much is not going to read our answer.
constexpr size_t kLingerBytesMax = 64 * 1024;

Response MakeResponse(http::status status, std::string_view content_type, std::string body,
                      unsigned version, bool keep_alive) {
  Response response(status, version);
  response.set(http::field::server, "milk-ops");
  response.set(http::field::content_type,
               beast::string_view(content_type.data(), content_type.size()));
  response.body() = std::move(body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

}  // namespace

class OpsServer::Impl {
 public:
  Impl(const Registry& registry, HealthCallback health, OpsServerOptions options)
      : registry_(registry), health_(std::move(health)), options_(options) {
    MILK_CHECK(health_ != nullptr);
    MILK_CHECK(options_.header_bytes_max > 0 && options_.header_bytes_max <= UINT32_MAX);
    MILK_CHECK(options_.request_timeout_ms > 0 && options_.connections_max > 0);
  }
  ~Impl() { Stop(); }

  Result<uint16_t> Start(const std::string& listen_address);
  void Stop();

 private:
  class Session;

  void Accept();
  Response Respond(const Request& request) const;

  const Registry& registry_;
  const HealthCallback health_;
  const OpsServerOptions options_;
  bool started_ = false;
  bool stopped_ = false;
  size_t connections_ = 0;  // server thread only (and Stop after the join)
  // Created by Start and destroyed by Stop after the join, acceptor before io_context, so pending
  // handlers (and the sessions they own) are destroyed while this object is still whole.
  std::unique_ptr<net::io_context> io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<net::steady_timer> accept_retry_;
  std::thread thread_;
};

// One connection: read a request, answer, repeat while the client keeps it alive.
class OpsServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl& server)
      : stream_(std::move(socket)),
        buffer_(server.options_.header_bytes_max + server.options_.body_bytes_max),
        server_(server) {
    ++server_.connections_;
  }
  ~Session() { --server_.connections_; }

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options_.header_bytes_max));
    parser_->body_limit(server_.options_.body_bytes_max);
    stream_.expires_after(std::chrono::milliseconds(server_.options_.request_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (!ec) return Write(server_.Respond(parser_->get()));
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return Write(MakeResponse(http::status::request_header_fields_too_large, "text/plain",
                                "request headers too large\n", 11, false));
    }
    if (ec == http::error::body_limit) {
      return Write(MakeResponse(http::status::payload_too_large, "text/plain",
                                "request body too large\n", 11, false));
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Write(
          MakeResponse(http::status::bad_request, "text/plain", "bad request\n", 11, false));
    }
    Close();  // end of stream, timeout or a network error: nothing to answer
  }

  void Write(Response response) {
    response_ = std::move(response);
    stream_.expires_after(std::chrono::milliseconds(server_.options_.request_timeout_ms));
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (!self->response_.keep_alive()) return self->Linger();
                        self->Read();
                      });
  }

  // Half-closes and discards what the client still sends until it closes too (bounded by the
  // timeout and kLingerBytesMax). Closing with unread request bytes would make the kernel send a
  // reset, which can destroy the response (e.g. a 431) before the client reads it.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->lingered_bytes_ += bytes;
                              if (ec || self->lingered_bytes_ > kLingerBytesMax)
                                return self->Close();
                              self->Linger();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  std::array<char, 4096> discard_;
  size_t lingered_bytes_ = 0;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;  // capped at one request: header_bytes_max + body_bytes_max
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;
  Impl& server_;
};

Result<uint16_t> OpsServer::Impl::Start(const std::string& listen_address) {
  if (started_) return FailedPrecondition("the operations server was already started");
  MILK_ASSIGN_OR_RETURN(HostPort address, ParseHostPort(listen_address));
  auto io = std::make_unique<net::io_context>(1);
  beast::error_code ec;
  tcp::resolver resolver(*io);
  auto endpoints = resolver.resolve(address.host, std::to_string(address.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return InvalidArgument("operations address " + listen_address +
                           ": cannot resolve host: " + ec.message());
  }
  tcp::endpoint endpoint = *endpoints.begin();
  auto acceptor = std::make_unique<tcp::acceptor>(*io);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + listen_address +
                       " for the operations server: " + ec.message());
  }
  uint16_t port = acceptor->local_endpoint(ec).port();
  if (ec) return Unavailable("operations server: " + ec.message());

  io_ = std::move(io);
  acceptor_ = std::move(acceptor);
  accept_retry_ = std::make_unique<net::steady_timer>(*io_);
  started_ = true;
  Accept();
  thread_ = std::thread([this] { io_->run(); });
  return port;
}

void OpsServer::Impl::Accept() {
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      accept_retry_->expires_after(kAcceptRetryDelay);
      accept_retry_->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    if (connections_ >= options_.connections_max) {
      beast::error_code ignored;
      socket.close(ignored);  // over the limit: refuse by closing at once
    } else {
      std::make_shared<Session>(std::move(socket), *this)->Read();
    }
    Accept();
  });
}

void OpsServer::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  io_->stop();
  thread_.join();
  accept_retry_.reset();
  acceptor_.reset();
  io_.reset();  // destroys pending handlers and with them every open session
  MILK_CHECK(connections_ == 0);
}

Response OpsServer::Impl::Respond(const Request& request) const {
  unsigned version = request.version();
  bool keep_alive = request.keep_alive();
  if (request.method() != http::verb::get) {
    Response response = MakeResponse(http::status::method_not_allowed, "text/plain",
                                     "method not allowed\n", version, keep_alive);
    response.set(http::field::allow, "GET");
    return response;
  }
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  if (target == "/healthz") {
    HealthReport report = health_();
    return MakeResponse(report.ok ? http::status::ok : http::status::service_unavailable,
                        "application/json", std::move(report.json_body), version, keep_alive);
  }
  if (target == "/metrics") {
    return MakeResponse(http::status::ok, kMetricsContentType, registry_.RenderText(), version,
                        keep_alive);
  }
  return MakeResponse(http::status::not_found, "text/plain", "not found\n", version, keep_alive);
}

OpsServer::OpsServer(const Registry& registry, HealthCallback health, OpsServerOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(health), options)) {}

OpsServer::~OpsServer() = default;

Result<uint16_t> OpsServer::Start(const std::string& listen_address) {
  return impl_->Start(listen_address);
}

void OpsServer::Stop() { impl_->Stop(); }

}  // namespace milk::ops
