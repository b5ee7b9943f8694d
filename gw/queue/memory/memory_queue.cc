#include "gw/queue/memory/memory_queue.h"

#include <map>
#include <set>
#include <tuple>

#include "gw/base/mutex.h"

namespace gw::queue {
namespace {

class MemoryQueue final : public OfflineQueue {
 public:
  explicit MemoryQueue(const MemoryQueueOptions& o)
      : limits_(o.limits), clock_(o.clock ? *o.clock : RealClock()) {}

  Result<AppendOutcome> Append(Record r) override {
    if (r.task_id.empty() || r.upstream.empty() || r.method.empty()) {
      return InvalidArgument("a queued request needs a task id, an upstream and a method");
    }
    MutexLock lock(mu_);
    if (!r.idempotency_key.empty()) {
      auto it = by_key_.find(r.idempotency_key);
      if (it != by_key_.end()) return AppendOutcome{records_.find(it->second)->second, true};
    }
    if (by_task_.count(r.task_id))
      return InvalidArgument("task id '" + r.task_id + "' is already used");
    if (live_ >= limits_.max_records) {
      return ResourceExhausted("the offline queue is full (" + std::to_string(limits_.max_records) +
                               " requests)");
    }
    if (bytes_ + r.footprint() > limits_.max_bytes) {
      return ResourceExhausted("the offline queue is full (" + std::to_string(limits_.max_bytes) +
                               " bytes)");
    }
    r.seq = ++last_seq_;
    r.state = RecordState::kQueued;
    r.updated_ms = clock_.WallMillis();
    Index(r);
    records_.emplace(r.seq, r);
    return AppendOutcome{std::move(r), false};
  }

  Result<std::vector<Record>> TakeDue(const std::string& upstream, int64_t now_ms,
                                      size_t max) override {
    MutexLock lock(mu_);
    std::vector<Record> out;
    auto q = queued_.find(upstream);
    if (q == queued_.end()) return out;
    for (auto it = q->second.begin(); it != q->second.end() && out.size() < max;) {
      Record& r = records_.find(std::get<1>(*it))->second;  // the index only names live records
      if (r.expires_ms != 0 && r.expires_ms <= now_ms) {
        it = q->second.erase(it);
        Settle(r, RecordState::kExpired);
        continue;
      }
      if (r.next_attempt_ms > now_ms) {
        ++it;
        continue;
      }
      it = q->second.erase(it);
      r.state = RecordState::kDelivering;
      r.updated_ms = clock_.WallMillis();
      ++r.attempts;
      out.push_back(r);
    }
    return out;
  }

  Status Complete(uint64_t seq, std::string result) override {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record * r, Find(seq));
    if (r->state != RecordState::kDelivering) return NotDelivering(*r);
    Settle(*r, RecordState::kDone);
    r->result = std::move(result);
    return OkStatus();
  }

  Status Reschedule(uint64_t seq, int64_t next_attempt_ms, std::string error) override {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record * r, Find(seq));
    if (r->state != RecordState::kDelivering) return NotDelivering(*r);
    r->next_attempt_ms = next_attempt_ms;
    r->last_error = std::move(error);
    r->state = RecordState::kQueued;
    r->updated_ms = clock_.WallMillis();
    queued_[r->upstream].emplace(r->priority, r->seq);
    return OkStatus();
  }

  Status DeadLetter(uint64_t seq, std::string error) override {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record * r, Find(seq));
    if (r->terminal() || r->state == RecordState::kDead) return NotDelivering(*r);
    Unqueue(*r);
    r->last_error = std::move(error);
    r->state = RecordState::kDead;
    r->updated_ms = clock_.WallMillis();
    return OkStatus();
  }

  Result<KeyState> GetKey(const std::string& key) override {
    MutexLock lock(mu_);
    auto it = keys_.find(key);
    return it == keys_.end() ? KeyState{} : it->second;
  }

  Status PutKey(const std::string& key, const KeyState& state) override {
    MutexLock lock(mu_);
    keys_[key] = state;
    return OkStatus();
  }

  Status Cancel(uint64_t seq, std::string reason) override {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record * r, Find(seq));
    if (r->terminal()) {
      return FailedPrecondition("task '" + r->task_id + "' is already " +
                                std::string(RecordStateName(r->state)));
    }
    Unqueue(*r);
    if (!reason.empty()) r->last_error = std::move(reason);
    Settle(*r, RecordState::kCancelled);
    return OkStatus();
  }

  Status Retry(uint64_t seq) override {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record * r, Find(seq));
    if (r->state != RecordState::kDead) {
      return FailedPrecondition("only dead letters can be retried; task '" + r->task_id + "' is " +
                                std::string(RecordStateName(r->state)));
    }
    r->state = RecordState::kQueued;
    r->updated_ms = clock_.WallMillis();
    r->attempts = 0;
    r->next_attempt_ms = 0;
    queued_[r->upstream].emplace(r->priority, r->seq);
    return OkStatus();
  }

  Result<size_t> Purge(const ListFilter& filter) override {
    MutexLock lock(mu_);
    size_t n = 0;
    for (auto it = records_.begin(); it != records_.end();) {
      Record& r = it->second;
      bool removable = r.terminal() || r.state == RecordState::kDead;
      if (removable && Matches(r, filter)) {
        if (r.state == RecordState::kDead) Release(r);
        if (!r.idempotency_key.empty()) by_key_.erase(r.idempotency_key);
        by_task_.erase(r.task_id);
        it = records_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  Result<size_t> RequeueInFlight() override {
    MutexLock lock(mu_);
    size_t n = 0;
    for (auto& [seq, r] : records_) {
      if (r.state != RecordState::kDelivering) continue;
      r.state = RecordState::kQueued;
      r.updated_ms = clock_.WallMillis();
      queued_[r.upstream].emplace(r.priority, r.seq);
      ++n;
    }
    return n;
  }

  Result<Record> Get(uint64_t seq) override {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record * r, Find(seq));
    return *r;
  }

  Result<Record> GetByTask(const std::string& task_id) override {
    MutexLock lock(mu_);
    auto it = by_task_.find(task_id);
    if (it == by_task_.end()) return NotFound("no task '" + task_id + "'");
    return records_.find(it->second)->second;
  }

  Result<std::vector<Record>> List(const ListFilter& filter) override {
    MutexLock lock(mu_);
    std::vector<Record> out;
    for (auto it = records_.upper_bound(filter.after_seq);
         it != records_.end() && out.size() < filter.limit; ++it) {
      if (Matches(it->second, filter)) out.push_back(it->second);
    }
    return out;
  }

  QueueStats Stats() override {
    MutexLock lock(mu_);
    QueueStats s;
    s.bytes = bytes_;
    for (const auto& [seq, r] : records_) {
      switch (r.state) {
        case RecordState::kQueued:
          ++s.queued[static_cast<int>(r.priority)];
          if (s.oldest_queued_ms == 0 || r.created_ms < s.oldest_queued_ms)
            s.oldest_queued_ms = r.created_ms;
          break;
        case RecordState::kDelivering:
          ++s.delivering;
          break;
        case RecordState::kDead:
          ++s.dead;
          break;
        case RecordState::kDone:
          ++s.done;
          break;
        default:
          break;
      }
    }
    return s;
  }

 private:
  // The helpers below run under mu_.
  Result<Record*> Find(uint64_t seq) GW_REQUIRES(mu_) {
    auto it = records_.find(seq);
    if (it == records_.end()) return NotFound("no queued request #" + std::to_string(seq));
    return &it->second;
  }
  static Error NotDelivering(const Record& r) {
    return FailedPrecondition("task '" + r.task_id + "' is " +
                              std::string(RecordStateName(r.state)) + ", not being delivered");
  }
  void Index(const Record& r) GW_REQUIRES(mu_) {
    if (!r.idempotency_key.empty()) by_key_[r.idempotency_key] = r.seq;
    by_task_[r.task_id] = r.seq;
    queued_[r.upstream].emplace(r.priority, r.seq);
    charged_[r.seq] = r.footprint();
    bytes_ += charged_[r.seq];
    ++live_;
  }
  // Gives back what a live record was charged against the budget.
  void Release(const Record& r) GW_REQUIRES(mu_) {
    auto it = charged_.find(r.seq);
    if (it == charged_.end()) return;
    bytes_ -= it->second;
    --live_;
    charged_.erase(it);
  }
  void Unqueue(const Record& r) GW_REQUIRES(mu_) {
    auto q = queued_.find(r.upstream);
    if (q != queued_.end()) q->second.erase({r.priority, r.seq});
  }
  // Moves a live record to a terminal state and releases its budget.
  void Settle(Record& r, RecordState state) GW_REQUIRES(mu_) {
    Release(r);
    r.state = state;
    r.updated_ms = clock_.WallMillis();
  }
  static bool Matches(const Record& r, const ListFilter& f) {
    return (!f.state || r.state == *f.state) && (f.upstream.empty() || r.upstream == f.upstream) &&
           (!f.owner || r.owner == *f.owner);
  }

  const QueueLimits limits_;
  const Clock& clock_;
  Mutex mu_;
  uint64_t last_seq_ GW_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, Record> records_ GW_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> by_task_ GW_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> by_key_ GW_GUARDED_BY(mu_);
  std::map<std::string, std::set<std::tuple<Priority, uint64_t>>> queued_
      GW_GUARDED_BY(mu_);  // delivery order
  std::map<std::string, KeyState> keys_ GW_GUARDED_BY(mu_);
  std::map<uint64_t, size_t> charged_
      GW_GUARDED_BY(mu_);                  // live record -> footprint charged at Append
  uint64_t bytes_ GW_GUARDED_BY(mu_) = 0;  // footprint of live (queued, delivering, dead) records
  size_t live_ GW_GUARDED_BY(mu_) = 0;
};

}  // namespace

OfflineQueuePtr NewMemoryQueue(const MemoryQueueOptions& options) {
  return std::make_unique<MemoryQueue>(options);
}

}  // namespace gw::queue
