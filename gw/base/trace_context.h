// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` value that ties
// spans of one request together across processes, parsed and written, and the ids it carries.
//   traceparent = "00-" trace-id (32 hex) "-" parent-id (16 hex) "-" flags (2 hex)
// An all-zero trace or span id is invalid; so is any upper-case hex. Ids are kept as bytes
// (what OTLP's protobuf encoding sends) and written as lowercase hex only where text is due.
//
// Thread-safety: values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gw/base/random.h"

namespace gw {

// A trace id (16 bytes) or span id (8 bytes); all zeros means "none".
template <size_t N>
struct TraceBytes {
  std::array<uint8_t, N> bytes{};

  bool empty() const {
    for (uint8_t b : bytes) {
      if (b) return false;
    }
    return true;
  }
  std::string Hex() const;
  // A random id, never all zeros.
  static TraceBytes Random(gw::Random& random);
  friend bool operator==(const TraceBytes&, const TraceBytes&) = default;
};
using TraceId = TraceBytes<16>;
using SpanId = TraceBytes<8>;

struct TraceContext {
  TraceId trace_id;
  SpanId span_id;  // the span this context names
  bool sampled = false;

  bool valid() const { return !trace_id.empty() && !span_id.empty(); }
  // "00-<trace_id>-<span_id>-<01|00>".
  std::string Traceparent() const;
};

// The context a traceparent header carries (its span id is the caller's span), or nullopt
// when the value is not a version-00 traceparent.
std::optional<TraceContext> ParseTraceparent(std::string_view value);

// Lowercase hex of `size` bytes at `data`, written to `out` (2 * size chars).
void WriteHex(const uint8_t* data, size_t size, char* out);

template <size_t N>
std::string TraceBytes<N>::Hex() const {
  std::string out(2 * N, '0');
  WriteHex(bytes.data(), N, out.data());
  return out;
}

template <size_t N>
TraceBytes<N> TraceBytes<N>::Random(gw::Random& random) {
  TraceBytes id;
  for (size_t i = 0; i < N; i += 8) {
    uint64_t bits = random.Next();
    if (i + 8 >= N) bits |= 1;  // never all zeros
    for (size_t j = 0; j < 8; ++j) id.bytes[i + j] = static_cast<uint8_t>(bits >> (56 - 8 * j));
  }
  return id;
}

}  // namespace gw
