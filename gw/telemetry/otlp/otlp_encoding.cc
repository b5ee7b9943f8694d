#include "gw/telemetry/otlp/otlp_encoding.h"

#include <rapidjson/writer.h>

#include <cstring>

#include "gw/base/check.h"

namespace gw::telemetry {
namespace {

// --- protobuf wire format (https://protobuf.dev/programming-guides/encoding/) ---
enum Wire : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2 };

size_t PutVarint(uint64_t v, char* out) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<char>(v);
  return n;
}
void Varint(std::string& out, uint64_t v) {
  char buf[10];
  out.append(buf, PutVarint(v, buf));
}
void Tag(std::string& out, uint32_t field, Wire wire) { Varint(out, (field << 3) | wire); }
void LenField(std::string& out, uint32_t field, const void* data, size_t size) {
  Tag(out, field, kLen);
  Varint(out, size);
  out.append(static_cast<const char*>(data), size);
}
void LenField(std::string& out, uint32_t field, std::string_view s) {
  LenField(out, field, s.data(), s.size());
}
// Makes what `out` gained since `start` a length-delimited field `field` (a nested message),
// by putting the tag and length in front of it.
void WrapSince(std::string& out, size_t start, uint32_t field) {
  char head[20];
  size_t n = PutVarint((field << 3) | kLen, head);
  n += PutVarint(out.size() - start, head + n);
  out.insert(start, head, n);
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
// A length-delimited field of `size` bytes, tag and length included (fields below 16).
size_t LenFieldSize(size_t size) { return 1 + VarintSize(size) + size; }

// Writes into space already made: the span path sizes each message first, so nothing is
// moved or grown while it is written.
struct RawWriter {
  char* p;
  void Varint(uint64_t v) { p += PutVarint(v, p); }
  void Tag(uint32_t field, Wire wire) { *p++ = static_cast<char>((field << 3) | wire); }
  void Len(uint32_t field, const void* data, size_t size) {
    Tag(field, kLen);
    Varint(size);
    std::memcpy(p, data, size);
    p += size;
  }
  void Fixed64(uint32_t field, uint64_t v) {
    Tag(field, kFixed64);
    for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(v >> (8 * i));  // little-endian
  }
};

// AnyValue { string_value = 1 | int_value = 3 }.
size_t AnyValueSize(const SpanAttribute& a) {
  return a.is_number ? 1 + VarintSize(static_cast<uint64_t>(a.number))
                     : LenFieldSize(a.text.size());
}
// KeyValue { key = 1; AnyValue value = 2 }.
size_t KeyValueSize(const SpanAttribute& a) {
  return LenFieldSize(a.key.size()) + LenFieldSize(AnyValueSize(a));
}
void WriteKeyValue(RawWriter& w, uint32_t field, const SpanAttribute& a) {
  w.Tag(field, kLen);
  w.Varint(KeyValueSize(a));
  w.Len(1, a.key.data(), a.key.size());
  w.Tag(2, kLen);
  w.Varint(AnyValueSize(a));
  if (a.is_number) {
    w.Tag(3, kVarint);
    w.Varint(static_cast<uint64_t>(a.number));
  } else {
    w.Len(1, a.text.data(), a.text.size());
  }
}
// KeyValue as field `field` of an enclosing message being built in `out`.
void KeyValue(std::string& out, uint32_t field, const SpanAttribute& a) {
  const size_t start = out.size();
  out.resize(start + LenFieldSize(KeyValueSize(a)));
  RawWriter w{out.data() + start};
  WriteKeyValue(w, field, a);
}

// --- JSON ---
// A rapidjson output stream that appends to a std::string.
struct AppendTo {
  using Ch = char;
  std::string& s;
  void Put(char c) { s.push_back(c); }
  void Flush() {}
};
using JsonOut = rapidjson::Writer<AppendTo>;

void Str(JsonOut& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
template <size_t N>
void Hex(JsonOut& w, const TraceBytes<N>& id) {
  char hex[2 * N];
  WriteHex(id.bytes.data(), N, hex);
  w.String(hex, 2 * N);
}
void JsonAttribute(JsonOut& w, const SpanAttribute& a) {
  w.StartObject();
  Str(w, "key");
  Str(w, a.key);
  Str(w, "value");
  w.StartObject();
  if (a.is_number) {
    Str(w, "intValue");
    Str(w, std::to_string(a.number));  // OTLP JSON writes 64-bit integers as strings
  } else {
    Str(w, "stringValue");
    Str(w, a.text);
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

Result<OtlpProtocol> ParseOtlpProtocol(std::string_view name) {
  if (name == "http/protobuf") return OtlpProtocol::kProtobuf;
  if (name == "http/json") return OtlpProtocol::kJson;
  return InvalidArgument(
      "OTLP protocol '" + std::string(name) +
      "' is not supported: use \"http/protobuf\" (the default) or \"http/json\"");
}

void OtlpEncoder::AppendSpan(const Span& span, std::string& out) const {
  if (protocol_ == OtlpProtocol::kProtobuf) {
    AppendProtobuf(span, out);
  } else {
    AppendJson(span, out);
  }
}

// ScopeSpans.spans (field 2): Span { trace_id = 1; span_id = 2; parent_span_id = 4; name = 5;
// kind = 6; start_time_unix_nano = 7 (fixed64); end_time_unix_nano = 8 (fixed64);
// attributes = 9; dropped_attributes_count = 10; status = 15 { message = 2; code = 3 } }.
void OtlpEncoder::AppendProtobuf(const Span& span, std::string& out) const {
  const bool parent = !span.parent_span_id.empty();
  // The status stays unset unless the span failed, as OpenTelemetry asks of libraries.
  const size_t status =
      span.error ? (span.status_message.empty() ? 0 : LenFieldSize(span.status_message.size())) +
                       2  // code = STATUS_CODE_ERROR
                 : 0;
  size_t body = LenFieldSize(16) + LenFieldSize(8) + (parent ? LenFieldSize(8) : 0) +
                LenFieldSize(span.name.size()) + 2 + 9 + 9;
  for (const SpanAttribute& a : span.attributes()) body += LenFieldSize(KeyValueSize(a));
  if (span.dropped_attributes) body += 1 + VarintSize(span.dropped_attributes);
  if (span.error) body += LenFieldSize(status);

  const size_t start = out.size();
  out.resize(start + LenFieldSize(body));
  RawWriter w{out.data() + start};
  w.Tag(2, kLen);
  w.Varint(body);
  w.Len(1, span.trace_id.bytes.data(), span.trace_id.bytes.size());
  w.Len(2, span.span_id.bytes.data(), span.span_id.bytes.size());
  if (parent) w.Len(4, span.parent_span_id.bytes.data(), span.parent_span_id.bytes.size());
  w.Len(5, span.name.data(), span.name.size());
  w.Tag(6, kVarint);
  w.Varint(static_cast<uint64_t>(span.kind));
  w.Fixed64(7, static_cast<uint64_t>(span.start_unix_ns));
  w.Fixed64(8, static_cast<uint64_t>(span.end_unix_ns));
  for (const SpanAttribute& a : span.attributes()) WriteKeyValue(w, 9, a);
  if (span.dropped_attributes) {
    w.Tag(10, kVarint);
    w.Varint(span.dropped_attributes);
  }
  if (span.error) {
    w.Tag(15, kLen);
    w.Varint(status);
    if (!span.status_message.empty())
      w.Len(2, span.status_message.data(), span.status_message.size());
    w.Tag(3, kVarint);
    w.Varint(2);
  }
  GW_DCHECK(w.p == out.data() + out.size());
}

void OtlpEncoder::AppendJson(const Span& span, std::string& out) const {
  if (!out.empty()) out.push_back(',');
  AppendTo sink{out};
  JsonOut w(sink);
  w.StartObject();
  Str(w, "traceId");
  Hex(w, span.trace_id);
  Str(w, "spanId");
  Hex(w, span.span_id);
  if (!span.parent_span_id.empty()) {
    Str(w, "parentSpanId");
    Hex(w, span.parent_span_id);
  }
  Str(w, "name");
  Str(w, span.name);
  Str(w, "kind");
  w.Int(static_cast<int>(span.kind));
  Str(w, "startTimeUnixNano");
  Str(w, std::to_string(span.start_unix_ns));
  Str(w, "endTimeUnixNano");
  Str(w, std::to_string(span.end_unix_ns));
  Str(w, "attributes");
  w.StartArray();
  for (const SpanAttribute& a : span.attributes()) JsonAttribute(w, a);
  w.EndArray();
  if (span.dropped_attributes) {
    Str(w, "droppedAttributesCount");
    w.Uint(span.dropped_attributes);
  }
  if (span.error) {
    Str(w, "status");
    w.StartObject();
    Str(w, "code");
    w.Int(2);  // STATUS_CODE_ERROR
    if (!span.status_message.empty()) {
      Str(w, "message");
      Str(w, span.status_message);
    }
    w.EndObject();
  }
  w.EndObject();
}

std::string OtlpEncoder::Body(std::span<const std::string_view> pieces) const {
  std::vector<SpanAttribute> resource;
  resource.push_back({"service.name", resource_.service_name});
  if (!resource_.service_version.empty())
    resource.push_back({"service.version", resource_.service_version});
  for (const auto& [key, value] : resource_.attributes) {
    if (key != "service.name") resource.push_back({key, value});
  }
  size_t spans_size = 0;
  for (std::string_view p : pieces) spans_size += p.size() + 1;
  std::string body;
  body.reserve(spans_size + 512);

  if (protocol_ == OtlpProtocol::kJson) {
    AppendTo sink{body};
    body += R"({"resourceSpans":[{"resource":{"attributes":[)";
    for (size_t i = 0; i < resource.size(); ++i) {
      if (i) body.push_back(',');
      JsonOut w(sink);
      JsonAttribute(w, resource[i]);
    }
    body += R"(]},"scopeSpans":[{"scope":{"name":"edgegw"},"spans":[)";
    bool first = true;
    for (std::string_view p : pieces) {
      if (p.empty()) continue;
      if (!first) body.push_back(',');
      body.append(p);
      first = false;
    }
    body += "]}]}]}";
    return body;
  }

  // ExportTraceServiceRequest { resource_spans = 1: ResourceSpans { resource = 1: Resource {
  // attributes = 1 }; scope_spans = 2: ScopeSpans { scope = 1: InstrumentationScope {
  // name = 1; version = 2 }; spans = 2 (the pieces) } } }.
  std::string head;
  const size_t resource_start = head.size();
  for (const SpanAttribute& a : resource) KeyValue(head, 1, a);
  WrapSince(head, resource_start, 1);
  std::string scope;
  LenField(scope, 1, std::string_view("edgegw"));
  if (!resource_.service_version.empty()) LenField(scope, 2, resource_.service_version);
  WrapSince(scope, 0, 1);
  size_t scope_spans_size = scope.size();
  for (std::string_view p : pieces) scope_spans_size += p.size();
  char buf[20];
  size_t n = PutVarint((2 << 3) | kLen, buf);
  n += PutVarint(scope_spans_size, buf + n);
  const size_t resource_spans_size = head.size() + n + scope_spans_size;
  Tag(body, 1, kLen);
  Varint(body, resource_spans_size);
  body += head;
  body.append(buf, n);
  body += scope;
  for (std::string_view p : pieces) body.append(p);
  return body;
}

}  // namespace gw::telemetry
