// RouteTable: where a tool call may run, from config, as an ordered fallback chain. A route
// names one tool or a name prefix and a chain of targets: "local" (the gateway's own catalog,
// or the model engine for the tool it serves) or an upstream's name. decision.h turns a
// route into a plan; the pipeline's executor walks it: a target that cannot take the call
// passes it on, a target that answers (even with a tool error) ends the walk, and after the
// last one the client gets one error that lists why each target passed.
//
// Calls that match no route go to the tool's owner in the federated view (one-element
// chain). A queueable route ends in the offline queue: local -> cloud -> queue -> error.
//
// Pure: no I/O, no clock. Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gw/base/result.h"

namespace gw::router {

inline constexpr std::string_view kLocalTarget = "local";

struct Route {
  std::string tool;                // exact tool name (as clients call it), or
  std::string prefix;              // every tool whose name starts with this
  std::vector<std::string> chain;  // "local" or upstream names, tried in order
  // After the chain: hold the call in the offline queue for the chain's first upstream and
  // answer with a task (issue 4), instead of an error.
  bool queueable = false;
  int priority = 1;         // queue::Priority: 0 high, 1 normal, 2 low
  int64_t ttl_seconds = 0;  // how long a queued call may wait; 0: until delivered
};

class RouteTable {
 public:
  RouteTable() = default;
  // kInvalidArgument for a route with both or neither of tool/prefix, an empty chain, or a
  // target that is neither "local" nor in `upstreams`.
  static Result<RouteTable> Make(std::vector<Route> routes,
                                 const std::vector<std::string>& upstreams);

  // The route for `tool`: an exact match first, else the longest matching prefix; null if
  // none.
  const Route* Match(std::string_view tool) const;
  bool empty() const { return routes_.empty(); }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Joins the reasons each target passed into one error message for the client.
std::string NoRouteMessage(std::string_view tool, const std::vector<std::string>& reasons);

}  // namespace gw::router
