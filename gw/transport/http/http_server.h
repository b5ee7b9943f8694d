// HttpServer: MCP Streamable HTTP on one path (default /mcp) plus plain routes
// (/healthz, /readyz, /metrics), on Boost.Beast with C++20 coroutines.
//
// POST carries one JSON-RPC message: notifications and responses get 202; a request gets
// application/json when its answer is ready at once, or an SSE stream that carries its
// progress, any server-to-client requests and finally its response. GET opens the session's
// standalone SSE stream or, with Last-Event-ID, resumes any stream of the session. DELETE
// ends the session. Mcp-Session-Id, MCP-Protocol-Version, Origin and Host are checked.
// Details and status codes: docs/transports.md.
//
// Threads: `io_threads` threads run one io_context; each connection runs on its own strand.
// Ownership: the server borrows the Service, the metrics and the route handler, which must
// outlive it. Thread-safety: Start/Stop/Wait from one controlling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gw/base/result.h"
#include "gw/protocol/server_session.h"
#include "gw/protocol/service.h"
#include "gw/transport/http/request_guard.h"
#include "gw/transport/transport_metrics.h"

namespace boost::asio {
class io_context;
}

namespace gw::transport {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8787;  // 0 picks a free port; see HttpServer::port()
  std::string mcp_path = "/mcp";
  int io_threads = 0;  // 0: one per core
  size_t max_body_bytes = 4 << 20;
  size_t max_sessions = 1024;
  int session_idle_seconds = 1800;
  int sse_keepalive_seconds = 15;
  int sse_retry_ms = 1000;  // the "retry:" hint sent at the start of each SSE stream
  // How long a POST whose answer is not ready at once waits for it before switching to SSE;
  // a lone answer within this time is sent as JSON. 0: switch at once.
  int json_wait_ms = 1000;
  protocol::SessionOptions session;  // client request timeout
  RequestGuardOptions guard;
};

// A plain (non-MCP) response for the extra routes.
struct PlainResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
// Returns a response for `method` + `path`, or nullopt for 404.
using RouteHandler =
    std::function<std::optional<PlainResponse>(std::string_view method, std::string_view path)>;

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, closes sessions and connections; Wait() then returns.
  virtual void Stop() = 0;
  // Blocks until Stop() has finished.
  virtual void Wait() = 0;
};

// Binds and starts serving. Returns kUnavailable if the address cannot be bound,
// kInvalidArgument for a bad host.
//
// With `shared_io`, the server runs on that io_context (which its owner runs and stops, and
// which may also carry upstream connections, so a proxied call stays on the same threads);
// io_threads is then ignored, Stop() ends the server's own work only and Wait() returns at
// once. Without it, the server owns an io_context and io_threads threads.
Result<std::unique_ptr<HttpServer>> StartHttpServer(const HttpServerOptions& options,
                                                    protocol::Service& service,
                                                    TransportMetrics* metrics, RouteHandler routes,
                                                    boost::asio::io_context* shared_io = nullptr);

}  // namespace gw::transport
