// SessionCore: the shared state of one ServerSession (see server_session.h). Private to
// gw/protocol; Calls and the ServerSession facade hold it by shared_ptr.
//
// Thread-safety: every member is guarded by mu_. Outbox sends happen under mu_ so that the
// messages of one session leave in the order they were produced.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gw/base/check.h"
#include "gw/base/mutex.h"
#include "gw/protocol/internal/pending_requests.h"
#include "gw/protocol/server_session.h"

namespace gw::protocol {

class SessionCore : public SessionChannel, public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(std::string id, Service& service, std::shared_ptr<Outbox> outbox,
              const SessionOptions& options);

  void Receive(Message message);
  void Close();
  size_t ExpireClientRequests();

  // Answers a request (or an unreadable message, id "null") with a JSON-RPC error.
  void SendError(std::string_view id, int code, std::string_view text);

  // SessionChannel.
  const std::string& session_id() const override { return id_; }
  void Notify(std::string_view method, std::string_view params) override;
  bool closed() const override;

  // Used by Call.
  Mutex& mutex() const GW_RETURN_CAPABILITY(mu_) { return mu_; }  // also guards Call's state
  bool Complete(Call& call, std::string message, CallOutcome outcome);
  void SetCompleteHandler(Call& call, std::function<void(CallOutcome)> handler);
  void SendRelated(const Call& call, std::string message);
  void Interrupt(const Call& call);
  void SendRequest(const Call* call, std::string_view method, std::string_view params,
                   ResponseCallback callback);
  bool LevelEnabled(std::string_view level) const;
  void SetCancelHandler(Call& call, std::function<void()> handler);
  bool IsCancelled(const Call& call) const;
  bool IsDone(const Call& call) const;
  void Forget(const Call& call);

  // Written once under mu_ by initialize, before the first Call exists; Calls read it after
  // (the calls_ map, under mu_, orders the two).
  const ClientInfo& client() const GW_NO_THREAD_SAFETY_ANALYSIS { return client_; }
  const std::string& transport() const { return transport_; }
  SessionState state() const;
  std::string protocol_version() const;
  size_t calls_in_flight() const;

 private:
  // A Call's state is guarded by its session's mutex (Call::mu_ is mu_): with mu_ held, so
  // is the call's.
  void HoldsCallState(const Call& call) const GW_REQUIRES(mu_) GW_ASSERT_CAPABILITY(call.mu_) {
    GW_DCHECK(&call.mu_ == &mu_);
  }
  bool CallDone(const Call& call) const GW_REQUIRES(mu_) {
    HoldsCallState(call);
    return call.done_;
  }
  void HandleInitialize(Message& message);
  void HandleResponse(Message& message);
  void HandleNotification(const Message& message);
  void HandleSetLevel(const Message& message);
  void Dispatch(Message message);

  const std::string id_;
  Service& service_;
  const std::shared_ptr<Outbox> outbox_;
  const Clock& clock_;
  const Clock::Duration request_timeout_;
  const std::string transport_;

  mutable Mutex mu_;
  SessionState state_ GW_GUARDED_BY(mu_) = SessionState::kAwaitingInitialize;
  ClientInfo client_ GW_GUARDED_BY(mu_);  // written once, by initialize, before any Call
  int log_level_ GW_GUARDED_BY(mu_) = 1;  // index into the RFC 5424 levels; "info" by default
  std::map<std::string, Call*> calls_ GW_GUARDED_BY(mu_);  // in-flight client requests by id
  internal::PendingRequests requests_ GW_GUARDED_BY(mu_);  // our requests to the client
  uint64_t next_request_id_ GW_GUARDED_BY(mu_) = 1;
};

}  // namespace gw::protocol
