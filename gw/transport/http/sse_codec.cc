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

}  // namespace gw::transport
