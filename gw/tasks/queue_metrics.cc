#include "gw/tasks/queue_metrics.h"

#include <string>

namespace gw::tasks {

QueueMetrics::QueueMetrics(telemetry::Registry& r)
    : depth_(r.AddGauge("edgegw_queue_depth", "Requests waiting in the offline queue, by priority.",
                        {"priority"})),
      oldest_(r.AddGauge("edgegw_queue_oldest_age_seconds", "Age of the oldest waiting request.")),
      in_flight_(r.AddGauge("edgegw_queue_delivering", "Queued requests being delivered now.")),
      dead_(r.AddGauge("edgegw_queue_dead_letters",
                       "Requests given up; `edgegw queue retry` sends one again.")),
      enqueued_(r.AddCounter("edgegw_queue_enqueued_total",
                             "Requests offered to the queue, by outcome.", {"outcome"})),
      delivered_(r.AddCounter("edgegw_queue_deliveries_total",
                              "Delivery attempts of queued requests, by outcome.", {"outcome"})) {}

void QueueMetrics::Refresh(const queue::QueueStats& s, int64_t now_ms) {
  depth_.With({"high"}).Set(static_cast<int64_t>(s.queued[0]));
  depth_.With({"normal"}).Set(static_cast<int64_t>(s.queued[1]));
  depth_.With({"low"}).Set(static_cast<int64_t>(s.queued[2]));
  oldest_.With({}).Set(s.oldest_queued_ms ? (now_ms - s.oldest_queued_ms) / 1000 : 0);
  in_flight_.With({}).Set(static_cast<int64_t>(s.delivering));
  dead_.With({}).Set(static_cast<int64_t>(s.dead));
}

void QueueMetrics::RecordEnqueue(std::string_view outcome) {
  enqueued_.With({std::string(outcome)}).Add();
}

void QueueMetrics::RecordDelivery(std::string_view outcome) {
  delivered_.With({std::string(outcome)}).Add();
}

}  // namespace gw::tasks
