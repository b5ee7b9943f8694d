// Fuzz target: what an upstream sends back. Bytes from an upstream server are untrusted:
// the HTTP response reader, the SSE decoder and the URL parser must take any input without
// crashing, stay within their bounds, and give the same events whatever the read split.
//   input: the first byte picks the split step; the rest is an HTTP response (the SSE
//   decoder and the URL parser also get it raw).
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/check.h"
#include "gw/transport/client/http_wire.h"
#include "gw/transport/client/url.h"
#include "gw/transport/http/sse_codec.h"

namespace {

std::vector<std::string> Decode(std::string_view text, size_t step, bool* ok) {
  gw::transport::SseDecoder decoder(1 << 16);
  std::vector<std::string> events;
  *ok = true;
  for (size_t i = 0; i < text.size() && *ok; i += step) {
    auto s = decoder.Feed(text.substr(i, step), [&](gw::transport::SseEvent e) {
      GW_CHECK(e.data.size() <= (1 << 16) + 1);
      events.push_back(e.id + "\n" + e.event + "\n" + e.data);
    });
    *ok = s.has_value();
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = 1 + data[0] % 17;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  // SSE: whole and split feeds agree (unless a bound was hit).
  bool ok_whole, ok_split;
  auto whole = Decode(text, text.size() + 1, &ok_whole);
  auto split = Decode(text, step, &ok_split);
  if (ok_whole && ok_split) GW_CHECK(whole == split);

  // HTTP response reader with a small bound.
  gw::transport::ResponseReader reader(4096);
  std::string pending;
  for (size_t i = 0; i < text.size(); i += step) {
    pending.append(text.substr(i, step));
    boost::beast::error_code ec;
    while (!pending.empty() && !reader.is_done()) {
      size_t used = reader.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec || used == 0) break;
    }
    GW_CHECK(reader.body().size() <= 4096);
    if (ec && ec != boost::beast::http::error::need_more) break;
  }

  // URL parsing: either an error or a URL whose parts are sane.
  if (auto url = gw::transport::ParseUrl(text)) {
    GW_CHECK(!url->host.empty());
    GW_CHECK(url->port > 0);
    GW_CHECK(!url->target.empty() && url->target[0] == '/');
  }
  return 0;
}
