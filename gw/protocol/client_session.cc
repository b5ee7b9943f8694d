#include "gw/protocol/client_session.h"

#include <vector>

#include "gw/base/log.h"
#include "gw/protocol/version.h"

namespace gw::protocol {

ClientSession::ClientSession(const ClientSessionOptions& options, std::shared_ptr<MessageSink> sink)
    : options_(options),
      clock_(options.clock ? *options.clock : RealClock()),
      sink_(std::move(sink)) {}

ClientSession::~ClientSession() { Close(); }

void ClientSession::Initialize(std::function<void(Result<InitializeResult>)> done) {
  {
    MutexLock lock(mu_);
    if (state_ != ClientState::kNew) {
      lock.Unlock();
      return done(FailedPrecondition("Initialize needs a new session (a closed one stays closed)"));
    }
    state_ = ClientState::kInitializing;
  }
  JsonWriter p;
  p.StartObject().Field("protocolVersion", options_.protocol_version);
  p.Key("capabilities").Raw(options_.capabilities);
  p.Key("clientInfo")
      .StartObject()
      .Field("name", options_.client_name)
      .Field("version", options_.client_version)
      .EndObject();
  p.EndObject();
  Request("initialize", p.str(), [this, done = std::move(done)](Result<Message> response) {
    if (!response) return done(response.error());
    if (response->kind() == MessageKind::kError) {
      return done(Unavailable("upstream refused initialize: " + Serialize(response->error())));
    }
    const JsonValue& r = response->result();
    InitializeResult result;
    result.protocol_version = std::string(StringMember(r, "protocolVersion").value_or(""));
    if (!IsSupportedProtocolVersion(result.protocol_version)) {
      Close();
      return done(FailedPrecondition("upstream answered protocol version '" +
                                     result.protocol_version +
                                     "', which this gateway does not speak"));
    }
    if (const JsonValue* info = ObjectMember(r, "serverInfo")) {
      result.server_name = std::string(StringMember(*info, "name").value_or(""));
      result.server_version = std::string(StringMember(*info, "version").value_or(""));
    }
    const JsonValue* caps = ObjectMember(r, "capabilities");
    result.capabilities = caps ? Serialize(*caps) : "{}";
    result.instructions = std::string(StringMember(r, "instructions").value_or(""));
    {
      MutexLock lock(mu_);
      if (state_ == ClientState::kClosed) return done(Unavailable("session closed"));
      state_ = ClientState::kReady;
      sink_->Send(MakeNotification("notifications/initialized", ""));
    }
    done(std::move(result));
  });
}

std::string ClientSession::Request(std::string_view method, std::string_view params,
                                   ResponseCallback callback) {
  return Request(method, params, std::move(callback), nullptr);
}

std::string ClientSession::Request(std::string_view method, std::string_view params,
                                   ResponseCallback callback,
                                   const std::function<void(const std::string& id)>& before_send) {
  MutexLock lock(mu_);
  std::string id = std::to_string(next_id_++);
  if (state_ == ClientState::kClosed) {
    lock.Unlock();
    callback(Unavailable("session closed"));
    return id;
  }
  pending_.Add(id,
               {std::string(method), clock_.Now() + options_.request_timeout, std::move(callback)});
  if (before_send) before_send(id);
  sink_->SendRequest(MakeRequest(id, method, params), id);
  return id;
}

void ClientSession::Notify(std::string_view method, std::string_view params) {
  MutexLock lock(mu_);
  if (state_ == ClientState::kClosed) return;
  sink_->Send(MakeNotification(method, params));
}

ResponseCallback ClientSession::Take(const std::string& id) {
  MutexLock lock(mu_);
  return pending_.Take(id);
}

void ClientSession::Cancel(const std::string& id, std::string_view reason) {
  ResponseCallback callback = Take(id);
  if (!callback) return;
  JsonWriter p;
  p.StartObject().Key("requestId").Raw(id);
  if (!reason.empty()) p.Field("reason", reason);
  p.EndObject();
  Notify("notifications/cancelled", p.str());
  callback(MakeError(Code::kCancelled, "request cancelled"));
}

void ClientSession::Fail(const std::string& id, Error error) {
  ResponseCallback callback = Take(id);
  if (callback) callback(std::move(error));
}

void ClientSession::ReceiveText(std::string_view text) {
  auto message = ParseMessage(text);
  if (!message) {
    GW_LOG_WARNING("upstream sent an unreadable message: %s", message.error().message.c_str());
    return;
  }
  if (message->is_response()) {
    ResponseCallback callback = Take(message->id());
    if (callback) callback(std::move(*message));
    return;
  }
  if (message->is_request()) return HandleRequest(std::move(*message));
  NotificationHandler handler;
  {
    MutexLock lock(mu_);
    handler = notification_handler_;
  }
  if (handler) handler(*message);
}

void ClientSession::HandleRequest(Message message) {
  RequestHandler handler;
  {
    MutexLock lock(mu_);
    handler = request_handler_;
  }
  const std::string& id = message.id();
  auto sink = sink_;
  Reply reply{[sink, id](std::string_view result) { sink->Send(MakeResult(id, result)); },
              [sink, id](int code, std::string_view text) {
                sink->Send(MakeErrorResponse(id, code, text));
              }};
  if (message.method() == "ping") return reply.result("{}");
  if (!handler) return reply.error(rpc::kMethodNotFound, "Method not found: " + message.method());
  handler(message, std::move(reply));
}

void ClientSession::SetRequestHandler(RequestHandler handler) {
  MutexLock lock(mu_);
  request_handler_ = std::move(handler);
}

void ClientSession::SetNotificationHandler(NotificationHandler handler) {
  MutexLock lock(mu_);
  notification_handler_ = std::move(handler);
}

size_t ClientSession::ExpireRequests() {
  internal::PendingRequests::Expired expired;
  {
    MutexLock lock(mu_);
    expired = pending_.TakeExpired(clock_.Now());
  }
  internal::FailAll(expired, Code::kDeadlineExceeded, "upstream did not answer", " in time");
  return expired.size();
}

void ClientSession::Close() {
  internal::PendingRequests::Expired unanswered;
  {
    MutexLock lock(mu_);
    if (state_ == ClientState::kClosed) return;
    state_ = ClientState::kClosed;
    unanswered = pending_.TakeAll();
  }
  internal::FailAll(unanswered, Code::kUnavailable, "session closed before", " was answered");
}

ClientState ClientSession::state() const {
  MutexLock lock(mu_);
  return state_;
}

size_t ClientSession::pending() const {
  MutexLock lock(mu_);
  return pending_.size();
}

}  // namespace gw::protocol
