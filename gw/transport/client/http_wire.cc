#include "gw/transport/client/http_wire.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <limits>

namespace gw::transport {

namespace http = boost::beast::http;

std::string FormatRequest(std::string_view method, std::string_view target, std::string_view host,
                          const HeaderList& headers, std::string_view body) {
  size_t size = method.size() + target.size() + host.size() + body.size() + 64;
  for (const auto& [name, value] : headers) size += name.size() + value.size() + 4;
  std::string out;
  out.reserve(size);
  out.append(method)
      .append(" ")
      .append(target)
      .append(" HTTP/1.1\r\nHost: ")
      .append(host)
      .append("\r\n");
  for (const auto& [name, value] : headers)
    out.append(name).append(": ").append(value).append("\r\n");
  if (!body.empty() || method == "POST")
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

Status CheckHeader(std::string_view name, std::string_view value) {
  static constexpr std::string_view kTokenExtra = "!#$%&'*+-.^_`|~";
  if (name.empty()) return InvalidArgument("an HTTP header needs a name");
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              kTokenExtra.find(c) != std::string_view::npos;
    if (!ok)
      return InvalidArgument("HTTP header name '" + std::string(name) +
                             "' has a character headers cannot have");
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return InvalidArgument("HTTP header '" + std::string(name) +
                           "': the value may not contain CR, LF or NUL");
  }
  return OkStatus();
}

ResponseReader::ResponseReader(size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {
  // We bound what accumulates between reads, not the stream (SSE is endless).
  body_limit(std::numeric_limits<std::uint64_t>::max());
}

bool ResponseReader::is_event_stream() const {
  return status_ == 200 && content_type_.compare(0, 17, "text/event-stream") == 0;
}

void ResponseReader::on_field_impl(http::field name, boost::beast::string_view name_string,
                                   boost::beast::string_view value, boost::beast::error_code&) {
  if (name == http::field::content_type) {
    content_type_.assign(value.data(), value.size());
  } else if (name == http::field::retry_after) {
    retry_after_.assign(value.data(), value.size());
  } else if (name == http::field::unknown && boost::beast::iequals(name_string, "mcp-session-id")) {
    session_id_.assign(value.data(), value.size());
  }
}

std::size_t ResponseReader::on_body_impl(boost::beast::string_view body,
                                         boost::beast::error_code& ec) {
  if (body_.size() + body.size() > max_body_bytes_) {
    ec = http::error::body_limit;
    return 0;
  }
  body_.append(body.data(), body.size());
  return body.size();
}

std::size_t ResponseReader::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                               boost::beast::error_code& ec) {
  return on_body_impl(body, ec);
}

}  // namespace gw::transport
