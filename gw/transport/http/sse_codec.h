// Server-Sent Events framing (WHATWG HTML §9.2), sans-IO: events in, bytes out.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace gw::transport {

// One SSE event: "id: <id>\n" (if any), "event: <name>\n" (if any), one "data: " line per
// line of `data` (CR, LF and CRLF all split lines), and a blank line.
std::string EncodeSseEvent(std::string_view id, std::string_view data,
                           std::string_view event = {});
// "retry: <ms>\n\n": tells the client how long to wait before reconnecting.
std::string EncodeSseRetry(int milliseconds);
// A comment line that keeps idle connections alive and detects dead peers.
std::string EncodeSseComment(std::string_view text);

}  // namespace gw::transport
