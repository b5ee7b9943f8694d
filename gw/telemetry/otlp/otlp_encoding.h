// OtlpEncoder: spans as OTLP/HTTP request bodies (ExportTraceServiceRequest), in either of the
// two encodings OTLP/HTTP defines: binary protobuf ("http/protobuf", OpenTelemetry's default,
// about a third of JSON's size and cheaper to write: ids go as bytes, times as fixed64) or
// JSON ("http/json", ids as hex, 64-bit integers as strings).
//
// Spans are encoded one at a time as they are recorded (AppendSpan), so the exporter keeps
// bytes, not span objects; Body wraps the encoded spans of one batch with the resource (the
// service name, version and resource attributes) and the instrumentation scope.
//
// The protobuf encoding is written here by hand against the field numbers of
// opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto,
// resource/v1/resource.proto); the integration test decodes it with the OpenTelemetry JS
// project's code generated from those files.
//
// Thread-safety: const methods are thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/base/result.h"
#include "gw/telemetry/tracing.h"

namespace gw::telemetry {

enum class OtlpProtocol { kProtobuf, kJson };

// "http/protobuf" or "http/json" (OTEL_EXPORTER_OTLP_PROTOCOL's values); "grpc" and anything
// else are refused with what is supported.
Result<OtlpProtocol> ParseOtlpProtocol(std::string_view name);

struct OtlpResource {
  std::string service_name;
  std::string service_version;  // "" = not sent
  std::vector<std::pair<std::string, std::string>> attributes;
};

class OtlpEncoder {
 public:
  OtlpEncoder(OtlpProtocol protocol, OtlpResource resource)
      : protocol_(protocol), resource_(std::move(resource)) {}

  // Appends `span`'s encoding to `out`, which holds earlier spans' encodings (or nothing).
  void AppendSpan(const Span& span, std::string& out) const;
  // The request body for the spans in `pieces`, each a string AppendSpan wrote.
  std::string Body(std::span<const std::string_view> pieces) const;
  std::string_view content_type() const {
    return protocol_ == OtlpProtocol::kProtobuf ? "application/x-protobuf" : "application/json";
  }

 private:
  void AppendProtobuf(const Span& span, std::string& out) const;
  void AppendJson(const Span& span, std::string& out) const;

  const OtlpProtocol protocol_;
  const OtlpResource resource_;
};

}  // namespace gw::telemetry
