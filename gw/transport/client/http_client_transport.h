// Streamable HTTP client transport (MCP 2025-11-25 §Transports): each message is a POST;
// an answer comes back as JSON or as an SSE stream that may also carry progress and
// server-to-client requests. A stream that breaks before its answer is resumed with GET and
// Last-Event-ID after the server's "retry:" delay. After the handshake a GET stream carries
// server notifications (list_changed, resources/updated); it reconnects the same way.
//
// Connections are kept alive and reused (an idle pool); TLS verifies the peer against the
// system CAs or `ca_file`, with SNI and host name checks.
//
// Threads: everything runs on one strand of the given io_context. Ownership: create with
// MakeHttpTransport; the io_context must outlive the transport.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gw/transport/client/upstream_transport.h"
#include "gw/transport/client/url.h"

namespace gw::transport {

struct HttpTransportOptions {
  Url url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
  std::string bearer_token;  // "Authorization: Bearer ..." when not empty
  std::string ca_file;       // PEM bundle; empty: the system's CAs
  bool verify_tls = true;
  std::chrono::milliseconds connect_timeout{5000};
  // How long to wait for the response header of a POST (the body of an SSE answer may take
  // as long as the call; the session's request timeout bounds that).
  std::chrono::milliseconds header_timeout{60000};
  size_t max_idle_connections = 32;
  size_t max_response_bytes = 16 << 20;           // a JSON answer or one SSE event
  int max_resume_attempts = 5;                    // GET + Last-Event-ID per broken stream
  std::chrono::milliseconds default_retry{1000};  // when the server sent no "retry:"
};

Result<std::shared_ptr<UpstreamTransport>> MakeHttpTransport(boost::asio::io_context& io,
                                                             HttpTransportOptions options);

}  // namespace gw::transport
