#include "gw/upstream/upstream_metrics.h"

namespace gw::upstream {

UpstreamMetrics::UpstreamMetrics(telemetry::Registry& r)
    : requests_(r.AddCounter("edgegw_upstream_requests_total",
                             "Requests forwarded to an upstream, by outcome.",
                             {"upstream", "outcome"})),
      latency_(r.AddHistogram(
          "edgegw_upstream_request_duration_seconds",
          "Time from forwarding a request to its final answer, retries included.", {"upstream"},
          {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      failures_(r.AddCounter("edgegw_upstream_failures_total",
                             "Failed attempts to reach an upstream, by kind.",
                             {"upstream", "kind"})),
      retries_(r.AddCounter("edgegw_upstream_retries_total", "Attempts repeated after a failure.",
                            {"upstream"})),
      breaker_(r.AddGauge("edgegw_upstream_breaker_state",
                          "Circuit breaker state: 0 closed, 1 open, 2 half-open.", {"upstream"})),
      connected_(r.AddGauge("edgegw_upstream_connected",
                            "1 while the upstream session is initialized.", {"upstream"})),
      reconnects_(r.AddCounter("edgegw_upstream_reconnects_total",
                               "New sessions started after the previous one ended.",
                               {"upstream"})) {}

UpstreamMetrics::Handles& UpstreamMetrics::For(const std::string& upstream) {
  MutexLock lock(mu_);
  auto it = handles_.find(upstream);
  if (it != handles_.end()) return *it->second;
  auto h = std::make_unique<Handles>(
      Handles{&requests_.With({upstream, "ok"}), &requests_.With({upstream, "rpc_error"}),
              &requests_.With({upstream, "failed"}), &requests_.With({upstream, "cancelled"}),
              &requests_.With({upstream, "rejected"}), &latency_.With({upstream}),
              &breaker_.With({upstream})});
  return *handles_.emplace(upstream, std::move(h)).first->second;
}

void UpstreamMetrics::RecordRequest(const std::string& upstream, std::string_view outcome,
                                    double seconds) {
  Handles& h = For(upstream);
  telemetry::Counter* c = outcome == "ok"          ? h.ok
                          : outcome == "rpc_error" ? h.rpc_error
                          : outcome == "cancelled" ? h.cancelled
                          : outcome == "rejected"  ? h.rejected
                                                   : h.failed;
  c->Add();
  h.latency->Observe(seconds);
}

void UpstreamMetrics::RecordFailure(const std::string& upstream, resilience::FailureKind kind) {
  failures_.With({upstream, std::string(resilience::FailureKindName(kind))}).Add();
}

void UpstreamMetrics::RecordRetry(const std::string& upstream) { retries_.With({upstream}).Add(); }

void UpstreamMetrics::SetBreakerState(const std::string& upstream, resilience::BreakerState state) {
  For(upstream).breaker->Set(static_cast<int64_t>(state));
}

void UpstreamMetrics::SetConnected(const std::string& upstream, bool connected) {
  connected_.With({upstream}).Set(connected ? 1 : 0);
}

void UpstreamMetrics::RecordReconnect(const std::string& upstream) {
  reconnects_.With({upstream}).Add();
}

}  // namespace gw::upstream
