#include "gw/tasks/tasks.h"

#include <charconv>

#include "gw/base/log.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/tasks/queue_metrics.h"

namespace gw::tasks {

using protocol::CallPtr;
using protocol::JsonWriter;
using queue::Record;
using queue::RecordState;
namespace rpc = protocol::rpc;

namespace {

constexpr int64_t kPollIntervalMs = 2000;
constexpr size_t kListPage = 50;

std::string_view TaskStatus(const Record& r) {
  switch (r.state) {
    case RecordState::kQueued:
    case RecordState::kDelivering:
      return "working";
    case RecordState::kDone:
      // {"error":...}, or a result with "isError":true, is a failed task.
      if (r.result.rfind("{\"error\"", 0) == 0) return "failed";
      if (auto doc = protocol::ParseJson(r.result); doc && doc->IsObject()) {
        const protocol::JsonValue* result = protocol::ObjectMember(*doc, "result");
        if (result && protocol::BoolMember(*result, "isError").value_or(false)) return "failed";
      }
      return "completed";
    case RecordState::kCancelled:
      return "cancelled";
    case RecordState::kDead:
    case RecordState::kExpired:
      return "failed";
  }
  return "working";
}

// A record still waiting past its TTL is expired, even before the drain has marked it (it
// does so when it next looks at that upstream, which may be down).
Record AsOf(Record r, int64_t now_ms) {
  if (r.state == RecordState::kQueued && r.expires_ms != 0 && r.expires_ms <= now_ms) {
    r.state = RecordState::kExpired;
  }
  return r;
}

std::string RelatedTask(const std::string& task_id) {
  JsonWriter w;
  w.StartObject().Field("taskId", task_id).EndObject();
  return w.str();
}

}  // namespace

TaskBook::TaskBook(queue::OfflineQueue& queue, const Clock& clock, Random& random,
                   QueueMetrics* metrics)
    : queue_(queue), clock_(clock), random_(random), metrics_(metrics) {}

std::string TaskBook::NewTaskId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = random_.Next();
    for (int i = 0; i < 16; ++i) id[half * 16 + i] = kHex[(bits >> (4 * i)) & 0xf];
  }
  return id;
}

std::string TaskBook::TaskJson(const Record& r) const {
  JsonWriter w;
  w.StartObject().Field("taskId", r.task_id).Field("status", TaskStatus(r));
  if (r.state == RecordState::kDead || r.state == RecordState::kExpired ||
      r.state == RecordState::kCancelled ||
      (r.state == RecordState::kQueued && !r.last_error.empty())) {
    std::string message = r.state == RecordState::kExpired
                              ? "expired before the upstream could take it"
                              : r.last_error;
    if (!message.empty()) w.Field("statusMessage", message);
  }
  w.Field("createdAt", Iso8601Utc(r.created_ms))
      .Field("lastUpdatedAt", Iso8601Utc(r.updated_ms ? r.updated_ms : r.created_ms));
  w.Key("ttl");
  if (r.expires_ms)
    w.Int(r.expires_ms - r.created_ms);
  else
    w.Null();
  w.Field("pollInterval", kPollIntervalMs);
  w.EndObject();
  return w.str();
}

void TaskBook::Enqueue(const CallPtr& call, const std::string& upstream, const std::string& tool,
                       const std::string& arguments, const TaskPolicy& policy,
                       const std::string& why) {
  const protocol::JsonValue& params = call->params();
  const protocol::JsonValue* task_param = protocol::ObjectMember(params, "task");
  int64_t now = clock_.WallMillis();
  Record r;
  r.task_id = NewTaskId();
  r.owner = OwnerOf(*call);
  r.upstream = upstream;
  r.method = "tools/call";
  JsonWriter p;
  p.StartObject()
      .Field("name", tool)
      .Key("arguments")
      .Raw(arguments.empty() ? "{}" : arguments)
      .EndObject();
  r.params = p.str();
  r.priority = policy.priority;
  r.created_ms = now;
  int64_t ttl_ms = policy.ttl.count() * 1000;
  if (task_param) {  // the client may ask for a shorter life
    if (auto asked = protocol::IntMember(*task_param, "ttl"); asked && *asked > 0) {
      ttl_ms = ttl_ms ? std::min<int64_t>(ttl_ms, *asked) : *asked;
    }
  }
  if (ttl_ms) r.expires_ms = now + ttl_ms;
  // A key the client gave dedupes its retries; otherwise the task id dedupes redeliveries.
  const protocol::JsonValue* meta = protocol::ObjectMember(params, "_meta");
  auto key = meta ? protocol::StringMember(*meta, "io.edgegw/idempotency-key") : std::nullopt;
  r.idempotency_key = key ? std::string(*key) : r.task_id;
  // A precondition (conflicts.h) travels with the record; the drain applies it.
  if (const protocol::JsonValue* pre =
          meta ? protocol::Member(*meta, queue::kPreconditionMetaKey) : nullptr) {
    std::string error;
    r.precondition = protocol::Serialize(*pre);
    if (!queue::ParsePrecondition(r.precondition, &error)) {
      return call->Fail(rpc::kInvalidParams,
                        "Invalid params: _meta[\"io.edgegw/precondition\"]: " + error);
    }
  }
  // The I/O thread does not wait for the commit: the answer goes out once the record is
  // durable (the queue's writer thread runs this), so concurrent calls share commits.
  bool wants_task = task_param != nullptr;
  queue_.AppendAsync(
      std::move(r), [this, call, upstream, why, wants_task](Result<queue::AppendOutcome> appended) {
        Acknowledge(call, upstream, why, wants_task, std::move(appended));
      });
}

void TaskBook::Acknowledge(const CallPtr& call, const std::string& upstream, const std::string& why,
                           bool wants_task, Result<queue::AppendOutcome> appended) {
  if (metrics_)
    metrics_->RecordEnqueue(!appended ? "refused" : appended->duplicate ? "duplicate" : "queued");
  if (!appended) {
    return call->Fail(rpc::kServerUnavailable, "the upstream '" + upstream + "' is unreachable (" +
                                                   why + ") and " + appended.error().message());
  }
  const Record& stored = appended->record;
  std::function<void(const std::string&)> on_queued;
  {
    MutexLock lock(mu_);
    if (auto session = call->session()) owners_[stored.task_id] = session;
    on_queued = on_queued_;
  }
  if (on_queued) on_queued(upstream);
  GW_LOG_DEBUG("queued task %s for '%s' (%s)", stored.task_id.c_str(), upstream.c_str(),
               why.c_str());
  call->AddResultMeta(kRelatedTaskMetaKey, RelatedTask(stored.task_id));
  if (wants_task) {
    JsonWriter w;
    w.StartObject().Key("task").Raw(TaskJson(stored)).EndObject();
    return call->Reply(w.str());
  }
  JsonWriter w;
  std::string text = "The upstream '" + upstream + "' cannot take this call now (" + why +
                     "). It is queued as task " + stored.task_id + " and will be delivered when '" +
                     upstream + "' is back. Get the result with tasks/result {\"taskId\":\"" +
                     stored.task_id + "\"}, or poll tasks/get.";
  w.StartObject()
      .Key("content")
      .StartArray()
      .StartObject()
      .Field("type", "text")
      .Field("text", text)
      .EndObject()
      .EndArray()
      .EndObject();
  call->Reply(w.str());
}

void TaskBook::SetOnQueued(std::function<void(const std::string& upstream)> on_queued) {
  MutexLock lock(mu_);
  on_queued_ = std::move(on_queued);
}

std::string TaskBook::OwnerOf(const protocol::Call& call) {
  auto session = call.session();
  return "session:" + (session ? session->session_id() : std::string());
}

bool TaskBook::Handle(const CallPtr& call) {
  const std::string& m = call->method();
  if (m == "tasks/get")
    Get(call);
  else if (m == "tasks/result")
    GetResult(call);
  else if (m == "tasks/list")
    List(call);
  else if (m == "tasks/cancel")
    Cancel(call);
  else
    return false;
  return true;
}

std::optional<Record> TaskBook::Lookup(const CallPtr& call) {
  auto id = protocol::StringMember(call->params(), "taskId");
  if (!id) {
    call->Fail(rpc::kInvalidParams,
               "Invalid params: " + call->method() + " needs a string \"taskId\"");
    return std::nullopt;
  }
  auto r = queue_.GetByTask(std::string(*id));
  if (r) *r = AsOf(std::move(*r), clock_.WallMillis());
  // Someone else's task is answered as one that does not exist. Records from before owners
  // have none: only their id, which went to their creator, reaches them.
  if (r && !r->owner.empty() && r->owner != OwnerOf(*call)) {
    r = Error(Code::kNotFound, "not the caller's");
  }
  if (!r) {
    call->Fail(rpc::kInvalidParams, r.error().code() == Code::kNotFound
                                        ? "Failed to retrieve task: Task not found"
                                        : "Failed to retrieve task: " + r.error().message());
    return std::nullopt;
  }
  return std::move(*r);
}

void TaskBook::Get(const CallPtr& call) {
  if (auto r = Lookup(call)) call->Reply(TaskJson(*r));
}

void TaskBook::GetResult(const CallPtr& call) {
  auto r = Lookup(call);
  if (!r) return;
  if (r->state != RecordState::kQueued && r->state != RecordState::kDelivering)
    return AnswerResult(call, *r);
  // Not there yet: the call waits (the spec's tasks/result blocks) until Finished.
  {
    MutexLock lock(mu_);
    waiters_[r->task_id].push_back(call);
  }
  std::string id = r->task_id;
  call->OnCancel([this, id, weak = std::weak_ptr<protocol::Call>(call)] {
    MutexLock lock(mu_);
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    auto self = weak.lock();
    std::erase_if(it->second, [&](const CallPtr& c) { return c == self; });
    if (it->second.empty()) waiters_.erase(it);
  });
  // It may have finished between the lookup and filing the waiter.
  if (auto now = queue_.GetByTask(id);
      now && now->state != RecordState::kQueued && now->state != RecordState::kDelivering) {
    Finished(*now);
  }
}

void TaskBook::AnswerResult(const CallPtr& call, const Record& r) {
  switch (r.state) {
    case RecordState::kDone: {
      auto doc = protocol::ParseJson(r.result);
      const protocol::JsonValue* result = doc ? protocol::Member(*doc, "result") : nullptr;
      const protocol::JsonValue* error = doc ? protocol::ObjectMember(*doc, "error") : nullptr;
      if (result) {
        call->AddResultMeta(kRelatedTaskMetaKey, RelatedTask(r.task_id));
        return call->Reply(protocol::Serialize(*result));
      }
      if (error) {
        const protocol::JsonValue* data = protocol::Member(*error, "data");
        return call->Fail(
            static_cast<int>(protocol::IntMember(*error, "code").value_or(rpc::kInternalError)),
            protocol::StringMember(*error, "message").value_or("upstream error"),
            data ? protocol::Serialize(*data) : std::string());
      }
      return call->Fail(rpc::kInternalError,
                        "task " + r.task_id + ": its stored result is unreadable");
    }
    case RecordState::kDead:
      return call->Fail(rpc::kServerUnavailable,
                        "task " + r.task_id + " failed: " + r.last_error +
                            " (an operator can retry it: edgegw queue retry)");
    case RecordState::kCancelled:
      return call->Fail(rpc::kRequestCancelled, "task " + r.task_id + " was cancelled");
    case RecordState::kExpired:
      return call->Fail(rpc::kInvalidParams, "Failed to retrieve task: Task has expired");
    default:
      return call->Fail(rpc::kInternalError, "task " + r.task_id + " is not finished");
  }
}

void TaskBook::List(const CallPtr& call) {
  queue::ListFilter f;
  f.limit = kListPage;
  f.owner = OwnerOf(*call);
  if (auto cursor = protocol::StringMember(call->params(), "cursor")) {
    uint64_t after = 0;
    if (cursor->size() < 2 || (*cursor)[0] != 's' ||
        std::from_chars(cursor->data() + 1, cursor->data() + cursor->size(), after).ec !=
            std::errc()) {
      return call->Fail(rpc::kInvalidParams,
                        "Invalid params: unknown cursor '" + std::string(*cursor) + "'");
    }
    f.after_seq = after;
  }
  auto records = queue_.List(f);
  if (!records) return call->Fail(records.error());
  JsonWriter w;
  w.StartObject().Key("tasks").StartArray();
  for (const Record& r : *records) w.Raw(TaskJson(AsOf(r, clock_.WallMillis())));
  w.EndArray();
  if (records->size() == kListPage)
    w.Field("nextCursor", "s" + std::to_string(records->back().seq));
  w.EndObject();
  call->Reply(w.str());
}

void TaskBook::Cancel(const CallPtr& call) {
  auto r = Lookup(call);
  if (!r) return;
  Status s = queue_.Cancel(r->seq);
  if (!s) {
    if (s.error().code() == Code::kFailedPrecondition) {
      return call->Fail(rpc::kInvalidParams, "Cannot cancel task: already in terminal status '" +
                                                 std::string(TaskStatus(*r)) + "'");
    }
    return call->Fail(s.error());
  }
  auto now = queue_.Get(r->seq);
  if (!now) return call->Fail(now.error());
  call->Reply(TaskJson(*now));
  Finished(*now);
}

void TaskBook::Finished(const Record& r) {
  std::vector<CallPtr> waiting;
  std::shared_ptr<protocol::SessionChannel> owner;
  {
    MutexLock lock(mu_);
    auto it = waiters_.find(r.task_id);
    if (it != waiters_.end()) {
      waiting = std::move(it->second);
      waiters_.erase(it);
    }
    auto o = owners_.find(r.task_id);
    if (o != owners_.end()) {
      owner = o->second.lock();
      owners_.erase(o);
    }
  }
  for (const CallPtr& c : waiting) AnswerResult(c, r);
  if (owner && !owner->closed()) owner->Notify("notifications/tasks/status", TaskJson(r));
}

}  // namespace gw::tasks
