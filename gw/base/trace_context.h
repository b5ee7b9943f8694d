// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` value that ties
// spans of one request together across processes, parsed and written.
//   traceparent = "00-" trace-id (32 hex) "-" parent-id (16 hex) "-" flags (2 hex)
// An all-zero trace or span id is invalid; so is any upper-case hex.
//
// Thread-safety: values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gw {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits
  std::string span_id;   // 16 lowercase hex digits: the span this context names
  bool sampled = false;

  bool valid() const { return !trace_id.empty() && !span_id.empty(); }
  // "00-<trace_id>-<span_id>-<01|00>".
  std::string Traceparent() const;
};

// The context a traceparent header carries (its span id is the caller's span), or nullopt
// when the value is not a version-00 traceparent.
std::optional<TraceContext> ParseTraceparent(std::string_view value);

}  // namespace gw
