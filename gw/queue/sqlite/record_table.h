// RecordTable: the SQLite queue's `records` table, row by row. It stores a record as its
// checksummed encoding (zstd above a threshold) beside the index columns, reads rows back
// (a row that fails to decode is moved to `corrupt`, logged and skipped), moves records
// between states, and keeps the live budget (records and bytes of queued, delivering and
// dead ones) in step with the rows. It knows nothing of transactions or delivery rules:
// SqliteQueue decides those.
// Ownership: borrows the connection, the options and the clock, which must outlive it.
// Thread-safety: none; SqliteQueue calls it under its mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gw/base/clock.h"
#include "gw/queue/offline_queue.h"
#include "gw/queue/sqlite/sqlite_queue.h"
#include "gw/queue/sqlite/sqlite_stmt.h"

namespace gw::queue {

// The tables, created when missing. Record states 0, 1 and 3 (queued, delivering, dead) are
// live: they count against the budget.
extern const char* const kSqliteQueueSchema;

class RecordTable {
 public:
  RecordTable(sqlite3* db, const SqliteQueueOptions& options, const Clock& clock)
      : db_(db), options_(options), clock_(clock) {}

  // The live budget in use, as Init found it and the changes since keep it.
  size_t live = 0;
  uint64_t bytes = 0;

  Status Exec(const char* sql);
  // Brings a file of an older schema up to this one (the owner column of record version 2).
  Status Migrate();
  // Errors that name SQLite's reason: a full disk is an exhausted budget (the client is told
  // to try later), any other I/O error the storage being unavailable.
  Error Failed(const char* what);
  Error StorageError(std::string message);
  // Rolls the open transaction back and returns `e`.
  Error Rollback(Error e);

  // Binds every column of a row: seq, task_id, idem_key, upstream, priority, state,
  // next_attempt_ms, expires_ms, footprint, codec, body.
  Status BindRow(Stmt& s, const Record& r, size_t footprint);
  // Rewrites a record's row (its state, schedule, result), keeping its charged footprint.
  Status Update(Record& r);
  // Moves a record to a terminal state, giving its budget back when it was live.
  Status Settle(Record& r, RecordState state);
  // kNotFound, or kDataLoss for a row that was corrupt (and is now set aside).
  Result<Record> Find(uint64_t seq);
  // Decodes a stored row; nullopt when it does not decode (then it is set aside).
  std::optional<Record> Load(int64_t seq, int64_t codec, std::string_view blob);

 private:
  void SetAside(int64_t seq, std::string_view blob, const std::string& reason);

  sqlite3* const db_;
  const SqliteQueueOptions& options_;
  const Clock& clock_;
};

}  // namespace gw::queue
