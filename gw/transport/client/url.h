// Url: the parts of an http(s) upstream address that the HTTP client needs.
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gw/base/result.h"

namespace gw::transport {

struct Url {
  bool tls = false;
  std::string host;    // without brackets for IPv6 literals
  uint16_t port = 0;   // 80 / 443 when the URL names none
  std::string target;  // path and query, "/" at least
  // "host:port" as the Host header wants it (brackets for IPv6, port omitted when default).
  std::string HostHeader() const;
  std::string ToString() const;
};

// Parses "http://host[:port][/path][?query]" and "https://...". kInvalidArgument with the
// reason for anything else (other schemes, userinfo, fragments, bad ports).
Result<Url> ParseUrl(std::string_view text);

}  // namespace gw::transport
