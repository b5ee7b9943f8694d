// Fuzz target: the HTTP request path up to the MCP service. Clients' bytes are untrusted: the
// request parser (Beast's, with the server's head limit and a body limit), chunked bodies, the
// header checks against DNS rebinding and the Accept negotiation, and the JSON-RPC parser of
// the body must take any input without crashing and keep to their bounds; a request read in
// one piece and the same bytes read in pieces give the same request (or the same error).
// Input: byte 0 picks the split step; the rest is what a client sent.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gw/base/check.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/transport/http/request_guard.h"

namespace {

namespace http = boost::beast::http;

constexpr size_t kHeadLimit = 64 * 1024;  // the server's (http_server.cc)
constexpr size_t kBodyLimit = 64 * 1024;  // smaller than the server's 4 MiB default: same code

struct Outcome {
  std::string error;  // empty when a whole request was read
  std::string head;   // method, target and fields
  std::string body;
  bool operator==(const Outcome&) const = default;
};

Outcome Read(std::string_view bytes, size_t step) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(kHeadLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  std::string pending;
  boost::beast::error_code ec;
  for (size_t i = 0; i < bytes.size() && !parser.is_done(); i += step) {
    pending.append(bytes.substr(i, step));
    while (!pending.empty() && !parser.is_done()) {
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return {ec.message(), {}, {}};
      if (used == 0) break;
    }
  }
  if (!parser.is_done()) return {"incomplete", {}, {}};
  const auto& req = parser.get();
  Outcome out;
  out.head = std::string(req.method_string()) + ' ' + std::string(req.target()) + '\n';
  for (const auto& field : req) {
    out.head += std::string(field.name_string()) + ": " + std::string(field.value()) + '\n';
  }
  out.body = req.body();
  GW_CHECK(out.body.size() <= kBodyLimit);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 31;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = Read(bytes, bytes.size() + 1);
  Outcome split = Read(bytes, step);
  // A request read in pieces is the same request, and bytes refused in one piece are never
  // accepted in pieces (nor the other way). One difference is allowed: Beast 1.74 resumes its
  // search for the end of the head past a CR that ended a read, so a bare CR split so is not
  // refused at once; such a head stays incomplete, bounded by the head limit and the server's
  // read timeout.
  const bool whole_done = whole.error.empty();
  const bool split_done = split.error.empty();
  if (whole_done || split_done) GW_CHECK(whole_done && split_done && whole == split);
  if (!whole_done) return 0;

  // What the endpoint does with a request it has read: the header checks, then the body.
  http::request_parser<http::string_body> parser;
  parser.header_limit(kHeadLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  const auto& req = parser.get();
  gw::transport::RequestGuardOptions loopback;
  gw::transport::RequestGuardOptions open;
  open.loopback_only = false;
  open.allowed_origins = {"https://app.example"};
  for (const auto* options : {&loopback, &open}) {
    (void)gw::transport::CheckOrigin(req[http::field::origin], *options);
    (void)gw::transport::CheckHost(req[http::field::host], *options);
  }
  (void)gw::transport::AcceptsJson(req[http::field::accept]);
  (void)gw::transport::AcceptsEventStream(req[http::field::accept]);
  (void)gw::transport::IsLoopbackName(req[http::field::host]);
  (void)gw::protocol::ParseMessage(whole.body);
  return 0;
}
