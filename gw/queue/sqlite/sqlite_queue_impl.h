// SqliteQueue: the OfflineQueue behind OpenSqliteQueue (sqlite_queue.h has the contract).
// Its methods are split by concern: sqlite_queue.cc opens it, appends and runs the one
// group-commit writer; sqlite_queue_delivery.cc takes due records, settles deliveries and
// serves the admin reads and changes. RecordTable does the row-level work for both.
// Private to gw/queue/sqlite.
//
// Ownership: owns the connection (closed in the destructor, after the writer has committed
// what was pending).
// Thread-safety: every public method may be called from any thread. mu_ guards the
// connection and RecordTable; group_mu_ guards the writer's queue of pending writes.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/queue/sqlite/record_table.h"
#include "gw/queue/sqlite/sqlite_queue.h"
#include "gw/queue/sqlite/sqlite_stmt.h"

namespace gw::queue {

class SqliteQueue final : public OfflineQueue {
 public:
  SqliteQueue(sqlite3* db, SqliteQueueOptions o)
      : db_(db),
        options_(std::move(o)),
        clock_(options_.clock ? *options_.clock : RealClock()),
        table_(db_, options_, clock_) {}
  ~SqliteQueue() override;

  // Sets the connection up (WAL, sync mode, schema, statements) and reads the live budget.
  Status Init();
  // Starts the writer thread (group commit).
  void StartWriter() {
    if (options_.group_commit) writer_ = std::thread([this] { WriterLoop(); });
  }

  // Appends (sqlite_queue.cc).
  Result<AppendOutcome> Append(Record r) override;
  void AppendAsync(Record r, AppendDone done) override;
  // Outcomes join the same group commits: the drain's I/O thread does not wait for a disk,
  // and a lost outcome (power loss) only means a redelivery the idempotency key absorbs.
  void CompleteAsync(uint64_t seq, std::string result, StatusDone done) override;
  void RescheduleAsync(uint64_t seq, int64_t next_attempt_ms, std::string error,
                       StatusDone done) override;
  void DeadLetterAsync(uint64_t seq, std::string error, StatusDone done) override;

  // Delivery and administration (sqlite_queue_delivery.cc).
  Result<std::vector<Record>> TakeDue(const std::string& upstream, int64_t now_ms,
                                      size_t max) override;
  Status Complete(uint64_t seq, std::string result) override;
  Status Reschedule(uint64_t seq, int64_t next_attempt_ms, std::string error) override;
  Status DeadLetter(uint64_t seq, std::string error) override;
  Status Cancel(uint64_t seq, std::string reason) override;
  Result<KeyState> GetKey(const std::string& key) override;
  Status PutKey(const std::string& key, const KeyState& state) override;
  Status Retry(uint64_t seq) override;
  Result<size_t> Purge(const ListFilter& filter) override;
  Result<size_t> RequeueInFlight() override;
  Result<Record> Get(uint64_t seq) override {
    MutexLock lock(mu_);
    return table_.Find(seq);
  }
  Result<Record> GetByTask(const std::string& task_id) override;
  Result<std::vector<Record>> List(const ListFilter& filter) override;
  QueueStats Stats() override;

 private:
  // One write waiting for the writer: `apply` runs under mu_ inside the group's
  // transaction; `done` runs after the commit with the commit's status.
  struct PendingOp {
    std::function<void()> apply;
    std::function<void(const Status& commit)> done;
  };
  static constexpr size_t kMaxGroup = 1024;

  void Submit(std::function<void()> apply, std::function<void(const Status&)> done);
  // A change of record `seq` made inside a group commit; done gets its status once committed.
  template <class F>
  void SubmitChange(uint64_t seq, StatusDone done, F change) {
    auto status = std::make_shared<Status>(OkStatus());
    Submit(
        [this, seq, status, change = std::move(change)]() mutable {
          mu_.AssertHeld();  // CommitGroup runs every apply under mu_
          auto r = table_.Find(seq);
          *status = r ? change(*r) : Status(r.error());
        },
        [status, done = std::move(done)](const Status& commit) {
          done(commit ? *status : commit);
        });
  }
  // The one writer (DESIGN "Threads": SQLite writes on one writer, group commit): takes
  // every append waiting, commits them in one transaction (one fsync), then answers each.
  void WriterLoop();
  Status CommitGroup(std::vector<PendingOp>& batch);
  // Appends under mu_, inside the caller's transaction (or its own, autocommitted).
  Result<AppendOutcome> AppendLocked(Record r) GW_REQUIRES(mu_);

  // The outcomes of a delivery, applied under mu_ (by the sync methods, or inside a group
  // commit by the async ones).
  Status ApplyComplete(Record& r, std::string result) GW_REQUIRES(mu_);
  Status ApplyReschedule(Record& r, int64_t next_attempt_ms, std::string error) GW_REQUIRES(mu_);
  Status ApplyDeadLetter(Record& r, std::string error) GW_REQUIRES(mu_);
  static Error NotDelivering(const Record& r);
  // A change of record `seq` in its own transaction.
  template <class F>
  Status Change(uint64_t seq, F&& change) {
    MutexLock lock(mu_);
    GW_ASSIGN_OR_RETURN(Record r, table_.Find(seq));
    return change(r);
  }

  sqlite3* const db_;
  const SqliteQueueOptions options_;
  std::unique_ptr<Stmt> select_key_ GW_GUARDED_BY(mu_);
  std::unique_ptr<Stmt> insert_ GW_GUARDED_BY(mu_);
  Mutex group_mu_;    // the group-commit queue
  CondVar group_cv_;  // wakes the writer
  std::vector<PendingOp> pending_ GW_GUARDED_BY(group_mu_);
  bool writer_stop_ GW_GUARDED_BY(group_mu_) = false;

  std::thread writer_;
  const Clock& clock_;
  Mutex mu_;
  RecordTable table_ GW_GUARDED_BY(mu_);
  uint64_t last_seq_ GW_GUARDED_BY(mu_) = 0;
};

}  // namespace gw::queue
