// Spans: the unit of tracing. A Span is one timed piece of a request's work (the request in
// this gateway, a route step, an upstream call), tied to others by its trace id and parent.
// Whatever makes spans hands them to a SpanSink; the OTLP exporter (otlp/otlp_exporter.h)
// is the one that sends them off the device.
//
// A Span is a view: its name, attribute keys and values point at strings the maker keeps
// alive until Record returns (attribute keys are string literals by convention). The sink
// encodes what it keeps during Record, so making a span allocates nothing.
//
// Thread-safety: Span is a value; SpanSink implementations are thread-safe.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "gw/base/trace_context.h"

namespace gw::telemetry {

// OTLP's SpanKind values.
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3 };

struct SpanAttribute {
  std::string_view key;
  std::string_view text;  // a string value, or
  int64_t number = 0;     // an integer value when `is_number`
  bool is_number = false;
};

struct Span {
  // At most this many attributes; more are counted in dropped_attributes, as OpenTelemetry's
  // attribute limits do.
  static constexpr size_t kMaxAttributes = 12;

  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // empty for a root
  std::string_view name;
  SpanKind kind = SpanKind::kInternal;
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  std::array<SpanAttribute, kMaxAttributes> attribute_slots{};
  size_t attribute_count = 0;
  uint32_t dropped_attributes = 0;
  bool error = false;
  std::string_view status_message;  // with error

  std::span<const SpanAttribute> attributes() const {
    return {attribute_slots.data(), attribute_count};
  }
  Span& Attr(std::string_view key, std::string_view text) { return Add({key, text, 0, false}); }
  Span& Attr(std::string_view key, int64_t number) { return Add({key, {}, number, true}); }
  // A temporary string would dangle before the sink reads it.
  template <typename T>
  requires std::same_as<T, std::string> Span& Attr(std::string_view key, T&& text) = delete;

 private:
  Span& Add(SpanAttribute a) {
    if (attribute_count < kMaxAttributes) {
      attribute_slots[attribute_count++] = a;
    } else {
      ++dropped_attributes;
    }
    return *this;
  }
};

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Takes the spans of one request (or any group) at once; reads them before returning.
  virtual void Record(std::span<const Span> spans) = 0;
};

// The wall clock in nanoseconds since the Unix epoch (OTLP's timestamps).
int64_t UnixNanos();

}  // namespace gw::telemetry
