// The seam between a protocol session and whatever serves requests (the local catalog, the
// router, an upstream federation): Service receives Calls and completes them.
//
// A Call is one client request in flight. It is shared: the session keeps it to route a
// cancellation, the service keeps it while it works (possibly on another thread). Every
// method of Call is thread-safe. A Call is completed exactly once, by Reply or Fail; a later
// completion is ignored, and is a bug (GW_BUG, counted in edgegw_bugs_total) unless the client
// cancelled the call first.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gw/base/mutex.h"
#include "gw/base/result.h"
#include "gw/base/trace_context.h"
#include "gw/protocol/jsonrpc.h"

namespace gw::protocol {

// What a server that queues tool calls as tasks announces under "capabilities" (MCP Tasks).
inline constexpr std::string_view kTasksCapability =
    R"({"list":{},"cancel":{},"requests":{"tools":{"call":{}}}})";

class SessionCore;

// What the client told us at initialize.
struct ClientInfo {
  std::string protocol_version;
  std::string name;
  std::string version;
  bool supports_sampling = false;
  bool supports_elicitation = false;
  bool supports_roots = false;
};

// Outcome of a server-to-client request: the response message (result or error) or an Error
// when the session closed or the client sent something unusable.
using ResponseCallback = std::function<void(Result<Message> response)>;

// A handle to a session for messages not tied to one request (list_changed,
// resources/updated). Holding it does not keep a closed session alive in any useful way:
// Notify on a closed session is a no-op.
class SessionChannel {
 public:
  virtual ~SessionChannel() = default;
  virtual const std::string& session_id() const = 0;
  virtual void Notify(std::string_view method, std::string_view params) = 0;
  virtual bool closed() const = 0;
};

// How a Call ended: with a result, with a result that reports a tool error (`"isError":
// true`), with a JSON-RPC error, or cancelled by the client (no answer sent).
enum class CallOutcome { kResult, kToolError, kError, kCancelled };

class Call {
 public:
  Call(std::shared_ptr<SessionCore> session, Message request);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  const Message& request() const { return request_; }
  const std::string& method() const { return request_.method(); }
  const JsonValue& params() const { return request_.params(); }
  const std::string& id() const { return request_.id(); }
  const ClientInfo& client() const;
  // The transport the session came over ("stdio", "http"): SessionOptions::transport.
  const std::string& transport() const;
  std::shared_ptr<SessionChannel> session() const;

  // Completes the call with `result` (serialized JSON object).
  void Reply(std::string_view result);
  // Adds `key`: `json` to the _meta of the result that Reply will send (the router records
  // its decision this way); a second value for the same key replaces the first. Call before
  // Reply; thread-safe.
  void AddResultMeta(std::string_view key, std::string_view json);
  // Completes the call with a JSON-RPC error; `data` is serialized JSON or empty.
  void Fail(int rpc_code, std::string_view message, std::string_view data = {});
  void Fail(const Error& error);

  // notifications/progress for this call when the client sent a progressToken; else no-op.
  void Progress(double progress, std::optional<double> total, std::string_view message = {});
  // A notification related to this call (sent on the call's stream where the transport has one).
  void Notify(std::string_view method, std::string_view params);
  // notifications/message if `level` passes the session's logging/setLevel threshold.
  void Log(std::string_view level, std::string_view logger, std::string_view data_json);
  // A server-to-client request made while serving this call (sampling, elicitation, roots).
  void Request(std::string_view method, std::string_view params, ResponseCallback callback);

  // The trace the work for this call continues (W3C trace context): the pipeline's tracing
  // filter sets the request's span, the executor narrows it to the step running the call,
  // and an upstream hop sends it on as its traceparent. Empty (invalid) when not traced.
  void SetTrace(const TraceContext& trace);
  TraceContext trace() const;

  // Asks the transport to drop the connection that carries this call's stream, keeping the
  // stream for the client to resume (used for long calls and by the conformance pack).
  void InterruptStream();

  // True once the client cancelled the call (notifications/cancelled) or the session closed.
  bool cancelled() const;
  // Runs `handler` when the call is cancelled (at once if it already is). At most one.
  void OnCancel(std::function<void()> handler);
  // Runs `handler` once, with the outcome, when the call is completed or cancelled: on the
  // thread that completes it, just before the answer goes to the transport. Any number; they
  // run in reverse order of registration (the innermost layer first, as a stack unwinds).
  // Register before the call can complete (a call already done never runs it).
  void OnComplete(std::function<void(CallOutcome)> handler);
  bool done() const;

 private:
  friend class SessionCore;
  void Cancel();

  std::shared_ptr<SessionCore> session_;
  Mutex& mu_;  // the session's: one lock orders a session's calls and its messages
  Message request_;
  std::string progress_token_;  // serialized, empty when the client sent none
  bool done_ GW_GUARDED_BY(mu_) = false;
  bool cancelled_ GW_GUARDED_BY(mu_) = false;
  // key -> "\"key\":json", to merge into the result's _meta.
  std::vector<std::pair<std::string, std::string>> result_meta_ GW_GUARDED_BY(mu_);
  std::function<void()> cancel_handler_ GW_GUARDED_BY(mu_);
  TraceContext trace_ GW_GUARDED_BY(mu_);
  std::vector<std::function<void(CallOutcome)>> complete_handlers_ GW_GUARDED_BY(mu_);
};
using CallPtr = std::shared_ptr<Call>;

struct ServerInfo {
  std::string name = "edgegw";
  std::string title = "edgegw MCP edge gateway";
  std::string version;
  std::string instructions;
};

class Service {
 public:
  virtual ~Service() = default;
  // The "capabilities" object announced in the initialize result (serialized JSON).
  virtual std::string Capabilities() const = 0;
  virtual ServerInfo Info() const = 0;
  // Serves `call`, now or later, on any thread. Returns false if the method is not one this
  // service knows; the session then answers -32601 itself.
  virtual bool Handle(const CallPtr& call) = 0;
  // The session `session_id` ended (client DELETE, disconnect of stdio, shutdown).
  virtual void SessionClosed(const std::string& session_id) { (void)session_id; }
};

}  // namespace gw::protocol
