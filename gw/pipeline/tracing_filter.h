// TracingFilter: a span for every request, and one for each step of its route, handed to a
// SpanSink (the OTLP exporter). The request's trace continues the caller's: a traceparent in
// params._meta (W3C trace context, as MCP clients send it) gives the trace id and the parent;
// without one a new trace begins. The Call carries the trace on, so an upstream hop sends
// its own span as the next traceparent and the upstream's spans join the same trace.
//
// Spans (OpenTelemetry's MCP conventions where they exist):
//   - "{method} {tool|prompt|uri}", kind server: mcp.method.name, mcp.session.id,
//     network.transport (pipe for stdio, tcp for HTTP), gen_ai.tool.name, mcp.resource.uri,
//     edgegw.outcome, error.type;
//   - "route", internal: the router's decision (edgegw.plan);
//   - one per step that ran: "catalog {tool}", "engine {tool}" (internal), "upstream {name}"
//     (client), "queue {name}" (internal): edgegw.route, edgegw.target, edgegw.reason,
//     edgegw.outcome.
// A caller that sent a traceparent without the sampled flag gets no spans recorded.
//
// Thread-safety: thread-safe. Ownership: borrows the sink and the random source.
#pragma once

#include "gw/base/random.h"
#include "gw/pipeline/pipeline.h"
#include "gw/telemetry/tracing.h"

namespace gw::pipeline {

class TracingFilter final : public Filter {
 public:
  TracingFilter(telemetry::SpanSink& sink, Random& random) : sink_(sink), random_(random) {}
  std::string_view name() const override { return "tracing"; }
  Verdict OnRequest(RequestContext& context, const protocol::CallPtr& call) override;
  void OnResponse(const RequestContext& context, protocol::CallOutcome outcome) override;

 private:
  telemetry::SpanSink& sink_;
  Random& random_;
};

}  // namespace gw::pipeline
