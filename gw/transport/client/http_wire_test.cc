#include "gw/transport/client/http_wire.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>

namespace gw::transport {
namespace {

// Feeds `text` to `reader` in pieces of `step` bytes, as reads from a socket would.
boost::beast::error_code Feed(ResponseReader& reader, std::string_view text, size_t step) {
  std::string pending;
  boost::beast::error_code ec;
  for (size_t i = 0; i < text.size(); i += step) {
    pending.append(text.substr(i, step));
    while (!pending.empty() && !reader.is_done()) {  // put() may stop after the header
      size_t used = reader.put(boost::asio::buffer(pending), ec);
      if (ec == boost::beast::http::error::need_more) {
        ec = {};
        pending.erase(0, used);
        break;
      }
      if (ec) return ec;
      pending.erase(0, used);
      if (used == 0) break;
    }
  }
  return ec;
}

TEST(HttpWire, FormatsOneRequestString) {
  std::string r = FormatRequest("POST", "/mcp", "127.0.0.1:9000",
                                {{"Accept", "application/json, text/event-stream"}}, R"({"a":1})");
  EXPECT_EQ(r,
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nAccept: application/json, "
            "text/event-stream\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(FormatRequest("GET", "/", "h", {}, ""), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST(HttpWire, RefusesHeadersThatCouldInjectRequests) {
  EXPECT_TRUE(CheckHeader("X-Tenant", "edge-1"));
  EXPECT_FALSE(CheckHeader("X-Tenant", "a\r\nEvil: 1"));
  EXPECT_FALSE(CheckHeader("Bad Name", "v"));
  EXPECT_FALSE(CheckHeader("", "v"));
}

TEST(HttpWire, ReaderKeepsWhatTheClientNeedsInAnySplit) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nMCP-Session-Id: s-1\r\n"
      "Retry-After: 3\r\nX-Other: ignored\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  for (size_t step : {1u, 7u, 1000u}) {
    ResponseReader reader(1 << 20);
    ASSERT_FALSE(Feed(reader, response, step)) << step;
    EXPECT_TRUE(reader.is_done());
    EXPECT_EQ(reader.status(), 200);
    EXPECT_TRUE(reader.is_event_stream());
    EXPECT_EQ(reader.session_id(), "s-1");
    EXPECT_EQ(reader.retry_after(), "3");
    EXPECT_EQ(reader.body(), "hello world");
    EXPECT_TRUE(reader.keep_alive());
  }
}

TEST(HttpWire, ReaderBoundsTheBody) {
  ResponseReader reader(4);
  auto ec = Feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 1000);
  EXPECT_EQ(ec, boost::beast::http::error::body_limit);
}

}  // namespace
}  // namespace gw::transport
