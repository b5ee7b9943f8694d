// TaskBook: MCP Tasks (2025-11-25) over the offline queue. A tools/call the router sends to
// the queue becomes a task: the client gets a CreateTaskResult at once when it asked for a
// task (params.task), or, when it did not, a CallToolResult that names the task and says how
// to fetch the result (never a hang). tasks/get, tasks/result (waits for the outcome),
// tasks/list and tasks/cancel read and change the queue, so tasks and their results survive
// restarts; notifications/tasks/status goes to the session that created a task while it is
// connected.
//
// Status mapping: queued/delivering -> working; done -> completed (failed when the upstream
// answered a JSON-RPC error or a result with isError); dead, expired -> failed;
// cancelled -> cancelled.
//
// A task belongs to whoever created it: its session today ("session:ID"), its principal once
// authentication exists. tasks/list shows only the caller's tasks, and tasks/get, /result and
// /cancel answer a task of someone else exactly as one that does not exist. Task ids are 128
// bits from the injected Random, which the gateway backs with the OS's CSPRNG.
//
// Thread-safety: all methods are thread-safe. Ownership: borrows the queue.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gw/base/clock.h"
#include "gw/base/mutex.h"
#include "gw/base/random.h"
#include "gw/protocol/service.h"
#include "gw/queue/offline_queue.h"

namespace gw::tasks {

inline constexpr std::string_view kRelatedTaskMetaKey = "io.modelcontextprotocol/related-task";
using protocol::kTasksCapability;

struct TaskPolicy {
  queue::Priority priority = queue::Priority::kNormal;
  std::chrono::seconds ttl{0};  // 0: kept until delivered
};

class TaskBook {
 public:
  TaskBook(queue::OfflineQueue& queue, const Clock& clock, Random& random,
           class QueueMetrics* metrics = nullptr);

  // Queues the tools/call `call` for `upstream` as `tool` with `arguments` (serialized
  // JSON) and answers it. `why` says why it was queued (for people). A full queue answers
  // the call with a clear error instead.
  void Enqueue(const protocol::CallPtr& call, const std::string& upstream, const std::string& tool,
               const std::string& arguments, const TaskPolicy& policy, const std::string& why);
  // Runs after a record is durably queued (the gateway kicks the drain with it).
  void SetOnQueued(std::function<void(const std::string& upstream)> on_queued);

  // tasks/get, tasks/result, tasks/list, tasks/cancel. False for other methods.
  bool Handle(const protocol::CallPtr& call);
  // Who `call` acts for, as a task's owner.
  static std::string OwnerOf(const protocol::Call& call);
  // A record reached an outcome (from the drain): answers waiting tasks/result calls and
  // tells the creating session.
  void Finished(const queue::Record& record);

  // The Task object (MCP) for a record, as JSON.
  std::string TaskJson(const queue::Record& record) const;

 private:
  void Get(const protocol::CallPtr& call);
  void GetResult(const protocol::CallPtr& call);
  void List(const protocol::CallPtr& call);
  void Cancel(const protocol::CallPtr& call);
  // Looks up params.taskId; answers -32602 itself when it is missing or unknown.
  std::optional<queue::Record> Lookup(const protocol::CallPtr& call);
  // Answers a tasks/result call from a record in a terminal (or dead) state.
  void AnswerResult(const protocol::CallPtr& call, const queue::Record& record);
  std::string NewTaskId();
  // Answers an Enqueue'd call once its record is durable (or refused).
  void Acknowledge(const protocol::CallPtr& call, const std::string& upstream,
                   const std::string& why, bool wants_task, Result<queue::AppendOutcome> appended);

  queue::OfflineQueue& queue_;
  const Clock& clock_;
  Random& random_;
  class QueueMetrics* const metrics_;
  Mutex mu_;
  std::map<std::string, std::vector<protocol::CallPtr>> waiters_ GW_GUARDED_BY(mu_);
  std::map<std::string, std::weak_ptr<protocol::SessionChannel>> owners_ GW_GUARDED_BY(mu_);
  std::function<void(const std::string&)> on_queued_ GW_GUARDED_BY(mu_);
};

}  // namespace gw::tasks
