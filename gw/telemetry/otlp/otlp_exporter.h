// OtlpExporter: sends spans off the device over OTLP/HTTP (POST to <endpoint>/v1/traces,
// protobuf by default or JSON: otlp_encoding.h), the way OpenTelemetry collectors take them.
// Record encodes spans at once into chunks of bytes (no span objects are kept); chunks wait
// in a bounded buffer and go out in batches from one exporter thread. While the collector is
// unreachable they stay there (the oldest chunk dropped when the buffer is full, its spans
// counted) and go out when it returns, with backoff between tries. A device that is offline
// loses the oldest spans, never memory or time on the request path.
//
// Configured the OpenTelemetry way (OtlpOptionsFromEnv): OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL (and _TRACES_PROTOCOL),
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES.
// http:// endpoints only for now (a collector on the device or the local network).
//
// Metrics: edgegw_trace_spans_exported_total, edgegw_trace_spans_dropped_total,
// edgegw_trace_export_failures_total, edgegw_trace_spans_buffered.
//
// Ownership: owns its thread; Stop (or the destructor) flushes what it can within the
// timeout and joins. Thread-safety: Record is thread-safe and never blocks on the network.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/base/result.h"
#include "gw/telemetry/metrics.h"
#include "gw/telemetry/otlp/otlp_encoding.h"
#include "gw/telemetry/tracing.h"

namespace gw::telemetry {

struct OtlpOptions {
  // The collector's base URL ("http://127.0.0.1:4318"); spans go to <endpoint>/v1/traces.
  std::string endpoint;
  // Or the traces URL in full (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), used as given.
  std::string traces_url;
  // "http/protobuf" (the default when empty) or "http/json".
  std::string protocol;
  std::string service_name = "edgegw";
  std::string service_version;
  std::vector<std::pair<std::string, std::string>> resource_attributes;
  // The buffer's bound, kept to within one chunk (max_buffered_spans / 8 spans, at most 64).
  size_t max_buffered_spans = 2048;
  size_t max_batch_spans = 512;
  std::chrono::milliseconds interval{1000};  // how often a partial batch goes out
  std::chrono::milliseconds timeout{5000};   // per export request
  std::chrono::milliseconds max_backoff{30000};
};

// Fills the unset fields of `options` from the OTEL_* environment variables. Fails on a
// malformed OTEL_RESOURCE_ATTRIBUTES ("key=value,key2=value2", values percent-encoded).
Status OtlpOptionsFromEnv(OtlpOptions& options);

class OtlpExporter final : public SpanSink {
 public:
  // kInvalidArgument for an endpoint that is not an http:// URL.
  static Result<std::unique_ptr<OtlpExporter>> Start(OtlpOptions options, Registry* registry);
  ~OtlpExporter() override;

  void Record(std::span<const Span> spans) override;
  void Stop();

 private:
  struct Target {
    std::string host, port, path;
  };
  // Encoded spans, in the order they were recorded.
  struct Chunk {
    std::string bytes;
    size_t spans = 0;
  };
  OtlpExporter(OtlpOptions options, OtlpProtocol protocol, Target target, Registry* registry);
  void Loop();
  // Drops the oldest chunks while the buffer holds more than its bound.
  void DropOldest() GW_REQUIRES(mu_);
  // One POST of `body`; an error says why it did not reach a 2xx answer.
  Status Post(std::string body);

  const OtlpOptions options_;
  const OtlpEncoder encoder_;
  const Target target_;
  const size_t chunk_spans_;
  Counter* exported_ = nullptr;
  Counter* dropped_ = nullptr;
  Counter* failures_ = nullptr;

  Mutex mu_;
  CondVar cv_;
  std::deque<Chunk> chunks_ GW_GUARDED_BY(mu_);
  size_t buffered_ GW_GUARDED_BY(mu_) = 0;  // spans in chunks_
  bool stop_ GW_GUARDED_BY(mu_) = false;

  std::thread thread_;  // started by the constructor, joined by Stop
};

}  // namespace gw::telemetry
