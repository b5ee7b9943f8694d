// Federation: tools/call along its route's fallback chain (router v1: local -> cloud ->
// error), with each decision in metrics and in the result's _meta.
#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/upstream/federation.h"

namespace gw::upstream {

using protocol::CallPtr;
using protocol::JsonWriter;

std::string_view Federation::OutcomeName(protocol::CallOutcome outcome) {
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

std::optional<size_t> Federation::SourceOf(std::string_view upstream_name) const {
  for (size_t i = 0; i < mounts_.size(); ++i) {
    if (mounts_[i].upstream->name() == upstream_name) return i + 1;
  }
  return std::nullopt;
}

std::string Federation::DecisionJson(const router::RoutingDecision& d) const {
  JsonWriter w;
  w.StartObject()
      .Field("route", d.route)
      .Field("target", d.target)
      .Field("reason", d.reason)
      .EndObject();
  return w.str();
}

void Federation::CallTool(const CallPtr& call, const std::shared_ptr<const FederatedView>& view) {
  auto name = protocol::StringMember(call->params(), "name");
  if (!name) return (void)local_.Handle(call);  // the catalog explains what is wrong
  const router::Route* route = options_.routes.Match(*name);
  std::vector<std::string> chain;
  if (route) {
    chain = route->chain;
  } else {
    auto it = view->tool_owner.find(*name);
    bool upstream_owned = it != view->tool_owner.end() && it->second.source != 0;
    // Unknown tools go to the local catalog, which answers "Unknown tool" properly.
    chain.push_back(upstream_owned ? mounts_[it->second.source - 1].upstream->name()
                                   : std::string(router::kLocalTarget));
  }
  // A client that asks for a task on a queueable tool gets one; the drain delivers it at
  // once when the upstream is up.
  if (protocol::ObjectMember(call->params(), "task") &&
      TryQueue(call, view, route, "the client asked for a task")) {
    return;
  }
  RunChain(call, view, std::move(chain), 0, {}, route);
}

bool Federation::TryQueue(const CallPtr& call, const std::shared_ptr<const FederatedView>& view,
                          const router::Route* route, const std::string& why) {
  if (!tasks_ || !route || !route->queueable) return false;
  const std::string* upstream = nullptr;
  for (const std::string& t : route->chain) {
    if (t != router::kLocalTarget && SourceOf(t)) {
      upstream = &t;
      break;
    }
  }
  if (!upstream) return false;
  std::string name(protocol::StringMember(call->params(), "name").value_or(""));
  std::string original = name;
  auto it = view->tool_owner.find(name);
  if (it != view->tool_owner.end() && it->second.source == *SourceOf(*upstream))
    original = it->second.original;
  const protocol::JsonValue* args = protocol::Member(call->params(), "arguments");
  TaskPolicy policy;
  policy.priority = static_cast<queue::Priority>(route->priority);
  policy.ttl = std::chrono::seconds(route->ttl_seconds);
  RecordRoute("queue", *upstream, "queued");
  JsonWriter d;
  d.StartObject()
      .Field("route", "queue")
      .Field("target", *upstream)
      .Field("reason", why)
      .EndObject();
  call->AddResultMeta("io.edgegw/route", d.str());
  tasks_->Enqueue(call, *upstream, original, args ? protocol::Serialize(*args) : "{}", policy, why);
  return true;
}

void Federation::RunChain(const CallPtr& call, std::shared_ptr<const FederatedView> view,
                          std::vector<std::string> chain, size_t step,
                          std::vector<std::string> reasons, const router::Route* route) {
  std::string name(protocol::StringMember(call->params(), "name").value_or(""));
  if (step >= chain.size()) {
    if (TryQueue(call, view, route, reasons.empty() ? "no target could run it" : reasons.back()))
      return;
    RecordRoute("none", "none", "failed");
    return call->Fail(protocol::rpc::kServerUnavailable, router::NoRouteMessage(name, reasons));
  }
  const std::string& target = chain[step];
  router::RoutingDecision decision =
      router::Decide(target, step, reasons.empty() ? "" : reasons.back(), route);
  if (target == router::kLocalTarget) {
    bool last = step + 1 == chain.size();
    if (!local_.HasTool(name) && !last) {
      reasons.emplace_back("local: no such tool");
      return RunChain(call, std::move(view), std::move(chain), step + 1, std::move(reasons), route);
    }
    // Routed or federated calls say where they ran; a plain local call needs no note.
    if (route || !mounts_.empty()) call->AddResultMeta("io.edgegw/route", DecisionJson(decision));
    // Counted when the call ends, with how it ended (a local tool may answer much later).
    call->OnComplete([this](protocol::CallOutcome outcome) {
      RecordRoute("local", "local", OutcomeName(outcome));
    });
    local_.Handle(call);
    return;
  }
  std::optional<size_t> source = SourceOf(target);
  if (!source) {  // RouteTable::Make checked names; a view owner is always a mount
    reasons.push_back(target + ": not configured");
    return RunChain(call, std::move(view), std::move(chain), step + 1, std::move(reasons), route);
  }
  // The upstream's own name for the tool: its original when the view says it owns `name`,
  // else the same name (a route may point a plain name at any upstream that has it).
  std::string original = name;
  auto it = view->tool_owner.find(name);
  if (it != view->tool_owner.end() && it->second.source == *source) original = it->second.original;
  auto fallback = [this, call, view, chain, step, reasons, route, target](const Error& e) mutable {
    // Only failures where the upstream cannot have run the call move on; a call that may
    // have run is never sent somewhere else.
    if (e.code() != Code::kUnavailable || call->cancelled()) return false;
    reasons.push_back(e.message());
    if (step + 1 >= chain.size()) {
      if (TryQueue(call, view, route, e.message())) return true;
      if (reasons.size() == 1) return false;  // a one-target chain: its own error says it all
      call->Fail(
          protocol::rpc::kServerUnavailable,
          router::NoRouteMessage(
              std::string(protocol::StringMember(call->params(), "name").value_or("")), reasons));
      return true;
    }
    GW_LOG_DEBUG("route: %s", e.message().c_str());
    RunChain(call, view, chain, step + 1, reasons, route);
    return true;
  };
  std::string params = original == name ? protocol::Serialize(call->params())
                                        : WithStringMember(call->params(), {}, "name", original);
  ForwardTo(call, *source, std::move(params), original, {}, decision, std::move(fallback));
}

}  // namespace gw::upstream
