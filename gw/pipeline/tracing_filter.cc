#include "gw/pipeline/tracing_filter.h"

#include "gw/pipeline/filters.h"
#include "gw/protocol/jsonrpc.h"

namespace gw::pipeline {

Verdict TracingFilter::OnRequest(RequestContext& context, const protocol::CallPtr& call) {
  context.start_unix_ns = telemetry::UnixNanos();
  const protocol::JsonValue* meta = protocol::ObjectMember(call->params(), "_meta");
  auto value = meta ? protocol::StringMember(*meta, "traceparent") : std::nullopt;
  std::optional<TraceContext> parent = value ? ParseTraceparent(*value) : std::nullopt;
  context.trace.trace_id = parent ? parent->trace_id : telemetry::NewTraceId(random_);
  context.trace.span_id = telemetry::NewSpanId(random_);
  context.trace.sampled = parent ? parent->sampled : true;
  context.parent_span_id = parent ? parent->span_id : "";
  call->SetTrace(context.trace);
  return Verdict::kContinue;
}

namespace {

std::string StepName(const StepRecord& s, const std::string& tool) {
  switch (s.kind) {
    case router::TargetKind::kCatalog:
      return "catalog " + tool;
    case router::TargetKind::kEngine:
      return "engine " + tool;
    case router::TargetKind::kUpstream:
      return "upstream " + s.target;
    case router::TargetKind::kQueue:
      return "queue " + s.target;
  }
  return "step";
}

}  // namespace

void TracingFilter::OnResponse(const RequestContext& context, protocol::CallOutcome outcome) {
  if (!context.trace.sampled || !context.trace.valid()) return;
  const int64_t end = telemetry::UnixNanos();
  const std::string_view outcome_name = MetricsFilter::OutcomeName(outcome);
  const std::string& target = !context.name.empty() ? context.name : context.uri;

  telemetry::Span request;
  request.trace_id = context.trace.trace_id;
  request.span_id = context.trace.span_id;
  request.parent_span_id = context.parent_span_id;
  request.name = context.method + (target.empty() ? "" : " " + target);
  request.kind = telemetry::SpanKind::kServer;
  request.start_unix_ns = context.start_unix_ns;
  request.end_unix_ns = end;
  request.Attr("mcp.method.name", context.method).Attr("mcp.session.id", context.session_id);
  request.Attr("network.transport", context.transport == "stdio" ? "pipe" : "tcp");
  if (context.method == "tools/call") request.Attr("gen_ai.tool.name", context.name);
  if (!context.uri.empty()) request.Attr("mcp.resource.uri", context.uri);
  request.Attr("edgegw.outcome", std::string(outcome_name));
  if (outcome == protocol::CallOutcome::kError || outcome == protocol::CallOutcome::kToolError) {
    request.error = true;
    request.Attr("error.type", outcome == protocol::CallOutcome::kError ? "jsonrpc" : "tool_error");
  }
  sink_.Record(std::move(request));

  if (context.decision && context.decide_start_ns) {
    telemetry::Span route;
    route.trace_id = context.trace.trace_id;
    route.span_id = telemetry::NewSpanId(random_);
    route.parent_span_id = context.trace.span_id;
    route.name = "route";
    route.start_unix_ns = context.decide_start_ns;
    route.end_unix_ns = context.decide_end_ns;
    route.Attr("edgegw.plan", context.decision->Explain());
    sink_.Record(std::move(route));
  }

  std::vector<StepRecord> steps = context.passed();
  if (std::optional<StepRecord> ran = context.ran()) steps.push_back(std::move(*ran));
  for (const StepRecord& s : steps) {
    if (s.span_id.empty()) continue;
    telemetry::Span step;
    step.trace_id = context.trace.trace_id;
    step.span_id = s.span_id;
    step.parent_span_id = context.trace.span_id;
    step.name = StepName(s, context.name);
    step.kind = s.kind == router::TargetKind::kUpstream ? telemetry::SpanKind::kClient
                                                        : telemetry::SpanKind::kInternal;
    step.start_unix_ns = s.start_unix_ns;
    step.end_unix_ns = s.end_unix_ns ? s.end_unix_ns : end;
    const std::string step_outcome = s.outcome.empty() ? std::string(outcome_name) : s.outcome;
    step.Attr("edgegw.route", s.route).Attr("edgegw.target", s.target);
    step.Attr("edgegw.reason", s.reason).Attr("edgegw.outcome", step_outcome);
    step.error = step_outcome == "failed" || step_outcome == "error";
    sink_.Record(std::move(step));
  }
}

}  // namespace gw::pipeline
