// QueueDrain: the sync scheduler of the offline queue. For each upstream that is connected
// and whose breaker lets calls through, it takes the queued records that are due (priority,
// then arrival) and delivers them, a few at a time. An answer (result or JSON-RPC error)
// completes the record; a failure reschedules it with exponential backoff and full jitter,
// until max_attempts makes it a dead letter a person can inspect and retry.
//
// Requests that carry a precondition (gw/queue/conflicts.h) are screened first: a conflict
// becomes a dead letter with its reason, a superseded write is cancelled, and one key has at
// most one write in flight.
//
// Delivery is at least once (a crash after sending sends again), made exactly-once in effect
// by the idempotency key each delivery carries in params._meta["io.edgegw/idempotency-key"].
//
// Ownership: borrows the queue and the upstreams (they must outlive Stop()). Thread-safety:
// all methods are thread-safe; work runs on a strand of the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gw/base/clock.h"
#include "gw/base/mutex.h"
#include "gw/base/random.h"
#include "gw/queue/offline_queue.h"
#include "gw/tasks/queue_metrics.h"
#include "gw/upstream/upstream.h"

namespace gw::tasks {

using upstream::Upstream;
using upstream::UpstreamState;

inline constexpr std::string_view kIdempotencyMetaKey = "io.edgegw/idempotency-key";

struct QueueDrainOptions {
  size_t max_in_flight = 16;  // per upstream; refilled once half of it is free
  uint32_t max_attempts = 8;
  std::chrono::milliseconds base_delay{1000};
  std::chrono::milliseconds max_delay{300000};
  std::chrono::milliseconds tick{1000};  // how often due records and expiries are looked at
};

class QueueDrain : public std::enable_shared_from_this<QueueDrain> {
 public:
  // Called when a record reaches an outcome (done, dead, expired) through delivery.
  using Listener = std::function<void(const queue::Record& record)>;

  QueueDrain(boost::asio::io_context& io, queue::OfflineQueue& queue, QueueDrainOptions options,
             const Clock& clock, Random& random, QueueMetrics* metrics = nullptr);

  void Add(std::shared_ptr<Upstream> upstream);
  void SetListener(Listener listener);
  // Puts records left in flight by a previous run back in the queue, then starts ticking.
  Status Start();
  void Stop();
  // Looks at `upstream` now (it became ready, or something was queued for it).
  void Kick(const std::string& upstream);

 private:
  void Tick();
  void Drain(const std::shared_ptr<Upstream>& upstream);
  void Screen(const std::shared_ptr<Upstream>& upstream, queue::Record record);
  void Deliver(const std::shared_ptr<Upstream>& upstream, const queue::Record& record,
               const std::optional<std::string>& key, queue::KeyState after);
  void Settle(const std::string& upstream, const queue::Record& record,
              const std::function<Status()>& store, bool final);
  void FreeSlot(const std::string& upstream);
  void Recorded(const std::string& upstream, const queue::Record& record, const Status& stored,
                bool final);
  void Outcome(const std::string& upstream, const queue::Record& record,
               Result<protocol::Message> response);
  std::chrono::milliseconds Backoff(uint32_t attempts);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  queue::OfflineQueue& queue_;
  const QueueDrainOptions options_;
  const Clock& clock_;
  Random& random_;
  QueueMetrics* const metrics_;

  Mutex mu_;
  std::map<std::string, std::shared_ptr<Upstream>> upstreams_ GW_GUARDED_BY(mu_);
  std::map<std::string, size_t> in_flight_ GW_GUARDED_BY(mu_);
  std::set<std::string> keys_in_flight_ GW_GUARDED_BY(mu_);
  Listener listener_ GW_GUARDED_BY(mu_);
  bool stopped_ GW_GUARDED_BY(mu_) = false;
};

}  // namespace gw::tasks
