#include "gw/server/route_targets.h"

#include "gw/protocol/jsonrpc.h"

namespace gw::server {

router::TargetState CatalogTarget::State(std::string_view tool) const {
  router::TargetState s;
  s.name = std::string(router::kLocalTarget);
  s.kind = router::TargetKind::kCatalog;
  s.has_tool = catalog_.HasTool(tool);
  return s;
}

void CatalogTarget::Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
                        const router::Step& step, pipeline::Hop hop) {
  (void)context;
  (void)step;
  (void)hop;
  catalog_.Handle(call);
}

router::TargetState UpstreamTarget::State(std::string_view tool) const {
  router::TargetState s;
  s.name = upstream_->name();
  s.kind = router::TargetKind::kUpstream;
  s.has_tool = federation_.ToolOwner(tool) == s.name;
  // A connecting or reconnecting upstream is still asked: its retries may reach it. One that
  // is stopped, or whose breaker refuses calls, would fail at once.
  const upstream::UpstreamState state = upstream_->state();
  s.healthy = state != upstream::UpstreamState::kStopped;
  if (!s.healthy) s.status = std::string(upstream::UpstreamStateName(state));
  s.breaker_open = upstream_->breaker_state() == resilience::BreakerState::kOpen;
  return s;
}

void UpstreamTarget::Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
                         const router::Step& step, pipeline::Hop hop) {
  (void)context;
  federation_.ForwardTool(call, step.target, [hop = std::move(hop)](const Error& e) {
    if (hop.alone) return false;  // its own error says it best
    hop.pass(e.message());
    return true;
  });
}

router::TargetState QueueTarget::State(std::string_view tool) const {
  (void)tool;
  router::TargetState s;
  s.name = "queue";
  s.kind = router::TargetKind::kQueue;
  s.has_tool = true;
  return s;
}

void QueueTarget::Run(const protocol::CallPtr& call, const pipeline::RequestContextPtr& context,
                      const router::Step& step, pipeline::Hop hop) {
  (void)hop;
  tasks::TaskPolicy policy;
  if (const router::Route* route = context->decision ? context->decision->route : nullptr) {
    policy.priority = static_cast<queue::Priority>(route->priority);
    policy.ttl = std::chrono::seconds(route->ttl_seconds);
  }
  // Why it waits: the last target's failure, else the step's own reason ("the client asked
  // for a task").
  std::vector<std::string> reasons = context->reasons();
  const std::vector<std::string>* skipped =
      context->decision ? &context->decision->skipped : nullptr;
  std::string why = !reasons.empty()               ? reasons.back()
                    : skipped && !skipped->empty() ? skipped->back()
                                                   : step.reason;
  const protocol::JsonValue* args = protocol::Member(call->params(), "arguments");
  context->SetRanOutcome("queued");
  tasks_.Enqueue(call, step.target, federation_.OriginalName(context->name, step.target),
                 args ? protocol::Serialize(*args) : "{}", policy, why);
}

}  // namespace gw::server
