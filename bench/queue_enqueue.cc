// Benchmark (issue 4): durable enqueue into the offline queue, side by side in one run:
//   per-commit  SqliteQueue, synchronous=FULL, one transaction (one fsync) per request
//   group       SqliteQueue, synchronous=FULL, group commit: WRITERS appends outstanding at
//               once through AppendAsync (as the gateway's I/O threads issue them), sharing
//               commits on the queue's writer thread
//   raw         the ceiling: plain sqlite3 INSERTs of the same encoded records, one thread,
//               same WAL/FULL settings, committed in batches of the writers' count
// Every queue acknowledgement happens after its commit, so every counted request is durable.
//   queue_enqueue_bench [SECONDS] [WRITERS] [DIR]     (defaults 5, 64, /tmp)
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gw/queue/record_codec.h"
#include "gw/queue/sqlite/sqlite_queue.h"

namespace {

using Clock = std::chrono::steady_clock;

gw::queue::Record Sample(int writer, long n) {
  gw::queue::Record r;
  r.task_id = "t" + std::to_string(writer) + "-" + std::to_string(n);
  r.idempotency_key = "k" + std::to_string(writer) + "-" + std::to_string(n);
  r.upstream = "cloud";
  r.method = "tools/call";
  r.params =
      R"({"name":"summarize","arguments":{"text":"a few hundred bytes of sensor notes from the device, )"
      R"(as a typical queued tool call would carry them, padded to a realistic size for an edge gateway"}})";
  r.created_ms = 1700000000000;
  return r;
}

std::string Fresh(const std::string& dir, const char* name) {
  std::string path = dir + "/" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

struct Figures {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

gw::queue::OfflineQueuePtr OpenQueue(const std::string& path, bool group) {
  gw::queue::SqliteQueueOptions o;
  o.path = path;
  o.group_commit = group;
  o.limits.max_records = SIZE_MAX;
  o.limits.max_bytes = UINT64_MAX;
  auto q = gw::queue::OpenSqliteQueue(o);
  if (!q) {
    std::fprintf(stderr, "%s\n", q.error().message().c_str());
    std::exit(1);
  }
  return std::move(*q);
}

// Rate and latency percentiles of `latencies_us` (sorted here) over `elapsed` seconds.
Figures Summarize(std::vector<double> latencies_us, size_t count, double elapsed) {
  std::sort(latencies_us.begin(), latencies_us.end());
  Figures f;
  f.per_second = count / elapsed;
  if (!latencies_us.empty()) {
    f.p50_us = latencies_us[latencies_us.size() / 2];
    f.p99_us = latencies_us[std::min(latencies_us.size() - 1, latencies_us.size() * 99 / 100)];
  }
  return f;
}

Figures RunQueue(const std::string& path, bool group, int writers, double seconds) {
  auto q = OpenQueue(path, group);
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(writers);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (long n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        auto t0 = Clock::now();
        auto r = q->Append(Sample(w, n));
        if (!r) {
          std::fprintf(stderr, "append: %s\n", r.error().message().c_str());
          std::exit(1);
        }
        latencies[w].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the measuring window
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  size_t count = all.size();
  return Summarize(std::move(all), count, elapsed);
}

Figures RunQueueAsync(const std::string& path, int outstanding, double seconds) {
  auto q = OpenQueue(path, true);
  std::atomic<bool> stop{false};
  std::atomic<long> next{0};
  std::atomic<int> in_flight{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::function<void()> issue = [&] {
    long n = next++;
    auto t0 = Clock::now();
    ++in_flight;
    q->AppendAsync(Sample(0, n), [&, t0](gw::Result<gw::queue::AppendOutcome> r) {
      if (!r) {
        std::fprintf(stderr, "append: %s\n", r.error().message().c_str());
        std::exit(1);
      }
      {
        std::lock_guard l(mu);
        latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
      --in_flight;
      if (!stop.load()) issue();  // this client sends its next request
    });
  };
  auto start = Clock::now();
  for (int i = 0; i < outstanding; ++i) issue();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));  // the measuring window
  stop = true;
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  while (in_flight.load() > 0) std::this_thread::yield();
  std::vector<double> all;
  {
    std::lock_guard l(mu);
    all = latencies;
  }
  size_t count = all.size();
  return Summarize(std::move(all), count, elapsed);
}

Figures RunRaw(const std::string& path, int batch, double seconds) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  // The same table and indexes the queue uses (gw/queue/sqlite/sqlite_queue.cc), so the
  // ceiling stores the same records the same way, minus the queue's own work.
  sqlite3_exec(
      db,
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE records(seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE, idem_key TEXT "
      "UNIQUE,"
      " upstream TEXT NOT NULL, priority INTEGER NOT NULL, state INTEGER NOT NULL,"
      " next_attempt_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, footprint INTEGER NOT NULL,"
      " codec INTEGER NOT NULL, body BLOB NOT NULL);"
      "CREATE INDEX records_due ON records(upstream, state, priority, seq);",
      nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(
      db,
      "INSERT INTO records(seq, task_id, idem_key, upstream, priority, state, next_attempt_ms,"
      " expires_ms, footprint, codec, body) VALUES(?,?,?,?,1,0,0,0,?,0,?)",
      -1, &ins, nullptr);
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  long n = 0;
  std::vector<double> commits;
  while (Clock::now() < deadline) {
    auto t0 = Clock::now();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < batch; ++i, ++n) {
      gw::queue::Record r = Sample(0, n);
      r.seq = static_cast<uint64_t>(n + 1);
      std::string body = gw::queue::EncodeRecord(r);
      sqlite3_bind_int64(ins, 1, n + 1);
      sqlite3_bind_text(ins, 2, r.task_id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 3, r.idempotency_key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 4, r.upstream.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins, 5, static_cast<int64_t>(r.footprint()));
      sqlite3_bind_blob(ins, 6, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    commits.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  sqlite3_finalize(ins);
  sqlite3_close(db);
  return Summarize(std::move(commits), static_cast<size_t>(n),
                   elapsed);  // a row waits for its batch's commit
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5;
  int writers = argc > 2 ? std::atoi(argv[2]) : 64;
  std::string dir = argc > 3 ? argv[3] : "/tmp";
  Figures per = RunQueue(Fresh(dir, "edgegw-bench-per-commit"), false, writers, seconds);
  Figures group = RunQueueAsync(Fresh(dir, "edgegw-bench-group"), writers, seconds);
  Figures raw = RunRaw(Fresh(dir, "edgegw-bench-raw"), writers, seconds);
  std::printf(
      "| mode | acknowledged enqueues/s | p50 us | p99 us | vs raw ceiling "
      "|\n|---|---|---|---|---|\n");
  auto row = [&](const char* name, const Figures& f) {
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f%% |\n", name, f.per_second, f.p50_us, f.p99_us,
                100.0 * f.per_second / raw.per_second);
  };
  row("sync per commit", per);
  row("group commit", group);
  row("raw SQLite inserts, same table, batches of writers (ceiling)", raw);
  std::printf("\n%d writers, %.0f s per mode, synchronous=FULL, WAL, %s\n", writers, seconds,
              dir.c_str());
  for (const char* name : {"edgegw-bench-per-commit", "edgegw-bench-group", "edgegw-bench-raw"})
    Fresh(dir, name);
  return 0;
}
