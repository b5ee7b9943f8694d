#include "gw/base/trace_context.h"

namespace gw {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is refused, as the spec says
}

// Reads lowercase hex into `out` (size / 2 bytes); false on any other character.
bool ReadHex(std::string_view hex, uint8_t* out) {
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

void WriteHex(const uint8_t* data, size_t size, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
}

std::string TraceContext::Traceparent() const {
  std::string out = "00-" + std::string(32, '0') + "-" + std::string(16, '0') + "-00";
  WriteHex(trace_id.bytes.data(), trace_id.bytes.size(), out.data() + 3);
  WriteHex(span_id.bytes.data(), span_id.bytes.size(), out.data() + 36);
  if (sampled) out[54] = '1';
  return out;
}

std::optional<TraceContext> ParseTraceparent(std::string_view v) {
  // Version 00 is exactly 55 characters; later versions may append fields, which we do not
  // know how to read.
  if (v.size() != 55 || v.substr(0, 3) != "00-" || v[35] != '-' || v[52] != '-')
    return std::nullopt;
  TraceContext c;
  uint8_t flags = 0;
  if (!ReadHex(v.substr(3, 32), c.trace_id.bytes.data()) ||
      !ReadHex(v.substr(36, 16), c.span_id.bytes.data()) || !ReadHex(v.substr(53, 2), &flags) ||
      c.trace_id.empty() || c.span_id.empty()) {
    return std::nullopt;
  }
  c.sampled = (flags & 1) != 0;
  return c;
}

}  // namespace gw
