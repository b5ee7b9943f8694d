#include "gw/pipeline/executor.h"

#include "gw/base/log.h"
#include "gw/base/random.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/telemetry/tracing.h"

namespace gw::pipeline {

std::string_view RouteLabel(router::TargetKind kind) {
  switch (kind) {
    case router::TargetKind::kCatalog:
    case router::TargetKind::kEngine:
      return "local";
    case router::TargetKind::kUpstream:
      return "cloud";
    case router::TargetKind::kQueue:
      return "queue";
  }
  return "none";
}

namespace {

StepRecord Record(std::string_view route, std::string target, std::string reason,
                  std::string outcome, router::TargetKind kind) {
  StepRecord r;
  r.route = std::string(route);
  r.target = std::move(target);
  r.reason = std::move(reason);
  r.outcome = std::move(outcome);
  r.kind = kind;
  return r;
}

}  // namespace

Executor::Executor(protocol::Service& service, router::RouteTable routes, ExecutorTargets targets)
    : service_(service), routes_(std::move(routes)), targets_(std::move(targets)) {
  // An upstream's name does not depend on the tool: learn them once, not on every call.
  for (Target* u : targets_.upstreams) upstream_names_.emplace_back(u->State({}).name, u);
}

Target* Executor::Local(std::string_view tool) const {
  if (targets_.engine && targets_.engine->State(tool).has_tool) return targets_.engine;
  return targets_.catalog;
}

router::TargetsView Executor::View(std::string_view tool) const {
  router::TargetsView v;
  v.local = Local(tool)->State(tool);
  v.upstreams.reserve(targets_.upstreams.size());
  for (Target* u : targets_.upstreams) v.upstreams.push_back(u->State(tool));
  if (targets_.owner) v.owner = targets_.owner(tool);
  v.queue = targets_.queue != nullptr;
  return v;
}

router::Decision Executor::Decide(const RequestContext& context) const {
  router::RequestFacts facts;
  facts.tool = context.name;
  facts.wants_task = context.wants_task;
  return router::Decide(facts, routes_, View(context.name));
}

bool Executor::Handle(const protocol::CallPtr& call, const RequestContextPtr& context) {
  // Anything but a well-formed tools/call is the service's: it also explains what is wrong.
  if (context->method != "tools/call" || context->name.empty()) {
    if (targets_.methods && targets_.methods(call)) return true;
    return service_.Handle(call);
  }
  if (!context->decision) context->decision = Decide(*context);
  RunStep(call, context, 0);
  return true;
}

Target* Executor::TargetOf(const router::Step& step, std::string_view tool) const {
  switch (step.kind) {
    case router::TargetKind::kCatalog:
    case router::TargetKind::kEngine:
      return Local(tool);
    case router::TargetKind::kQueue:
      return targets_.queue;
    case router::TargetKind::kUpstream:
      for (const auto& [name, target] : upstream_names_) {
        if (name == step.target) return target;
      }
      return nullptr;
  }
  return nullptr;
}

void Executor::RunStep(const protocol::CallPtr& call, const RequestContextPtr& context,
                       size_t step) {
  const router::Decision& d = *context->decision;
  if (step >= d.plan.size()) return FailAll(call, context);
  const router::Step& s = d.plan[step];
  const std::vector<std::string> reasons = context->reasons();
  std::string reason = reasons.empty() ? s.reason : router::FallbackReason(reasons.back());
  Target* target = TargetOf(s, context->name);
  if (!target) {  // the decision named a target this executor does not have: a stale plan
    context->SetRan(Record(RouteLabel(s.kind), s.target, reason, "", s.kind));
    context->Passed(s.target + ": not configured");
    return RunStep(call, context, step + 1);
  }
  // Routed or federated calls say where they ran; a plain local call needs no note.
  if (d.route || !targets_.upstreams.empty()) {
    protocol::JsonWriter w;
    w.StartObject().Field("route", RouteLabel(s.kind)).Field("target", s.target);
    w.Field("reason", reason).EndObject();
    call->AddResultMeta(kRouteMetaKey, w.str());
  }
  StepRecord record = Record(RouteLabel(s.kind), s.target, std::move(reason), "", s.kind);
  if (context->trace.valid()) {
    // The step is a span of its own, and what it calls (an upstream) continues from it.
    record.span_id = SpanId::Random(RealRandom());
    record.start_unix_ns = telemetry::UnixNanos();
    call->SetTrace({context->trace.trace_id, record.span_id, context->trace.sampled});
  }
  context->SetRan(std::move(record));
  Hop hop;
  hop.has_next = step + 1 < d.plan.size();
  hop.alone = !hop.has_next && reasons.empty() && d.skipped.empty();
  hop.pass = [this, call, context, step](std::string why) {
    GW_LOG_DEBUG("route: %s", why.c_str());
    context->Passed(std::move(why));
    if (call->cancelled()) return call->Fail(Error(Code::kCancelled, "cancelled"));
    RunStep(call, context, step + 1);
  };
  target->Run(call, context, s, std::move(hop));
}

void Executor::FailAll(const protocol::CallPtr& call, const RequestContextPtr& context) {
  std::vector<std::string> reasons = context->decision->skipped;
  for (std::string& r : context->reasons()) reasons.push_back(std::move(r));
  context->SetRan(Record("none", "none", "", "failed", router::TargetKind::kCatalog));
  call->Fail(protocol::rpc::kServerUnavailable, router::NoRouteMessage(context->name, reasons));
}

}  // namespace gw::pipeline
