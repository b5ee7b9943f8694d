// The HTTP/1.1 wire pieces of the upstream client, kept lean for the proxy hot path:
// requests are written as one preformatted string (no per-header allocations), and
// ResponseReader is a Beast parser that keeps only the headers an MCP client needs and
// hands the body over as it arrives (for SSE) or collects it (for JSON), with a bound.
//
// Thread-safety: a ResponseReader belongs to one exchange.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/base/result.h"

namespace gw::transport {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "METHOD TARGET HTTP/1.1", Host, the given headers, Content-Length when there is a body
// (or the method is POST), a blank line, then the body. Header names and values must
// already be checked by CheckHeader.
std::string FormatRequest(std::string_view method, std::string_view target, std::string_view host,
                          const HeaderList& headers, std::string_view body);

// kInvalidArgument if a header name is not an HTTP token or a value holds CR, LF or NUL
// (which would let configuration inject requests).
Status CheckHeader(std::string_view name, std::string_view value);

class ResponseReader final : public boost::beast::http::basic_parser<false> {
 public:
  // `max_body_bytes` bounds what accumulates in body() between Take() calls.
  explicit ResponseReader(size_t max_body_bytes);

  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& retry_after() const { return retry_after_; }
  bool is_event_stream() const;
  // The body bytes received and not yet taken.
  std::string& body() { return body_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, boost::beast::error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view, int,
                        boost::beast::error_code&) override {
    status_ = code;
  }
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code&) override;
  void on_header_impl(boost::beast::error_code&) override {}
  void on_body_init_impl(boost::optional<std::uint64_t> const&,
                         boost::beast::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code&) override {}

  const size_t max_body_bytes_;
  int status_ = 0;
  std::string content_type_;
  std::string session_id_;
  std::string retry_after_;
  std::string body_;
};

}  // namespace gw::transport
