#include "gw/pipeline/filters.h"

#include "gw/telemetry/tracing.h"

namespace gw::pipeline {

Verdict RoutingFilter::OnRequest(RequestContext& context, const protocol::CallPtr& call) {
  (void)call;
  if (context.method == "tools/call" && !context.name.empty()) {
    const bool traced = context.trace.valid();
    if (traced) context.decide_start_ns = telemetry::UnixNanos();
    context.decision = executor_.Decide(context);
    if (traced) context.decide_end_ns = telemetry::UnixNanos();
  }
  return Verdict::kContinue;
}

MetricsFilter::MetricsFilter(telemetry::Registry& registry)
    : routes_(registry.AddCounter("edgegw_route_decisions_total",
                                  "Tool calls by where they ran (local, an upstream, the "
                                  "offline queue) and how that step ended.",
                                  {"route", "target", "outcome"})) {}

std::string_view MetricsFilter::OutcomeName(protocol::CallOutcome outcome) {
  switch (outcome) {
    case protocol::CallOutcome::kResult:
      return "ok";
    case protocol::CallOutcome::kToolError:
    case protocol::CallOutcome::kError:
      return "error";
    case protocol::CallOutcome::kCancelled:
      return "cancelled";
  }
  return "error";
}

Verdict MetricsFilter::OnRequest(RequestContext& context, const protocol::CallPtr& call) {
  (void)context;
  (void)call;
  return Verdict::kContinue;
}

void MetricsFilter::OnResponse(const RequestContext& context, protocol::CallOutcome outcome) {
  if (context.method != "tools/call") return;
  for (const StepRecord& s : context.passed()) Record(s.route, s.target, s.outcome);
  if (std::optional<StepRecord> ran = context.ran()) {
    Record(ran->route, ran->target, ran->outcome.empty() ? OutcomeName(outcome) : ran->outcome);
  }
}

void MetricsFilter::Record(std::string_view route, std::string_view target,
                           std::string_view outcome) {
  std::string key = std::string(route) + '\n' + std::string(target) + '\n' + std::string(outcome);
  telemetry::Counter* counter;
  {
    MutexLock lock(mu_);
    auto it = counters_.find(key);
    if (it == counters_.end()) {
      it = counters_
               .emplace(key, &routes_.With(
                                 {std::string(route), std::string(target), std::string(outcome)}))
               .first;
    }
    counter = it->second;
  }
  counter->Add();
}

}  // namespace gw::pipeline
