// Shared Beast/Asio vocabulary of the HTTP transport. Private to gw/transport.
//
// ServerContext is what every connection of one HttpServer shares; it lives as long as the
// server. Thread-safety: its members are thread-safe (see their headers); `stopping` is
// atomic.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

#include "gw/transport/asio_types.h"
#include "gw/transport/http/http_server.h"
#include "gw/transport/http/http_session.h"
#include "gw/transport/http/internal/field_allocator.h"

namespace gw::transport::internal {

using namespace asio_types;  // NOLINT: the shared vocabulary (gw/transport/asio_types.h)
namespace http = beast::http;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
// Header fields allocate through FieldAllocator (recycled per thread, field_allocator.h).
using Fields = http::basic_fields<FieldAllocator<char>>;
using Request = http::request<http::string_body, Fields>;
using Response = http::response<http::string_body, Fields>;

struct ServerContext {
  ServerContext(const HttpServerOptions& o, protocol::Service& service, TransportMetrics* m,
                RouteHandler r)
      : options(o),
        metrics(m),
        routes(std::move(r)),
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
Response MakeResponse(const Request& request, http::status status, const std::string& content_type,
                      std::string body);
// An HTTP error whose body is a JSON-RPC error object (as MCP clients expect).
Response MakeRpcErrorResponse(const Request& request, http::status status, int rpc_code,
                              std::string_view message, std::string_view id = "null");

}  // namespace gw::transport::internal
