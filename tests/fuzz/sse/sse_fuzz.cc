// Fuzz target: Server-Sent Events both ways. The decoder reads what upstream servers stream
// (untrusted); the encoder writes what the gateway streams to its clients. For any input:
//   - the decoder never crashes and keeps to its bound, and a whole feed and a split feed
//     give the same events (unless the bound was hit);
//   - an event the encoder writes decodes to the same id, type and data (line ends made LF).
// Input: byte 0 picks the split step, byte 1 and 2 the id and event lengths; the rest is the
// stream for the decoder, and is cut into id, event and data for the round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/check.h"
#include "gw/transport/http/sse_codec.h"

namespace {

constexpr size_t kBound = 1 << 12;

std::vector<gw::transport::SseEvent> Decode(std::string_view text, size_t step, bool* ok) {
  gw::transport::SseDecoder decoder(kBound);
  std::vector<gw::transport::SseEvent> events;
  *ok = true;
  for (size_t i = 0; i < text.size() && *ok; i += step) {
    auto s = decoder.Feed(text.substr(i, step), [&](gw::transport::SseEvent e) {
      GW_CHECK(e.data.size() <= kBound + 1);
      events.push_back(std::move(e));
    });
    *ok = s.has_value();
  }
  return events;
}

bool Same(const std::vector<gw::transport::SseEvent>& a,
          const std::vector<gw::transport::SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].event != b[i].event || a[i].data != b[i].data) return false;
  }
  return true;
}

// What the decoder makes of data lines: CR, LF and CRLF all end a line; lines join with LF.
std::string Lf(std::string_view data) {
  std::string out;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r') {
      out += '\n';
      if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
    } else {
      out += data[i];
    }
  }
  return out;
}

// An id or event name the encoder can carry: one line, no NUL (an id with NUL is ignored by
// the standard), and no leading space (the decoder strips one after the colon).
bool OneLine(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos &&
         (s.empty() || s[0] != ' ');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const size_t step = 1 + data[0] % 17;
  std::string_view text(reinterpret_cast<const char*>(data) + 3, size - 3);

  bool ok_whole, ok_split;
  auto whole = Decode(text, text.size() + 1, &ok_whole);
  auto split = Decode(text, step, &ok_split);
  if (ok_whole && ok_split) GW_CHECK(Same(whole, split));

  const size_t id_len = std::min<size_t>(data[1] % 32, text.size());
  const size_t event_len = std::min<size_t>(data[2] % 32, text.size() - id_len);
  std::string_view id = text.substr(0, id_len);
  std::string_view event = text.substr(id_len, event_len);
  std::string_view payload = text.substr(id_len + event_len);
  if (!OneLine(id) || !OneLine(event) || payload.size() > kBound / 2) return 0;
  bool ok;
  auto back = Decode(gw::transport::EncodeSseEvent(id, payload, event), step, &ok);
  GW_CHECK(ok);
  GW_CHECK(back.size() == 1);
  GW_CHECK(back[0].id == id);
  GW_CHECK(back[0].event == event);
  GW_CHECK(back[0].data == Lf(payload));
  return 0;
}
