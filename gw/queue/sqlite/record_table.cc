#include "gw/queue/sqlite/record_table.h"

#include <zstd.h>

#include <algorithm>

#include "gw/base/log.h"
#include "gw/queue/record_codec.h"

namespace gw::queue {
namespace {

bool Live(RecordState s) {
  return s == RecordState::kQueued || s == RecordState::kDelivering || s == RecordState::kDead;
}

}  // namespace

const char* const kSqliteQueueSchema = R"sql(
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
  body BLOB NOT NULL,
  owner TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS records_due ON records(upstream, state, priority, seq);
CREATE TABLE IF NOT EXISTS conflict_keys(key TEXT PRIMARY KEY, version INTEGER NOT NULL, written_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS corrupt(seq INTEGER, reason TEXT NOT NULL, found_ms INTEGER NOT NULL, body BLOB);
)sql";

Status RecordTable::Migrate() {
  // Files from before owners (record version 1) lack the column; their records have none.
  bool has_owner = false;
  {
    Stmt s(db_, "PRAGMA table_info(records)");
    while (s.Step() == SQLITE_ROW) has_owner = has_owner || s.Blob(1) == "owner";
  }
  if (!has_owner) {
    GW_RETURN_IF_ERROR(Exec("ALTER TABLE records ADD COLUMN owner TEXT NOT NULL DEFAULT ''"));
  }
  return Exec("CREATE INDEX IF NOT EXISTS records_owner ON records(owner, seq)");
}

Status RecordTable::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return StorageError("offline queue (" + options_.path + "): " + m);
  }
  return OkStatus();
}

Error RecordTable::Failed(const char* what) {
  return StorageError(std::string("offline queue: cannot ") + what + ": " + sqlite3_errmsg(db_));
}

// Either way nothing acknowledged is touched.
Error RecordTable::StorageError(std::string message) {
  int code = sqlite3_errcode(db_) & 0xff;
  if (code == SQLITE_FULL) return ResourceExhausted(message + " (the disk is full)");
  return Unavailable(std::move(message));
}

Error RecordTable::Rollback(Error e) {
  (void)Exec("ROLLBACK");
  return e;
}

Status RecordTable::BindRow(Stmt& s, const Record& r, size_t footprint) {
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
  if (r.idempotency_key.empty())
    s.BindNull(3);
  else
    s.Bind(3, r.idempotency_key);
  s.Bind(4, r.upstream)
      .Bind(5, static_cast<int64_t>(r.priority))
      .Bind(6, static_cast<int64_t>(r.state));
  s.Bind(7, r.next_attempt_ms).Bind(8, r.expires_ms).Bind(9, static_cast<int64_t>(footprint));
  s.Bind(10, codec).BindBlob(11, body).Bind(12, r.owner);
  return OkStatus();
}

Status RecordTable::Update(Record& r) {
  r.updated_ms = clock_.WallMillis();
  Stmt s(db_,
         "UPDATE records SET task_id=?2, idem_key=?3, upstream=?4, priority=?5, state=?6, "
         "next_attempt_ms=?7, expires_ms=?8, footprint=?9, codec=?10, body=?11, owner=?12 "
         "WHERE seq=?1");
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

Status RecordTable::Settle(Record& r, RecordState state) {
  Stmt f(db_, "SELECT state, footprint FROM records WHERE seq = ?");
  f.Bind(1, static_cast<int64_t>(r.seq));
  if (f.Step() == SQLITE_ROW && Live(static_cast<RecordState>(f.Int(0)))) {
    live -= std::min<size_t>(live, 1);
    bytes -= std::min<uint64_t>(bytes, static_cast<uint64_t>(f.Int(1)));
  }
  r.state = state;
  return Update(r);
}

Result<Record> RecordTable::Find(uint64_t seq) {
  Stmt s(db_, "SELECT seq, codec, body FROM records WHERE seq = ?");
  s.Bind(1, static_cast<int64_t>(seq));
  if (s.Step() != SQLITE_ROW) return NotFound("no queued request #" + std::to_string(seq));
  auto r = Load(s.Int(0), s.Int(1), s.Blob(2));
  if (!r) {
    return Error(Code::kDataLoss, "queued request #" + std::to_string(seq) +
                                      " was stored corrupt and has been set aside");
  }
  return std::move(*r);
}

std::optional<Record> RecordTable::Load(int64_t seq, int64_t codec, std::string_view blob) {
  std::string plain;
  std::string reason;
  std::string_view bytes_read = blob;
  if (codec == 1) {
    unsigned long long size = ZSTD_getFrameContentSize(blob.data(), blob.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > kMaxEncodedRecordBytes) {
      reason = "compressed body is not a zstd frame of known, bounded size";
    } else {
      plain.resize(static_cast<size_t>(size));
      size_t n = ZSTD_decompress(plain.data(), plain.size(), blob.data(), blob.size());
      if (ZSTD_isError(n) || n != size) reason = "compressed body does not decompress";
      bytes_read = plain;
    }
  } else if (codec != 0) {
    reason = "unknown codec " + std::to_string(codec);
  }
  if (reason.empty()) {
    auto r = DecodeRecord(bytes_read);
    if (r && r->seq == static_cast<uint64_t>(seq)) return std::move(*r);
    reason = r ? "its seq does not match its row" : r.error().message();
  }
  SetAside(seq, blob, reason);
  return std::nullopt;
}

// The row moves to `corrupt` (logged, with its reason) and gives its budget back if live.
void RecordTable::SetAside(int64_t seq, std::string_view blob, const std::string& reason) {
  GW_LOG_ERROR("offline queue (%s): request #%lld is corrupt (%s); set aside in table 'corrupt'",
               options_.path.c_str(), static_cast<long long>(seq), reason.c_str());
  Stmt ins(db_,
           "INSERT INTO corrupt(seq, reason, found_ms, body) VALUES(?, ?, strftime('%s','now') * "
           "1000, ?)");
  ins.Bind(1, seq).Bind(2, reason).BindBlob(3, blob);
  ins.Step();
  Stmt state(db_, "SELECT state, footprint FROM records WHERE seq = ?");
  state.Bind(1, seq);
  if (state.Step() == SQLITE_ROW && Live(static_cast<RecordState>(state.Int(0)))) {
    live -= std::min<size_t>(live, 1);
    bytes -= std::min<uint64_t>(bytes, static_cast<uint64_t>(state.Int(1)));
  }
  Stmt del(db_, "DELETE FROM records WHERE seq = ?");
  del.Bind(1, seq);
  del.Step();
}

}  // namespace gw::queue
