// Server-Sent Events framing (WHATWG HTML §9.2), sans-IO: events in, bytes out (the encoders,
// used by the server) and bytes in, events out (SseDecoder, used by upstream clients).
// Thread-safety: the encoders are pure functions; an SseDecoder belongs to one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gw/base/result.h"

namespace gw::transport {

// One SSE event: "id: <id>\n" (if any), "event: <name>\n" (if any), one "data: " line per
// line of `data` (CR, LF and CRLF all split lines), and a blank line.
std::string EncodeSseEvent(std::string_view id, std::string_view data, std::string_view event = {});
// "retry: <ms>\n\n": tells the client how long to wait before reconnecting.
std::string EncodeSseRetry(int milliseconds);
// A comment line that keeps idle connections alive and detects dead peers.
std::string EncodeSseComment(std::string_view text);

struct SseEvent {
  std::string id;     // the stream's last event id after this event (may be empty)
  std::string event;  // the event type; empty means "message"
  std::string data;   // data lines joined by '\n'
};

// Incremental SSE parser: feed it bytes as they arrive, in any split. Handles LF, CR and
// CRLF line ends (also split across feeds), a leading BOM, comments, "retry:" and ids with
// NUL (ignored, as the standard says). An event without data lines is not dispatched.
class SseDecoder {
 public:
  using EventHandler = std::function<void(SseEvent event)>;
  // `max_event_bytes` bounds one event (and one line): a peer cannot grow memory without end.
  explicit SseDecoder(size_t max_event_bytes = 8 << 20) : max_event_bytes_(max_event_bytes) {}

  // Parses `bytes`, calling `on_event` for each complete event. kResourceExhausted when an
  // event or line exceeds the bound; the decoder is then unusable.
  Status Feed(std::string_view bytes, const EventHandler& on_event);

  const std::string& last_event_id() const { return last_event_id_; }
  // The last "retry:" value in milliseconds, if the stream sent one.
  std::optional<int> retry_ms() const { return retry_ms_; }

 private:
  void Line(std::string_view line, const EventHandler& on_event);

  const size_t max_event_bytes_;
  std::string line_;  // the incomplete line so far
  bool bom_checked_ = false;
  bool skip_lf_ = false;  // the previous feed ended in CR: a leading LF is part of it
  std::string data_;
  std::string event_;
  bool has_data_ = false;
  std::string last_event_id_;
  std::optional<int> retry_ms_;
};

}  // namespace gw::transport
