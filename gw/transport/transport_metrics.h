// Metrics every transport records: requests by method and outcome, their duration, and the
// number of open sessions. Owned by the server; transports borrow it.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "gw/base/clock.h"
#include "gw/base/mutex.h"
#include "gw/telemetry/metrics.h"

namespace gw::transport {

class TransportMetrics {
 public:
  explicit TransportMetrics(telemetry::Registry& registry);

  // One finished request: `outcome` is "ok", "error" or "cancelled". Methods that are not
  // MCP methods are counted as "other", so clients cannot grow the label set.
  void RecordRequest(std::string_view method, std::string_view outcome, double seconds);
  // Same, with the outcome read from the final message (empty: cancelled).
  void RecordAnswer(std::string_view method, std::string_view final_message, double seconds);
  // An HTTP request refused before it reached a session (bad headers, size, Origin).
  void RecordRejected(int http_status);
  void SessionOpened(std::string_view transport);
  void SessionClosed(std::string_view transport);

 private:
  telemetry::Family<telemetry::Counter>& requests_;
  telemetry::Family<telemetry::Histogram>& duration_;
  telemetry::Family<telemetry::Gauge>& sessions_;
  telemetry::Family<telemetry::Counter>& rejected_;

  // The children of one method, looked up once (the hot path then takes one short lock).
  struct MethodStats {
    telemetry::Counter* ok;
    telemetry::Counter* error;
    telemetry::Counter* cancelled;
    telemetry::Histogram* duration;
  };
  MethodStats& StatsFor(std::string_view method);
  Mutex mu_;
  std::map<std::string, MethodStats, std::less<>> methods_ GW_GUARDED_BY(mu_);
};

}  // namespace gw::transport
