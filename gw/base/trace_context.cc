#include "gw/base/trace_context.h"

namespace gw {
namespace {

bool LowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

std::string TraceContext::Traceparent() const {
  return "00-" + trace_id + "-" + span_id + (sampled ? "-01" : "-00");
}

std::optional<TraceContext> ParseTraceparent(std::string_view v) {
  // Version 00 is exactly 55 characters; later versions may append fields, which we do not
  // know how to read.
  if (v.size() != 55 || v.substr(0, 3) != "00-" || v[35] != '-' || v[52] != '-')
    return std::nullopt;
  std::string_view trace = v.substr(3, 32), span = v.substr(36, 16), flags = v.substr(53, 2);
  if (!LowerHex(trace) || !LowerHex(span) || !LowerHex(flags) || AllZero(trace) || AllZero(span))
    return std::nullopt;
  TraceContext c;
  c.trace_id = std::string(trace);
  c.span_id = std::string(span);
  const int flag_bits = (flags[1] >= 'a' ? flags[1] - 'a' + 10 : flags[1] - '0');
  c.sampled = (flag_bits & 1) != 0;
  return c;
}

}  // namespace gw
