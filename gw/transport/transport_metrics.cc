#include "gw/transport/transport_metrics.h"

#include <string>

#include "gw/protocol/jsonrpc.h"

namespace gw::transport {

TransportMetrics::TransportMetrics(telemetry::Registry& registry)
    : requests_(registry.AddCounter("edgegw_requests_total",
                                    "MCP requests answered, by method and outcome.",
                                    {"method", "outcome"})),
      duration_(registry.AddHistogram("edgegw_request_duration_seconds",
                                      "Time from receiving an MCP request to its answer.",
                                      {"method"}, telemetry::LatencyBuckets())),
      sessions_(registry.AddGauge("edgegw_active_sessions", "Open MCP sessions by transport.",
                                  {"transport"})),
      rejected_(registry.AddCounter("edgegw_http_rejected_total",
                                    "HTTP requests refused before reaching a session, by status.",
                                    {"status"})) {}

namespace {

bool IsMcpMethod(std::string_view m) {
  static constexpr std::string_view kMethods[] = {"initialize",
                                                  "ping",
                                                  "tools/list",
                                                  "tools/call",
                                                  "resources/list",
                                                  "resources/templates/list",
                                                  "resources/read",
                                                  "resources/subscribe",
                                                  "resources/unsubscribe",
                                                  "prompts/list",
                                                  "prompts/get",
                                                  "completion/complete",
                                                  "logging/setLevel",
                                                  "tasks/get",
                                                  "tasks/result",
                                                  "tasks/list",
                                                  "tasks/cancel"};
  for (std::string_view known : kMethods) {
    if (known == m) return true;
  }
  return false;
}

}  // namespace

TransportMetrics::MethodStats& TransportMetrics::StatsFor(std::string_view method) {
  if (!IsMcpMethod(method)) method = "other";
  MutexLock lock(mu_);
  auto it = methods_.find(method);
  if (it == methods_.end()) {
    std::string m(method);
    MethodStats stats{&requests_.With({m, "ok"}), &requests_.With({m, "error"}),
                      &requests_.With({m, "cancelled"}), &duration_.With({m})};
    it = methods_.emplace(m, stats).first;
  }
  return it->second;
}

void TransportMetrics::RecordRequest(std::string_view method, std::string_view outcome,
                                     double seconds) {
  MethodStats& stats = StatsFor(method);
  (outcome == "ok" ? stats.ok : outcome == "error" ? stats.error : stats.cancelled)->Add();
  stats.duration->Observe(seconds);
}

void TransportMetrics::RecordAnswer(std::string_view method, std::string_view final_message,
                                    double seconds) {
  const char* outcome = final_message.empty()                      ? "cancelled"
                        : protocol::IsErrorResponse(final_message) ? "error"
                                                                   : "ok";
  RecordRequest(method, outcome, seconds);
}

void TransportMetrics::RecordRejected(int http_status) {
  rejected_.With({std::to_string(http_status)}).Add();
}

void TransportMetrics::SessionOpened(std::string_view transport) {
  sessions_.With({std::string(transport)}).Add(1);
}

void TransportMetrics::SessionClosed(std::string_view transport) {
  sessions_.With({std::string(transport)}).Add(-1);
}

}  // namespace gw::transport
