// The router's decision for one tool call: which targets to try, in what order, and why.
//
// Decide() is a pure function of the request's facts, the route table and a snapshot of the
// targets (present, healthy, breaker state). It returns a plan the executor
// (gw/pipeline/executor.h) carries out: the executor tries the plan's steps in order, and a
// step whose target cannot take the call at run time (the engine over its memory budget, an
// upstream whose transport failed before sending) passes it to the next. The decision itself
// never does I/O; the reasons it gives go into metrics, logs and the result's
// _meta["io.edgegw/route"].
//
// Targets: the local catalog and the local model engine (both named "local" in a chain: the
// one that serves the tool), an upstream (by its name), and the offline queue (the end of a
// queueable route).
//
// Thread-safety: pure functions over values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gw/router/route_table.h"

namespace gw::router {

enum class TargetKind { kCatalog, kEngine, kUpstream, kQueue };
// "catalog", "engine", "upstream", "queue".
std::string_view TargetKindName(TargetKind kind);

// What the router knows about one target when it decides.
struct TargetState {
  std::string name;  // "local" for the catalog and the engine, else the upstream's name
  TargetKind kind = TargetKind::kCatalog;
  bool has_tool = false;      // it lists the tool (an upstream: under the requested name)
  bool healthy = true;        // connected and ready (always true for local targets)
  bool breaker_open = false;  // an upstream whose circuit breaker refuses calls now
  std::string status;         // an upstream's state word when not healthy ("backoff", ...)
};

// The targets the gateway has, as seen for one tool.
struct TargetsView {
  TargetState local;                   // the catalog, or the engine when it serves the tool
  std::vector<TargetState> upstreams;  // in configuration order
  std::string owner;                   // the upstream that lists the tool; "" = local/none
  bool queue = false;                  // an offline queue is configured
};

struct RequestFacts {
  std::string_view tool;
  bool wants_task = false;  // the client sent params.task (asks for a task-augmented call)
};

// One target to try.
struct Step {
  std::string target;  // "local", an upstream's name, or the upstream a queued call is for
  TargetKind kind = TargetKind::kCatalog;
  std::string reason;  // why the call goes here: "route 'x'", "owner", "fallback: ..."
};

struct Decision {
  std::string rule;                  // "route 'x'", "route prefix 'p'", "owner"
  std::vector<Step> plan;            // in order; the first is the choice, the rest are fallbacks
  std::vector<std::string> skipped;  // targets of the chain left out, with why, in order
  const Route* route = nullptr;      // the matched route, or null (owner)

  // One line for logs: "route 'x': local (engine) -> cloud; skipped: ...".
  std::string Explain() const;
};

// The plan for a tools/call of `facts.tool`. A chain target that cannot take the call now
// (not listing the tool, not connected, breaker open) is skipped with a reason, except the
// last one of the chain, which stays so that its own error reaches the client; a queueable
// route then ends in the queue. An unknown tool is planned on the local catalog, which
// answers "Unknown tool". A client asking for a task on a queueable route goes to the queue
// at once (the drain delivers it immediately when the upstream is up).
Decision Decide(const RequestFacts& facts, const RouteTable& routes, const TargetsView& view);

// The reason a fallback step carries: "fallback: <why the previous one passed>".
std::string FallbackReason(std::string_view why_previous);

}  // namespace gw::router
