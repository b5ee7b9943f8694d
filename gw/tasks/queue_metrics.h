// Metrics of the offline queue: depth per priority, the oldest request's age, in flight,
// dead letters (gauges, refreshed by the drain every tick), and what was queued and how
// deliveries ended (counters). Thread-safety: all methods are thread-safe.
#pragma once

#include <string_view>

#include "gw/queue/offline_queue.h"
#include "gw/telemetry/metrics.h"

namespace gw::tasks {

class QueueMetrics {
 public:
  explicit QueueMetrics(telemetry::Registry& registry);
  void Refresh(const queue::QueueStats& stats, int64_t now_ms);
  // outcome: "queued", "duplicate", "refused".
  void RecordEnqueue(std::string_view outcome);
  // outcome: "done", "retry", "dead".
  void RecordDelivery(std::string_view outcome);

 private:
  telemetry::Family<telemetry::Gauge>& depth_;
  telemetry::Family<telemetry::Gauge>& oldest_;
  telemetry::Family<telemetry::Gauge>& in_flight_;
  telemetry::Family<telemetry::Gauge>& dead_;
  telemetry::Family<telemetry::Counter>& enqueued_;
  telemetry::Family<telemetry::Counter>& delivered_;
};

}  // namespace gw::tasks
