// The Streamable HTTP side of MCP sessions: which SSE stream each outgoing message goes to
// (StreamRouter), one MCP session with its streams (HttpSession), and the table of sessions
// by Mcp-Session-Id (SessionRegistry).
//
// Routing rule (MCP 2025-11-25 §Transports, Streamable HTTP): a message related to a client
// request (its response, its progress, a server request made while serving it) goes on the
// stream opened by the POST that carried that request; everything else goes on the
// session's standalone stream, which a GET attaches to.
//
// Ownership: the registry owns sessions by shared_ptr; connections hold them while they
// serve a request. Thread-safety: all classes are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "gw/base/clock.h"
#include "gw/base/mutex.h"
#include "gw/protocol/server_session.h"
#include "gw/transport/http/event_stream.h"
#include "gw/transport/transport_metrics.h"

namespace gw::transport {

class StreamRouter : public protocol::Outbox {
 public:
  StreamRouter(TransportMetrics* metrics, const Clock& clock);

  enum class OpenError { kNone, kDuplicateId, kTooManyInFlight, kClosed };
  // Opens the stream that will carry the answer to request `id`. Returns nullptr, with the
  // reason in `*error`, if that id is still in flight, the session has kMaxInFlight
  // requests open already, or the session was closed.
  std::shared_ptr<EventStream> OpenRequestStream(const std::string& id, std::string_view method,
                                                 OpenError* error);
  static constexpr size_t kMaxInFlight = 256;
  std::shared_ptr<EventStream> standalone() const { return standalone_; }
  // A stream by number, for Last-Event-ID; nullptr when unknown or forgotten.
  std::shared_ptr<EventStream> Find(uint64_t number) const;
  // Ends every stream (session deleted or server stopping).
  void FinishAll();

  void Send(std::string message, std::string_view related, bool final) override;
  void Interrupt(std::string_view related) override;

 private:
  struct Pending {
    std::shared_ptr<EventStream> stream;
    std::string method;
    Clock::TimePoint start;
  };
  TransportMetrics* const metrics_;
  const Clock& clock_;
  const std::shared_ptr<EventStream> standalone_;
  mutable Mutex mu_;
  std::map<std::string, Pending> pending_ GW_GUARDED_BY(mu_);
  std::map<uint64_t, std::shared_ptr<EventStream>> by_number_ GW_GUARDED_BY(mu_);
  uint64_t next_number_ GW_GUARDED_BY(mu_) = 1;
  bool closed_ GW_GUARDED_BY(mu_) = false;
};

class HttpSession {
 public:
  HttpSession(std::string id, protocol::Service& service, TransportMetrics* metrics,
              const Clock& clock, const protocol::SessionOptions& options);
  ~HttpSession();

  const std::string& id() const { return id_; }
  protocol::ServerSession& session() { return session_; }
  StreamRouter& streams() { return *router_; }
  void Touch();
  Clock::TimePoint last_active() const;
  void Close();

 private:
  const std::string id_;
  TransportMetrics* const metrics_;
  const Clock& clock_;
  const std::shared_ptr<StreamRouter> router_;
  protocol::ServerSession session_;
  mutable Mutex mu_;
  Clock::TimePoint last_active_ GW_GUARDED_BY(mu_);
};
using HttpSessionPtr = std::shared_ptr<HttpSession>;

class SessionRegistry {
 public:
  SessionRegistry(protocol::Service& service, TransportMetrics* metrics, const Clock& clock,
                  size_t max_sessions, const protocol::SessionOptions& options);
  ~SessionRegistry();

  // A new session with a fresh unguessable id; nullptr when max_sessions are open.
  HttpSessionPtr Create();
  HttpSessionPtr Find(const std::string& id) const;
  // Closes and forgets `id`. Returns false if unknown.
  bool Remove(const std::string& id);
  // Closes sessions idle for longer than `idle`. Returns how many.
  size_t ExpireIdle(Clock::Duration idle);
  // Fails server-to-client requests the clients left unanswered too long. Returns how many.
  size_t ExpireClientRequests();
  void CloseAll();
  size_t size() const;

 private:
  protocol::Service& service_;
  TransportMetrics* const metrics_;
  const Clock& clock_;
  const size_t max_sessions_;
  const protocol::SessionOptions session_options_;
  mutable Mutex mu_;
  std::map<std::string, HttpSessionPtr> sessions_ GW_GUARDED_BY(mu_);
};

// 128 random bits as 32 lowercase hex characters (visible ASCII, as the spec requires).
std::string NewSessionId();

}  // namespace gw::transport
