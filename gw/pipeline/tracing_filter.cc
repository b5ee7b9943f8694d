#include "gw/pipeline/tracing_filter.h"

#include <vector>

#include "gw/pipeline/filters.h"
#include "gw/protocol/jsonrpc.h"

namespace gw::pipeline {

Verdict TracingFilter::OnRequest(RequestContext& context, const protocol::CallPtr& call) {
  context.start_unix_ns = telemetry::UnixNanos();
  const protocol::JsonValue* meta = protocol::ObjectMember(call->params(), "_meta");
  auto value = meta ? protocol::StringMember(*meta, "traceparent") : std::nullopt;
  std::optional<TraceContext> parent = value ? ParseTraceparent(*value) : std::nullopt;
  context.trace.trace_id = parent ? parent->trace_id : TraceId::Random(random_);
  context.trace.span_id = SpanId::Random(random_);
  context.trace.sampled = parent ? parent->sampled : true;
  context.parent_span_id = parent ? parent->span_id : SpanId();
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
  // The strings the spans point at live until Record returns.
  const std::string request_name = target.empty() ? context.method : context.method + " " + target;
  std::string plan;
  std::vector<StepRecord> steps = context.passed();
  if (std::optional<StepRecord> ran = context.ran()) steps.push_back(std::move(*ran));
  // The request's span, the route decision's, and one per step, recorded at once.
  std::vector<std::string> step_names;
  step_names.reserve(steps.size());
  std::vector<telemetry::Span> spans;
  spans.reserve(2 + steps.size());

  telemetry::Span& request = spans.emplace_back();
  request.trace_id = context.trace.trace_id;
  request.span_id = context.trace.span_id;
  request.parent_span_id = context.parent_span_id;
  request.name = request_name;
  request.kind = telemetry::SpanKind::kServer;
  request.start_unix_ns = context.start_unix_ns;
  request.end_unix_ns = end;
  request.Attr("mcp.method.name", context.method).Attr("mcp.session.id", context.session_id);
  request.Attr("network.transport", context.transport == "stdio" ? "pipe" : "tcp");
  if (context.method == "tools/call") request.Attr("gen_ai.tool.name", context.name);
  if (!context.uri.empty()) request.Attr("mcp.resource.uri", context.uri);
  request.Attr("edgegw.outcome", outcome_name);
  if (outcome == protocol::CallOutcome::kError || outcome == protocol::CallOutcome::kToolError) {
    request.error = true;
    request.Attr("error.type", outcome == protocol::CallOutcome::kError ? "jsonrpc" : "tool_error");
  }

  if (context.decision && context.decide_start_ns) {
    plan = context.decision->Explain();
    telemetry::Span& route = spans.emplace_back();
    route.trace_id = context.trace.trace_id;
    route.span_id = SpanId::Random(random_);
    route.parent_span_id = context.trace.span_id;
    route.name = "route";
    route.start_unix_ns = context.decide_start_ns;
    route.end_unix_ns = context.decide_end_ns;
    route.Attr("edgegw.plan", plan);
  }

  for (const StepRecord& s : steps) {
    if (s.span_id.empty()) continue;
    telemetry::Span& step = spans.emplace_back();
    step.trace_id = context.trace.trace_id;
    step.span_id = s.span_id;
    step.parent_span_id = context.trace.span_id;
    step.name = step_names.emplace_back(StepName(s, context.name));
    step.kind = s.kind == router::TargetKind::kUpstream ? telemetry::SpanKind::kClient
                                                        : telemetry::SpanKind::kInternal;
    step.start_unix_ns = s.start_unix_ns;
    step.end_unix_ns = s.end_unix_ns ? s.end_unix_ns : end;
    const std::string_view step_outcome = s.outcome.empty() ? outcome_name : s.outcome;
    step.Attr("edgegw.route", s.route).Attr("edgegw.target", s.target);
    step.Attr("edgegw.reason", s.reason).Attr("edgegw.outcome", step_outcome);
    step.error = step_outcome == "failed" || step_outcome == "error";
  }
  sink_.Record(spans);
}

}  // namespace gw::pipeline
