#include "gw/server/queue_command.h"

#include <cstdio>
#include <filesystem>

#include "gw/protocol/json.h"
#include "gw/queue/sqlite/sqlite_queue.h"
#include "gw/server/config.h"

namespace gw::server {
namespace {

using protocol::JsonWriter;
using queue::Record;

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "edgegw queue: %s\n", message.c_str());
  return code;
}

void WriteRecord(JsonWriter& w, const Record& r, bool whole) {
  w.StartObject()
      .Key("seq")
      .Uint(r.seq)
      .Field("task_id", r.task_id)
      .Field("state", queue::RecordStateName(r.state))
      .Field("upstream", r.upstream)
      .Field("priority", queue::PriorityName(r.priority))
      .Key("attempts")
      .Uint(r.attempts)
      .Field("created", Iso8601Utc(r.created_ms))
      .Field("updated", Iso8601Utc(r.updated_ms ? r.updated_ms : r.created_ms));
  if (r.expires_ms) w.Field("expires", Iso8601Utc(r.expires_ms));
  if (!r.last_error.empty()) w.Field("last_error", r.last_error);
  if (whole) {
    w.Field("method", r.method).Field("idempotency_key", r.idempotency_key);
    w.Key("params").Raw(r.params.empty() ? "null" : r.params);
    if (!r.result.empty()) w.Key("result").Raw(r.result);
  }
  w.EndObject();
}

void PrintTable(const std::vector<Record>& records) {
  std::printf("%-6s %-32s %-10s %-12s %-6s %-8s %s\n", "SEQ", "TASK", "STATE", "UPSTREAM", "PRIO",
              "ATTEMPTS", "LAST ERROR");
  for (const Record& r : records) {
    std::printf("%-6llu %-32s %-10s %-12s %-6s %-8u %s\n", static_cast<unsigned long long>(r.seq),
                r.task_id.c_str(), std::string(queue::RecordStateName(r.state)).c_str(),
                r.upstream.c_str(), std::string(queue::PriorityName(r.priority)).c_str(),
                r.attempts, r.last_error.c_str());
  }
}

Result<Record> Resolve(queue::OfflineQueue& q, const std::string& id) {
  if (id.size() > 1 && id[0] == '#') {
    char* end = nullptr;
    unsigned long long seq = std::strtoull(id.c_str() + 1, &end, 10);
    if (end && *end == '\0') return q.Get(seq);
  }
  return q.GetByTask(id);
}

}  // namespace

int RunQueueCommand(const QueueFlags& f) {
  std::string file = f.file;
  if (file.empty()) {
    Config config;
    if (!f.config_path.empty()) {
      auto loaded = LoadConfigFile(f.config_path);
      if (!loaded) return Fail(loaded.error().message());
      config = *loaded;
    }
    file = config.queue_file.empty() ? config.data_dir + "/queue.db" : config.queue_file;
  }
  if (!std::filesystem::exists(file))
    return Fail("no queue at '" + file + "' (use --file or --config)");
  queue::SqliteQueueOptions o;
  o.path = file;
  o.limits.max_records = SIZE_MAX;
  o.limits.max_bytes = UINT64_MAX;
  auto opened = queue::OpenSqliteQueue(o);
  if (!opened) return Fail(opened.error().message());
  queue::OfflineQueue& q = **opened;

  queue::ListFilter filter;
  filter.limit = f.limit;
  filter.upstream = f.upstream;
  if (!f.state.empty()) {
    queue::RecordState s;
    if (!queue::ParseRecordState(f.state, &s)) {
      return Fail("--state: expected queued, delivering, done, dead, cancelled or expired", 2);
    }
    filter.state = s;
  }
  if (f.command == "dead-letter") filter.state = queue::RecordState::kDead;

  if (f.command == "ls" || f.command == "dead-letter") {
    auto records = q.List(filter);
    if (!records) return Fail(records.error().message());
    if (!f.json) {
      PrintTable(*records);
      return 0;
    }
    JsonWriter w;
    w.StartArray();
    for (const Record& r : *records) WriteRecord(w, r, false);
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
    return 0;
  }
  if (f.command == "show" || f.command == "retry") {
    if (f.id.empty()) return Fail(f.command + " needs a task id (or #seq)", 2);
    auto r = Resolve(q, f.id);
    if (!r) return Fail(r.error().message());
    if (f.command == "retry") {
      if (Status s = q.Retry(r->seq); !s) return Fail(s.error().message());
      r = q.Get(r->seq);
      if (!r) return Fail(r.error().message());
    }
    if (f.json) {
      JsonWriter w;
      WriteRecord(w, *r, true);
      std::printf("%s\n", w.str().c_str());
    } else {
      PrintTable({*r});
      if (f.command == "show")
        std::printf("params: %s\nresult: %s\n", r->params.c_str(), r->result.c_str());
    }
    return 0;
  }
  if (f.command == "corrupt") {
    auto reasons = queue::CorruptRecordReasons(file);
    if (!reasons) return Fail(reasons.error().message());
    if (f.json) {
      JsonWriter w;
      w.StartArray();
      for (const std::string& r : *reasons) w.String(r);
      w.EndArray();
      std::printf("%s\n", w.str().c_str());
    } else if (reasons->empty()) {
      std::printf("no corrupt records\n");
    } else {
      for (const std::string& r : *reasons) std::printf("%s\n", r.c_str());
    }
    return 0;
  }
  if (f.command == "purge") {
    auto n = q.Purge(filter);
    if (!n) return Fail(n.error().message());
    if (f.json)
      std::printf("{\"purged\":%zu}\n", *n);
    else
      std::printf("purged %zu request(s)\n", *n);
    return 0;
  }
  return Fail("unknown command '" + f.command + "' (ls, show, retry, purge, dead-letter, corrupt)",
              2);
}

}  // namespace gw::server
