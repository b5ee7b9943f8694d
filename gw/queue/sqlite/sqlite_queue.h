// The durable OfflineQueue: one SQLite database in WAL mode. Each record is stored as its
// checksummed encoding (docs/formats/queue_record.md), zstd-compressed above a threshold,
// beside index columns for delivery order and lookups. A record that fails its checksum
// when read back is moved to the `corrupt` table, reported, and skipped; it never crashes
// the gateway.
//
// Durability: `synchronous = FULL` (the default here) makes every acknowledged Append
// survive power loss: SQLite fsyncs the WAL at each commit. `NORMAL` survives a crash of
// the gateway but may lose the last commits on power loss. docs/queue.md has the details.
//
// Thread-safety: all methods may be called concurrently (one connection under a mutex).
#pragma once

#include <string>

#include "gw/base/clock.h"
#include "gw/queue/offline_queue.h"

namespace gw::queue {

enum class SyncMode { kFull, kNormal };

struct SqliteQueueOptions {
  std::string path;  // the database file; created with its folder's permissions
  QueueLimits limits;
  SyncMode sync = SyncMode::kFull;
  // Concurrent Appends share one transaction and one fsync (each still returns only after
  // its record is durable). Off: one transaction per Append.
  bool group_commit = true;
  size_t compress_above_bytes = 1024;  // zstd for encoded records larger than this
  int busy_timeout_ms = 5000;
  std::string vfs;  // SQLite VFS name; empty: the default (tests inject faults with a fake one)
  const Clock* clock = nullptr;  // stamps updated_ms; RealClock() when null
};

// kUnavailable (with SQLite's reason) when the file cannot be opened or set up.
Result<OfflineQueuePtr> OpenSqliteQueue(const SqliteQueueOptions& options);

// The reasons records were set aside as corrupt, newest first (for `edgegw queue` and tests).
Result<std::vector<std::string>> CorruptRecordReasons(const std::string& path);

}  // namespace gw::queue
