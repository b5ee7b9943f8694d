// SqliteQueue, part one: opening, appends and the group-commit writer (sqlite_queue_impl.h).
#include "gw/queue/sqlite/sqlite_queue.h"

#include <sqlite3.h>

#include <future>

#include "gw/queue/sqlite/sqlite_queue_impl.h"

namespace gw::queue {

SqliteQueue::~SqliteQueue() {
  {
    MutexLock l(group_mu_);
    writer_stop_ = true;  // the writer commits what is pending, then ends
  }
  group_cv_.Signal();
  if (writer_.joinable()) writer_.join();
  select_key_.reset();
  insert_.reset();
  sqlite3_close_v2(db_);
}

Status SqliteQueue::Init() {
  MutexLock lock(mu_);  // nothing else runs yet; held so that every access is under it
  GW_RETURN_IF_ERROR(table_.Exec("PRAGMA journal_mode=WAL"));
  GW_RETURN_IF_ERROR(table_.Exec(options_.sync == SyncMode::kFull ? "PRAGMA synchronous=FULL"
                                                                  : "PRAGMA synchronous=NORMAL"));
  GW_RETURN_IF_ERROR(table_.Exec(kSqliteQueueSchema));
  GW_RETURN_IF_ERROR(table_.Migrate());
  select_key_ =
      std::make_unique<Stmt>(db_, "SELECT seq, codec, body FROM records WHERE idem_key = ?");
  insert_ =
      std::make_unique<Stmt>(db_,
                             "INSERT INTO records(seq, task_id, idem_key, upstream, priority, "
                             "state, next_attempt_ms, expires_ms, footprint, codec, body, owner) "
                             "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!select_key_->ok() || !insert_->ok()) return table_.Failed("prepare statements");
  Stmt s(db_,
         "SELECT count(*), coalesce(sum(footprint), 0), coalesce(max(seq), 0) FROM records "
         "WHERE state IN (0, 1, 3)");
  if (s.Step() == SQLITE_ROW) {
    table_.live = static_cast<size_t>(s.Int(0));
    table_.bytes = static_cast<uint64_t>(s.Int(1));
  }
  Stmt m(db_, "SELECT coalesce(max(seq), 0) FROM records");
  if (m.Step() == SQLITE_ROW) last_seq_ = static_cast<uint64_t>(m.Int(0));
  return OkStatus();
}

Result<AppendOutcome> SqliteQueue::Append(Record r) {
  if (r.task_id.empty() || r.upstream.empty() || r.method.empty()) {
    return InvalidArgument("a queued request needs a task id, an upstream and a method");
  }
  if (!options_.group_commit) {
    MutexLock lock(mu_);
    return AppendLocked(std::move(r));  // its own transaction: one fsync per request
  }
  // Group commit: hand it to the writer thread and wait for its commit.
  std::promise<Result<AppendOutcome>> done;
  auto future = done.get_future();
  AppendAsync(std::move(r),
              [&done](Result<AppendOutcome> outcome) { done.set_value(std::move(outcome)); });
  return future.get();
}

void SqliteQueue::AppendAsync(Record r, AppendDone done) {
  if (!options_.group_commit) return done(Append(std::move(r)));
  if (r.task_id.empty() || r.upstream.empty() || r.method.empty()) {
    return done(InvalidArgument("a queued request needs a task id, an upstream and a method"));
  }
  auto result = std::make_shared<Result<AppendOutcome>>(Internal("not written"));
  Submit(
      [this, record = std::move(r), result]() mutable {
        mu_.AssertHeld();  // CommitGroup runs every apply under mu_
        *result = AppendLocked(std::move(record));
      },
      [result, done = std::move(done)](const Status& commit) {
        done(commit ? std::move(*result) : Result<AppendOutcome>(commit.error()));
      });
}

void SqliteQueue::CompleteAsync(uint64_t seq, std::string result, StatusDone done) {
  if (!options_.group_commit) return done(Complete(seq, std::move(result)));
  SubmitChange(seq, std::move(done), [this, result = std::move(result)](Record& r) mutable {
    mu_.AssertHeld();  // SubmitChange's apply runs under mu_
    return ApplyComplete(r, std::move(result));
  });
}

void SqliteQueue::RescheduleAsync(uint64_t seq, int64_t next_attempt_ms, std::string error,
                                  StatusDone done) {
  if (!options_.group_commit) return done(Reschedule(seq, next_attempt_ms, std::move(error)));
  SubmitChange(seq, std::move(done),
               [this, next_attempt_ms, error = std::move(error)](Record& r) mutable {
                 mu_.AssertHeld();  // SubmitChange's apply runs under mu_
                 return ApplyReschedule(r, next_attempt_ms, std::move(error));
               });
}

void SqliteQueue::DeadLetterAsync(uint64_t seq, std::string error, StatusDone done) {
  if (!options_.group_commit) return done(DeadLetter(seq, std::move(error)));
  SubmitChange(seq, std::move(done), [this, error = std::move(error)](Record& r) mutable {
    mu_.AssertHeld();  // SubmitChange's apply runs under mu_
    return ApplyDeadLetter(r, std::move(error));
  });
}

void SqliteQueue::Submit(std::function<void()> apply, std::function<void(const Status&)> done) {
  {
    MutexLock l(group_mu_);
    if (!writer_stop_) {
      pending_.push_back({std::move(apply), std::move(done)});
      group_cv_.Signal();
      return;
    }
  }
  done(Unavailable("the offline queue is closing"));
}

void SqliteQueue::WriterLoop() {
  while (true) {
    std::vector<PendingOp> batch;
    {
      MutexLock l(group_mu_);
      while (!writer_stop_ && pending_.empty()) group_cv_.Wait(group_mu_);
      if (pending_.empty()) return;  // stopping, nothing left
      size_t n = std::min(pending_.size(), kMaxGroup);
      batch.assign(std::make_move_iterator(pending_.begin()),
                   std::make_move_iterator(pending_.begin() + n));
      pending_.erase(pending_.begin(), pending_.begin() + n);
    }
    Status commit = CommitGroup(batch);
    for (PendingOp& op : batch) op.done(commit);
  }
}

Status SqliteQueue::CommitGroup(std::vector<PendingOp>& batch) {
  MutexLock lock(mu_);
  uint64_t seq = last_seq_;
  size_t live = table_.live;
  uint64_t bytes = table_.bytes;
  GW_RETURN_IF_ERROR(table_.Exec("BEGIN IMMEDIATE"));
  for (PendingOp& op : batch) op.apply();
  if (Status committed = table_.Exec("COMMIT"); !committed) {
    (void)table_.Exec("ROLLBACK");
    last_seq_ = seq;  // nothing of the batch exists
    table_.live = live;
    table_.bytes = bytes;
    return committed;
  }
  return OkStatus();
}

Result<AppendOutcome> SqliteQueue::AppendLocked(Record r) {
  if (!r.idempotency_key.empty()) {
    Stmt& s = *select_key_;
    s.Bind(1, r.idempotency_key);
    if (s.Step() == SQLITE_ROW) {
      auto existing = table_.Load(s.Int(0), s.Int(1), s.Blob(2));
      s.Reset();
      if (existing) return AppendOutcome{std::move(*existing), true};
      // A corrupt twin was set aside; the request is queued afresh.
    }
    s.Reset();
  }
  if (table_.live >= options_.limits.max_records) {
    return ResourceExhausted("the offline queue is full (" +
                             std::to_string(options_.limits.max_records) + " requests)");
  }
  if (table_.bytes + r.footprint() > options_.limits.max_bytes) {
    return ResourceExhausted("the offline queue is full (" +
                             std::to_string(options_.limits.max_bytes) + " bytes)");
  }
  r.seq = last_seq_ + 1;
  r.state = RecordState::kQueued;
  r.updated_ms = clock_.WallMillis();
  Stmt& ins = *insert_;
  GW_RETURN_IF_ERROR(table_.BindRow(ins, r, r.footprint()));
  int rc = ins.Step();
  ins.Reset();
  if (rc != SQLITE_DONE) {
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
      return InvalidArgument("task id '" + r.task_id + "' is already used");
    }
    return table_.Failed("queue a request");
  }
  last_seq_ = r.seq;
  ++table_.live;
  table_.bytes += r.footprint();
  return AppendOutcome{std::move(r), false};
}

Result<OfflineQueuePtr> OpenSqliteQueue(const SqliteQueueOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Unavailable("cannot open the offline queue '" + options.path + "': " + why);
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto queue = std::make_unique<SqliteQueue>(db, options);
  GW_RETURN_IF_ERROR(queue->Init());
  queue->StartWriter();
  return OfflineQueuePtr(std::move(queue));
}

Result<std::vector<std::string>> CorruptRecordReasons(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return Unavailable("cannot open '" + path + "'");
  }
  std::vector<std::string> out;
  {
    Stmt s(db, "SELECT seq, reason FROM corrupt ORDER BY rowid DESC");
    while (s.ok() && s.Step() == SQLITE_ROW) {
      // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) about "#" + string.
      std::string line = "#";
      line += std::to_string(s.Int(0));
      line += ": ";
      line += s.Blob(1);
      out.push_back(std::move(line));
    }
  }
  sqlite3_close_v2(db);
  return out;
}

}  // namespace gw::queue
