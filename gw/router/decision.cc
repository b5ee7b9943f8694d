#include "gw/router/decision.h"

#include <algorithm>

namespace gw::router {

std::string_view TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kCatalog:
      return "catalog";
    case TargetKind::kEngine:
      return "engine";
    case TargetKind::kUpstream:
      return "upstream";
    case TargetKind::kQueue:
      return "queue";
  }
  return "?";
}

std::string FallbackReason(std::string_view why_previous) {
  return "fallback: " + std::string(why_previous);
}

namespace {

std::string RuleOf(const Route* route) {
  if (!route) return "owner";
  return route->tool.empty() ? "route prefix '" + route->prefix + "'"
                             : "route '" + route->tool + "'";
}

const TargetState* Find(const TargetsView& view, std::string_view name) {
  if (name == kLocalTarget) return &view.local;
  auto it = std::find_if(view.upstreams.begin(), view.upstreams.end(),
                         [&](const TargetState& t) { return t.name == name; });
  return it == view.upstreams.end() ? nullptr : &*it;
}

// Why `t` cannot take the call now, or "" when it can (or may: an upstream that does not list
// the name is still asked, since a route may point a plain name at any upstream).
std::string WhyNot(const TargetState& t) {
  if (t.kind == TargetKind::kCatalog || t.kind == TargetKind::kEngine)
    return t.has_tool ? "" : "local: no such tool";
  if (!t.healthy) {
    return "upstream '" + t.name + "' is not connected" +
           (t.status.empty() ? "" : " (" + t.status + ")");
  }
  if (t.breaker_open) return "upstream '" + t.name + "': circuit breaker open";
  return "";
}

}  // namespace

Decision Decide(const RequestFacts& facts, const RouteTable& routes, const TargetsView& view) {
  Decision d;
  d.route = routes.Match(facts.tool);
  d.rule = RuleOf(d.route);
  std::vector<std::string> chain;
  if (d.route) {
    chain = d.route->chain;
  } else {
    chain.push_back(view.owner.empty() ? std::string(kLocalTarget) : view.owner);
  }
  // The upstream a queued call is for: the chain's first configured one.
  std::string queue_for;
  if (d.route && d.route->queueable && view.queue) {
    for (const std::string& t : chain) {
      const TargetState* s = Find(view, t);
      if (s && s->kind == TargetKind::kUpstream) {
        queue_for = t;
        break;
      }
    }
  }
  if (facts.wants_task && !queue_for.empty()) {
    d.plan.push_back({queue_for, TargetKind::kQueue, "the client asked for a task"});
    return d;
  }
  for (size_t i = 0; i < chain.size(); ++i) {
    const TargetState* t = Find(view, chain[i]);
    if (!t) {  // RouteTable::Make checked the names; a view that lacks one is stale
      d.skipped.push_back(chain[i] + ": not configured");
      continue;
    }
    std::string why = WhyNot(*t);
    // The last target stays when nothing else would answer: its own error is the best one.
    const bool keep = i + 1 == chain.size() && d.plan.empty() && queue_for.empty();
    if (!why.empty() && !keep) {
      d.skipped.push_back(std::move(why));
      continue;
    }
    d.plan.push_back({t->name, t->kind, ""});
  }
  if (!queue_for.empty()) d.plan.push_back({queue_for, TargetKind::kQueue, ""});
  if (!d.plan.empty()) {
    d.plan.front().reason = d.skipped.empty() ? d.rule : FallbackReason(d.skipped.back());
  }
  return d;
}

std::string Decision::Explain() const {
  std::string s = rule + ":";
  for (size_t i = 0; i < plan.size(); ++i) {
    s += (i == 0 ? " " : " -> ") + plan[i].target;
    if (plan[i].kind != TargetKind::kUpstream) {
      s += " (" + std::string(TargetKindName(plan[i].kind)) + ")";
    }
  }
  if (plan.empty()) s += " nothing to try";
  for (size_t i = 0; i < skipped.size(); ++i) s += (i == 0 ? "; skipped: " : ", ") + skipped[i];
  return s;
}

}  // namespace gw::router
