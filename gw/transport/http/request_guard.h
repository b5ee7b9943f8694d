// Header checks for Streamable HTTP that protect local servers and keep clients honest:
// Origin and Host validation against DNS rebinding (MCP 2025-11-25 §Transports, Security
// Warning), and Accept negotiation. Pure functions over header values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::transport {

struct RequestGuardOptions {
  // Origins allowed to call (exact "scheme://host[:port]"). Empty: only loopback origins.
  std::vector<std::string> allowed_origins;
  // Host header names allowed (without port). Empty: loopback names when `loopback_only`,
  // anything otherwise.
  std::vector<std::string> allowed_hosts;
  bool loopback_only = true;
};

// Returns a human-readable reason when the request must be refused with 403.
std::optional<std::string> CheckOrigin(std::string_view origin, const RequestGuardOptions& o);
std::optional<std::string> CheckHost(std::string_view host, const RequestGuardOptions& o);

// Accept header tests; "*/*" and "type/*" count.
bool AcceptsJson(std::string_view accept);
bool AcceptsEventStream(std::string_view accept);

// "localhost", "127.0.0.1", "::1" (with or without brackets), any 127.x.y.z.
bool IsLoopbackName(std::string_view host);

}  // namespace gw::transport
