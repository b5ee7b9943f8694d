#include "gw/protocol/internal/session_core.h"

#include <array>
#include <vector>

#include "gw/base/check.h"
#include "gw/base/log.h"
#include "gw/protocol/version.h"

namespace gw::protocol {
namespace {

// RFC 5424 severities, as MCP's logging/setLevel names them, least severe first.
constexpr std::array<std::string_view, 8> kLogLevels = {"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};

// The completion observers of a call, the last registered first.
void RunCompleteHandlers(std::vector<std::function<void(CallOutcome)>>& handlers,
                         CallOutcome outcome) {
  for (size_t i = handlers.size(); i-- > 0;) handlers[i](outcome);
}

int LevelIndex(std::string_view level) {
  for (size_t i = 0; i < kLogLevels.size(); ++i) {
    if (kLogLevels[i] == level) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

SessionCore::SessionCore(std::string id, Service& service, std::shared_ptr<Outbox> outbox,
                         const SessionOptions& options)
    : id_(std::move(id)),
      service_(service),
      outbox_(std::move(outbox)),
      clock_(options.clock ? *options.clock : RealClock()),
      request_timeout_(options.client_request_timeout),
      transport_(options.transport) {}

size_t SessionCore::ExpireClientRequests() {
  internal::PendingRequests::Expired expired;
  {
    MutexLock lock(mu_);
    expired = requests_.TakeExpired(clock_.Now());
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(request_timeout_).count();
  internal::FailAll(expired, Code::kDeadlineExceeded, "the client did not answer",
                    " within " + std::to_string(seconds) + " s");
  return expired.size();
}

SessionState SessionCore::state() const {
  MutexLock lock(mu_);
  return state_;
}

std::string SessionCore::protocol_version() const {
  MutexLock lock(mu_);
  return client_.protocol_version;
}

size_t SessionCore::calls_in_flight() const {
  MutexLock lock(mu_);
  return calls_.size();
}

bool SessionCore::closed() const { return state() == SessionState::kClosed; }

void SessionCore::SendError(std::string_view id, int code, std::string_view text) {
  MutexLock lock(mu_);
  if (state_ == SessionState::kClosed) return;
  std::string_view related = id == "null" ? std::string_view() : id;
  outbox_->Send(MakeErrorResponse(id, code, text), related, !related.empty());
}

void SessionCore::Receive(Message message) {
  if (message.is_response()) return HandleResponse(message);
  if (message.is_notification()) return HandleNotification(message);

  const std::string& method = message.method();
  SessionState state = this->state();
  if (state == SessionState::kClosed) return;
  if (method == "initialize") return HandleInitialize(message);
  if (method == "ping") {
    MutexLock lock(mu_);
    outbox_->Send(MakeResult(message.id(), "{}"), message.id(), true);
    return;
  }
  // MCP §Lifecycle: the client should not send requests other than pings before the
  // server has responded to initialize.
  if (state == SessionState::kAwaitingInitialize) {
    return SendError(message.id(), rpc::kInvalidRequest,
                     "Invalid Request: session not initialized; the first request must be "
                     "initialize");
  }
  if (method == "logging/setLevel") return HandleSetLevel(message);
  Dispatch(std::move(message));
}

void SessionCore::HandleInitialize(Message& message) {
  const JsonValue& params = message.params();
  auto version = StringMember(params, "protocolVersion");
  if (!version) {
    return SendError(message.id(), rpc::kInvalidParams,
                     "Invalid params: initialize needs a string \"protocolVersion\"");
  }
  if (!ObjectMember(params, "capabilities") || !ObjectMember(params, "clientInfo")) {
    return SendError(
        message.id(), rpc::kInvalidParams,
        "Invalid params: initialize needs \"capabilities\" and \"clientInfo\" objects");
  }
  std::string result;
  std::string negotiated;
  {
    MutexLock lock(mu_);
    if (state_ != SessionState::kAwaitingInitialize) {
      outbox_->Send(MakeErrorResponse(message.id(), rpc::kInvalidRequest,
                                      "Invalid Request: initialize was already received"),
                    message.id(), true);
      return;
    }
    const JsonValue& caps = *ObjectMember(params, "capabilities");
    const JsonValue& info = *ObjectMember(params, "clientInfo");
    client_.protocol_version = std::string(NegotiateProtocolVersion(*version));
    client_.name = std::string(StringMember(info, "name").value_or(""));
    client_.version = std::string(StringMember(info, "version").value_or(""));
    client_.supports_sampling = Member(caps, "sampling") != nullptr;
    client_.supports_elicitation = Member(caps, "elicitation") != nullptr;
    client_.supports_roots = Member(caps, "roots") != nullptr;
    state_ = SessionState::kInitializing;
    negotiated = client_.protocol_version;
  }
  ServerInfo server = service_.Info();
  JsonWriter w;
  w.StartObject().Field("protocolVersion", negotiated);
  w.Key("capabilities").Raw(service_.Capabilities());
  w.Key("serverInfo").StartObject().Field("name", server.name).Field("version", server.version);
  if (!server.title.empty()) w.Field("title", server.title);
  w.EndObject();
  if (!server.instructions.empty()) w.Field("instructions", server.instructions);
  w.EndObject();
  result = w.str();
  MutexLock lock(mu_);
  outbox_->Send(MakeResult(message.id(), result), message.id(), true);
}

void SessionCore::HandleSetLevel(const Message& message) {
  auto level = StringMember(message.params(), "level");
  int index = level ? LevelIndex(*level) : -1;
  if (index < 0) {
    return SendError(message.id(), rpc::kInvalidParams,
                     "Invalid params: \"level\" must be one of debug, info, notice, warning, "
                     "error, critical, alert, emergency");
  }
  MutexLock lock(mu_);
  log_level_ = index;
  outbox_->Send(MakeResult(message.id(), "{}"), message.id(), true);
}

bool SessionCore::LevelEnabled(std::string_view level) const {
  int index = LevelIndex(level);
  MutexLock lock(mu_);
  return index >= log_level_;
}

void SessionCore::HandleNotification(const Message& message) {
  const std::string& method = message.method();
  if (method == "notifications/initialized") {
    MutexLock lock(mu_);
    if (state_ == SessionState::kInitializing) state_ = SessionState::kReady;
    return;
  }
  if (method == "notifications/cancelled") {
    const JsonValue* id = Member(message.params(), "requestId");
    if (!id || !(id->IsString() || id->IsInt64())) return;
    std::function<void()> handler;
    std::vector<std::function<void(CallOutcome)>> on_complete;
    {
      MutexLock lock(mu_);
      auto it = calls_.find(Serialize(*id));
      // MCP §Cancellation: initialize cannot be cancelled; unknown ids are ignored.
      if (it == calls_.end()) return;
      Call& call = *it->second;
      HoldsCallState(call);
      call.cancelled_ = true;
      call.done_ = true;
      handler = std::move(call.cancel_handler_);
      on_complete.swap(call.complete_handlers_);
      // No response for a cancelled request; just end its stream.
      outbox_->Send(std::string(), it->first, true);
      calls_.erase(it);
    }
    if (handler) handler();
    RunCompleteHandlers(on_complete, CallOutcome::kCancelled);
    return;
  }
  // Other client notifications (roots/list_changed, progress) need no answer.
  GW_LOG_DEBUG("session %s: notification %s", id_.c_str(), method.c_str());
}

void SessionCore::HandleResponse(Message& message) {
  ResponseCallback callback;
  {
    MutexLock lock(mu_);
    callback = requests_.Take(message.id());
    if (!callback) {
      GW_LOG_DEBUG("session %s: response to unknown request %s", id_.c_str(), message.id().c_str());
      return;
    }
  }
  if (callback) callback(std::move(message));
}

void SessionCore::Dispatch(Message message) {
  auto call = std::make_shared<Call>(shared_from_this(), std::move(message));
  {
    MutexLock lock(mu_);
    auto [it, inserted] = calls_.emplace(call->id(), call.get());
    if (!inserted) {
      HoldsCallState(*call);
      call->done_ = true;
      outbox_->Send(MakeErrorResponse(call->id(), rpc::kInvalidRequest,
                                      "Invalid Request: a request with this id is still in "
                                      "progress; ids must be unique per session"),
                    call->id(), true);
      return;
    }
  }
  if (!service_.Handle(call)) {
    call->Fail(rpc::kMethodNotFound, "Method not found: " + call->method());
  }
}

bool SessionCore::Complete(Call& call, std::string message, CallOutcome outcome) {
  std::function<void()> released;  // destroyed after the lock: it may hold the Call itself
  std::vector<std::function<void(CallOutcome)>> on_complete;
  {
    MutexLock lock(mu_);
    HoldsCallState(call);
    if (call.done_) {
      // A reply racing the client's cancellation is expected; any other second answer is a
      // service that completes a call twice.
      if (!call.cancelled_) GW_BUG("a Call was completed twice");
      return false;
    }
    call.done_ = true;
    released.swap(call.cancel_handler_);
    on_complete.swap(call.complete_handlers_);
    auto it = calls_.find(call.id());
    if (it != calls_.end() && it->second == &call) calls_.erase(it);
  }
  // Before the answer leaves, so that whoever reads the answer also sees what the handler
  // recorded (metrics). Nothing else is sent for a done call in between.
  RunCompleteHandlers(on_complete, outcome);
  MutexLock lock(mu_);
  if (state_ != SessionState::kClosed) outbox_->Send(std::move(message), call.id(), true);
  return true;
}

void SessionCore::SetCompleteHandler(Call& call, std::function<void(CallOutcome)> handler) {
  MutexLock lock(mu_);
  HoldsCallState(call);
  if (!call.done_) call.complete_handlers_.push_back(std::move(handler));
}

void SessionCore::SendRelated(const Call& call, std::string message) {
  MutexLock lock(mu_);
  HoldsCallState(call);
  if (call.done_ || state_ == SessionState::kClosed) return;
  outbox_->Send(std::move(message), call.id(), false);
}

void SessionCore::Interrupt(const Call& call) {
  MutexLock lock(mu_);
  HoldsCallState(call);
  if (call.done_ || state_ == SessionState::kClosed) return;
  outbox_->Interrupt(call.id());
}

void SessionCore::Notify(std::string_view method, std::string_view params) {
  MutexLock lock(mu_);
  if (state_ == SessionState::kClosed || state_ == SessionState::kAwaitingInitialize) return;
  outbox_->Send(MakeNotification(method, params), {}, false);
}

void SessionCore::SendRequest(const Call* call, std::string_view method, std::string_view params,
                              ResponseCallback callback) {
  MutexLock lock(mu_);
  if (state_ == SessionState::kClosed || (call && CallDone(*call))) {
    lock.Unlock();
    callback(Unavailable("session closed before the request could be sent"));
    return;
  }
  std::string id = std::to_string(next_request_id_++);
  std::string related = call ? call->id() : std::string();
  requests_.Add(id, {std::string(method), clock_.Now() + request_timeout_, std::move(callback)});
  outbox_->Send(MakeRequest(id, method, params), related, false);
}

void SessionCore::SetCancelHandler(Call& call, std::function<void()> handler) {
  {
    MutexLock lock(mu_);
    HoldsCallState(call);
    if (!call.cancelled_) {
      call.cancel_handler_ = std::move(handler);
      return;
    }
  }
  handler();
}

bool SessionCore::IsCancelled(const Call& call) const {
  MutexLock lock(mu_);
  HoldsCallState(call);
  return call.cancelled_;
}

bool SessionCore::IsDone(const Call& call) const {
  MutexLock lock(mu_);
  HoldsCallState(call);
  return call.done_;
}

void SessionCore::Forget(const Call& call) {
  MutexLock lock(mu_);
  auto it = calls_.find(call.id());
  if (it != calls_.end() && it->second == &call) calls_.erase(it);
}

void SessionCore::Close() {
  std::vector<std::function<void()>> handlers;
  internal::PendingRequests::Expired unanswered;
  {
    MutexLock lock(mu_);
    if (state_ == SessionState::kClosed) return;
    state_ = SessionState::kClosed;
    for (auto& [id, call] : calls_) {
      HoldsCallState(*call);
      call->cancelled_ = true;
      if (call->cancel_handler_) handlers.push_back(std::move(call->cancel_handler_));
    }
    unanswered = requests_.TakeAll();
  }
  for (auto& handler : handlers) handler();
  internal::FailAll(unanswered, Code::kUnavailable, "session closed before the client answered",
                    "");
  service_.SessionClosed(id_);
}

}  // namespace gw::protocol
