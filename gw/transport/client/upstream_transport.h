// UpstreamTransport: carries one MCP client session to an upstream server. It is the
// protocol::MessageSink of a ClientSession (messages out) and reports what comes back
// through TransportEvents (messages in, lost requests, end of the session).
//
// Implementations: Streamable HTTP (http_client_transport.h) and a child process over stdio
// (stdio_client_transport.h). One transport carries one session; after on_closed the owner
// (Upstream) builds a new transport and session.
//
// Thread-safety: Send/SendRequest/Initialized/Abandon/Close may be called from any thread.
// Events are delivered one at a time, on the transport's own strand, never after Close
// returned... except for events already running: owners guard with a generation number.
#pragma once

#include <functional>
#include <string>

#include "gw/base/result.h"
#include "gw/protocol/client_session.h"
#include "gw/resilience/retry_policy.h"

namespace gw::transport {

struct TransportEvents {
  // A message from the server. `related` is the id of our request whose exchange carried
  // it (its SSE stream), empty when the transport cannot tell.
  std::function<void(std::string_view text, std::string_view related)> on_message;
  // Request `id` was not delivered, or its answer was lost: `failure` says which and whether
  // it may have run; `detail` is for people.
  std::function<void(const std::string& id, resilience::Failure failure, std::string detail)>
      on_request_failed;
  // The session is gone (child exited, HTTP session expired or refused): requests still
  // pending will not be answered.
  std::function<void(Error why)> on_closed;
};

class UpstreamTransport : public protocol::MessageSink {
 public:
  // Starts the transport (spawns the child; HTTP connects lazily). Called once, first.
  virtual Status Start(TransportEvents events) = 0;
  // The handshake finished: HTTP sends MCP-Protocol-Version from now on and opens the
  // standalone GET stream for server notifications.
  // `listening` (optional) runs once the standalone stream is open, or known not to be
  // offered, or failed; stdio runs it at once.
  virtual void Initialized(const std::string& protocol_version,
                           // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep it
                           std::function<void()> listening = nullptr) {
    (void)protocol_version;
    if (listening) listening();
  }
  // Stop carrying request `id` (cancelled or timed out): HTTP drops its stream.
  virtual void Abandon(const std::string& id) { (void)id; }
  // Ends the session: HTTP sends DELETE, stdio closes the child's stdin and terminates it.
  virtual void Close() = 0;
  // "http://host:port/mcp", "stdio: node server.js": for logs and errors.
  virtual std::string Describe() const = 0;
};

}  // namespace gw::transport
