// The pipeline's built-in filters.
//   - RoutingFilter: puts the router's decision for a tools/call into the RequestContext (the
//     Executor carries it out). Later filters (policy) can read or change it.
//   - MetricsFilter: counts where each tool call ran and how it ended, in
//     edgegw_route_decisions_total{route, target, outcome}: outcome is ok, error (a JSON-RPC
//     error or a tool result with isError), failed (the target could not be reached, or no
//     target could run it), cancelled, queued. A step that passed the call on counts as failed.
// The tracing filter is in tracing_filter.h.
//
// Thread-safety: both are thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "gw/base/mutex.h"
#include "gw/pipeline/executor.h"
#include "gw/pipeline/pipeline.h"
#include "gw/telemetry/metrics.h"

namespace gw::pipeline {

class RoutingFilter final : public Filter {
 public:
  explicit RoutingFilter(const Executor& executor) : executor_(executor) {}
  std::string_view name() const override { return "routing"; }
  Verdict OnRequest(RequestContext& context, const protocol::CallPtr& call) override;

 private:
  const Executor& executor_;
};

class MetricsFilter final : public Filter {
 public:
  explicit MetricsFilter(telemetry::Registry& registry);
  std::string_view name() const override { return "metrics"; }
  Verdict OnRequest(RequestContext& context, const protocol::CallPtr& call) override;
  void OnResponse(const RequestContext& context, protocol::CallOutcome outcome) override;

  // The label a call's outcome gets: ok, error, cancelled.
  static std::string_view OutcomeName(protocol::CallOutcome outcome);

 private:
  void Record(std::string_view route, std::string_view target, std::string_view outcome);

  telemetry::Family<telemetry::Counter>& routes_;
  Mutex mu_;
  std::map<std::string, telemetry::Counter*, std::less<>> counters_ GW_GUARDED_BY(mu_);
};

}  // namespace gw::pipeline
