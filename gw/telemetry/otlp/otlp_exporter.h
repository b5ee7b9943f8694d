// OtlpExporter: sends spans off the device over OTLP/HTTP (JSON encoding, POST to
// <endpoint>/v1/traces), the way OpenTelemetry collectors take them. Spans wait in a bounded
// buffer and go out in batches from one exporter thread; while the collector is unreachable
// they stay there (the oldest dropped when it is full, counted) and go out when it returns,
// with backoff between tries. A device that is offline loses the oldest spans, never memory
// or time on the request path.
//
// Configured the OpenTelemetry way (OtlpOptionsFromEnv): OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES.
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
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/base/result.h"
#include "gw/telemetry/metrics.h"
#include "gw/telemetry/tracing.h"

namespace gw::telemetry {

struct OtlpOptions {
  // The collector's base URL ("http://127.0.0.1:4318"); spans go to <endpoint>/v1/traces.
  std::string endpoint;
  // Or the traces URL in full (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), used as given.
  std::string traces_url;
  std::string service_name = "edgegw";
  std::string service_version;
  std::vector<std::pair<std::string, std::string>> resource_attributes;
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

  void Record(Span span) override;
  void Stop();

  // The OTLP/HTTP JSON body for `spans` (ExportTraceServiceRequest), for tests.
  std::string Encode(const std::vector<Span>& spans) const;

 private:
  struct Target {
    std::string host, port, path;
  };
  OtlpExporter(OtlpOptions options, Target target, Registry* registry);
  void Loop();
  // One POST of `body`; an error says why it did not reach a 2xx answer.
  Status Post(const std::string& body);

  const OtlpOptions options_;
  const Target target_;
  Counter* exported_ = nullptr;
  Counter* dropped_ = nullptr;
  Counter* failures_ = nullptr;

  Mutex mu_;
  CondVar cv_;
  std::deque<Span> buffer_ GW_GUARDED_BY(mu_);
  bool stop_ GW_GUARDED_BY(mu_) = false;

  std::thread thread_;  // started by the constructor, joined by Stop
};

}  // namespace gw::telemetry
