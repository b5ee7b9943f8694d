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

void TransportMetrics::RecordRequest(std::string_view method, std::string_view outcome,
                                     double seconds) {
  std::string m(method);
  requests_.With({m, std::string(outcome)}).Add();
  duration_.With({m}).Observe(seconds);
}

void TransportMetrics::RecordAnswer(std::string_view method, std::string_view final_message,
                                    double seconds) {
  const char* outcome = final_message.empty()                          ? "cancelled"
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
