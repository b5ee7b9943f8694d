#include "gw/queue/sqlite/sqlite_queue.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "gw/queue/queue_test_suite.h"

namespace gw::queue {
namespace {

// A fresh database file under the test's temporary folder.
std::string TempDb() {
  static std::atomic<int> n{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir ? dir : ::testing::TempDir();
  std::string path =
      base + "/edgegw-queue-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

OfflineQueuePtr Open(const std::string& path, QueueLimits limits = {}) {
  SqliteQueueOptions o;
  o.path = path;
  o.limits = limits;
  auto q = OpenSqliteQueue(o);
  EXPECT_TRUE(q) << q.error().message();
  return q ? std::move(*q) : nullptr;
}

using behaviour::MakeRecord;
using behaviour::QueueBehaviour;
INSTANTIATE_TEST_SUITE_P(Sqlite, QueueBehaviour,
                         ::testing::Values(behaviour::QueueFactory([](const QueueLimits& limits) {
                           return Open(TempDb(), limits);
                         })));

TEST(SqliteQueue, EverythingSurvivesAReopen) {
  std::string path = TempDb();
  uint64_t seq;
  {
    auto q = Open(path, QueueLimits{3, 1 << 20});
    ASSERT_TRUE(q->Append(MakeRecord("a", "cloud", Priority::kNormal, "k1")));
    auto b = q->Append(MakeRecord("b"));
    ASSERT_TRUE(b);
    seq = b->record.seq;
    ASSERT_EQ(q->TakeDue("cloud", 2000, 1)->size(), 1u);  // "a" in flight when we "crash"
  }
  auto q = Open(path, QueueLimits{3, 1 << 20});
  EXPECT_EQ(q->GetByTask("b")->seq, seq);
  EXPECT_TRUE(q->Append(MakeRecord("x", "cloud", Priority::kNormal, "k1"))->duplicate);
  EXPECT_EQ(*q->RequeueInFlight(), 1u);
  auto c = q->Append(MakeRecord("c"));
  ASSERT_TRUE(c);
  EXPECT_GT(c->record.seq, seq);  // sequence numbers continue
  EXPECT_EQ(q->Append(MakeRecord("d")).error().code(),
            Code::kResourceExhausted);  // budget recounted
}

TEST(SqliteQueue, AFileFromBeforeOwnersIsMigratedAndKeepsItsRecords) {
  std::string path = TempDb();
  {
    // The schema of record version 1: no owner column.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE records(seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL "
                           "UNIQUE, idem_key TEXT UNIQUE, upstream TEXT NOT NULL, priority "
                           "INTEGER NOT NULL, state INTEGER NOT NULL, next_attempt_ms INTEGER NOT "
                           "NULL, expires_ms INTEGER NOT NULL, footprint INTEGER NOT NULL, codec "
                           "INTEGER NOT NULL, body BLOB NOT NULL)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto q = Open(path);
  ASSERT_NE(q, nullptr);
  Record mine = MakeRecord("mine");
  mine.owner = "session:a";
  Record theirs = MakeRecord("theirs");
  theirs.owner = "session:b";
  ASSERT_TRUE(q->Append(mine));
  ASSERT_TRUE(q->Append(theirs));
  ListFilter f;
  f.owner = "session:a";
  auto listed = q->List(f);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].task_id, "mine");
  EXPECT_EQ(q->GetByTask("theirs")->owner, "session:b");
}

TEST(SqliteQueue, LargePayloadsAreCompressedAndComeBackWhole) {
  std::string path = TempDb();
  auto q = Open(path);
  Record big = MakeRecord("big");
  big.params = R"({"name":"work","arguments":{"text":")" + std::string(100000, 'a') + R"("}})";
  ASSERT_TRUE(q->Append(big));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT codec, length(body) FROM records", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(s, 0), 1);
  EXPECT_LT(sqlite3_column_int(s, 1), 2000);
  sqlite3_finalize(s);
  sqlite3_close(db);
  EXPECT_EQ(q->GetByTask("big")->params, big.params);
}

TEST(SqliteQueue, ACorruptRecordIsSetAsideAndReportedNotFatal) {
  std::string path = TempDb();
  {
    auto q = Open(path);
    ASSERT_TRUE(q->Append(MakeRecord("good-1")));
    ASSERT_TRUE(q->Append(MakeRecord("bad")));
    ASSERT_TRUE(q->Append(MakeRecord("good-2")));
  }
  // Flip one byte in the middle of the stored record, as a bad disk would.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "UPDATE records SET body = substr(body, 1, 20) || X'FF' || substr(body, 22) "
                   "WHERE task_id = 'bad'",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);

  auto q = Open(path);
  auto due = q->TakeDue("cloud", 2000, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].task_id, "good-1");
  EXPECT_EQ((*due)[1].task_id, "good-2");
  EXPECT_EQ(q->GetByTask("bad").error().code(), Code::kNotFound);  // moved aside
  auto reasons = CorruptRecordReasons(path);
  ASSERT_TRUE(reasons);
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_NE((*reasons)[0].find("checksum mismatch"), std::string::npos) << (*reasons)[0];
}

TEST(SqliteQueue, GroupCommitAcknowledgesEveryConcurrentAppendDurably) {
  std::string path = TempDb();
  constexpr int kThreads = 8, kEach = 150;
  {
    auto q = Open(path);
    std::vector<std::thread> threads;
    std::atomic<int> acked{0}, duplicates{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          // Every third key repeats one of this thread's earlier ones.
          std::string key =
              std::string("k") + std::to_string(t) + "-" + std::to_string(i % 3 == 2 ? i - 1 : i);
          auto r = q->Append(MakeRecord("t" + std::to_string(t) + "-" + std::to_string(i), "cloud",
                                        Priority::kNormal, key));
          ASSERT_TRUE(r) << r.error().message();
          ++acked;
          if (r->duplicate) ++duplicates;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(acked.load(), kThreads * kEach);
    EXPECT_EQ(duplicates.load(), kThreads * (kEach / 3));
  }
  auto q = Open(path);  // what was acknowledged is on disk
  EXPECT_EQ(q->Stats().queued[1], static_cast<size_t>(kThreads * (kEach - kEach / 3)));
}

TEST(SqliteQueue, ConflictKeysSurviveAReopen) {
  std::string path = TempDb();
  {
    auto q = Open(path);
    ASSERT_TRUE(q->PutKey("doc", KeyState{true, 5, 99}));
  }
  auto k = Open(path)->GetKey("doc");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->known);
  EXPECT_EQ(k->version, 5);
  EXPECT_EQ(k->written_ms, 99);
}

TEST(SqliteQueue, AnUnopenableFileIsAClearError) {
  SqliteQueueOptions o;
  o.path = "/nonexistent-dir/queue.db";
  auto q = OpenSqliteQueue(o);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code(), Code::kUnavailable);
  EXPECT_NE(q.error().message().find("/nonexistent-dir/queue.db"), std::string::npos);
}

}  // namespace
}  // namespace gw::queue

namespace gw::queue {
namespace {

// FaultyVfs: a FAKE SQLite VFS over the default one that fails writes or syncs on demand,
// for the faults a real disk does not produce when a test wants them (full, failing).
struct FaultyVfs {
  static inline std::atomic<int> fail_write{0};  // SQLite result code to return, 0: pass
  static inline std::atomic<int> fail_sync{0};
  static inline sqlite3_vfs vfs;
  static inline sqlite3_io_methods methods;

  struct File {
    sqlite3_file base;   // our methods
    sqlite3_file* real;  // the default VFS's file, allocated after us
  };

  static int Write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    if (int rc = fail_write.load()) return rc;
    File* file = reinterpret_cast<File*>(f);
    return file->real->pMethods->xWrite(file->real, p, n, off);
  }
  static int Sync(sqlite3_file* f, int flags) {
    if (int rc = fail_sync.load()) return rc;
    File* file = reinterpret_cast<File*>(f);
    return file->real->pMethods->xSync(file->real, flags);
  }
  static int Open(sqlite3_vfs* self, const char* name, sqlite3_file* f, int flags, int* out) {
    sqlite3_vfs* real_vfs = static_cast<sqlite3_vfs*>(self->pAppData);
    File* file = reinterpret_cast<File*>(f);
    file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(File));
    int rc = real_vfs->xOpen(real_vfs, name, file->real, flags, out);
    if (rc != SQLITE_OK || !file->real->pMethods) {
      f->pMethods = nullptr;
      return rc;
    }
    // Forward everything to the real file, except the two calls we break.
    methods = *file->real->pMethods;
    methods.xWrite = Write;
    methods.xSync = Sync;
    methods.xClose = [](sqlite3_file* f) {
      File* file = reinterpret_cast<File*>(f);
      return file->real->pMethods->xClose(file->real);
    };
#define GW_FORWARD(name, sig, args)          \
  methods.name = [] sig {                    \
    File* file = reinterpret_cast<File*>(f); \
    return file->real->pMethods->name args;  \
  };
    GW_FORWARD(xRead, (sqlite3_file * f, void* p, int n, sqlite3_int64 o), (file->real, p, n, o))
    GW_FORWARD(xTruncate, (sqlite3_file * f, sqlite3_int64 s), (file->real, s))
    GW_FORWARD(xFileSize, (sqlite3_file * f, sqlite3_int64 * s), (file->real, s))
    GW_FORWARD(xLock, (sqlite3_file * f, int l), (file->real, l))
    GW_FORWARD(xUnlock, (sqlite3_file * f, int l), (file->real, l))
    GW_FORWARD(xCheckReservedLock, (sqlite3_file * f, int* r), (file->real, r))
    GW_FORWARD(xFileControl, (sqlite3_file * f, int op, void* a), (file->real, op, a))
    GW_FORWARD(xSectorSize, (sqlite3_file * f), (file->real))
    GW_FORWARD(xDeviceCharacteristics, (sqlite3_file * f), (file->real))
    GW_FORWARD(xShmMap, (sqlite3_file * f, int r, int s, int e, void volatile** p),
               (file->real, r, s, e, p))
    GW_FORWARD(xShmLock, (sqlite3_file * f, int o, int n, int fl), (file->real, o, n, fl))
    GW_FORWARD(xShmBarrier, (sqlite3_file * f), (file->real))
    GW_FORWARD(xShmUnmap, (sqlite3_file * f, int d), (file->real, d))
    GW_FORWARD(xFetch, (sqlite3_file * f, sqlite3_int64 o, int a, void** p), (file->real, o, a, p))
    GW_FORWARD(xUnfetch, (sqlite3_file * f, sqlite3_int64 o, void* p), (file->real, o, p))
#undef GW_FORWARD
    f->pMethods = &methods;
    return SQLITE_OK;
  }

  static void Register() {
    static bool done = false;
    if (done) return;
    done = true;
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    vfs = *real;
    vfs.zName = "edgegw-faulty";
    vfs.pAppData = real;
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
    vfs.xOpen = Open;
    sqlite3_vfs_register(&vfs, 0);
  }
};

OfflineQueuePtr OpenFaulty(const std::string& path) {
  FaultyVfs::Register();
  SqliteQueueOptions o;
  o.path = path;
  o.vfs = "edgegw-faulty";
  auto q = OpenSqliteQueue(o);
  EXPECT_TRUE(q) << q.error().message();
  return q ? std::move(*q) : nullptr;
}

TEST(SqliteQueueFaults, ADiskFullIsAClearRefusalAndLosesNothingAcknowledged) {
  std::string path = TempDb();
  {
    auto q = OpenFaulty(path);
    ASSERT_TRUE(q->Append(MakeRecord("before")));
    FaultyVfs::fail_write = SQLITE_FULL;
    auto refused = q->Append(MakeRecord("during"));
    FaultyVfs::fail_write = 0;
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code(), Code::kResourceExhausted);
    EXPECT_NE(refused.error().message().find("the disk is full"), std::string::npos)
        << refused.error().message();
    ASSERT_TRUE(q->Append(MakeRecord("after")));  // it recovers once there is room
  }
  auto q = Open(path);
  EXPECT_TRUE(q->GetByTask("before"));
  EXPECT_TRUE(q->GetByTask("after"));
  EXPECT_EQ(q->GetByTask("during").error().code(), Code::kNotFound);  // refused, so not there
}

TEST(SqliteQueueFaults, AFailingSyncIsAnErrorNotAnAcknowledgement) {
  std::string path = TempDb();
  {
    auto q = OpenFaulty(path);
    ASSERT_TRUE(q->Append(MakeRecord("kept")));
    FaultyVfs::fail_sync = SQLITE_IOERR_FSYNC;
    auto failed = q->Append(MakeRecord("unsynced"));
    FaultyVfs::fail_sync = 0;
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code(), Code::kUnavailable);
    EXPECT_NE(failed.error().message().find("offline queue"), std::string::npos);
  }
  auto q = Open(path);
  EXPECT_TRUE(q->GetByTask("kept"));
}

}  // namespace
}  // namespace gw::queue
