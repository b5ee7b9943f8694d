// SqliteQueue, part two: taking due records, settling deliveries, and the admin reads and
// changes (sqlite_queue_impl.h).
#include <algorithm>

#include "gw/queue/sqlite/sqlite_queue_impl.h"

namespace gw::queue {

Result<std::vector<Record>> SqliteQueue::TakeDue(const std::string& upstream, int64_t now_ms,
                                                 size_t max) {
  MutexLock lock(mu_);
  GW_RETURN_IF_ERROR(table_.Exec("BEGIN IMMEDIATE"));
  // Expired ones first (a bounded number per call), then the due ones in delivery order:
  // both read through the records_due index and stop early, so a deep queue costs no more
  // per call than a shallow one.
  std::vector<Record> expired;
  {
    Stmt s(db_,
           "SELECT seq, codec, body FROM records WHERE upstream = ? AND state = 0 "
           "AND expires_ms != 0 AND expires_ms <= ? LIMIT 256");
    s.Bind(1, upstream).Bind(2, now_ms);
    while (s.Step() == SQLITE_ROW) {
      if (auto r = table_.Load(s.Int(0), s.Int(1), s.Blob(2))) expired.push_back(std::move(*r));
    }
  }
  for (Record& r : expired) {
    if (Status st = table_.Settle(r, RecordState::kExpired); !st)
      return table_.Rollback(st.error());
  }
  std::vector<Record> due;
  if (max > 0) {
    Stmt s(db_,
           "SELECT seq, codec, body FROM records WHERE upstream = ? AND state = 0 "
           "AND next_attempt_ms <= ? ORDER BY priority, seq LIMIT ?");
    s.Bind(1, upstream).Bind(2, now_ms).Bind(3, static_cast<int64_t>(max));
    while (s.Step() == SQLITE_ROW) {
      if (auto r = table_.Load(s.Int(0), s.Int(1), s.Blob(2))) due.push_back(std::move(*r));
    }
  }
  for (Record& r : due) {
    r.state = RecordState::kDelivering;
    ++r.attempts;
    if (Status st = table_.Update(r); !st) return table_.Rollback(st.error());
  }
  GW_RETURN_IF_ERROR(table_.Exec("COMMIT"));
  return due;
}

Status SqliteQueue::Complete(uint64_t seq, std::string result) {
  return Change(seq, [&](Record& r) {
    mu_.AssertHeld();  // Change runs it under mu_
    return ApplyComplete(r, std::move(result));
  });
}

Status SqliteQueue::Reschedule(uint64_t seq, int64_t next_attempt_ms, std::string error) {
  return Change(seq, [&](Record& r) {
    mu_.AssertHeld();  // Change runs it under mu_
    return ApplyReschedule(r, next_attempt_ms, std::move(error));
  });
}

Status SqliteQueue::DeadLetter(uint64_t seq, std::string error) {
  return Change(seq, [&](Record& r) {
    mu_.AssertHeld();  // Change runs it under mu_
    return ApplyDeadLetter(r, std::move(error));
  });
}

Status SqliteQueue::Cancel(uint64_t seq, std::string reason) {
  return Change(seq, [&](Record& r) -> Status {
    mu_.AssertHeld();  // Change runs it under mu_
    if (r.terminal()) {
      return FailedPrecondition("task '" + r.task_id + "' is already " +
                                std::string(RecordStateName(r.state)));
    }
    if (!reason.empty()) r.last_error = std::move(reason);
    return table_.Settle(r, RecordState::kCancelled);
  });
}

Result<KeyState> SqliteQueue::GetKey(const std::string& key) {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT version, written_ms FROM conflict_keys WHERE key = ?");
  s.Bind(1, key);
  KeyState k;
  if (s.Step() == SQLITE_ROW) {
    k.known = true;
    k.version = s.Int(0);
    k.written_ms = s.Int(1);
  }
  return k;
}

Status SqliteQueue::PutKey(const std::string& key, const KeyState& state) {
  MutexLock lock(mu_);
  Stmt s(db_, "INSERT OR REPLACE INTO conflict_keys(key, version, written_ms) VALUES(?, ?, ?)");
  s.Bind(1, key).Bind(2, state.version).Bind(3, state.written_ms);
  if (s.Step() != SQLITE_DONE) return table_.Failed("record a conflict key");
  return OkStatus();
}

Status SqliteQueue::Retry(uint64_t seq) {
  return Change(seq, [&](Record& r) -> Status {
    mu_.AssertHeld();  // Change runs it under mu_
    if (r.state != RecordState::kDead) {
      return FailedPrecondition("only dead letters can be retried; task '" + r.task_id + "' is " +
                                std::string(RecordStateName(r.state)));
    }
    r.state = RecordState::kQueued;
    r.attempts = 0;
    r.next_attempt_ms = 0;
    return table_.Update(r);
  });
}

Result<size_t> SqliteQueue::Purge(const ListFilter& filter) {
  MutexLock lock(mu_);
  std::string sql = "DELETE FROM records WHERE state IN (2, 3, 4, 5)";
  if (filter.state) sql += " AND state = " + std::to_string(static_cast<int>(*filter.state));
  if (!filter.upstream.empty()) sql += " AND upstream = ?";
  // Dead letters were live: give their budget back first.
  std::string dead_sql =
      "SELECT count(*), coalesce(sum(footprint), 0) FROM records WHERE state = 3";
  if (!filter.upstream.empty()) dead_sql += " AND upstream = ?";
  bool purges_dead = !filter.state || *filter.state == RecordState::kDead;
  GW_RETURN_IF_ERROR(table_.Exec("BEGIN IMMEDIATE"));
  if (purges_dead) {
    Stmt d(db_, dead_sql.c_str());
    if (!filter.upstream.empty()) d.Bind(1, filter.upstream);
    if (d.Step() == SQLITE_ROW) {
      table_.live -= std::min<size_t>(table_.live, static_cast<size_t>(d.Int(0)));
      table_.bytes -= std::min<uint64_t>(table_.bytes, static_cast<uint64_t>(d.Int(1)));
    }
  }
  Stmt s(db_, sql.c_str());
  if (!filter.upstream.empty()) s.Bind(1, filter.upstream);
  if (s.Step() != SQLITE_DONE)
    return table_.Rollback(Internal("purge: " + std::string(sqlite3_errmsg(db_))));
  size_t n = static_cast<size_t>(sqlite3_changes(db_));
  GW_RETURN_IF_ERROR(table_.Exec("COMMIT"));
  return n;
}

Result<size_t> SqliteQueue::RequeueInFlight() {
  MutexLock lock(mu_);
  std::vector<Record> rows;
  {
    Stmt s(db_, "SELECT seq, codec, body FROM records WHERE state = 1");
    while (s.Step() == SQLITE_ROW) {
      if (auto r = table_.Load(s.Int(0), s.Int(1), s.Blob(2))) rows.push_back(std::move(*r));
    }
  }
  for (Record& r : rows) {
    r.state = RecordState::kQueued;
    GW_RETURN_IF_ERROR(table_.Update(r));
  }
  return rows.size();
}

Result<Record> SqliteQueue::GetByTask(const std::string& task_id) {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT seq, codec, body FROM records WHERE task_id = ?");
  s.Bind(1, task_id);
  if (s.Step() != SQLITE_ROW) return NotFound("no task '" + task_id + "'");
  auto r = table_.Load(s.Int(0), s.Int(1), s.Blob(2));
  if (!r)
    return Error(Code::kDataLoss,
                 "task '" + task_id + "' was stored corrupt and has been set aside");
  return std::move(*r);
}

Result<std::vector<Record>> SqliteQueue::List(const ListFilter& filter) {
  MutexLock lock(mu_);
  std::string sql = "SELECT seq, codec, body FROM records WHERE seq > ?";
  if (filter.state) sql += " AND state = " + std::to_string(static_cast<int>(*filter.state));
  if (!filter.upstream.empty()) sql += " AND upstream = ?";
  if (filter.owner) sql += " AND owner = ?";
  sql += " ORDER BY seq LIMIT ?";
  Stmt s(db_, sql.c_str());
  int i = 1;
  s.Bind(i++, static_cast<int64_t>(filter.after_seq));
  if (!filter.upstream.empty()) s.Bind(i++, filter.upstream);
  if (filter.owner) s.Bind(i++, *filter.owner);
  s.Bind(i, static_cast<int64_t>(filter.limit));
  std::vector<Record> out;
  while (s.Step() == SQLITE_ROW) {
    if (auto r = table_.Load(s.Int(0), s.Int(1), s.Blob(2))) out.push_back(std::move(*r));
  }
  return out;
}

QueueStats SqliteQueue::Stats() {
  MutexLock lock(mu_);
  QueueStats st;
  st.bytes = table_.bytes;
  Stmt s(db_, "SELECT state, priority, count(*) FROM records GROUP BY state, priority");
  while (s.Step() == SQLITE_ROW) {
    auto state = static_cast<RecordState>(s.Int(0));
    size_t n = static_cast<size_t>(s.Int(2));
    int64_t p = s.Int(1);
    if (state == RecordState::kQueued && p >= 0 && p <= 2) st.queued[p] += n;
    if (state == RecordState::kDelivering) st.delivering += n;
    if (state == RecordState::kDead) st.dead += n;
    if (state == RecordState::kDone) st.done += n;
  }
  Stmt o(db_, "SELECT seq, codec, body FROM records WHERE state = 0 ORDER BY seq LIMIT 1");
  if (o.Step() == SQLITE_ROW) {
    if (auto r = table_.Load(o.Int(0), o.Int(1), o.Blob(2))) st.oldest_queued_ms = r->created_ms;
  }
  return st;
}

Status SqliteQueue::ApplyComplete(Record& r, std::string result) {
  if (r.state != RecordState::kDelivering) return NotDelivering(r);
  r.result = std::move(result);
  return table_.Settle(r, RecordState::kDone);
}

Status SqliteQueue::ApplyReschedule(Record& r, int64_t next_attempt_ms, std::string error) {
  if (r.state != RecordState::kDelivering) return NotDelivering(r);
  r.next_attempt_ms = next_attempt_ms;
  r.last_error = std::move(error);
  r.state = RecordState::kQueued;
  return table_.Update(r);
}

Status SqliteQueue::ApplyDeadLetter(Record& r, std::string error) {
  if (r.terminal() || r.state == RecordState::kDead) return NotDelivering(r);
  r.last_error = std::move(error);
  r.state = RecordState::kDead;
  return table_.Update(r);
}

Error SqliteQueue::NotDelivering(const Record& r) {
  return FailedPrecondition("task '" + r.task_id + "' is " + std::string(RecordStateName(r.state)) +
                            ", not being delivered");
}

}  // namespace gw::queue
