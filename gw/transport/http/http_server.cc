#include "gw/transport/http/http_server.h"

#include <thread>
#include <vector>

#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/transport/http/internal/beast_types.h"

namespace gw::transport {
namespace internal {

Response MakeResponse(const Request& request, http::status status, const std::string& content_type,
                      std::string body) {
  Response response{status, request.version()};
  response.set(http::field::server, "edgegw");
  response.set(http::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response MakeRpcErrorResponse(const Request& request, http::status status, int rpc_code,
                              std::string_view message, std::string_view id) {
  return MakeResponse(request, status, "application/json",
                      protocol::MakeErrorResponse(id, rpc_code, message));
}

namespace {

Task<void> WriteSimple(Stream& stream, Response response) {
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(30));
  co_await http::async_write(stream, response, asio::redirect_error(kUseTask, ec));
}

// After refusing a request whose body we did not read, stop sending but keep reading (and
// discarding) for a short while, so a client still uploading sees our answer instead of a
// reset (the "lingering close" of nginx and Apache).
Task<void> LingeringClose(Stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(5));
  static thread_local char sink[16384];
  size_t drained = 0;
  while (!ec && drained < (64u << 20)) {
    drained +=
        co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(kUseTask, ec));
  }
}

Task<void> ServeConnection(Socket socket, ServerContext& ctx) {
  Stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (!ctx.stopping.load()) {
    http::request_parser<http::string_body, FieldAllocator<char>> parser;
    parser.body_limit(ctx.options.max_body_bytes);
    parser.header_limit(64 * 1024);
    stream.expires_after(std::chrono::seconds(120));  // idle keep-alive limit
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(kUseTask, ec));
    if (ec == http::error::body_limit) {
      if (ctx.metrics) ctx.metrics->RecordRejected(413);
      Request head;
      head.version(11);
      Response response = MakeRpcErrorResponse(
          head, http::status::payload_too_large, protocol::rpc::kInvalidRequest,
          "Payload Too Large: the request body exceeds the limit of " +
              std::to_string(ctx.options.max_body_bytes) + " bytes (http.max_body_bytes)");
      response.keep_alive(false);
      co_await WriteSimple(stream, std::move(response));
      co_await LingeringClose(stream);
      co_return;
    }
    if (ec) break;  // closed, timed out, or malformed HTTP: nothing useful to answer
    Request request = parser.release();
    stream.expires_never();
    bool keep_alive = request.keep_alive();
    std::string_view target = request.target();
    std::string_view path = target.substr(0, target.find('?'));
    if (path == ctx.options.mcp_path) {
      keep_alive = co_await ServeMcp(stream, request, ctx) && keep_alive;
    } else {
      std::optional<PlainResponse> plain =
          ctx.routes ? ctx.routes(request.method_string(), path) : std::nullopt;
      Response response =
          plain ? MakeResponse(request, static_cast<http::status>(plain->status),
                               plain->content_type, std::move(plain->body))
                : MakeResponse(request, http::status::not_found, "text/plain; charset=utf-8",
                               "Not Found: the MCP endpoint is " + ctx.options.mcp_path + "\n");
      co_await WriteSimple(stream, std::move(response));
    }
    if (!keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

Task<void> AcceptLoop(Acceptor& acceptor, asio::io_context& io, ServerContext& ctx) {
  while (!ctx.stopping.load()) {
    beast::error_code ec;
    Socket socket = co_await acceptor.async_accept(
        // A strand over the io_context's own executor, not over the type-erased
        // any_io_executor: the latter allocates on every executor copy (dozens per request).
        asio::make_strand(io), asio::redirect_error(kUseTask, ec));
    if (ec) {
      if (ctx.stopping.load() || ec == asio::error::operation_aborted) break;
      GW_LOG_WARNING("accept failed: %s", ec.message().c_str());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, ServeConnection(std::move(socket), ctx), asio::detached);
  }
}

// Housekeeping every few seconds: unanswered server-to-client requests, then idle sessions.
Task<void> ExpireIdleSessions(ServerContext& ctx) {
  Timer timer(co_await asio::this_coro::executor);
  while (!ctx.stopping.load()) {
    timer.expires_after(std::chrono::seconds(5));
    beast::error_code ec;
    co_await timer.async_wait(asio::redirect_error(kUseTask, ec));
    if (ctx.stopping.load()) break;
    if (size_t expired = ctx.sessions.ExpireClientRequests()) {
      GW_LOG_INFO("%zu request(s) to clients timed out", expired);
    }
    size_t n = ctx.sessions.ExpireIdle(std::chrono::seconds(ctx.options.session_idle_seconds));
    if (n) GW_LOG_INFO("closed %zu idle session(s)", n);
  }
}

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(const HttpServerOptions& options, protocol::Service& service,
                  TransportMetrics* metrics, RouteHandler routes, asio::io_context* shared_io)
      : ctx_(options, service, metrics, std::move(routes)),
        owned_io_(shared_io ? nullptr : std::make_unique<asio::io_context>()),
        io_(shared_io ? *shared_io : *owned_io_),
        acceptor_(asio::make_strand(io_)) {}

  ~BeastHttpServer() override {
    Stop();
    Wait();
  }

  Status Listen() {
    beast::error_code ec;
    asio::ip::address address = asio::ip::make_address(ctx_.options.host, ec);
    if (ec) {
      return InvalidArgument("http.listen: '" + ctx_.options.host +
                             "' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::1)");
    }
    tcp::endpoint endpoint(address, ctx_.options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + ctx_.options.host + ":" +
                         std::to_string(ctx_.options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(acceptor_.get_executor(), AcceptLoop(acceptor_, io_, ctx_), asio::detached);
    asio::co_spawn(Executor(asio::make_strand(io_)), ExpireIdleSessions(ctx_), asio::detached);
    if (!owned_io_) return OkStatus();  // the owner of the shared io_context runs it
    int n = ctx_.options.io_threads > 0 ? ctx_.options.io_threads
                                        : static_cast<int>(std::thread::hardware_concurrency());
    for (int i = 0; i < std::max(1, n); ++i) threads_.emplace_back([this] { io_.run(); });
    return OkStatus();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (ctx_.stopping.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    ctx_.sessions.CloseAll();
    if (owned_io_) io_.stop();
  }

  void Wait() override {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  ServerContext ctx_;
  std::unique_ptr<asio::io_context> owned_io_;  // null when running on a shared one
  asio::io_context& io_;
  Acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace
}  // namespace internal

Result<std::unique_ptr<HttpServer>> StartHttpServer(const HttpServerOptions& options,
                                                    protocol::Service& service,
                                                    TransportMetrics* metrics, RouteHandler routes,
                                                    boost::asio::io_context* shared_io) {
  auto server = std::make_unique<internal::BeastHttpServer>(options, service, metrics,
                                                            std::move(routes), shared_io);
  GW_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace gw::transport
