// Executor: the pipeline's terminal handler. For tools/call it carries out the router's
// decision (gw/router/decision.h): it tries the plan's steps in order, each on its Target; a
// target that cannot take the call passes it to the next, and when none is left the client
// gets one error naming every reason. The step that runs goes into the result's
// _meta["io.edgegw/route"] ({"route", "target", "reason"}) and into the RequestContext, where
// the metrics filter counts it. Every other method goes to the service it fronts (the
// federation, or the local catalog when there are no upstreams).
//
// Ownership: borrows the service and the targets (they must outlive it).
// Thread-safety: immutable after construction; Handle runs on any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/pipeline/pipeline.h"
#include "gw/pipeline/target.h"
#include "gw/router/decision.h"
#include "gw/router/route_table.h"

namespace gw::pipeline {

inline constexpr std::string_view kRouteMetaKey = "io.edgegw/route";

struct ExecutorTargets {
  Target* catalog = nullptr;       // the local catalog (required)
  Target* engine = nullptr;        // the local model engine, or null without models
  std::vector<Target*> upstreams;  // by the name their State() reports
  Target* queue = nullptr;         // the offline queue, or null
  // The upstream that lists `tool` in the federated view, or "" (local, or nobody).
  std::function<std::string(std::string_view tool)> owner;
  // Serves other methods before the service does (tasks/* from the offline queue's task
  // book); false when the method is not its.
  std::function<bool(const protocol::CallPtr& call)> methods;
};

class Executor final : public Handler {
 public:
  Executor(protocol::Service& service, router::RouteTable routes, ExecutorTargets targets);

  bool Handle(const protocol::CallPtr& call, const RequestContextPtr& context) override;

  // What the router sees for `tool` now, and its decision (the routing filter's work).
  router::TargetsView View(std::string_view tool) const;
  router::Decision Decide(const RequestContext& context) const;

 private:
  void RunStep(const protocol::CallPtr& call, const RequestContextPtr& context, size_t step);
  void FailAll(const protocol::CallPtr& call, const RequestContextPtr& context);
  Target* TargetOf(const router::Step& step, std::string_view tool) const;
  Target* Local(std::string_view tool) const;

  protocol::Service& service_;
  const router::RouteTable routes_;
  const ExecutorTargets targets_;
  std::vector<std::pair<std::string, Target*>> upstream_names_;  // fixed after construction
};

// The route label of a step's kind: "local" (catalog, engine), "cloud" (upstream), "queue".
std::string_view RouteLabel(router::TargetKind kind);

}  // namespace gw::pipeline
