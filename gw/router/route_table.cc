#include "gw/router/route_table.h"

#include <algorithm>

namespace gw::router {

Result<RouteTable> RouteTable::Make(std::vector<Route> routes,
                                    const std::vector<std::string>& upstreams) {
  RouteTable table;
  for (size_t i = 0; i < routes.size(); ++i) {
    Route& r = routes[i];
    std::string where = "route " + std::to_string(i + 1) + " (" +
                        (r.tool.empty() ? "prefix '" + r.prefix : "tool '" + r.tool) + "')";
    if (r.tool.empty() == r.prefix.empty()) {
      return InvalidArgument("route " + std::to_string(i + 1) +
                             ": give exactly one of tool or prefix");
    }
    if (r.chain.empty())
      return InvalidArgument(where + ": chain is empty; list targets, e.g. [\"local\", \"cloud\"]");
    if (r.queueable && std::all_of(r.chain.begin(), r.chain.end(),
                                   [](const std::string& t) { return t == kLocalTarget; })) {
      return InvalidArgument(where + ": queueable needs an upstream in the chain to deliver to");
    }
    if (r.priority < 0 || r.priority > 2)
      return InvalidArgument(where + ": priority must be high, normal or low");
    for (const std::string& target : r.chain) {
      if (target != kLocalTarget &&
          std::find(upstreams.begin(), upstreams.end(), target) == upstreams.end()) {
        return InvalidArgument(where + ": unknown target '" + target +
                               "' (use \"local\" or an upstream name)");
      }
    }
    table.routes_.push_back(std::move(r));
  }
  return table;
}

const Route* RouteTable::Match(std::string_view tool) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!r.tool.empty()) {
      if (r.tool == tool) return &r;
      continue;
    }
    if (tool.substr(0, r.prefix.size()) == r.prefix &&
        (!best || r.prefix.size() > best->prefix.size())) {
      best = &r;
    }
  }
  return best;
}

std::string NoRouteMessage(std::string_view tool, const std::vector<std::string>& reasons) {
  std::string m = "no target could run '" + std::string(tool) + "'";
  for (size_t i = 0; i < reasons.size(); ++i) m += (i == 0 ? ": " : "; ") + reasons[i];
  return m;
}

}  // namespace gw::router
