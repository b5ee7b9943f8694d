#include "gw/protocol/server_session.h"

#include "gw/protocol/internal/session_core.h"

namespace gw::protocol {

ServerSession::ServerSession(std::string session_id, Service& service,
                             std::shared_ptr<Outbox> outbox, const SessionOptions& options)
    : core_(std::make_shared<SessionCore>(std::move(session_id), service, std::move(outbox),
                                          options)) {}

size_t ServerSession::ExpireClientRequests() { return core_->ExpireClientRequests(); }

ServerSession::~ServerSession() { Close(); }

void ServerSession::ReceiveText(std::string_view text) {
  auto message = ParseMessage(text);
  if (!message) {
    const RpcFailure& failure = message.error();
    core_->SendError(failure.id, failure.code, failure.message);
    return;
  }
  core_->Receive(std::move(*message));
}

void ServerSession::Receive(Message message) { core_->Receive(std::move(message)); }
void ServerSession::Close() { core_->Close(); }
const std::string& ServerSession::id() const { return core_->session_id(); }
SessionState ServerSession::state() const { return core_->state(); }
std::string ServerSession::protocol_version() const { return core_->protocol_version(); }
std::shared_ptr<SessionChannel> ServerSession::channel() const { return core_; }
size_t ServerSession::calls_in_flight() const { return core_->calls_in_flight(); }

}  // namespace gw::protocol
