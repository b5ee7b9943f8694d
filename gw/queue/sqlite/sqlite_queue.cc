#include "gw/queue/sqlite/sqlite_queue.h"

#include <sqlite3.h>
#include <zstd.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "gw/base/log.h"
#include "gw/base/mutex.h"
#include "gw/queue/record_codec.h"

namespace gw::queue {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS records(
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL UNIQUE,
  idem_key TEXT UNIQUE,
  upstream TEXT NOT NULL,
  priority INTEGER NOT NULL,
  state INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  footprint INTEGER NOT NULL,
  codec INTEGER NOT NULL,
  body BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS records_due ON records(upstream, state, priority, seq);
CREATE TABLE IF NOT EXISTS conflict_keys(key TEXT PRIMARY KEY, version INTEGER NOT NULL, written_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS corrupt(seq INTEGER, reason TEXT NOT NULL, found_ms INTEGER NOT NULL, body BLOB);
)sql";

bool Live(RecordState s) {
  return s == RecordState::kQueued || s == RecordState::kDelivering || s == RecordState::kDead;
}

// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  Stmt& Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); return *this; }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindNull(int i) { sqlite3_bind_null(stmt_, i); return *this; }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string_view Blob(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteQueue final : public OfflineQueue {
 public:
  SqliteQueue(sqlite3* db, SqliteQueueOptions o)
      : db_(db), options_(std::move(o)), clock_(options_.clock ? *options_.clock : RealClock()) {}
  ~SqliteQueue() override {
    {
      std::lock_guard l(group_mu_);
      writer_stop_ = true;  // the writer commits what is pending, then ends
    }
    group_cv_.notify_one();
    if (writer_.joinable()) writer_.join();
    select_key_.reset();
    insert_.reset();
    sqlite3_close_v2(db_);
  }

  Status Init() {
    GW_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    GW_RETURN_IF_ERROR(Exec(options_.sync == SyncMode::kFull ? "PRAGMA synchronous=FULL"
                                                             : "PRAGMA synchronous=NORMAL"));
    GW_RETURN_IF_ERROR(Exec(kSchema));
    select_key_ = std::make_unique<Stmt>(db_, "SELECT seq, codec, body FROM records WHERE idem_key = ?");
    insert_ = std::make_unique<Stmt>(db_, "INSERT INTO records(seq, task_id, idem_key, upstream, priority, "
                                          "state, next_attempt_ms, expires_ms, footprint, codec, body) "
                                          "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    if (!select_key_->ok() || !insert_->ok()) return Failed("prepare statements");
    Stmt s(db_, "SELECT count(*), coalesce(sum(footprint), 0), coalesce(max(seq), 0) FROM records "
                "WHERE state IN (0, 1, 3)");
    if (s.Step() == SQLITE_ROW) {
      live_ = static_cast<size_t>(s.Int(0));
      bytes_ = static_cast<uint64_t>(s.Int(1));
    }
    Stmt m(db_, "SELECT coalesce(max(seq), 0) FROM records");
    if (m.Step() == SQLITE_ROW) last_seq_ = static_cast<uint64_t>(m.Int(0));
    return OkStatus();
  }

  Result<AppendOutcome> Append(Record r) override {
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
    AppendAsync(std::move(r), [&done](Result<AppendOutcome> outcome) { done.set_value(std::move(outcome)); });
    return future.get();
  }

  void AppendAsync(Record r, AppendDone done) override {
    if (!options_.group_commit) return done(Append(std::move(r)));
    if (r.task_id.empty() || r.upstream.empty() || r.method.empty()) {
      return done(InvalidArgument("a queued request needs a task id, an upstream and a method"));
    }
    auto result = std::make_shared<Result<AppendOutcome>>(Internal("not written"));
    Submit([this, record = std::move(r), result]() mutable { *result = AppendLocked(std::move(record)); },
           [result, done = std::move(done)](const Status& commit) {
             done(commit ? std::move(*result) : Result<AppendOutcome>(commit.error()));
           });
  }

  // Outcomes join the same group commits: the drain's I/O thread does not wait for a disk,
  // and a lost outcome (power loss) only means a redelivery the idempotency key absorbs.
  void CompleteAsync(uint64_t seq, std::string result, StatusDone done) override {
    if (!options_.group_commit) return done(Complete(seq, std::move(result)));
    SubmitChange(seq, std::move(done), [this, result = std::move(result)](Record& r) mutable {
      return ApplyComplete(r, std::move(result));
    });
  }

  void RescheduleAsync(uint64_t seq, int64_t next_attempt_ms, std::string error, StatusDone done) override {
    if (!options_.group_commit) return done(Reschedule(seq, next_attempt_ms, std::move(error)));
    SubmitChange(seq, std::move(done), [this, next_attempt_ms, error = std::move(error)](Record& r) mutable {
      return ApplyReschedule(r, next_attempt_ms, std::move(error));
    });
  }

  void DeadLetterAsync(uint64_t seq, std::string error, StatusDone done) override {
    if (!options_.group_commit) return done(DeadLetter(seq, std::move(error)));
    SubmitChange(seq, std::move(done), [this, error = std::move(error)](Record& r) mutable {
      return ApplyDeadLetter(r, std::move(error));
    });
  }

  // Starts the writer thread (group commit).
  void StartWriter() {
    if (options_.group_commit) writer_ = std::thread([this] { WriterLoop(); });
  }

 private:
  // One write waiting for the writer: `apply` runs under mu_ inside the group's
  // transaction; `done` runs after the commit with the commit's status.
  struct PendingOp {
    std::function<void()> apply;
    std::function<void(const Status& commit)> done;
  };

  void Submit(std::function<void()> apply, std::function<void(const Status&)> done) {
    {
      std::lock_guard l(group_mu_);
      if (!writer_stop_) {
        pending_.push_back({std::move(apply), std::move(done)});
        group_cv_.notify_one();
        return;
      }
    }
    done(Unavailable("the offline queue is closing"));
  }

  template <class F>
  void SubmitChange(uint64_t seq, StatusDone done, F change) {
    auto status = std::make_shared<Status>(OkStatus());
    Submit([this, seq, status, change = std::move(change)]() mutable {
             auto r = Find(seq);
             *status = r ? change(*r) : Status(r.error());
           },
           [status, done = std::move(done)](const Status& commit) { done(commit ? *status : commit); });
  }
  static constexpr size_t kMaxGroup = 1024;

  // The one writer (DESIGN "Threads": SQLite writes on one writer, group commit): takes
  // every append waiting, commits them in one transaction (one fsync), then answers each.
  void WriterLoop() {
    while (true) {
      std::vector<PendingOp> batch;
      {
        std::unique_lock l(group_mu_);
        group_cv_.wait(l, [this] { return writer_stop_ || !pending_.empty(); });
        if (pending_.empty()) return;  // stopping, nothing left
        size_t n = std::min(pending_.size(), kMaxGroup);
        batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.begin() + n));
        pending_.erase(pending_.begin(), pending_.begin() + n);
      }
      Status commit = CommitGroup(batch);
      for (PendingOp& op : batch) op.done(commit);
    }
  }

  Status CommitGroup(std::vector<PendingOp>& batch) {
    MutexLock lock(mu_);
    uint64_t seq = last_seq_;
    size_t live = live_;
    uint64_t bytes = bytes_;
    GW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    for (PendingOp& op : batch) op.apply();
    if (Status committed = Exec("COMMIT"); !committed) {
      (void)Exec("ROLLBACK");
      last_seq_ = seq;  // nothing of the batch exists
      live_ = live;
      bytes_ = bytes;
      return committed;
    }
    return OkStatus();
  }

  // Appends under mu_, inside the caller's transaction (or its own, autocommitted).
  Result<AppendOutcome> AppendLocked(Record r) {
    if (!r.idempotency_key.empty()) {
      Stmt& s = *select_key_;
      s.Bind(1, r.idempotency_key);
      if (s.Step() == SQLITE_ROW) {
        auto existing = Load(s.Int(0), s.Int(1), s.Blob(2));
        s.Reset();
        if (existing) return AppendOutcome{std::move(*existing), true};
        // A corrupt twin was set aside; the request is queued afresh.
      }
      s.Reset();
    }
    if (live_ >= options_.limits.max_records) {
      return ResourceExhausted("the offline queue is full (" + std::to_string(options_.limits.max_records) + " requests)");
    }
    if (bytes_ + r.footprint() > options_.limits.max_bytes) {
      return ResourceExhausted("the offline queue is full (" + std::to_string(options_.limits.max_bytes) + " bytes)");
    }
    r.seq = last_seq_ + 1;
    r.state = RecordState::kQueued;
    r.updated_ms = clock_.WallMillis();
    Stmt& ins = *insert_;
    GW_RETURN_IF_ERROR(BindRow(ins, r, r.footprint()));
    int rc = ins.Step();
    ins.Reset();
    if (rc != SQLITE_DONE) {
      if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
        return InvalidArgument("task id '" + r.task_id + "' is already used");
      }
      return Failed("queue a request");
    }
    last_seq_ = r.seq;
    ++live_;
    bytes_ += r.footprint();
    return AppendOutcome{std::move(r), false};
  }

 public:
  Result<std::vector<Record>> TakeDue(const std::string& upstream, int64_t now_ms, size_t max) override {
    MutexLock lock(mu_);
    GW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    // Expired ones first (a bounded number per call), then the due ones in delivery order:
    // both read through the records_due index and stop early, so a deep queue costs no more
    // per call than a shallow one.
    std::vector<Record> expired;
    {
      Stmt s(db_, "SELECT seq, codec, body FROM records WHERE upstream = ? AND state = 0 "
                  "AND expires_ms != 0 AND expires_ms <= ? LIMIT 256");
      s.Bind(1, upstream).Bind(2, now_ms);
      while (s.Step() == SQLITE_ROW) {
        if (auto r = Load(s.Int(0), s.Int(1), s.Blob(2))) expired.push_back(std::move(*r));
      }
    }
    for (Record& r : expired) {
      if (Status st = Settle(r, RecordState::kExpired); !st) return Rollback(st.error());
    }
    std::vector<Record> due;
    if (max > 0) {
      Stmt s(db_, "SELECT seq, codec, body FROM records WHERE upstream = ? AND state = 0 "
                  "AND next_attempt_ms <= ? ORDER BY priority, seq LIMIT ?");
      s.Bind(1, upstream).Bind(2, now_ms).Bind(3, static_cast<int64_t>(max));
      while (s.Step() == SQLITE_ROW) {
        if (auto r = Load(s.Int(0), s.Int(1), s.Blob(2))) due.push_back(std::move(*r));
      }
    }
    for (Record& r : due) {
      r.state = RecordState::kDelivering;
      ++r.attempts;
      if (Status st = Update(r); !st) return Rollback(st.error());
    }
    GW_RETURN_IF_ERROR(Exec("COMMIT"));
    return due;
  }

  Status Complete(uint64_t seq, std::string result) override {
    return Change(seq, [&](Record& r) { return ApplyComplete(r, std::move(result)); });
  }

  Status Reschedule(uint64_t seq, int64_t next_attempt_ms, std::string error) override {
    return Change(seq, [&](Record& r) { return ApplyReschedule(r, next_attempt_ms, std::move(error)); });
  }

  Status DeadLetter(uint64_t seq, std::string error) override {
    return Change(seq, [&](Record& r) { return ApplyDeadLetter(r, std::move(error)); });
  }

  Status Cancel(uint64_t seq, std::string reason) override {
    return Change(seq, [&](Record& r) -> Status {
      if (r.terminal()) {
        return FailedPrecondition("task '" + r.task_id + "' is already " + std::string(RecordStateName(r.state)));
      }
      if (!reason.empty()) r.last_error = std::move(reason);
      return Settle(r, RecordState::kCancelled);
    });
  }

  Result<KeyState> GetKey(const std::string& key) override {
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

  Status PutKey(const std::string& key, const KeyState& state) override {
    MutexLock lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO conflict_keys(key, version, written_ms) VALUES(?, ?, ?)");
    s.Bind(1, key).Bind(2, state.version).Bind(3, state.written_ms);
    if (s.Step() != SQLITE_DONE) return Failed("record a conflict key");
    return OkStatus();
  }

  Status Retry(uint64_t seq) override {
    return Change(seq, [&](Record& r) -> Status {
      if (r.state != RecordState::kDead) {
        return FailedPrecondition("only dead letters can be retried; task '" + r.task_id + "' is " +
                                  std::string(RecordStateName(r.state)));
      }
      r.state = RecordState::kQueued;
      r.attempts = 0;
      r.next_attempt_ms = 0;
      return Update(r);
    });
  }

  Result<size_t> Purge(const ListFilter& filter) override {
    MutexLock lock(mu_);
    std::string sql = "DELETE FROM records WHERE state IN (2, 3, 4, 5)";
    if (filter.state) sql += " AND state = " + std::to_string(static_cast<int>(*filter.state));
    if (!filter.upstream.empty()) sql += " AND upstream = ?";
    // Dead letters were live: give their budget back first.
    std::string dead_sql = "SELECT count(*), coalesce(sum(footprint), 0) FROM records WHERE state = 3";
    if (!filter.upstream.empty()) dead_sql += " AND upstream = ?";
    bool purges_dead = !filter.state || *filter.state == RecordState::kDead;
    GW_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    if (purges_dead) {
      Stmt d(db_, dead_sql.c_str());
      if (!filter.upstream.empty()) d.Bind(1, filter.upstream);
      if (d.Step() == SQLITE_ROW) {
        live_ -= std::min<size_t>(live_, static_cast<size_t>(d.Int(0)));
        bytes_ -= std::min<uint64_t>(bytes_, static_cast<uint64_t>(d.Int(1)));
      }
    }
    Stmt s(db_, sql.c_str());
    if (!filter.upstream.empty()) s.Bind(1, filter.upstream);
    if (s.Step() != SQLITE_DONE) return Rollback(Internal("purge: " + std::string(sqlite3_errmsg(db_))));
    size_t n = static_cast<size_t>(sqlite3_changes(db_));
    GW_RETURN_IF_ERROR(Exec("COMMIT"));
    return n;
  }

  Result<size_t> RequeueInFlight() override {
    MutexLock lock(mu_);
    std::vector<Record> rows;
    {
      Stmt s(db_, "SELECT seq, codec, body FROM records WHERE state = 1");
      while (s.Step() == SQLITE_ROW) {
        if (auto r = Load(s.Int(0), s.Int(1), s.Blob(2))) rows.push_back(std::move(*r));
      }
    }
    for (Record& r : rows) {
      r.state = RecordState::kQueued;
      GW_RETURN_IF_ERROR(Update(r));
    }
    return rows.size();
  }

  Result<Record> Get(uint64_t seq) override {
    MutexLock lock(mu_);
    return Find(seq);
  }

  Result<Record> GetByTask(const std::string& task_id) override {
    MutexLock lock(mu_);
    Stmt s(db_, "SELECT seq, codec, body FROM records WHERE task_id = ?");
    s.Bind(1, task_id);
    if (s.Step() != SQLITE_ROW) return NotFound("no task '" + task_id + "'");
    auto r = Load(s.Int(0), s.Int(1), s.Blob(2));
    if (!r) return Error(Code::kDataLoss, "task '" + task_id + "' was stored corrupt and has been set aside");
    return std::move(*r);
  }

  Result<std::vector<Record>> List(const ListFilter& filter) override {
    MutexLock lock(mu_);
    std::string sql = "SELECT seq, codec, body FROM records WHERE seq > ?";
    if (filter.state) sql += " AND state = " + std::to_string(static_cast<int>(*filter.state));
    if (!filter.upstream.empty()) sql += " AND upstream = ?";
    sql += " ORDER BY seq LIMIT ?";
    Stmt s(db_, sql.c_str());
    int i = 1;
    s.Bind(i++, static_cast<int64_t>(filter.after_seq));
    if (!filter.upstream.empty()) s.Bind(i++, filter.upstream);
    s.Bind(i, static_cast<int64_t>(filter.limit));
    std::vector<Record> out;
    while (s.Step() == SQLITE_ROW) {
      if (auto r = Load(s.Int(0), s.Int(1), s.Blob(2))) out.push_back(std::move(*r));
    }
    return out;
  }

  QueueStats Stats() override {
    MutexLock lock(mu_);
    QueueStats st;
    st.bytes = bytes_;
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
      if (auto r = Load(o.Int(0), o.Int(1), o.Blob(2))) st.oldest_queued_ms = r->created_ms;
    }
    return st;
  }

 private:
  // All below run under mu_.
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "unknown";
      sqlite3_free(err);
      return StorageError("offline queue (" + options_.path + "): " + m);
    }
    return OkStatus();
  }
  Error Failed(const char* what) {
    return StorageError(std::string("offline queue: cannot ") + what + ": " + sqlite3_errmsg(db_));
  }
  // A full disk is a budget that is exhausted (the client is told to try later); any other
  // I/O error is the storage being unavailable. Either way nothing acknowledged is touched.
  Error StorageError(std::string message) {
    int code = sqlite3_errcode(db_) & 0xff;
    if (code == SQLITE_FULL) return ResourceExhausted(message + " (the disk is full)");
    return Unavailable(std::move(message));
  }
  Error Rollback(Error e) {
    (void)Exec("ROLLBACK");
    return e;
  }
  // The outcomes of a delivery, applied under mu_ (by the sync methods, or inside a group
  // commit by the async ones).
  Status ApplyComplete(Record& r, std::string result) {
    if (r.state != RecordState::kDelivering) return NotDelivering(r);
    r.result = std::move(result);
    return Settle(r, RecordState::kDone);
  }
  Status ApplyReschedule(Record& r, int64_t next_attempt_ms, std::string error) {
    if (r.state != RecordState::kDelivering) return NotDelivering(r);
    r.next_attempt_ms = next_attempt_ms;
    r.last_error = std::move(error);
    r.state = RecordState::kQueued;
    return Update(r);
  }
  Status ApplyDeadLetter(Record& r, std::string error) {
    if (r.terminal() || r.state == RecordState::kDead) return NotDelivering(r);
    r.last_error = std::move(error);
    r.state = RecordState::kDead;
    return Update(r);
  }

  static Error NotDelivering(const Record& r) {
    return FailedPrecondition("task '" + r.task_id + "' is " + std::string(RecordStateName(r.state)) +
                              ", not being delivered");
  }

  // Binds every column of a row: seq, task_id, idem_key, upstream, priority, state,
  // next_attempt_ms, expires_ms, footprint, codec, body.
  Status BindRow(Stmt& s, const Record& r, size_t footprint) {
    std::string body = EncodeRecord(r);
    int codec = 0;
    if (body.size() > options_.compress_above_bytes) {
      std::string packed(ZSTD_compressBound(body.size()), '\0');
      size_t n = ZSTD_compress(packed.data(), packed.size(), body.data(), body.size(), 3);
      if (!ZSTD_isError(n) && n < body.size()) {
        packed.resize(n);
        body = std::move(packed);
        codec = 1;
      }
    }
    s.Bind(1, static_cast<int64_t>(r.seq)).Bind(2, r.task_id);
    if (r.idempotency_key.empty()) s.BindNull(3);
    else s.Bind(3, r.idempotency_key);
    s.Bind(4, r.upstream).Bind(5, static_cast<int64_t>(r.priority)).Bind(6, static_cast<int64_t>(r.state));
    s.Bind(7, r.next_attempt_ms).Bind(8, r.expires_ms).Bind(9, static_cast<int64_t>(footprint));
    s.Bind(10, codec).BindBlob(11, body);
    return OkStatus();
  }

  // Rewrites a record's row (its state, schedule, result), keeping its charged footprint.
  Status Update(Record& r) {
    r.updated_ms = clock_.WallMillis();
    Stmt s(db_, "UPDATE records SET task_id=?2, idem_key=?3, upstream=?4, priority=?5, state=?6, "
                "next_attempt_ms=?7, expires_ms=?8, footprint=?9, codec=?10, body=?11 WHERE seq=?1");
    int64_t footprint = 0;
    {
      Stmt f(db_, "SELECT footprint FROM records WHERE seq = ?");
      f.Bind(1, static_cast<int64_t>(r.seq));
      if (f.Step() == SQLITE_ROW) footprint = f.Int(0);
    }
    GW_RETURN_IF_ERROR(BindRow(s, r, static_cast<size_t>(footprint)));
    if (s.Step() != SQLITE_DONE) return Failed("update a request");
    return OkStatus();
  }

  // Moves a record to a terminal state, giving its budget back when it was live.
  Status Settle(Record& r, RecordState state) {
    Stmt f(db_, "SELECT state, footprint FROM records WHERE seq = ?");
    f.Bind(1, static_cast<int64_t>(r.seq));
    if (f.Step() == SQLITE_ROW && Live(static_cast<RecordState>(f.Int(0)))) {
      live_ -= std::min<size_t>(live_, 1);
      bytes_ -= std::min<uint64_t>(bytes_, static_cast<uint64_t>(f.Int(1)));
    }
    r.state = state;
    return Update(r);
  }

  Result<Record> Find(uint64_t seq) {
    Stmt s(db_, "SELECT seq, codec, body FROM records WHERE seq = ?");
    s.Bind(1, static_cast<int64_t>(seq));
    if (s.Step() != SQLITE_ROW) return NotFound("no queued request #" + std::to_string(seq));
    auto r = Load(s.Int(0), s.Int(1), s.Blob(2));
    if (!r) return Error(Code::kDataLoss, "queued request #" + std::to_string(seq) + " was stored corrupt and has been set aside");
    return std::move(*r);
  }

  template <class F>
  Status Change(uint64_t seq, F&& change) {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record r, Find(seq));
    return change(r);
  }

  // Decodes a stored row. A row that does not decode is moved to `corrupt`, logged, and
  // reported as nullopt.
  std::optional<Record> Load(int64_t seq, int64_t codec, std::string_view blob) {
    std::string plain;
    std::string reason;
    std::string_view bytes = blob;
    if (codec == 1) {
      unsigned long long size = ZSTD_getFrameContentSize(blob.data(), blob.size());
      if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxEncodedRecordBytes) {
        reason = "compressed body is not a zstd frame of known, bounded size";
      } else {
        plain.resize(static_cast<size_t>(size));
        size_t n = ZSTD_decompress(plain.data(), plain.size(), blob.data(), blob.size());
        if (ZSTD_isError(n) || n != size) reason = "compressed body does not decompress";
        bytes = plain;
      }
    } else if (codec != 0) {
      reason = "unknown codec " + std::to_string(codec);
    }
    if (reason.empty()) {
      auto r = DecodeRecord(bytes);
      if (r && r->seq == static_cast<uint64_t>(seq)) return std::move(*r);
      reason = r ? "its seq does not match its row" : r.error().message();
    }
    SetAside(seq, blob, reason);
    return std::nullopt;
  }

  void SetAside(int64_t seq, std::string_view blob, const std::string& reason) {
    GW_LOG_ERROR("offline queue (%s): request #%lld is corrupt (%s); set aside in table 'corrupt'",
                 options_.path.c_str(), static_cast<long long>(seq), reason.c_str());
    Stmt ins(db_, "INSERT INTO corrupt(seq, reason, found_ms, body) VALUES(?, ?, strftime('%s','now') * 1000, ?)");
    ins.Bind(1, seq).Bind(2, reason).BindBlob(3, blob);
    ins.Step();
    Stmt state(db_, "SELECT state, footprint FROM records WHERE seq = ?");
    state.Bind(1, seq);
    if (state.Step() == SQLITE_ROW && Live(static_cast<RecordState>(state.Int(0)))) {
      live_ -= std::min<size_t>(live_, 1);
      bytes_ -= std::min<uint64_t>(bytes_, static_cast<uint64_t>(state.Int(1)));
    }
    Stmt del(db_, "DELETE FROM records WHERE seq = ?");
    del.Bind(1, seq);
    del.Step();
  }

  sqlite3* const db_;
  const SqliteQueueOptions options_;
  std::unique_ptr<Stmt> select_key_;  // guarded by mu_
  std::unique_ptr<Stmt> insert_;      // guarded by mu_
  std::mutex group_mu_;                 // the group-commit queue
  std::condition_variable group_cv_;    // wakes the writer
  std::vector<PendingOp> pending_;      // guarded by group_mu_
  bool writer_stop_ = false;            // guarded by group_mu_
  std::thread writer_;
  const Clock& clock_;
  Mutex mu_;
  uint64_t last_seq_ = 0;  // guarded by mu_
  size_t live_ = 0;        // guarded by mu_
  uint64_t bytes_ = 0;     // guarded by mu_
};

}  // namespace

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
      std::string_view reason = s.Blob(1);
      out.push_back("#" + std::to_string(s.Int(0)) + ": " + std::string(reason));
    }
  }
  sqlite3_close_v2(db);
  return out;
}

}  // namespace gw::queue
