#include "gw/transport/client/url.h"

namespace gw::transport {

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string Url::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + std::to_string(port) + target;
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  std::string_view rest = text;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    url.tls = true;
    rest.remove_prefix(8);
  } else {
    return InvalidArgument("'" + std::string(text) + "' is not an http:// or https:// URL");
  }
  if (rest.find('#') != std::string_view::npos) {
    return InvalidArgument("'" + std::string(text) + "': a fragment (#) has no meaning here");
  }
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target[0] == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("'" + std::string(text) +
                           "': put credentials in bearer_token or headers, not in the URL");
  }
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("'" + std::string(text) + "': unclosed '['");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidArgument("'" + std::string(text) + "': junk after ']'");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return InvalidArgument("'" + std::string(text) + "' names no host");
  url.port = url.tls ? 443 : 80;
  if (!port_text.empty() || authority.back() == ':') {
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return InvalidArgument("'" + std::string(text) + "': bad port '" + std::string(port_text) +
                             "'");
    }
    int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) {
      return InvalidArgument("'" + std::string(text) + "': port out of range");
    }
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

}  // namespace gw::transport
