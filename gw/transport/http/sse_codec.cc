#include "gw/transport/http/sse_codec.h"

namespace gw::transport {

std::string EncodeSseEvent(std::string_view id, std::string_view data, std::string_view event) {
  std::string out;
  out.reserve(data.size() + id.size() + 24);
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += '\n';
  return out;
}

std::string EncodeSseRetry(int milliseconds) {
  return "retry: " + std::to_string(milliseconds) + "\n\n";
}

std::string EncodeSseComment(std::string_view text) {
  std::string out = ": ";
  out += text;
  out += "\n\n";
  return out;
}

Status SseDecoder::Feed(std::string_view bytes, const EventHandler& on_event) {
  if (!bom_checked_) {
    // The BOM may itself arrive split; wait until three bytes or a mismatch decide it.
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    line_.append(bytes);
    if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_) return OkStatus();
    bom_checked_ = true;
    std::string pending = std::move(line_);
    line_.clear();
    if (std::string_view(pending).substr(0, kBom.size()) == kBom) pending.erase(0, kBom.size());
    return Feed(pending, on_event);
  }
  size_t start = 0;
  if (skip_lf_ && !bytes.empty()) {
    skip_lf_ = false;
    if (bytes[0] == '\n') start = 1;
  }
  while (start < bytes.size()) {
    size_t end = bytes.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(start));
      if (line_.size() > max_event_bytes_) {
        return ResourceExhausted("an SSE line is longer than " + std::to_string(max_event_bytes_) +
                                 " bytes");
      }
      return OkStatus();
    }
    std::string_view piece = bytes.substr(start, end - start);
    if (line_.empty()) {
      Line(piece, on_event);
    } else {
      line_.append(piece);
      std::string line = std::move(line_);
      line_.clear();
      Line(line, on_event);
    }
    if (data_.size() > max_event_bytes_) {
      return ResourceExhausted("an SSE event is larger than " + std::to_string(max_event_bytes_) +
                               " bytes");
    }
    start = end + 1;
    if (bytes[end] == '\r') {
      if (start < bytes.size()) {
        if (bytes[start] == '\n') ++start;
      } else {
        skip_lf_ = true;
      }
    }
  }
  return OkStatus();
}

void SseDecoder::Line(std::string_view line, const EventHandler& on_event) {
  if (line.empty()) {  // dispatch
    if (has_data_) {
      on_event(SseEvent{last_event_id_, std::move(event_), std::move(data_)});
    }
    data_.clear();
    event_.clear();
    has_data_ = false;
    return;
  }
  if (line[0] == ':') return;  // comment
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() <= 9 &&
        value.find_first_not_of("0123456789") == std::string_view::npos) {
      int ms = 0;
      for (char c : value) ms = ms * 10 + (c - '0');
      retry_ms_ = ms;
    }
  }
}

}  // namespace gw::transport
