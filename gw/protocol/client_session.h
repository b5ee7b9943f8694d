// ClientSession: the MCP client side of one session, sans-IO, for talking to upstream
// servers (gw/upstream) and for `edgegw client`. Text in through ReceiveText, text out
// through a MessageSink.
//
// It runs the handshake (initialize, version check, notifications/initialized), numbers
// and correlates requests, fails them on Close or after a timeout, sends
// notifications/cancelled for Cancel, and hands server-to-client requests (sampling,
// elicitation, roots, ping) and notifications to handlers.
//
// Thread-safety: all methods are thread-safe. Callbacks and handlers run on the calling
// thread of ReceiveText/Close/Expire..., never under the session's lock; the sink is
// called under the lock (so messages leave in order) and must not call back in.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "gw/base/clock.h"
#include "gw/base/mutex.h"
#include "gw/base/version.h"
#include "gw/protocol/internal/pending_requests.h"
#include "gw/protocol/jsonrpc.h"
#include "gw/protocol/service.h"
#include "gw/protocol/version.h"

namespace gw::protocol {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Send(std::string message) = 0;
  // A request with id `id` (serialized). Transports that carry each request on its own
  // exchange (Streamable HTTP) need the id to report failures; others just Send.
  virtual void SendRequest(std::string message, const std::string& id) {
    (void)id;
    Send(std::move(message));
  }
};

struct ClientSessionOptions {
  std::string client_name = "edgegw";
  std::string client_version{kVersion};
  std::string capabilities = "{}";  // the client capabilities object (serialized JSON)
  std::string protocol_version{kLatestProtocolVersion};
  Clock::Duration request_timeout = std::chrono::seconds(60);
  const Clock* clock = nullptr;  // RealClock() when null
};

struct InitializeResult {
  std::string protocol_version;
  std::string server_name;
  std::string server_version;
  std::string capabilities;  // serialized JSON
  std::string instructions;
};

enum class ClientState { kNew, kInitializing, kReady, kClosed };

class ClientSession {
 public:
  // Answers a server-to-client request: `reply` takes a result (serialized JSON) or an
  // error via ReplyError; exactly one call.
  struct Reply {
    std::function<void(std::string_view result)> result;
    std::function<void(int code, std::string_view message)> error;
  };
  using RequestHandler = std::function<void(const Message& request, Reply reply)>;
  using NotificationHandler = std::function<void(const Message& notification)>;

  ClientSession(const ClientSessionOptions& options, std::shared_ptr<MessageSink> sink);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Sends initialize; on success sends notifications/initialized, then `done(result)`.
  // kFailedPrecondition if the server answers a protocol version we do not speak.
  void Initialize(std::function<void(Result<InitializeResult>)> done);

  // Sends a request and returns its id (serialized). `callback` gets the response message
  // (result or error) or an Error: kUnavailable when the session closes first,
  // kDeadlineExceeded after the timeout, kCancelled after Cancel.
  std::string Request(std::string_view method, std::string_view params, ResponseCallback callback);
  // As above; `before_send(id)` runs under the session's lock just before the request
  // leaves, so the caller can file the id before any answer can arrive. It must not call
  // back into the session.
  std::string Request(std::string_view method, std::string_view params, ResponseCallback callback,
                      const std::function<void(const std::string& id)>& before_send);
  void Notify(std::string_view method, std::string_view params);
  // Sends notifications/cancelled for `id` and fails its callback with kCancelled.
  void Cancel(const std::string& id, std::string_view reason);

  // Completes request `id` with `error` (the transport lost it). No-op if it is not pending.
  void Fail(const std::string& id, Error error);

  // Handles one message from the server. Malformed text is logged and dropped (a client
  // cannot answer a response it cannot read).
  void ReceiveText(std::string_view text);

  void SetRequestHandler(RequestHandler handler);
  void SetNotificationHandler(NotificationHandler handler);

  // Fails requests older than the timeout. Returns how many.
  size_t ExpireRequests();
  // Fails every pending request with kUnavailable. Idempotent.
  void Close();

  ClientState state() const;
  size_t pending() const;

 private:
  void HandleRequest(Message message);
  ResponseCallback Take(const std::string& id);

  const ClientSessionOptions options_;
  const Clock& clock_;
  const std::shared_ptr<MessageSink> sink_;
  mutable Mutex mu_;
  ClientState state_ GW_GUARDED_BY(mu_) = ClientState::kNew;
  uint64_t next_id_ GW_GUARDED_BY(mu_) = 1;
  internal::PendingRequests pending_ GW_GUARDED_BY(mu_);
  RequestHandler request_handler_ GW_GUARDED_BY(mu_);
  NotificationHandler notification_handler_ GW_GUARDED_BY(mu_);
};

}  // namespace gw::protocol
