#include "gw/tasks/queue_drain.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gw/base/log.h"
#include "gw/protocol/json.h"

namespace gw::tasks {

using protocol::JsonWriter;

namespace {

// `params` with _meta[kIdempotencyMetaKey] = key (params kept otherwise).
std::string WithIdempotencyKey(const std::string& params, const std::string& key) {
  if (key.empty()) return params;
  auto doc = protocol::ParseJson(params);
  if (!doc || !doc->IsObject()) return params;
  protocol::SetStringMember(protocol::ObjectMemberOrAdd(*doc, "_meta"), kIdempotencyMetaKey, key,
                            doc->GetAllocator());
  return protocol::Serialize(*doc);
}

}  // namespace

QueueDrain::QueueDrain(boost::asio::io_context& io, queue::OfflineQueue& queue,
                       QueueDrainOptions options, const Clock& clock, Random& random,
                       QueueMetrics* metrics)
    : strand_(boost::asio::make_strand(io)),
      queue_(queue),
      options_(options),
      clock_(clock),
      random_(random),
      metrics_(metrics) {}

void QueueDrain::Add(std::shared_ptr<Upstream> upstream) {
  MutexLock lock(mu_);
  upstreams_[upstream->name()] = std::move(upstream);
}

void QueueDrain::SetListener(Listener listener) {
  MutexLock lock(mu_);
  listener_ = std::move(listener);
}

Status QueueDrain::Start() {
  GW_ASSIGN_OR_RETURN(size_t requeued, queue_.RequeueInFlight());
  if (requeued)
    GW_LOG_INFO("offline queue: %zu request(s) were in flight at the last stop; sending them again",
                requeued);
  boost::asio::post(strand_, [self = shared_from_this()] { self->Tick(); });
  return OkStatus();
}

void QueueDrain::Stop() {
  MutexLock lock(mu_);
  stopped_ = true;
}

void QueueDrain::Kick(const std::string& upstream) {
  boost::asio::post(strand_, [self = shared_from_this(), upstream] {
    std::shared_ptr<Upstream> up;
    {
      MutexLock lock(self->mu_);
      if (self->stopped_) return;
      auto it = self->upstreams_.find(upstream);
      if (it != self->upstreams_.end()) up = it->second;
    }
    if (up) self->Drain(up);
  });
}

void QueueDrain::Tick() {
  std::vector<std::shared_ptr<Upstream>> ups;
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    for (auto& [name, up] : upstreams_) ups.push_back(up);
  }
  for (auto& up : ups) Drain(up);
  if (metrics_) metrics_->Refresh(queue_.Stats(), clock_.WallMillis());
  auto timer = std::make_shared<boost::asio::steady_timer>(strand_, options_.tick);
  timer->async_wait([self = shared_from_this(), timer](const boost::system::error_code& ec) {
    if (!ec) self->Tick();
  });
}

void QueueDrain::Drain(const std::shared_ptr<Upstream>& up) {
  if (up->state() != UpstreamState::kReady ||
      up->breaker_state() == resilience::BreakerState::kOpen)
    return;
  size_t room;
  {
    MutexLock lock(mu_);
    size_t busy = in_flight_[up->name()];
    room = busy >= options_.max_in_flight ? 0 : options_.max_in_flight - busy;
    // Refill in batches (each take is one transaction): wait until half the window is free.
    if (busy > 0 && room < (options_.max_in_flight + 1) / 2) room = 0;
    in_flight_[up->name()] += room;  // reserved; given back below for what is not taken
  }
  if (room == 0) return;
  auto due = queue_.TakeDue(up->name(), clock_.WallMillis(), room);
  size_t taken = due ? due->size() : 0;
  {
    MutexLock lock(mu_);
    in_flight_[up->name()] -= room - taken;
  }
  if (!due) {
    GW_LOG_ERROR("offline queue: cannot read due requests for '%s': %s", up->name().c_str(),
                 due.error().message().c_str());
    return;
  }
  for (queue::Record& r : *due) Screen(up, std::move(r));
}

// Applies the record's precondition (gw/queue/conflicts.h) before delivery: a conflict
// becomes a dead letter, a superseded write is cancelled, and two writes to one key are
// never in flight together.
void QueueDrain::Screen(const std::shared_ptr<Upstream>& up, queue::Record record) {
  std::string error;
  auto precondition = queue::ParsePrecondition(record.precondition, &error);
  if (!precondition) {
    if (error.empty()) return Deliver(up, record, std::nullopt, {});
    return Settle(
        up->name(), record, [&] { return queue_.DeadLetter(record.seq, error); }, true);
  }
  {
    MutexLock lock(mu_);
    if (!keys_in_flight_.insert(precondition->key).second) {
      lock.Unlock();
      // An earlier write to the same key is on its way: this one waits its turn.
      return Settle(
          up->name(), record,
          [&] {
            return queue_.Reschedule(record.seq, clock_.WallMillis() + 100,
                                     "waiting for an earlier write to '" + precondition->key + "'");
          },
          false);
    }
  }
  auto current = queue_.GetKey(precondition->key);
  queue::Judgement j = queue::Judge(*precondition, current ? *current : queue::KeyState{}, record);
  if (j.verdict == queue::Verdict::kDeliver) return Deliver(up, record, precondition->key, j.after);
  {
    MutexLock lock(mu_);
    keys_in_flight_.erase(precondition->key);
  }
  GW_LOG_WARNING("offline queue: task %s: %s", record.task_id.c_str(), j.reason.c_str());
  if (j.verdict == queue::Verdict::kConflict) {
    return Settle(
        up->name(), record, [&] { return queue_.DeadLetter(record.seq, j.reason); }, true);
  }
  Settle(
      up->name(), record, [&] { return queue_.Cancel(record.seq, j.reason); }, true);
}

// Records an outcome decided here (not by the upstream): frees the in-flight slot and
// stores it.
void QueueDrain::Settle(const std::string& upstream, const queue::Record& record,
                        const std::function<Status()>& store, bool final) {
  FreeSlot(upstream);
  Recorded(upstream, record, store(), final);
}

void QueueDrain::FreeSlot(const std::string& upstream) {
  MutexLock lock(mu_);
  if (in_flight_[upstream] > 0) --in_flight_[upstream];
}

// After an outcome is stored: reports a failure to store it, tells the listener when the
// record is final, and looks for more work.
void QueueDrain::Recorded(const std::string& upstream, const queue::Record& record,
                          const Status& stored, bool final) {
  if (!stored) {
    GW_LOG_ERROR("offline queue: cannot record the outcome of task '%s': %s",
                 record.task_id.c_str(), stored.error().message().c_str());
  }
  Listener listener;
  {
    MutexLock lock(mu_);
    listener = listener_;
  }
  if (final && listener) {
    if (auto now = queue_.Get(record.seq)) listener(*now);
  }
  Kick(upstream);  // the next ones, if any are due
}

void QueueDrain::Deliver(const std::shared_ptr<Upstream>& up, const queue::Record& record,
                         const std::optional<std::string>& key, queue::KeyState after) {
  std::string params = WithIdempotencyKey(record.params, record.idempotency_key);
  std::string name = up->name();
  up->Request(
      record.method, std::move(params),
      [self = shared_from_this(), name, record, key, after](Result<protocol::Message> response) {
        if (key) {
          // A write the upstream accepted moves the key; a failed one leaves it.
          if (response && response->kind() != protocol::MessageKind::kError) {
            if (Status s = self->queue_.PutKey(*key, after); !s) {
              GW_LOG_ERROR("offline queue: %s", s.error().message().c_str());
            }
          }
          MutexLock lock(self->mu_);
          self->keys_in_flight_.erase(*key);
        }
        self->Outcome(name, record, std::move(response));
      });
}

std::chrono::milliseconds QueueDrain::Backoff(uint32_t attempts) {
  int64_t ceiling = options_.base_delay.count();
  for (uint32_t i = 1; i < attempts && ceiling < options_.max_delay.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, options_.max_delay.count());
  return std::chrono::milliseconds(
      static_cast<int64_t>(random_.Uniform(static_cast<uint64_t>(ceiling) + 1)));
}

void QueueDrain::Outcome(const std::string& upstream, const queue::Record& record,
                         Result<protocol::Message> response) {
  FreeSlot(upstream);
  // Stored through the queue's group commits; the rest runs once it is durable (this is
  // an I/O thread: it does not wait for the disk).
  auto after = [self = shared_from_this(), upstream, record](bool final) {
    return [self, upstream, record, final](const Status& stored) {
      self->Recorded(upstream, record, stored, final);
    };
  };
  if (response) {
    // The answer, result or JSON-RPC error, is what the task reports.
    JsonWriter w;
    w.StartObject();
    if (response->kind() == protocol::MessageKind::kError) {
      w.Key("error").Value(response->error());
    } else {
      w.Key("result").Value(response->result());
    }
    w.EndObject();
    if (metrics_) metrics_->RecordDelivery("done");
    return queue_.CompleteAsync(record.seq, w.str(), after(true));
  }
  if (record.attempts >= options_.max_attempts) {
    if (metrics_) metrics_->RecordDelivery("dead");
    return queue_.DeadLetterAsync(record.seq,
                                  "gave up after " + std::to_string(record.attempts) +
                                      " attempts: " + response.error().message(),
                                  after(true));
  }
  if (metrics_) metrics_->RecordDelivery("retry");
  auto next = clock_.WallMillis() + Backoff(record.attempts).count();
  queue_.RescheduleAsync(record.seq, next, response.error().message(), after(false));
}

}  // namespace gw::tasks
