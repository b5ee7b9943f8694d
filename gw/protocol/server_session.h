// ServerSession: the MCP server side of one client session, sans-IO.
//
// The transport feeds it decoded text (one JSON-RPC message per call) and it answers through
// an Outbox. It enforces the lifecycle (initialize first, version negotiation, nothing but
// ping before initialize), answers ping and logging/setLevel itself, routes
// notifications/cancelled to the call it names, correlates responses to its own
// server-to-client requests, and hands every other request to the Service.
//
// Ownership: the session shares its core with the Calls it creates, so a call finishing
// after Close() is harmless. Thread-safety: all methods are thread-safe; outbox sends happen
// under the session's lock, in order, so an Outbox must not call back into the session.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gw/base/clock.h"
#include "gw/protocol/service.h"

namespace gw::protocol {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Delivers `message` (one serialized JSON-RPC message; may be empty when `final` only
  // closes the stream). `related` is the serialized id of the client request this message
  // belongs to (its response, its progress, a server request made while serving it) or
  // empty for session-level messages. `final` marks the last message for `related`.
  virtual void Send(std::string message, std::string_view related, bool final) = 0;
  // Ends the connection currently carrying the stream of request `related` without ending
  // the stream: later messages are kept for the client to fetch by resuming (SSE polling,
  // MCP 2025-11-25 §Transports, Resumability). Transports without streams ignore it.
  virtual void Interrupt(std::string_view related) { (void)related; }
};

enum class SessionState { kAwaitingInitialize, kInitializing, kReady, kClosed };

struct SessionOptions {
  // How long a server-to-client request (sampling, elicitation, roots) may wait for the
  // client's answer before the call that made it gets kDeadlineExceeded. Long by default:
  // elicitation waits for a person.
  Clock::Duration client_request_timeout = std::chrono::seconds(300);
  const Clock* clock = nullptr;     // RealClock() when null
  std::string transport = "stdio";  // what Call::transport() reports: "stdio", "http"
};

class ServerSession {
 public:
  ServerSession(std::string session_id, Service& service, std::shared_ptr<Outbox> outbox,
                const SessionOptions& options = {});
  ~ServerSession();  // Close()s.
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Handles one message of text. Malformed input is answered with the right JSON-RPC error
  // through the outbox (never an abort).
  void ReceiveText(std::string_view text);
  void Receive(Message message);

  // Cancels calls in flight and fails pending server-to-client requests. Idempotent.
  void Close();

  // Fails server-to-client requests older than the timeout with kDeadlineExceeded (the
  // transport calls this periodically; the session has no timers). Returns how many.
  size_t ExpireClientRequests();

  const std::string& id() const;
  SessionState state() const;
  // The negotiated protocol revision (empty before initialize).
  std::string protocol_version() const;
  std::shared_ptr<SessionChannel> channel() const;
  // Number of client requests in flight.
  size_t calls_in_flight() const;

 private:
  std::shared_ptr<SessionCore> core_;
};

}  // namespace gw::protocol
