// Shared Beast/Asio vocabulary of the HTTP transport. Private to gw/transport.
//
// ServerContext is what every connection of one HttpServer shares; it lives as long as the
// server. Thread-safety: its members are thread-safe (see their headers); `stopping` is
// atomic.
#pragma once

#include <atomic>
#include <memory>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gw/transport/http/http_server.h"
#include "gw/transport/http/http_session.h"

namespace gw::transport::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
// Every connection runs on its own strand of the io_context, named by its concrete type:
// the type-erased any_io_executor allocated on each executor copy, dozens of times per
// request (measured with heaptrack; docs/decisions/0001-http-stack.md).
using Executor = asio::strand<asio::io_context::executor_type>;
template <class T>
using Task = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> kUseTask{};
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct ServerContext {
  ServerContext(const HttpServerOptions& o, protocol::Service& service, TransportMetrics* m,
                RouteHandler r)
      : options(o), metrics(m), routes(std::move(r)),
        sessions(service, m, RealClock(), o.max_sessions, o.session) {}
  const HttpServerOptions options;
  TransportMetrics* const metrics;
  const RouteHandler routes;
  SessionRegistry sessions;
  std::atomic<bool> stopping{false};
};

// Serves one request of a connection on the MCP path. Returns whether the connection may
// be kept alive.
Task<bool> ServeMcp(Stream& stream, Request& request, ServerContext& ctx);

// A complete response with `body`; sets Content-Length and keep-alive from `request`.
Response MakeResponse(const Request& request, http::status status, std::string content_type,
                      std::string body);
// An HTTP error whose body is a JSON-RPC error object (as MCP clients expect).
Response MakeRpcErrorResponse(const Request& request, http::status status, int rpc_code,
                              std::string_view message, std::string_view id = "null");

}  // namespace gw::transport::internal
