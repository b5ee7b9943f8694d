// Spans: the unit of tracing. A Span is one timed piece of a request's work (the request in
// this gateway, a route step, an upstream call), tied to others by its trace id and parent.
// Whatever makes spans hands them to a SpanSink; the OTLP exporter (otlp/otlp_exporter.h)
// is the one that sends them off the device.
//
// Thread-safety: Span is a value; SpanSink implementations are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gw/base/random.h"

namespace gw::telemetry {

// OTLP's SpanKind values.
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3 };

struct SpanAttribute {
  std::string key;
  std::string text;    // a string value, or
  int64_t number = 0;  // an integer value when `is_number`
  bool is_number = false;
};

struct Span {
  std::string trace_id;        // 32 hex digits
  std::string span_id;         // 16 hex digits
  std::string parent_span_id;  // 16 hex digits, or "" for a root
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  std::vector<SpanAttribute> attributes;
  bool error = false;
  std::string status_message;  // with error

  Span& Attr(std::string key, std::string text) {
    attributes.push_back({std::move(key), std::move(text), 0, false});
    return *this;
  }
  Span& Attr(std::string key, int64_t number) {
    attributes.push_back({std::move(key), {}, number, true});
    return *this;
  }
};

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void Record(Span span) = 0;
};

// The wall clock in nanoseconds since the Unix epoch (OTLP's timestamps).
int64_t UnixNanos();
// Random ids as lowercase hex, never all zeros: 16 bytes for a trace, 8 for a span.
std::string NewTraceId(Random& random);
std::string NewSpanId(Random& random);

}  // namespace gw::telemetry
