// Metrics per upstream: requests by outcome, latency, failures by kind, retries, breaker
// state and connection state. Owned by the server; upstreams borrow it. Label values are
// upstream names from config and fixed words, so clients cannot grow the label set.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "gw/base/mutex.h"
#include "gw/resilience/circuit_breaker.h"
#include "gw/resilience/retry_policy.h"
#include "gw/telemetry/metrics.h"

namespace gw::upstream {

class UpstreamMetrics {
 public:
  explicit UpstreamMetrics(telemetry::Registry& registry);

  // One forwarded request finished: outcome "ok", "rpc_error", "failed", "cancelled",
  // "rejected" (breaker open or not connected).
  void RecordRequest(const std::string& upstream, std::string_view outcome, double seconds);
  void RecordFailure(const std::string& upstream, resilience::FailureKind kind);
  void RecordRetry(const std::string& upstream);
  void SetBreakerState(const std::string& upstream, resilience::BreakerState state);
  void SetConnected(const std::string& upstream, bool connected);
  void RecordReconnect(const std::string& upstream);

 private:
  // The children of one upstream, looked up once: the hot path then skips building label
  // vectors and searching the families.
  struct Handles {
    telemetry::Counter* ok;
    telemetry::Counter* rpc_error;
    telemetry::Counter* failed;
    telemetry::Counter* cancelled;
    telemetry::Counter* rejected;
    telemetry::Histogram* latency;
    telemetry::Gauge* breaker;
  };
  Handles& For(const std::string& upstream);

  telemetry::Family<telemetry::Counter>& requests_;
  telemetry::Family<telemetry::Histogram>& latency_;
  telemetry::Family<telemetry::Counter>& failures_;
  telemetry::Family<telemetry::Counter>& retries_;
  telemetry::Family<telemetry::Gauge>& breaker_;
  telemetry::Family<telemetry::Gauge>& connected_;
  telemetry::Family<telemetry::Counter>& reconnects_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<Handles>, std::less<>> handles_ GW_GUARDED_BY(mu_);
};

}  // namespace gw::upstream
