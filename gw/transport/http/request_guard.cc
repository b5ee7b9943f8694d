#include "gw/transport/http/request_guard.h"

#include <algorithm>
#include <cctype>

namespace gw::transport {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// "host:port", "[v6]:port", "host" -> host (brackets removed).
std::string_view HostPart(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
  }
  size_t colon = authority.rfind(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

bool AcceptsType(std::string_view accept, std::string_view type) {
  std::string_view major = type.substr(0, type.find('/'));
  size_t start = 0;
  while (start <= accept.size()) {
    size_t end = accept.find(',', start);
    std::string_view item =
        accept.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    item = item.substr(0, item.find(';'));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (EqualsIgnoreCase(item, type) || item == "*/*" ||
        (item.size() == major.size() + 2 && EqualsIgnoreCase(item.substr(0, major.size()), major) &&
         item.substr(major.size()) == "/*")) {
      return true;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool IsLoopbackName(std::string_view h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return EqualsIgnoreCase(h, "localhost") || h == "::1" || h.substr(0, 4) == "127.";
}

std::optional<std::string> CheckOrigin(std::string_view origin, const RequestGuardOptions& o) {
  if (origin.empty()) return std::nullopt;  // not a browser request
  std::string lower = Lower(origin);
  if (!o.allowed_origins.empty()) {
    for (const std::string& allowed : o.allowed_origins) {
      if (Lower(allowed) == lower || allowed == "*") return std::nullopt;
    }
    return "Forbidden: Origin '" + std::string(origin) + "' is not in the allowed origins";
  }
  size_t scheme = lower.find("://");
  if (scheme != std::string::npos) {
    std::string_view authority = std::string_view(lower).substr(scheme + 3);
    authority = authority.substr(0, authority.find('/'));
    if (IsLoopbackName(HostPart(authority))) return std::nullopt;
  }
  return "Forbidden: Origin '" + std::string(origin) +
         "' is not allowed (only loopback origins are accepted unless http.allowed_origins is "
         "set)";
}

std::optional<std::string> CheckHost(std::string_view host, const RequestGuardOptions& o) {
  std::string_view name = HostPart(host);
  if (!o.allowed_hosts.empty()) {
    for (const std::string& allowed : o.allowed_hosts) {
      if (EqualsIgnoreCase(allowed, name)) return std::nullopt;
    }
    return "Forbidden: Host '" + std::string(host) + "' is not in the allowed hosts";
  }
  if (!o.loopback_only || IsLoopbackName(name)) return std::nullopt;
  return "Forbidden: Host '" + std::string(host) +
         "' is not a loopback name; this server only answers local clients";
}

bool AcceptsJson(std::string_view accept) { return AcceptsType(accept, "application/json"); }
bool AcceptsEventStream(std::string_view accept) {
  return AcceptsType(accept, "text/event-stream");
}

}  // namespace gw::transport
