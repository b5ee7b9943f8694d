// OfflineQueue: durably holds requests for upstreams that cannot take them now, until they
// are delivered and answered, cancelled, expired or given up (dead letters a person can
// inspect and retry). Delivery order per upstream: priority, then arrival (seq).
//
// A repeated idempotency key is not queued again: Append returns the existing record, so a
// client that retries after a lost acknowledgement never causes a second run.
// Budgets (records, bytes) refuse new work with kResourceExhausted; nothing accepted is
// dropped to make room.
//
// Implementations: memory/memory_queue.h (tests, wasm32), sqlite/ (native, durable).
// Record format at rest: docs/formats/queue_record.md.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gw/base/result.h"
#include "gw/queue/conflicts.h"
#include "gw/queue/record.h"

namespace gw::queue {

struct QueueLimits {
  size_t max_records = 100000;
  uint64_t max_bytes = 256ull << 20;  // footprint of records not yet terminal
};

struct AppendOutcome {
  Record record;           // as stored (seq, task_id assigned)
  bool duplicate = false;  // the idempotency key was known: nothing new was queued
};

struct ListFilter {
  std::optional<RecordState> state;
  std::string upstream;              // empty: all
  std::optional<std::string> owner;  // only this owner's records
  size_t limit = 100;
  uint64_t after_seq = 0;  // paging: records with a larger seq
};

struct QueueStats {
  size_t queued[3] = {0, 0, 0};  // by priority
  size_t delivering = 0;
  size_t dead = 0;
  size_t done = 0;
  uint64_t bytes = 0;            // footprint of non-terminal records
  int64_t oldest_queued_ms = 0;  // created_ms of the oldest queued record, 0 if none
};

class OfflineQueue {
 public:
  virtual ~OfflineQueue() = default;

  // Queues `record` (seq is assigned; created_ms, task_id and state must be set by the
  // caller). kResourceExhausted when a budget is full; kInvalidArgument for a record
  // without task_id, upstream or method.
  virtual Result<AppendOutcome> Append(Record record) = 0;
  // The same, without blocking the caller (an I/O thread) for the commit: `done` runs once
  // the record is durable (or refused), on a thread of the queue's choosing. Concurrent
  // appends then share commits. The default runs Append inline.
  using AppendDone = std::function<void(Result<AppendOutcome>)>;
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep `done`
  virtual void AppendAsync(Record record, AppendDone done) { done(Append(std::move(record))); }

  // Up to `max` queued records of `upstream` due at `now_ms` (next_attempt_ms <= now), in
  // delivery order, marked kDelivering. Records whose TTL passed become kExpired instead.
  virtual Result<std::vector<Record>> TakeDue(const std::string& upstream, int64_t now_ms,
                                              size_t max) = 0;

  // Outcomes of a delivery.
  virtual Status Complete(uint64_t seq, std::string result) = 0;
  virtual Status Reschedule(uint64_t seq, int64_t next_attempt_ms, std::string error) = 0;
  virtual Status DeadLetter(uint64_t seq, std::string error) = 0;
  // The same without waiting for the commit (they share group commits); `done` gets the
  // outcome's status. The defaults run the synchronous versions inline.
  using StatusDone = std::function<void(Status)>;
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep `done`
  virtual void CompleteAsync(uint64_t seq, std::string result, StatusDone done) {
    done(Complete(seq, std::move(result)));
  }
  virtual void RescheduleAsync(uint64_t seq, int64_t next_attempt_ms, std::string error,
                               // NOLINTNEXTLINE(performance-unnecessary-value-param): see above
                               StatusDone done) {
    done(Reschedule(seq, next_attempt_ms, std::move(error)));
  }
  // NOLINTNEXTLINE(performance-unnecessary-value-param): overrides keep `done`
  virtual void DeadLetterAsync(uint64_t seq, std::string error, StatusDone done) {
    done(DeadLetter(seq, std::move(error)));
  }

  // kFailedPrecondition if the record is already terminal. `reason` (optional) is kept as
  // its last_error (say, "superseded by a newer write").
  virtual Status Cancel(uint64_t seq, std::string reason = {}) = 0;
  // A dead letter goes back to the queue with its attempts reset.
  virtual Status Retry(uint64_t seq) = 0;
  // Removes records in terminal or dead state matching `filter`; returns how many.
  virtual Result<size_t> Purge(const ListFilter& filter) = 0;
  // kDelivering records go back to kQueued: after a crash their outcome is unknown, so
  // they are sent again (the upstream dedupes by idempotency key). Returns how many.
  virtual Result<size_t> RequeueInFlight() = 0;

  // The conflict state of a precondition key (conflicts.h); unknown keys are !known.
  virtual Result<KeyState> GetKey(const std::string& key) = 0;
  virtual Status PutKey(const std::string& key, const KeyState& state) = 0;

  virtual Result<Record> Get(uint64_t seq) = 0;
  virtual Result<Record> GetByTask(const std::string& task_id) = 0;
  virtual Result<std::vector<Record>> List(const ListFilter& filter) = 0;
  virtual QueueStats Stats() = 0;
};
using OfflineQueuePtr = std::unique_ptr<OfflineQueue>;

}  // namespace gw::queue
